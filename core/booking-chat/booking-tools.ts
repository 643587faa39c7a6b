// Booking as tools for the model: find free times, book, list my bookings, move, cancel. Each tool is
// bound to the customer's Actor, so the booking service checks every call (the time is offered, the
// booking is this customer's): the model chooses and phrases, and can neither invent a free time nor
// see or touch another customer's booking. Arguments are the model's output, validated like any input.
import { DateTime } from 'luxon';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { BookingModule } from '../booking/booking-module.ts';
import type { BookingView } from '../booking/booking-service.ts';
import type { SlotView } from '../booking/slot-finder.ts';
import type { ChatAction } from '../conversations/chat-actions.ts';
import { DomainError, InvalidError, SlotTakenError } from '../errors.ts';
import { listBookings } from '../booking/bookings.ts';
import type { Knex } from 'knex';
import type { ToolCall, ToolDefinition } from '../ports/chat-model.ts';
import type { ToolBox } from '../assistant/tool-loop.ts';
import type { AddressSource } from './business-address.ts';
import { addDays, whenText } from './chat-time.ts';
import { chatWords } from './chat-words.ts';
import { bookingActionId } from './flow-state.ts';
import type { CustomerActor } from './flow-steps.ts';

const SLOTS_SHOWN = 20;
const NEAREST = 10;

const id = z.uuid();
const instant = z.iso.datetime({ offset: true });
const schemas = {
  list_services: z.object({}).strict(),
  find_free_slots: z
    .object({
      service_id: id,
      date: z.iso.date().optional(),
      days: z.number().int().min(1).max(14).optional(),
    })
    .strict(),
  book_appointment: z
    .object({
      service_id: id,
      start: instant,
      customer_name: z.string().trim().min(1).max(200).optional(),
      customer_phone: z.string().trim().min(3).max(40).optional(),
    })
    .strict(),
  list_my_bookings: z.object({}).strict(),
  move_booking: z.object({ booking_id: id, start: instant }).strict(),
  cancel_booking: z.object({ booking_id: id }).strict(),
};
type ToolName = keyof typeof schemas;

const DEFINITIONS: ToolDefinition[] = [
  {
    name: 'list_services',
    description: 'The services customers can book, with their ids, durations (minutes) and prices.',
    parameters: { type: 'object', properties: {}, additionalProperties: false },
  },
  {
    name: 'find_free_slots',
    description:
      'Free start times for a service: on `date` (YYYY-MM-DD, the business’s local date) and the `days` after it, or the nearest ones when no date is given. Only these times can be booked.',
    parameters: {
      type: 'object',
      properties: {
        service_id: { type: 'string', description: 'From list_services' },
        date: { type: 'string', description: 'YYYY-MM-DD' },
        days: { type: 'integer', minimum: 1, maximum: 14 },
      },
      required: ['service_id'],
      additionalProperties: false,
    },
  },
  {
    name: 'book_appointment',
    description:
      'Books a free time the customer chose. `start` exactly as find_free_slots gave it. Fails with the nearest free times if it was taken meanwhile.',
    parameters: {
      type: 'object',
      properties: {
        service_id: { type: 'string' },
        start: { type: 'string', description: 'ISO 8601 with offset, from find_free_slots' },
        customer_name: {
          type: 'string',
          description: 'Leave out to use the name this customer is known by; if none is known the tool says so',
        },
        customer_phone: { type: 'string' },
      },
      required: ['service_id', 'start'],
      additionalProperties: false,
    },
  },
  {
    name: 'list_my_bookings',
    description: 'This customer’s upcoming appointments, with their ids (for moving or cancelling).',
    parameters: { type: 'object', properties: {}, additionalProperties: false },
  },
  {
    name: 'move_booking',
    description: 'Moves one of this customer’s appointments to a free time from find_free_slots.',
    parameters: {
      type: 'object',
      properties: { booking_id: { type: 'string' }, start: { type: 'string' } },
      required: ['booking_id', 'start'],
      additionalProperties: false,
    },
  },
  {
    name: 'cancel_booking',
    description: 'Cancels one of this customer’s appointments. Only after the customer has said to cancel it.',
    parameters: {
      type: 'object',
      properties: { booking_id: { type: 'string' } },
      required: ['booking_id'],
      additionalProperties: false,
    },
  },
];

export interface BookingToolsDeps {
  db: Knex;
  booking: BookingModule;
  address: AddressSource;
  logger: Logger;
}

export interface BookingToolBox extends ToolBox {
  /** What the model is told about booking, for the system prompt. */
  instructions: string;
  /** Buttons for the answer: a booking made or moved in this turn gets its own (move, cancel). */
  actions(): ChatAction[];
}

