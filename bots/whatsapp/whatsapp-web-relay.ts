// The owner's reply to a WhatsApp Web customer must leave through the browser session, which lives in
// whichever process holds that session's lease. The relay carries the request there over the
// key/value store's publish/subscribe and brings the outcome back (in one process it is the same path).
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { KeyValueStore } from '../../core/ports/key-value-store.ts';
import { ChannelRejectedError } from '../../core/errors.ts';

const REQUESTS = 'whatsapp-web:send';
const replies = (requestId: string) => `whatsapp-web:sent:${requestId}`;

interface SendRequest {
  requestId: string;
  integrationId: string;
  to: string;
  text: string;
}

interface SendOutcome {
  ok: boolean;
  message?: string;
  status?: number;
}

export interface WhatsAppWebRelay {
  /** Sends through the process that runs the session; rejects with ChannelRejectedError when none answers. */
  send(integrationId: string, to: string, text: string): Promise<void>;
  /** Answers requests for the sessions `find` knows (the bot manager's). */
  serve(
    find: (integrationId: string) => { send(to: string, text: string): Promise<void> } | undefined,
  ): Promise<() => Promise<void>>;
}

export function createWhatsAppWebRelay(
  store: KeyValueStore,
  options: { timeoutMs?: number; logger?: Logger } = {},
): WhatsAppWebRelay {
  const timeoutMs = options.timeoutMs ?? 15_000;
  return {
    async send(integrationId, to, text) {
      const requestId = randomUUID();
      let settle: (outcome: SendOutcome) => void = () => {};
      const answered = new Promise<SendOutcome>((resolve) => (settle = resolve));
      const unsubscribe = await store.subscribe(replies(requestId), (message) => {
        try {
          settle(JSON.parse(message) as SendOutcome);
        } catch {
          settle({ ok: false, message: 'an unreadable answer from the WhatsApp Web session', status: 502 });
        }
      });
      let timer: NodeJS.Timeout | undefined;
      try {
        await store.publish(REQUESTS, JSON.stringify({ requestId, integrationId, to, text } satisfies SendRequest));
        const timedOut = new Promise<SendOutcome>((resolve) => {
          timer = setTimeout(
            () =>
              resolve({
                ok: false,
                message: 'no running WhatsApp Web session answered; start the integration and try again',
                status: 503,
              }),
            timeoutMs,
          );
        });
        const outcome = await Promise.race([answered, timedOut]);
        if (!outcome.ok)
          throw new ChannelRejectedError(
            outcome.message ?? 'WhatsApp Web could not send the message',
            outcome.status ?? 502,
          );
      } finally {
        clearTimeout(timer);
        await unsubscribe();
      }
    },

    async serve(find) {
      return store.subscribe(REQUESTS, (message) => {
        let request: SendRequest;
        try {
          request = JSON.parse(message) as SendRequest;
        } catch (error) {
          options.logger?.warn({ err: error }, 'ignored an unreadable WhatsApp Web send request');
          return;
        }
        const session = find(request.integrationId);
        if (!session) return; // another process runs it (or none does: the sender times out)
        void session
          .send(request.to, request.text)
          .then((): SendOutcome => ({ ok: true }))
          .catch(
            (error: unknown): SendOutcome => ({
              ok: false,
              message: error instanceof Error ? error.message : String(error),
              status: error instanceof ChannelRejectedError ? error.status : 502,
            }),
          )
          .then((outcome) => store.publish(replies(request.requestId), JSON.stringify(outcome)))
          .catch((error: unknown) =>
            // The sender then times out and tells the owner the message may not have been sent.
            options.logger?.warn(
              { err: error, integrationId: request.integrationId },
              'could not report a WhatsApp Web send back to the requesting process',
            ),
          );
      });
    },
  };
}
