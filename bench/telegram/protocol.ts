// What the main thread (the system under test) and the worker thread (the outside world: fake Telegram,
// fake model, customers) say to each other, and the shapes of what a load yields.

export interface WorldData {
  role: 'bench-telegram-world';
  modelMs: number;
}

export interface LoadRequest {
  label: string;
  tokens: string[];
  /** Customers per bot. */
  customers: number;
  messages: number;
  /** Chat ids are chatBase + customer index (per bot). */
  chatBase: number;
  replyTimeoutMs: number;
}

export interface MessageRecord {
  marker: string;
  /** Customer update pushed to the fake → the bot's sendMessage for it received by the fake. */
  e2eMs: number;
  /** The model's time for this message: measured in the fake OpenAI server, or in the echo handler. */
  modelMs?: number;
  modelCalls: number;
  /** Whether the model's last request for this message carried passages from the knowledge base. */
  grounded?: boolean;
  ok: boolean;
  problem?: string;
}

export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  records: MessageRecord[];
  wallMs: number;
  /** sendMessage calls that answered no waiting customer message. */
  unexpectedReplies: number;
  /** Bot API calls per method during the load. */
  calls: Record<string, number>;
  /** The worker's own event-loop delay during the load: a busy harness would show here. */
  worldLoop?: LoopDelay;
  /** CPU time of the fakes' worker thread during the load (Linux), ms. */
  worldCpuMs?: number;
}

export type Rpc =
  | { method: 'info' }
  | { method: 'addBots'; tokens: string[] }
  | { method: 'waitPolling'; tokens: string[] }
  | { method: 'load'; request: LoadRequest }
  | { method: 'partial' }
  | { method: 'close' };

export interface WorldInfo {
  telegramUrl: string;
  openaiUrl: string;
  openaiKey: string;
}

export type RpcAnswer = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export const QUESTIONS = [
  "How much is a men's haircut?",
  'What does a gel manicure cost?',
  'How long does a hot stone massage take and what is the price?',
  'Do you do eyebrow shaping? How much?',
  'Сколько стоит маникюр с покрытием?',
  'Hello! Can I book a massage for tomorrow?',
];

/** Every customer message carries a marker; the reply (an echo of it) and the model's request are matched by it. */
export const markerOf = (text: string): string | undefined => /\[(m:[^\]\s]+)\]/.exec(text)?.[1];
