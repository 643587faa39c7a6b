// The guided flow's next step from what it knows so far: service → day → time → name and phone (if
// unknown) → confirm. Every choice it offers comes from the booking service's free slots at this
// moment; a time the customer typed that is not free is answered with the nearest free ones.
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { Actor } from '../booking/booking-hooks.ts';
import type { BookingModule } from '../booking/booking-module.ts';
import { listBookings } from '../booking/bookings.ts';
import type { SlotView } from '../booking/slot-finder.ts';
import type { ChatAction } from '../conversations/chat-actions.ts';
import type { AddressSource } from './business-address.ts';
import type { ChatWords } from './chat-words.ts';
import { addDays, dayLabel, dayName, localDate, slotLabel, timeLabel, whenText } from './chat-time.ts';
import { flowControlId, flowOptionId, type FlowOption, type FlowState } from './flow-state.ts';
import type { ChatKey } from './flow-store.ts';

export type CustomerActor = Extract<Actor, { kind: 'customer' }>;

export interface FlowContext {
  key: ChatKey;
  actor: CustomerActor;
  words: ChatWords;
  zone: string;
  now: Date;
  /** The customer's name as the channel knows it (none in the test chat). */
  channelName?: string;
}

export interface FlowDeps {
  db: Knex;
  booking: BookingModule;
  address: AddressSource;
}

/** What the customer is told now, and the flow as it stands after it (null: over). */
export interface Step {
  flow: FlowState | null;
  text: string;
  actions: ChatAction[];
}

const SERVICES_PER_PAGE = 8;
const DAYS_PER_PAGE = 6;
const TIMES_PER_PAGE = 8;
/** Days searched for free time at once; beyond it, the nearest free time shows where to look. */
const DAY_WINDOW = 21;
const ALTERNATIVES = 3;

export const newNonce = () => randomBytes(4).toString('base64url');

