// Booking into the owner's Google Calendar end to end: the real system over HTTP, Google replaced by the
// fake Google over HTTP (service-account mode), on the run's database (PGlite, or PostgreSQL with Redis
// when DATABASE_URL/REDIS_URL are set). Every availability call here syncs first (GOOGLE_SYNC_FRESH_SECONDS=0),
// so a change made in Google shows at the next call, as it does in production within that many seconds.
import { expect } from 'chai';
import { BOOKING_PROPERTY, eventIdFor } from '../../infra/google-calendar-provider.ts';
import {
  FAILURES,
  startFakeGoogle,
  type FakeEvent,
  type FakeGoogle,
  type ServiceAccountKeyFile,
} from '../fakes/google-server.ts';
import { createService, setUpBusiness } from '../support/booking.ts';
import {
  googleEnv,
  MONDAY_MORNING,
  ownerWithGoogle,
  tuesday,
  tuesdayAt,
  tuesdaySlots,
  type GoogleOwner,
} from '../support/google-booking.ts';
import { registerOwner } from '../support/owners.ts';
import { startTestSystem, type TestSystem } from '../support/test-system.ts';

/** When an event of the fake Google starts or ends, in epoch milliseconds (NaN for none or an all-day one). */
const instantOf = (time: FakeEvent['start'] | undefined) =>
  time && 'dateTime' in time ? Date.parse(time.dateTime) : NaN;

