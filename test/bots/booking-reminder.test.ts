// A customer's booking is reminded through the channel it came from (Telegram here), by a delayed job
// in the system's job queue (in-process, or BullMQ with REDIS_URL): once, and never for a booking
// that was cancelled or moved since.
import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { startTestSystem, type TestSystem } from '../support/test-system.ts';
import { registerOwner } from '../support/owners.ts';
import { createService, setUpBusiness } from '../support/booking.ts';
import { startFakeTelegram, type FakeTelegram } from '../fakes/telegram-server.ts';
import type { Actor } from '../../core/booking/booking-hooks.ts';

describe('bots: booking reminders reach the customer’s chat', function () {
  this.timeout(60_000);
  let fake: FakeTelegram;
  let t: TestSystem;
  let clock = Date.parse('2026-12-07T07:00:00Z');
  let token: string;
  let actor: Actor;
  let serviceId: string;
  const chatId = 8801;

  before(async () => {
    fake = await startFakeTelegram();
    t = await startTestSystem({ env: { TELEGRAM_API_ROOT: fake.url }, now: () => new Date(clock) });
    const owner = await registerOwner(t.http, { salon_name: 'Lotus' });
    await setUpBusiness(t.http, owner.access);
    serviceId = (await createService(t.http, owner.access, { name: 'Haircut' })).id;
    const botId = 7_100_000_000 + Math.floor(Math.random() * 1_000_000);
    token = `${botId}:${randomBytes(26).toString('base64url').slice(0, 35)}`;
    fake.addBot({ token, id: botId, username: 'lotus_booking_bot', firstName: 'Lotus' });
    const connected = await t.http.post('/api/integrations/telegram/', { token: owner.access, body: { token } });
    expect(connected.status, connected.text).to.equal(201);
    await fake.waitForPolling(token);
    fake.customerSays(token, { chatId, firstName: 'Olga', text: 'Hello!' });
    await fake.waitForMessage(token, chatId);
    const chat = await t.system.db
      .knex('chats')
      .where({ owner_id: owner.id })
      .first<{ external_id: string }>('external_id');
    actor = { kind: 'customer', ownerId: owner.id, channel: 'telegram', chatRef: chat.external_id };
  });
  after(async () => {
    // Later test systems share the database: leave no bot of this fake's marked as running.
    await t.system.db
      .knex('integrations')
      .where({ type: 'telegram', status: 'connected' })
      .update({ status: 'stopped' });
    await t.close();
    await fake.close();
  });

  const remindersTo = () => fake.sent(token).filter((body) => body.chat_id === chatId && body.text.includes('Haircut'));

  it('sends one reminder a day before the visit, in the customer’s language, and only once', async () => {
    const start = new Date('2026-12-08T09:00:00Z');
    // The reminder is due 24 hours before: put the booking clock 300 ms short of that.
    clock = start.getTime() - 24 * 60 * 60 * 1000 - 300;
    const booked = await t.system.booking.bookings.book(actor, {
      serviceId,
      start,
      customerName: 'Olga',
      language: 'en',
    });
    const reminder = await fake.waitForMessage(token, chatId, (body) => body.text.includes('Haircut'));
    expect(reminder.text).to.equal('A reminder of your appointment: Haircut, Tuesday, December 8 at 10:00. Lotus');
    // The same job delivered again (a retry, a second worker) sends nothing more.
    await t.system.booking.reminders.handleJob({
      ownerId: actor.ownerId,
      bookingId: booked.id,
      startsAt: start.toISOString(),
    });
    expect(remindersTo()).to.have.length(1);
  });

  it('a cancelled booking’s reminder, and a moved booking’s old one, send nothing; the new time’s does', async () => {
    clock = Date.parse('2026-12-07T07:00:00Z');
    const before = remindersTo().length;
    const cancelledStart = new Date('2026-12-10T10:00:00Z');
    const cancelled = await t.system.booking.bookings.book(actor, {
      serviceId,
      start: cancelledStart,
      customerName: 'Olga',
    });
    await t.system.booking.bookings.cancel(actor, cancelled.id);
    // What the delayed job would do when it comes due.
    await t.system.booking.reminders.handleJob({
      ownerId: actor.ownerId,
      bookingId: cancelled.id,
      startsAt: cancelledStart.toISOString(),
    });
    const oldStart = new Date('2026-12-11T10:00:00Z');
    const newStart = new Date('2026-12-11T12:00:00Z');
    const moved = await t.system.booking.bookings.book(actor, { serviceId, start: oldStart, customerName: 'Olga' });
    await t.system.booking.bookings.move(actor, moved.id, { start: newStart });
    await t.system.booking.reminders.handleJob({
      ownerId: actor.ownerId,
      bookingId: moved.id,
      startsAt: oldStart.toISOString(),
    });
    expect(remindersTo()).to.have.length(before);
    await t.system.booking.reminders.handleJob({
      ownerId: actor.ownerId,
      bookingId: moved.id,
      startsAt: newStart.toISOString(),
    });
    const sent = remindersTo();
    expect(sent).to.have.length(before + 1);
    expect(sent.at(-1)?.text).to.include('13:00');
  });
});