export function createFlowSteps(deps: FlowDeps) {
  const { booking } = deps;

  /** The step's choices as actions: its options, then "more" and "stop". */
  function present(
    ctx: FlowContext,
    state: FlowState,
    text: string,
    controls: ('more' | 'skip' | 'ok' | 'time')[],
  ): Step {
    const flow = { ...state, nonce: newNonce() };
    const { labels } = ctx.words;
    const actions: ChatAction[] = flow.options.map((option, index) => ({
      id: flowOptionId(flow, index),
      label: option.label,
    }));
    if (controls.includes('ok')) actions.push({ id: flowControlId(flow, 'ok'), label: labels.confirm });
    if (controls.includes('time')) actions.push({ id: flowControlId(flow, 'time'), label: labels.otherTime });
    if (controls.includes('skip')) actions.push({ id: flowControlId(flow, 'skip'), label: labels.skip });
    if (controls.includes('more') && flow.more !== undefined)
      actions.push({ id: flowControlId(flow, 'more'), label: labels.more });
    actions.push({ id: flowControlId(flow, 'stop'), label: labels.stop });
    return { flow, text, actions };
  }

  const lead = (before: string | undefined, text: string) => (before ? `${before}\n${text}` : text);

  async function serviceName(ctx: FlowContext, state: FlowState): Promise<string> {
    return state.serviceId ? ((await booking.services.name(ctx.key.ownerId, state.serviceId)) ?? '') : '';
  }

  /** Free start times on the local dates [from, to], one per time. */
  const slots = (ctx: FlowContext, serviceId: string, from: string, to: string): Promise<SlotView[]> =>
    booking.bookings.findSlots(ctx.actor, { serviceId, fromDate: from, toDate: to });

  async function chooseService(ctx: FlowContext, state: FlowState, before?: string): Promise<Step | undefined> {
    const services = await booking.services.list(ctx.key.ownerId);
    const [only, ...others] = services;
    if (only && others.length === 0) {
      state.serviceId = only.id;
      return undefined;
    }
    const offset = state.step === 'service' ? Number(state.more ?? 0) : 0;
    const page = services.slice(offset, offset + SERVICES_PER_PAGE);
    const next = offset + SERVICES_PER_PAGE < services.length ? String(offset + SERVICES_PER_PAGE) : undefined;
    const options: FlowOption[] = page.map((service) => ({ label: service.name, value: service.id }));
    return present(
      ctx,
      { ...state, step: 'service', options, more: next },
      lead(before, ctx.words.say('chooseService')),
      ['more'],
    );
  }

  async function chooseDay(ctx: FlowContext, state: FlowState, before?: string): Promise<Step> {
    const serviceId = state.serviceId!;
    const today = localDate(ctx.now, ctx.zone);
    const cursor = state.step === 'day' && /^\d{4}-\d{2}-\d{2}$/.test(state.more ?? '') ? state.more : undefined;
    let from = cursor && cursor > today ? cursor : today;
    let found = await slots(ctx, serviceId, from, addDays(from, DAY_WINDOW - 1));
    if (found.length === 0) {
      // Nothing in the window: jump to the nearest free time, wherever it is within the horizon.
      const nearest = await booking.bookings.findSlots(ctx.actor, {
        serviceId,
        nearest: 1,
        after: new Date(Math.max(ctx.now.getTime(), Date.parse(`${from}T00:00:00Z`))),
      });
      const [first] = nearest;
      if (!first) {
        const service = await serviceName(ctx, state);
        return { flow: null, text: lead(before, ctx.words.say('noTimes', { service })), actions: [] };
      }
      from = localDate(first.start, ctx.zone);
      found = await slots(ctx, serviceId, from, addDays(from, DAY_WINDOW - 1));
    }
    const dates = [...new Set(found.map((slot) => localDate(slot.start, ctx.zone)))];
    const shown = dates.slice(0, DAYS_PER_PAGE);
    // The next page starts after the last day shown, or after the window when it showed all it found.
    const lastShown = dates.length > DAYS_PER_PAGE ? shown.at(-1) : undefined;
    const next = addDays(lastShown ?? addDays(from, DAY_WINDOW - 1), 1);
    const options = shown.map((date) => ({ label: dayLabel(date, ctx.zone, ctx.words.language), value: date }));
    const service = await serviceName(ctx, state);
    return present(
      ctx,
      { ...state, step: 'day', date: undefined, start: undefined, options, more: next },
      lead(before, ctx.words.say('chooseDay', { service })),
      ['more'],
    );
  }

  async function chooseTime(ctx: FlowContext, state: FlowState, before?: string): Promise<Step> {
    const date = state.date!;
    const times = await slots(ctx, state.serviceId!, date, date);
    const day = dayName(date, ctx.zone, ctx.words.language);
    if (times.length === 0)
      return chooseDay(
        ctx,
        { ...state, step: 'day', date: undefined, more: date },
        lead(before, ctx.words.say('noTimesThatDay', { day })),
      );
    const offset = Number(state.step === 'time' && state.more ? state.more : 0);
    const page = times.slice(offset, offset + TIMES_PER_PAGE);
    const next = offset + TIMES_PER_PAGE < times.length ? String(offset + TIMES_PER_PAGE) : undefined;
    const options = page.map((slot) => ({ label: timeLabel(slot.start, ctx.zone), value: slot.start }));
    return present(
      ctx,
      { ...state, step: 'time', start: undefined, options, more: next },
      lead(before, ctx.words.say('chooseTime', { day })),
      ['more'],
    );
  }

  /** The free times nearest to `around` (on its day and the week after it), as the time step's choices. */
  async function offerNearest(ctx: FlowContext, state: FlowState, around: string, sentence: string): Promise<Step> {
    const date = localDate(around, ctx.zone);
    const found = await slots(ctx, state.serviceId!, addDays(date, -1), addDays(date, 7));
    const at = Date.parse(around);
    const nearest = found
      .sort((a, b) => Math.abs(Date.parse(a.start) - at) - Math.abs(Date.parse(b.start) - at))
      .slice(0, ALTERNATIVES)
      .sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
    return alternatives(ctx, state, nearest, sentence);
  }

  /** Offers these free times (a refused booking's alternatives) in place of the one asked for. */
  function alternatives(ctx: FlowContext, state: FlowState, times: SlotView[], sentence: string): Promise<Step> | Step {
    const date = state.start ? localDate(state.start, ctx.zone) : state.date;
    if (times.length === 0) return chooseDay(ctx, { ...state, date: undefined, start: undefined }, sentence);
    const options = times.map((slot) => ({
      label: slotLabel(slot.start, ctx.zone, ctx.words.language, date),
      value: slot.start,
    }));
    return present(ctx, { ...state, step: 'time', date, start: undefined, options, more: undefined }, sentence, [
      'time',
    ]);
  }

  /** The name and phone this customer gave before (their last booking from this chat), or the channel's. */
  async function knownCustomer(ctx: FlowContext): Promise<{ name?: string; phone?: string | null }> {
    const { items } = await listBookings(deps.db, ctx.key.ownerId, {
      customer: { channel: ctx.key.channel, chatRef: ctx.key.chatRef },
    });
    const last = items.at(-1);
    // A WhatsApp customer's id is their number (Cloud API: "79161234567"; WhatsApp Web: "79161234567@c.us").
    const whatsapp = ctx.key.channel === 'whatsapp' ? ctx.key.chatRef.slice(ctx.key.chatRef.lastIndexOf(':') + 1) : '';
    const number = /^(\d{6,15})(@c\.us)?$/.exec(whatsapp)?.[1];
    const channelPhone = number ? `+${number}` : undefined;
    return {
      name: last?.customerName ?? ctx.channelName,
      // A customer who booked before without a phone chose not to give one: not asked again.
      phone: last ? (last.customerPhone ?? channelPhone ?? null) : channelPhone,
    };
  }

  /** The next step from what is known; `before` is said first (why the customer is asked again). */
  async function advance(ctx: FlowContext, state: FlowState, before?: string): Promise<Step> {
    if (!state.serviceId) {
      const step = await chooseService(ctx, state, before);
      if (step) return step;
    }
    if (state.start) {
      const date = localDate(state.start, ctx.zone);
      const free = await slots(ctx, state.serviceId!, date, date);
      if (!free.some((slot) => Date.parse(slot.start) === Date.parse(state.start!)))
        return offerNearest(
          ctx,
          state,
          state.start,
          lead(before, ctx.words.say('notOffered', { time: slotLabel(state.start, ctx.zone, ctx.words.language) })),
        );
      if (state.mode === 'book' && (state.name === undefined || state.phone === undefined)) {
        const known = await knownCustomer(ctx);
        state.name ??= known.name;
        if (state.phone === undefined && known.phone !== undefined) state.phone = known.phone;
        if (state.name === undefined)
          return present(ctx, { ...state, step: 'name', options: [] }, lead(before, ctx.words.say('askName')), []);
        if (state.phone === undefined)
          return present(ctx, { ...state, step: 'phone', options: [] }, lead(before, ctx.words.say('askPhone')), [
            'skip',
          ]);
      }
      return confirm(ctx, state, before);
    }
    if (state.date) return chooseTime(ctx, state, before);
    return chooseDay(ctx, state, before);
  }

  async function confirm(ctx: FlowContext, state: FlowState, before?: string): Promise<Step> {
    const service = await serviceName(ctx, state);
    const when = whenText(state.start!, ctx.zone, ctx.words.language);
    let text: string;
    if (state.mode === 'move') {
      const moving = await booking.bookings.get(ctx.key.ownerId, state.bookingId!);
      text = ctx.words.say('confirmMove', {
        service,
        from: whenText(moving.start, ctx.zone, ctx.words.language),
        when,
      });
    } else text = ctx.words.say('confirmBooking', { service, when });
    return present(ctx, { ...state, step: 'confirm', options: [], more: undefined }, lead(before, text), [
      'ok',
      'time',
    ]);
  }

  return { advance, present, alternatives, chooseService, chooseDay, chooseTime, serviceName };
}

export type FlowSteps = ReturnType<typeof createFlowSteps>;
