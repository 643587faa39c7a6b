// Booking by choices, with or without a model: a customer's words ("записаться", "book", `/book`) or a
// button start it; buttons, numbers and typed answers ("завтра в 15:00") move it on; a booking's own
// buttons move or cancel it. Every change goes through the booking service as this customer (their
// Actor), which checks the time is offered and the booking is theirs; the flow only asks and tells.
import type { Logger } from 'pino';
import { ConflictError, DomainError, NotFoundError, SlotTakenError } from '../errors.ts';
import type { BookingView } from '../booking/booking-service.ts';
import type { ChatAction } from '../conversations/chat-actions.ts';
import { asksPrice, chatWords, intentOf, saysNo, saysSkip, saysStop, saysYes, words } from './chat-words.ts';
import { instantAt, localDate, whenText } from './chat-time.ts';
import {
  bookingActionId,
  decodeAction,
  START_ACTION,
  type BookingVerb,
  type DecodedAction,
  type FlowState,
} from './flow-state.ts';
import type { ChatState, FlowStore } from './flow-store.ts';
import { createFlowSteps, newNonce, type FlowContext, type FlowDeps, type Step } from './flow-steps.ts';
import { parseWhen } from './when-parser.ts';

export interface FlowTurn extends Omit<FlowContext, 'words' | 'zone'> {
  /** The language of this message (the owner's when it tells none). */
  language: string;
  /** The business's language: a command (`/book`) is in none. */
  ownerLanguage: string;
  text: string;
  /** The id of the choice made, when the message is a button press. */
  action?: string;
  /** With a model, typed requests are the model's (it books through tools); buttons stay the flow's. */
  hasModel: boolean;
}

export type FlowOutcome =
  | { kind: 'reply'; text: string; actions: ChatAction[] }
  /** Not the flow's to answer; `actions`: the choices still open, to show again under whatever answers. */
  | { kind: 'pass'; actions: ChatAction[] };

const PHONE = /^\+?[\d\s().-]{6,24}$/;
const NAME_MAX = 80;
const BOOKINGS_LISTED = 8;