export function createBookingTools(deps: BookingToolsDeps) {
  const { booking } = deps;

  return async function toolsFor(
    actor: CustomerActor,
    context: { language: string; now: Date; customerName?: string },
  ): Promise<BookingToolBox | undefined> {
    const services = await booking.services.list(actor.ownerId);
    if (services.length === 0) return undefined;
    const { timezone: zone } = await booking.settings.get(actor.ownerId);
    const language = context.language;
    let changed: string | undefined;

    // The customer's name as the chat knows it (their last booking here, else the channel's profile):
    // decided by the server, and never put in the model's instructions, where a name could pose as one.
    async function nameFor(given: string | undefined): Promise<string> {
      if (given) return given;
      const { items } = await listBookings(deps.db, actor.ownerId, {
        customer: { channel: actor.channel, chatRef: actor.chatRef },
      });
      const known = items.at(-1)?.customerName ?? context.customerName;
      if (!known) throw new InvalidError("The customer's name is not known: ask for it and pass customer_name");
      return known;
    }

    const slot = (view: SlotView) => ({ start: view.start, when: whenText(view.start, zone, language) });
    const described = (view: BookingView) => ({
      id: view.id,
      service: view.service_name,
      start: view.start,
      when: whenText(view.start, zone, language),
    });

    async function call(name: ToolName, args: Record<string, unknown>): Promise<unknown> {
      switch (name) {
        case 'list_services':
          return services.map((service) => ({
            id: service.id,
            name: service.name,
            duration_minutes: service.duration_minutes,
            price: service.price,
          }));
        case 'find_free_slots': {
          const { service_id, date, days } = schemas.find_free_slots.parse(args);
          const found = date
            ? await booking.bookings.findSlots(actor, {
                serviceId: service_id,
                fromDate: date,
                toDate: addDays(date, (days ?? 1) - 1),
              })
            : await booking.bookings.findSlots(actor, { serviceId: service_id, nearest: NEAREST });
          return { timezone: zone, slots: found.slice(0, SLOTS_SHOWN).map(slot) };
        }
        case 'book_appointment': {
          const input = schemas.book_appointment.parse(args);
          const view = await booking.bookings.book(actor, {
            serviceId: input.service_id,
            start: new Date(input.start),
            customerName: await nameFor(input.customer_name),
            customerPhone: input.customer_phone ?? null,
            language,
          });
          changed = view.id;
          const address = await deps.address(actor.ownerId);
          return { booked: { ...described(view), ...(address ? { address } : {}) } };
        }
        case 'list_my_bookings':
          return (await booking.bookings.listMyBookings(actor)).map(described);
        case 'move_booking': {
          const input = schemas.move_booking.parse(args);
          const view = await booking.bookings.move(actor, input.booking_id, { start: new Date(input.start) });
          changed = view.id;
          return { moved: described(view) };
        }
        case 'cancel_booking': {
          const input = schemas.cancel_booking.parse(args);
          const view = await booking.bookings.cancel(actor, input.booking_id);
          if (changed === view.id) changed = undefined;
          return { cancelled: described(view) };
        }
      }
    }

    const local = DateTime.fromJSDate(context.now, { zone }).setLocale('en');
    return {
      definitions: DEFINITIONS,
      instructions: [
        'Booking appointments (tools):',
        '- Booking, moving and cancelling are done only with the tools; they alone know the free times and this customer’s appointments. Never offer, promise or confirm a time a tool did not return, and never say an appointment is booked, moved or cancelled unless the tool said so.',
        '- Before booking, know the service and the free time the customer chose. book_appointment uses the name the customer is known by; pass customer_name only when they gave one, and ask for it when the tool says it is unknown.',
        `- Today is ${local.toFormat('cccc, d LLLL yyyy')}, ${local.toFormat('HH:mm')} in the business’s timezone (${zone}); tool times carry its UTC offset. Tell the customer times as the tools' "when" gives them.`,
        '- Requests to book, move or cancel are answered with the tools, not from the passages: they are no reason to hand over.',
      ].join('\n'),
      actions() {
        if (!changed) return [];
        const { labels } = chatWords(language);
        return [
          { id: bookingActionId('move', changed), label: labels.move },
          { id: bookingActionId('ask-cancel', changed), label: labels.cancel },
        ];
      },
      async run(toolCall: ToolCall): Promise<string> {
        const name = toolCall.name as ToolName;
        if (!(name in schemas)) return JSON.stringify({ error: `No tool named ${toolCall.name}` });
        let args: unknown;
        try {
          args = toolCall.arguments.trim() ? JSON.parse(toolCall.arguments) : {};
        } catch {
          return JSON.stringify({ error: 'The arguments are not valid JSON' });
        }
        if (typeof args !== 'object' || args === null || Array.isArray(args))
          return JSON.stringify({ error: 'The arguments must be a JSON object' });
        try {
          return JSON.stringify(await call(name, args as Record<string, unknown>));
        } catch (error) {
          if (error instanceof z.ZodError)
            return JSON.stringify({ error: `Invalid arguments: ${z.prettifyError(error).replace(/\s+/g, ' ')}` });
          if (error instanceof SlotTakenError)
            return JSON.stringify({ error: error.message, alternatives: error.alternatives.map(slot) });
          // Not found, not this customer's, not offered, cancelled: what the model may tell the customer.
          if (error instanceof DomainError) return JSON.stringify({ error: error.message });
          deps.logger.error({ err: error, ownerId: actor.ownerId, tool: name }, 'booking tool failed');
          return JSON.stringify({ error: 'The booking system failed; the customer should try again later' });
        }
      },
    };
  };
}

export type BookingToolsFactory = ReturnType<typeof createBookingTools>;
