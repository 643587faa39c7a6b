// Tells every process that an integration changed (connected, stopped, deleted), so the one that runs
// its bot starts or stops it at once. Carried by the key/value store's publish/subscribe.
import type { KeyValueStore } from '../ports/key-value-store.ts';

export const INTEGRATIONS_CHANNEL = 'integrations';

export interface IntegrationEvent {
  integrationId: string;
  /** `released`: a process stopped running the bot (shutdown, or more processes to share with); it is free to take. */
  change: 'connected' | 'started' | 'stopped' | 'deleted' | 'released';
}

export function publishIntegrationEvent(store: KeyValueStore, event: IntegrationEvent): Promise<void> {
  return store.publish(INTEGRATIONS_CHANNEL, JSON.stringify(event));
}

export function parseIntegrationEvent(message: string): IntegrationEvent | undefined {
  try {
    const value = JSON.parse(message) as Partial<IntegrationEvent>;
    return typeof value.integrationId === 'string' && typeof value.change === 'string'
      ? (value as IntegrationEvent)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Where the process running a WhatsApp Web session keeps its current QR code (it changes about every 20 s). */
export const webSessionQrKey = (integrationId: string) => `whatsapp-web:qr:${integrationId}`;
