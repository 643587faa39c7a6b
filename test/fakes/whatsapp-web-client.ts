// A stand-in for whatsapp-web.js's Client: the same events (qr, authenticated, ready, message,
// disconnected, auth_failure) emitted when a test says so, and every call the product makes recorded.
// It does what the real one does with its auth store: a started client looks for a saved session.
import { EventEmitter } from 'node:events';
import type {
  WebClient,
  WebClientFactory,
  WebClientOptions,
  WebMessage,
} from '../../bots/whatsapp/whatsapp-web-client.ts';

export class FakeWebClient extends EventEmitter {
  readonly sent: { chatId: string; text: string }[] = [];
  readonly seen: string[] = [];
  info?: { wid?: { user?: string } };
  initialized = false;
  destroyed = false;
  loggedOut = false;
  /** Whether the product killed the browser (it did not close in time). */
  killed = false;
  /** Whether the auth store had a saved session when the client started. */
  restoredSession = false;
  private sentWaiters: (() => void)[] = [];

  constructor(
    readonly options: WebClientOptions,
    private readonly behaviour: FakeBehaviour,
  ) {
    super();
  }

  async initialize(): Promise<void> {
    this.initialized = true;
    this.restoredSession = await this.options.store.sessionExists({
      session: `RemoteAuth-${this.options.integrationId}`,
    });
    if (this.behaviour.initialize) await this.behaviour.initialize(this);
  }

  async destroy(): Promise<void> {
    if (this.behaviour.destroy) await this.behaviour.destroy(this);
    this.destroyed = true;
  }

  async kill(): Promise<void> {
    this.behaviour.kill?.(this);
    this.killed = true;
    this.destroyed = true;
  }

  async logout(): Promise<void> {
    this.loggedOut = true;
    this.destroyed = true;
  }

  async sendMessage(chatId: string, text: string): Promise<unknown> {
    this.sent.push({ chatId, text });
    for (const wake of this.sentWaiters.splice(0)) wake();
    return { id: { _serialized: `true_${chatId}_${this.sent.length}` } };
  }

  async sendSeen(chatId: string): Promise<unknown> {
    this.seen.push(chatId);
    return true;
  }

  /** The phone scanned the QR code (or the saved session came back): WhatsApp Web is ready. */
  becomeReady(user = '79161234567'): void {
    this.info = { wid: { user } };
    this.emit('authenticated');
    this.emit('ready');
  }

  /**
   * What whatsapp-web.js does when WhatsApp drops the session: RemoteAuth deletes the saved login, then
   * 'disconnected' is emitted; after a LOGOUT the same client shows a new QR code, after any other
   * state (CONFLICT, UNPAIRED, …) it closes itself.
   */
  async libraryDisconnects(state: string, nextQr = '2@after-logout'): Promise<void> {
    await this.options.store.delete({ session: `RemoteAuth-${this.options.integrationId}` });
    this.emit('disconnected', state);
    if (state === 'LOGOUT') this.emit('qr', nextQr);
    else this.destroyed = true;
  }

  customerWrites(from: string, body: string, options: Partial<WebMessage> = {}): WebMessage {
    const message: WebMessage = {
      id: { _serialized: `false_${from}_${Math.random().toString(16).slice(2)}` },
      from,
      body,
      type: 'chat',
      fromMe: false,
      isStatus: false,
      _data: { notifyName: 'Мария' },
      ...options,
    };
    this.emit('message', message);
    return message;
  }

  /** Resolves once `count` messages have been sent in all. */
  async waitForSent(count: number, timeoutMs = 10_000): Promise<{ chatId: string; text: string }[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.sent.length < count) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`expected ${count} sent messages, saw ${this.sent.length}: ${JSON.stringify(this.sent)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.sentWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.sent;
  }
}

export interface FakeBehaviour {
  /** Runs inside initialize(): emit a QR, become ready, throw, or never return. */
  initialize?: (client: FakeWebClient) => Promise<void> | void;
  /** Runs inside destroy() before the browser counts as closed: throw, or never return (a browser that hangs). */
  destroy?: (client: FakeWebClient) => Promise<void>;
  /** Runs when the product kills the browser, before it counts as killed. */
  kill?: (client: FakeWebClient) => void;
  /** Thrown by the factory itself (as the real one does when the browser is missing). */
  factoryError?: Error;
}

export interface FakeWebClients {
  factory: WebClientFactory;
  /** Every client made so far, oldest first. */
  all: FakeWebClient[];
  /** How the next clients behave (tests change it between steps). */
  behaviour: FakeBehaviour;
  /** Resolves with the newest client for an integration once it has been initialized. */
  next(integrationId: string, after?: FakeWebClient, timeoutMs?: number): Promise<FakeWebClient>;
}

export function fakeWebClients(): FakeWebClients {
  const all: FakeWebClient[] = [];
  const waiters: (() => void)[] = [];
  const clients: FakeWebClients = {
    all,
    behaviour: { initialize: (client) => void client.emit('qr', `2@fake-qr-${all.length}`) },
    factory: async (options) => {
      if (clients.behaviour.factoryError) throw clients.behaviour.factoryError;
      const client = new FakeWebClient(options, clients.behaviour);
      all.push(client);
      const initialize = client.initialize.bind(client);
      client.initialize = async () => {
        const done = initialize();
        for (const wake of waiters.splice(0)) wake();
        return done;
      };
      return client as unknown as WebClient;
    },
    async next(integrationId, after, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = [...all]
          .reverse()
          .find((client) => client.options.integrationId === integrationId && client.initialized);
        if (found && found !== after) return found;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no new WhatsApp Web client started for ${integrationId}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
  };
  return clients;
}
