// The guided flow's state and the ids of the choices it offers. A flow choice names the flow it belongs
// to (a random nonce, new at every step), so a button from an earlier step or an expired flow is known
// to be stale; a booking's own buttons (move, cancel: on a confirmation or a reminder) name the booking
// and work as long as it can be changed. Every id fits Telegram's 64 bytes of callback_data.

export type FlowStep = 'service' | 'day' | 'time' | 'name' | 'phone' | 'confirm';

export interface FlowOption {
  label: string;
  /** A service id, a local date, or a start instant (ISO), depending on the step. */
  value: string;
}

export interface FlowState {
  mode: 'book' | 'move';
  nonce: string;
  /** The customer's language when the flow began: a button's label ("10:00") tells none. */
  language: string;
  step: FlowStep;
  serviceId?: string;
  /** Moving: the booking being moved. */
  bookingId?: string;
  date?: string;
  start?: string;
  name?: string;
  /** Null when the customer chose not to give one. */
  phone?: string | null;
  options: FlowOption[];
  /** Where the step's next page of choices begins (a date for days, an index for times). */
  more?: string;
}

export type FlowControl = 'more' | 'skip' | 'ok' | 'time' | 'stop';
export type BookingVerb = 'move' | 'ask-cancel' | 'cancel' | 'keep' | 'coming';

export type DecodedAction =
  | { kind: 'start' }
  | { kind: 'flow'; nonce: string; option: number }
  | { kind: 'flow'; nonce: string; control: FlowControl }
  | { kind: 'booking'; verb: BookingVerb; bookingId: string };

const VERBS: Record<BookingVerb, string> = { move: 'm', 'ask-cancel': 'x', cancel: 'y', keep: 'k', coming: 'c' };
const CONTROLS: readonly FlowControl[] = ['more', 'skip', 'ok', 'time', 'stop'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const START_ACTION = 'book';

export const flowOptionId = (state: FlowState, index: number) => `f:${state.nonce}:${index}`;
export const flowControlId = (state: FlowState, control: FlowControl) => `f:${state.nonce}:${control}`;
export const bookingActionId = (verb: BookingVerb, bookingId: string) => `b:${VERBS[verb]}:${bookingId}`;

export function decodeAction(id: string): DecodedAction | undefined {
  if (id === START_ACTION) return { kind: 'start' };
  const [kind, first, second, ...rest] = id.split(':');
  if (rest.length > 0 || first === undefined || second === undefined) return undefined;
  if (kind === 'f') {
    if (/^\d{1,3}$/.test(second)) return { kind: 'flow', nonce: first, option: Number(second) };
    const control = CONTROLS.find((name) => name === second);
    return control ? { kind: 'flow', nonce: first, control } : undefined;
  }
  if (kind === 'b' && UUID.test(second)) {
    const verb = (Object.keys(VERBS) as BookingVerb[]).find((name) => VERBS[name] === first);
    return verb ? { kind: 'booking', verb, bookingId: second.toLowerCase() } : undefined;
  }
  return undefined;
}