export function createGuidedFlow(deps: FlowDeps & { store: FlowStore; logger: Logger }) {
  const { booking, store, logger } = deps;
  const steps = createFlowSteps(deps);

  async function bookingTexts(ctx: FlowContext, view: BookingView) {
    return { service: view.service_name, when: whenText(view.start, ctx.zone, ctx.words.language) };
  }

  /** The booking's own buttons, as on a confirmation. */
  function bookingActions(ctx: FlowContext, id: string): ChatAction[] {
    const { labels } = ctx.words;
    return [
      { id: bookingActionId('move', id), label: labels.move },
      { id: bookingActionId('ask-cancel', id), label: labels.cancel },
    ];
  }

  /** A customer's booking they may still change, or undefined (someone else's, past, cancelled). */
  async function ownBooking(ctx: FlowContext, id: string): Promise<BookingView | undefined> {
    const mine = await booking.bookings.listMyBookings(ctx.actor);
    return mine.find((view) => view.id === id && Date.parse(view.start) > ctx.now.getTime());
  }

  async function withAddress(ctx: FlowContext, text: string): Promise<string> {
    const address = await deps.address(ctx.key.ownerId);
    return address ? `${text}\n${ctx.words.say('address', { address })}` : text;
  }

  const done = (text: string, actions: ChatAction[] = []): Step => ({ flow: null, text, actions });

  function start(ctx: FlowContext, fields: Partial<FlowState> = {}): FlowState {
    return { mode: 'book', nonce: newNonce(), language: ctx.words.language, step: 'service', options: [], ...fields };
  }

  async function onBookingVerb(ctx: FlowContext, verb: BookingVerb, id: string): Promise<Step> {
    const own = await ownBooking(ctx, id);
    if (!own) return done(ctx.words.say('notChangeable'));
    const texts = await bookingTexts(ctx, own);
    const { labels } = ctx.words;
    switch (verb) {
      case 'move':
        return steps.advance(ctx, start(ctx, { mode: 'move', bookingId: id, serviceId: own.service_id }));
      case 'ask-cancel':
        return done(ctx.words.say('askCancel', texts), [
          { id: bookingActionId('cancel', id), label: labels.yesCancel },
          { id: bookingActionId('keep', id), label: labels.keep },
        ]);
      case 'keep':
        return done(ctx.words.say('kept', texts), bookingActions(ctx, id));
      case 'coming':
        return done(ctx.words.say('coming', { when: texts.when }), bookingActions(ctx, id));
      case 'cancel': {
        const cancelled = await booking.bookings.cancel(ctx.actor, id);
        return done(ctx.words.say('cancelled', await bookingTexts(ctx, cancelled)), [
          { id: START_ACTION, label: labels.book },
        ]);
      }
    }
  }

  /** Books or moves as confirmed; a time taken meanwhile is answered with the nearest free ones. */
  async function commit(ctx: FlowContext, state: FlowState): Promise<Step> {
    const { start, serviceId, bookingId, name } = state;
    // Something is missing (a flow saved by an older version, say): the step that asks for it.
    if (!start || !serviceId || (state.mode === 'move' ? !bookingId : !name)) return steps.advance(ctx, state);
    try {
      const view = bookingId
        ? await booking.bookings.move(ctx.actor, bookingId, { start: new Date(start) })
        : await booking.bookings.book(ctx.actor, {
            serviceId,
            start: new Date(start),
            customerName: name ?? '',
            customerPhone: state.phone ?? null,
            language: ctx.words.language,
          });
      const text = ctx.words.say(bookingId ? 'moved' : 'booked', await bookingTexts(ctx, view));
      return done(await withAddress(ctx, text), bookingActions(ctx, view.id));
    } catch (error) {
      if (!(error instanceof SlotTakenError)) throw error;
      logger.info({ ownerId: ctx.key.ownerId }, 'a chosen time was taken meanwhile; the nearest free ones offered');
      const alternatives = error.alternatives.map((slot) => ({ start: slot.start, end: slot.end }));
      const sentence = ctx.words.say('taken', { time: whenText(start, ctx.zone, ctx.words.language) });
      return steps.alternatives(ctx, state, alternatives, sentence);
    }
  }

  async function onFlowAction(ctx: FlowContext, flow: FlowState, action: DecodedAction & { kind: 'flow' }) {
    const state: FlowState = { ...flow };
    if ('control' in action) {
      switch (action.control) {
        case 'stop':
          return done(ctx.words.say('stopped'));
        case 'ok':
          return state.step === 'confirm' ? commit(ctx, state) : steps.advance(ctx, state);
        case 'skip':
          return steps.advance(ctx, { ...state, phone: null });
        case 'time':
          return steps.advance(ctx, { ...state, date: undefined, start: undefined, more: undefined });
        case 'more':
          // The same step again, from where its choices left off.
          if (state.step === 'service') return (await steps.chooseService(ctx, state)) ?? steps.advance(ctx, state);
          if (state.step === 'day') return steps.chooseDay(ctx, state);
          return steps.chooseTime(ctx, state);
      }
    }
    const option = state.options[action.option];
    if (!option) return stale(ctx, flow);
    const next: FlowState = { ...state, more: undefined };
    if (state.step === 'service') next.serviceId = option.value;
    else if (state.step === 'day') Object.assign(next, { date: option.value, start: undefined });
    else if (state.step === 'time') next.start = option.value;
    return steps.advance(ctx, next);
  }

  /** A button of an earlier step or an expired flow: said so, with where things stand now. */
  async function stale(ctx: FlowContext, flow: FlowState | undefined): Promise<Step> {
    const notice = ctx.words.say('stale');
    if (flow) return steps.advance(ctx, { ...flow }, notice);
    return done(notice, [{ id: START_ACTION, label: ctx.words.labels.book }]);
  }

  async function onAction(ctx: FlowContext, chat: ChatState, id: string): Promise<Step> {
    const action = decodeAction(id);
    if (!action) return stale(ctx, chat.flow);
    if (action.kind === 'start') return steps.advance(ctx, start(ctx));
    if (action.kind === 'booking') return onBookingVerb(ctx, action.verb, action.bookingId);
    if (!chat.flow || chat.flow.nonce !== action.nonce) return stale(ctx, chat.flow);
    return onFlowAction(ctx, chat.flow, action);
  }

  /** What the customer typed, fitted into the flow's current step; undefined: it is not an answer to it. */
  async function onTyped(ctx: FlowContext, flow: FlowState, text: string): Promise<Step | undefined> {
    if (saysStop(text)) return done(ctx.words.say('stopped'));
    // "How much is a haircut?" names a service, but asks a question: the files or the model answer it.
    if (asksPrice(text)) return undefined;
    const state: FlowState = { ...flow, more: undefined };
    if (state.step === 'confirm') {
      if (saysYes(text)) return commit(ctx, state);
      if (saysNo(text)) return done(ctx.words.say('stopped'));
    }
    if (state.step === 'phone') {
      if (saysSkip(text)) return steps.advance(ctx, { ...state, phone: null });
      if (PHONE.test(text.trim()) && text.replace(/\D/g, '').length >= 6)
        return steps.advance(ctx, { ...state, phone: text.trim() });
    }
    const fitted = await fitTyped(ctx, state, text);
    if (fitted) return steps.advance(ctx, fitted);
    if (state.step === 'name') {
      const name = text.trim().replace(/\s+/g, ' ');
      if (/\p{L}/u.test(name) && name.length <= NAME_MAX && words(name).length <= 5)
        return steps.advance(ctx, { ...state, name });
    }
    if (state.step === 'phone') return steps.present(ctx, state, ctx.words.say('invalidPhone'), ['skip']);
    return undefined;
  }

  /** The service and day or time a message names, merged into the state; undefined when it names none. */
  async function fitTyped(ctx: FlowContext, state: FlowState, text: string): Promise<FlowState | undefined> {
    const next = { ...state };
    let changed = false;
    if (!state.bookingId) {
      const said = words(text);
      const services = await booking.services.list(ctx.key.ownerId);
      const named = services.find((service) => {
        const name = words(service.name);
        // Every word of the name, or of the message, begins the other's ("стрижку" for "Стрижка").
        return name.length > 0 && name.every((part) => said.some((word) => sameStem(word, part)));
      });
      if (named && named.id !== state.serviceId) {
        next.serviceId = named.id;
        changed = true;
      }
    }
    const when = parseWhen(text, { language: ctx.words.language, zone: ctx.zone, now: ctx.now });
    if (when.date !== undefined || when.minutes !== undefined) {
      const date = when.date ?? state.date ?? localDate(ctx.now, ctx.zone);
      next.date = date;
      next.start = when.minutes === undefined ? undefined : instantAt(date, when.minutes, ctx.zone).toISOString();
      changed = true;
    }
    return changed ? next : undefined;
  }

  /** A message outside a flow: a request to book, move or cancel starts one (typed ones only without a model). */
  async function onWords(ctx: FlowContext, turn: FlowTurn): Promise<Step | undefined> {
    const intent = intentOf(turn.text);
    const command = /^\/book\b/i.test(turn.text.trim());
    if (!intent || (turn.hasModel && !command)) return undefined;
    if ((await booking.services.list(turn.key.ownerId)).length === 0)
      // No online booking here: the owner's files may say how to book; `/book` is told plainly.
      return command ? done(ctx.words.say('unavailable')) : undefined;
    if (intent !== 'book') return onIntent(ctx, intent);
    const fresh = start(ctx);
    return steps.advance(ctx, (await fitTyped(ctx, fresh, turn.text)) ?? fresh);
  }

  async function onIntent(ctx: FlowContext, intent: 'move' | 'cancel'): Promise<Step> {
    const mine = await booking.bookings.listMyBookings(ctx.actor);
    const upcoming = mine.filter((view) => Date.parse(view.start) > ctx.now.getTime());
    if (upcoming.length === 0)
      return done(ctx.words.say('noBookings'), [{ id: START_ACTION, label: ctx.words.labels.book }]);
    const verb: BookingVerb = intent === 'move' ? 'move' : 'ask-cancel';
    const [only, ...others] = upcoming;
    if (only && others.length === 0) return onBookingVerb(ctx, verb, only.id);
    return done(
      ctx.words.say('whichBooking'),
      upcoming.slice(0, BOOKINGS_LISTED).map((view) => ({
        id: bookingActionId(verb, view.id),
        label: `${view.service_name}, ${whenText(view.start, ctx.zone, ctx.words.language)}`,
      })),
    );
  }

  return {
    async respond(turn: FlowTurn, zone: string): Promise<FlowOutcome> {
      const chat = await store.load(turn.key, turn.now);
      // A flow keeps the language it began in, and a button the language it was offered in: a label
      // ("10:00") or a name tells none, nor does a command.
      const command = /^\/book\b/i.test(turn.text.trim());
      const language =
        chat.flow?.language ??
        (turn.action ? chat.language : undefined) ??
        (command ? turn.ownerLanguage : turn.language);
      const ctx: FlowContext = { ...turn, words: chatWords(language), zone };
      // A bare number answers the choices offered last (WhatsApp Web shows them numbered).
      const number = /^\s*(\d{1,2})\s*[.)]?\s*$/.exec(turn.text)?.[1];
      const action = turn.action ?? (number ? chat.offered[Number(number) - 1]?.id : undefined);
      let step: Step | undefined;
      try {
        if (action) step = await onAction(ctx, chat, action);
        else if (chat.flow) step = await onTyped(ctx, chat.flow, turn.text);
        else step = await onWords(ctx, turn);
      } catch (error) {
        step = failure(ctx, error);
      }
      if (!step) return { kind: 'pass', actions: chat.flow ? chat.offered : [] };
      await store.save(turn.key, step.flow, step.actions, turn.now, ctx.words.language);
      return { kind: 'reply', text: step.text, actions: step.actions };
    },

    /** A choice's label for the history, when the channel does not say it (the test chat). */
    async labelFor(turn: Pick<FlowTurn, 'key' | 'now' | 'language'>, id: string): Promise<string | undefined> {
      const offered = (await store.load(turn.key, turn.now)).offered.find((action) => action.id === id);
      if (offered) return offered.label;
      const decoded = decodeAction(id);
      const { labels } = chatWords(turn.language);
      if (decoded?.kind === 'start') return labels.book;
      if (decoded?.kind !== 'booking') return undefined;
      const byVerb: Record<BookingVerb, string> = {
        move: labels.move,
        'ask-cancel': labels.cancel,
        cancel: labels.yesCancel,
        keep: labels.keep,
        coming: labels.coming,
      };
      return byVerb[decoded.verb];
    },
  };

  /** A booking the customer may no longer change, or a failure: said politely, the flow ended. */
  function failure(ctx: FlowContext, error: unknown): Step {
    if (error instanceof NotFoundError || error instanceof ConflictError) return done(ctx.words.say('notChangeable'));
    if (error instanceof DomainError) {
      logger.warn({ err: error, ownerId: ctx.key.ownerId }, 'booking flow step refused');
      return done(ctx.words.say('failed'));
    }
    throw error;
  }
}

/** Two words of one stem: one begins the other, or they share all but a short ending ("стрижку", "стрижка"). */
function sameStem(a: string, b: string): boolean {
  if (a.startsWith(b) || b.startsWith(a)) return true;
  const common = Math.min(a.length, b.length) - 2;
  return common >= 4 && a.slice(0, common) === b.slice(0, common);
}

export type GuidedFlow = ReturnType<typeof createGuidedFlow>;