describe('api/bookings with Google Calendar', function () {
  this.timeout(60_000);
  let fake: FakeGoogle;
  let key: ServiceAccountKeyFile;
  let t: TestSystem;

  before(async () => {
    fake = await startFakeGoogle();
    key = fake.createServiceAccount();
    t = await startTestSystem({
      now: () => MONDAY_MORNING,
      env: googleEnv(fake, key, { GOOGLE_SYNC_FRESH_SECONDS: '0' }),
    });
  });
  after(async () => {
    await t?.close();
    await fake?.close();
  });

  const book = (g: GoogleOwner, start: string, body: Record<string, unknown> = {}) =>
    t.http.post('/api/bookings', {
      token: g.owner.access,
      body: {
        service_id: g.serviceId,
        start,
        customer_name: 'Maria Schmidt',
        customer_phone: '+49 170 1234567',
        ...body,
      },
    });
  const ours = (g: GoogleOwner) =>
    fake.events(g.calendar).filter((event) => event.extendedProperties?.private?.[BOOKING_PROPERTY]);
  const integration = async (g: GoogleOwner) =>
    ((await t.http.get('/api/integrations/', { token: g.owner.access })).body as Record<string, unknown>[]).find(
      (row) => row.id === g.integrationId,
    );
  const calls = (operation: string) => fake.calls.filter((call) => call.operation === operation).length;

  it("keeps the owner's busy time in Google out of the offered slots, but not their free events", async () => {
    const g = await ownerWithGoogle(t.http, fake, key);
    const before = await tuesdaySlots(t.http, g);
    expect(before.starts).to.include.members(['10:30', '11:00', '11:30', '15:00']);
    fake.addBusyEvent(g.calendar, { start: tuesdayAt(11), end: tuesdayAt(12), summary: 'Dentist' });
    fake.addBusyEvent(g.calendar, { start: tuesdayAt(15), end: tuesdayAt(16), transparent: true });
    const after = await tuesdaySlots(t.http, g);
    // A 60-minute service cannot start at 10:30, 11:00 or 11:30.
    expect(after.starts).to.not.include.members(['10:30']);
    expect(after.starts.filter((s) => ['10:30', '11:00', '11:30'].includes(s))).to.deep.equal([]);
    expect(after.starts).to.include.members(['10:00', '12:00', '15:00']);

    const refused = await book(g, tuesday(11));
    expect(refused.status, refused.text).to.equal(409);
    expect(refused.body.alternatives.map((s: { start: string }) => s.start)).to.not.include(tuesday(11));
  });

  it("does not let our own bookings' events block another staff member, unless the owner's own event covers that time too", async () => {
    const g = await ownerWithGoogle(t.http, fake, key, { staff: ['Anna', 'Olga'] });
    const [anna, olga] = g.staff;
    const booked = await book(g, tuesday(17), { staff_id: anna?.id });
    expect(booked.status, booked.text).to.equal(201);
    // freeBusy shows 17:00–18:00 busy (our event); only Anna is busy then.
    expect((await tuesdaySlots(t.http, g, olga?.id)).starts).to.include('17:00');
    expect((await tuesdaySlots(t.http, g, anna?.id)).starts).to.not.include('17:00');
    // The owner's own event over the same time blocks everyone.
    fake.addBusyEvent(g.calendar, { start: tuesdayAt(17, 30), end: tuesdayAt(18), summary: 'Meeting' });
    const olgaAfter = (await tuesdaySlots(t.http, g, olga?.id)).starts;
    expect(olgaAfter).to.not.include('17:00');
    expect(olgaAfter).to.not.include('17:30');
    expect(olgaAfter).to.include('18:00');
  });

  it('writes a booking as exactly one event with the service, the customer and the booking id, and keeps its id', async () => {
    const g = await ownerWithGoogle(t.http, fake, key);
    const insertsBefore = calls('calendar.events.insert');
    const response = await book(g, tuesday(10));
    expect(response.status, response.text).to.equal(201);
    expect(response.body.attention).to.equal(null);
    const events = ours(g);
    expect(events).to.have.length(1);
    const [event] = events;
    expect(event?.id).to.equal(eventIdFor(response.body.id));
    expect(event?.extendedProperties?.private).to.deep.equal({ [BOOKING_PROPERTY]: response.body.id });
    expect(event?.summary).to.equal('Haircut — Maria Schmidt');
    expect(event?.description).to.include('Maria Schmidt').and.to.include('+49 170 1234567');
    expect(instantOf(event?.start)).to.equal(tuesdayAt(10).getTime());
    expect(instantOf(event?.end)).to.equal(tuesdayAt(11).getTime());
    expect(calls('calendar.events.insert') - insertsBefore).to.equal(1);
    const row = await t.system.db.knex('bookings').where({ id: response.body.id }).first();
    expect(row).to.include({ calendar_event_id: event?.id, calendar_integration_id: g.integrationId });
  });

  it('moves the event when the booking moves, and deletes it when the booking is cancelled', async () => {
    const g = await ownerWithGoogle(t.http, fake, key);
    const { body: booking } = await book(g, tuesday(10));
    const moved = await t.http.patch(`/api/bookings/${booking.id}`, {
      token: g.owner.access,
      body: { start: tuesday(13) },
    });
    expect(moved.status, moved.text).to.equal(200);
    const [event] = ours(g);
    expect(event?.id).to.equal(eventIdFor(booking.id));
    expect(instantOf(event?.start)).to.equal(tuesdayAt(13).getTime());
    expect(ours(g)).to.have.length(1);

    const cancelled = await t.http.delete(`/api/bookings/${booking.id}`, { token: g.owner.access });
    expect(cancelled.status, cancelled.text).to.equal(200);
    expect(ours(g)).to.deep.equal([]);
    expect(fake.events(g.calendar, { includeDeleted: true }).map((e) => [e.id, e.status])).to.deep.equal([
      [eventIdFor(booking.id), 'cancelled'],
    ]);
  });

  it('follows the owner: an event moved in Google moves the booking, one deleted in Google cancels it', async () => {
    const g = await ownerWithGoogle(t.http, fake, key);
    const { body: booking } = await book(g, tuesday(10));
    fake.moveEvent(g.calendar, eventIdFor(booking.id), tuesdayAt(14), tuesdayAt(15));
    const slots = (await tuesdaySlots(t.http, g)).starts;
    expect(slots).to.include('10:00');
    expect(slots).to.not.include('14:00');
    const moved = await t.http.get(`/api/bookings/${booking.id}`, { token: g.owner.access });
    expect(moved.body).to.include({ start: tuesday(14), end: tuesday(15), status: 'confirmed', attention: null });

    fake.deleteEvent(g.calendar, eventIdFor(booking.id));
    expect((await tuesdaySlots(t.http, g)).starts).to.include('14:00');
    const cancelled = await t.http.get(`/api/bookings/${booking.id}`, { token: g.owner.access });
    expect(cancelled.body.status).to.equal('cancelled');
    // Reading our own write back changes nothing.
    const other = await book(g, tuesday(16));
    await tuesdaySlots(t.http, g);
    expect((await t.http.get(`/api/bookings/${other.body.id}`, { token: g.owner.access })).body).to.include({
      start: tuesday(16),
      status: 'confirmed',
    });
  });

  it('puts an event moved in Google onto another booking back, and asks the owner to look', async () => {
    const g = await ownerWithGoogle(t.http, fake, key);
    const { body: first } = await book(g, tuesday(10));
    const { body: second } = await book(g, tuesday(12), { customer_name: 'Olga' });
    fake.moveEvent(g.calendar, eventIdFor(first.id), tuesdayAt(12), tuesdayAt(13));
    await tuesdaySlots(t.http, g);
    const kept = await t.http.get(`/api/bookings/${first.id}`, { token: g.owner.access });
    expect(kept.body).to.include({ start: tuesday(10), status: 'confirmed' });
    expect(kept.body.attention).to.include('Moved in Google Calendar to 2026-12-08T12:00:00+01:00');
    expect(kept.body.attention).to.include('overlaps another booking');
    const back = fake.events(g.calendar).find((event) => event.id === eventIdFor(first.id));
    expect(instantOf(back?.start)).to.equal(tuesdayAt(10).getTime());
    expect((await t.http.get(`/api/bookings/${second.id}`, { token: g.owner.access })).body.start).to.equal(
      tuesday(12),
    );
    // Moving it here settles it.
    const moved = await t.http.patch(`/api/bookings/${first.id}`, {
      token: g.owner.access,
      body: { start: tuesday(15) },
    });
    expect(moved.body.attention).to.equal(null);
  });

  it('refuses slots and bookings with 503 once access is lost, shows the reason on the integration, and books built-in only once stopped', async () => {
    const g = await ownerWithGoogle(t.http, fake, key);
    fake.share(g.calendar, key.client_email, 'none');
    const slots = await tuesdaySlots(t.http, g);
    expect(slots.status).to.equal(503);
    expect(slots.body.detail).to.include(`is not shared with ${key.client_email}`);
    const row = await integration(g);
    expect(row).to.include({ status: 'error' });
    expect(row?.status_reason).to.include(key.client_email);

    const refused = await book(g, tuesday(10));
    expect(refused.status, refused.text).to.equal(503);
    expect(refused.body.detail).to.include('access was lost').and.to.include(`/api/integrations/${g.integrationId}/`);
    const listed = await t.http.get('/api/bookings?from=2026-12-08&to=2026-12-08', { token: g.owner.access });
    expect(listed.body).to.deep.equal([]);

    const stopped = await t.http.post(`/api/integrations/${g.integrationId}/stop`, { token: g.owner.access });
    expect(stopped.status, stopped.text).to.equal(200);
    expect((await book(g, tuesday(10))).status).to.equal(201);
    expect(ours(g)).to.deep.equal([]);
  });

  it('undoes a booking Google refuses to write because access was just lost (503, integration error), leaving no event', async () => {
    const g = await ownerWithGoogle(t.http, fake, key);
    await tuesdaySlots(t.http, g);
    fake.failNext('calendar.events.insert', FAILURES.forbidden);
    const refused = await book(g, tuesday(10));
    expect(refused.status, refused.text).to.equal(503);
    expect(refused.body.detail).to.match(/^Not booked: Google Calendar did not take the event/);
    expect(await integration(g)).to.include({ status: 'error' });
    const confirmed = await t.http.get('/api/bookings?from=2026-12-08&to=2026-12-08&status=confirmed', {
      token: g.owner.access,
    });
    expect(confirmed.body).to.deep.equal([]);
    expect(ours(g)).to.deep.equal([]);
  });

  it('undoes a booking when Google keeps failing after its retries (503 saying to try again); the connection stays', async () => {
    const g = await ownerWithGoogle(t.http, fake, key);
    fake.failNext('calendar.events.insert', FAILURES.serviceUnavailable, 3);
    const refused = await book(g, tuesday(10));
    expect(refused.status, refused.text).to.equal(503);
    expect(refused.body.detail).to.include('try again in a minute');
    const undone = await t.http.get('/api/bookings?from=2026-12-08&to=2026-12-08', { token: g.owner.access });
    expect(undone.body.map((b: { status: string }) => b.status)).to.deep.equal(['cancelled']);
    expect(undone.body[0].attention).to.include('Google Calendar did not take the event');
    expect(ours(g)).to.deep.equal([]);
    expect(await integration(g)).to.include({ status: 'connected' });
    // Google is back: the same time can be booked.
    expect((await book(g, tuesday(10))).status).to.equal(201);
    expect(ours(g)).to.have.length(1);
  });

  it('offers no slot it cannot check: 503 while freeBusy fails, and a move Google refuses keeps the old time', async () => {
    const g = await ownerWithGoogle(t.http, fake, key);
    const { body: booking } = await book(g, tuesday(10));
    fake.failNext('calendar.freebusy.query', FAILURES.serviceUnavailable, 3);
    const slots = await tuesdaySlots(t.http, g);
    expect(slots.status).to.equal(503);
    expect(slots.body.detail).to.include('cannot be reached right now');

    fake.failNext('calendar.events.patch', FAILURES.backendError, 3);
    const move = await t.http.patch(`/api/bookings/${booking.id}`, {
      token: g.owner.access,
      body: { start: tuesday(13) },
    });
    expect(move.status, move.text).to.equal(503);
    expect(move.body.detail).to.match(/^Not moved: .*keeps its time/);
    expect((await t.http.get(`/api/bookings/${booking.id}`, { token: g.owner.access })).body.start).to.equal(
      tuesday(10),
    );
  });

  it('flags the chat of a customer whose booking Google would not take', async () => {
    const g = await ownerWithGoogle(t.http, fake, key);
    const [chat] = await t.system.db
      .knex('chats')
      .insert({ owner_id: g.owner.id, channel: 'telegram', external_id: '4242', customer_name: 'Maria' })
      .returning('id');
    fake.failNext('calendar.events.insert', FAILURES.serviceUnavailable, 3);
    const actor = { kind: 'customer' as const, ownerId: g.owner.id, channel: 'telegram' as const, chatRef: '4242' };
    const error = await t.system.booking.bookings
      .book(actor, { serviceId: g.serviceId, start: tuesdayAt(10), customerName: 'Maria' })
      .catch((e: unknown) => e);
    expect(error).to.have.property('status', 503);
    const row = await t.system.db.knex('chats').where({ id: chat.id }).first();
    expect(row.needs_attention).to.equal(true);
  });

  it('writes bookings made before the calendar was connected, and deletes events cancelled bookings left behind, at the next sync', async () => {
    const owner = await registerOwner(t.http);
    await setUpBusiness(t.http, owner.access);
    const service = await createService(t.http, owner.access);
    const early = await t.http.post('/api/bookings', {
      token: owner.access,
      body: { service_id: service.id, start: tuesday(11), customer_name: 'Early Bird' },
    });
    expect(early.status).to.equal(201);
    const calendar = `late-${early.body.id.slice(0, 8)}@example.com`;
    fake.addUser(calendar, { timeZone: 'Europe/Berlin' });
    fake.share(calendar, key.client_email, 'writer');
    const connected = await t.http.post('/api/integrations/calendar/', {
      token: owner.access,
      body: { email: calendar },
    });
    const g: GoogleOwner = { owner, calendar, integrationId: connected.body.id, serviceId: service.id, staff: [] };
    await tuesdaySlots(t.http, g);
    expect(ours(g).map((event) => event.id)).to.deep.equal([eventIdFor(early.body.id)]);

    // A cancellation whose delete failed leaves the event; the next sync removes it.
    fake.failNext('calendar.events.delete', FAILURES.serviceUnavailable, 3);
    expect((await t.http.delete(`/api/bookings/${early.body.id}`, { token: owner.access })).status).to.equal(200);
    expect(ours(g)).to.have.length(1);
    await tuesdaySlots(t.http, g);
    expect(ours(g)).to.deep.equal([]);
  });

  it("keeps owners apart: B never sees A's calendar-derived availability nor A's bookings", async () => {
    const a = await ownerWithGoogle(t.http, fake, key);
    fake.addBusyEvent(a.calendar, { start: tuesdayAt(11), end: tuesdayAt(12) });
    const b = await ownerWithGoogle(t.http, fake, key);
    const { body: booking } = await book(a, tuesday(14));
    // A's service is not B's: 404, whatever A's calendar says.
    const foreign = await t.http.get(
      `/api/booking/availability?service_id=${a.serviceId}&from=2026-12-08&to=2026-12-08`,
      {
        token: b.owner.access,
      },
    );
    expect(foreign.status).to.equal(404);
    // B's own slots know nothing of A's calendar or bookings.
    const bSlots = (await tuesdaySlots(t.http, b)).starts;
    expect(bSlots).to.include.members(['11:00', '14:00']);
    expect((await t.http.get(`/api/bookings/${booking.id}`, { token: b.owner.access })).status).to.equal(404);
    expect(ours(b)).to.deep.equal([]);
    expect(ours(a)).to.have.length(1);
  });
});
