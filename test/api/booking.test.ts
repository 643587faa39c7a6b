import { expect } from 'chai';
import ICAL from 'ical.js';
import { startTestSystem, type TestSystem } from '../support/test-system.ts';
import { registerOwner, type RegisteredOwner } from '../support/owners.ts';
import { createService, createStaff, setUpBusiness, TEN_TO_EIGHT } from '../support/booking.ts';
import { trainAndWait, uploadFixture } from '../support/knowledge.ts';

// Monday 2026-12-07, 08:00 in Berlin: the booking clock of these tests.
const NOW = new Date('2026-12-07T07:00:00Z');

describe('api/booking: the owner sets up booking and manages bookings', function () {
  this.timeout(60_000);
  let t: TestSystem;

  before(async () => {
    t = await startTestSystem({ now: () => NOW });
  });
  after(async () => {
    await t.close();
  });

  const book = (owner: RegisteredOwner, body: Record<string, unknown>) =>
    t.http.post('/api/bookings', { token: owner.access, body });

  it('settings: defaults with a secret feed URL, then the contract shape round-trips; the timezone is the account’s', async () => {
    const owner = await registerOwner(t.http);
    const initial = await t.http.get('/api/booking/settings', { token: owner.access });
    expect(initial.status, initial.text).to.equal(200);
    expect(initial.body).to.include({ timezone: 'UTC', slot_minutes: 30, reminder_minutes: 1440 });
    expect(initial.body.ics_url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/api\/booking\/feed\.ics\?token=[\w-]{40,}$/);
    const body = {
      timezone: 'Europe/Berlin',
      slot_minutes: 15,
      min_notice_minutes: 120,
      horizon_days: 14,
      hours: {
        ...TEN_TO_EIGHT,
        sat: [
          ['10:00', '14:00'],
          ['15:00', '18:00'],
        ],
      },
    };
    const saved = await t.http.put('/api/booking/settings/', { token: owner.access, body });
    expect(saved.status, saved.text).to.equal(200);
    expect(saved.body).to.deep.include(body);
    expect(saved.body.ics_url).to.equal(initial.body.ics_url);
    const again = await t.http.get('/api/booking/settings/', { token: owner.access });
    expect(again.body).to.deep.include({ ...body, exceptions: {}, reminder_minutes: 1440 });
    expect((await t.http.get('/api/auth/me', { token: owner.access })).body.timezone).to.equal('Europe/Berlin');
  });

  it('settings: bad hours, an unknown timezone or an unknown field are 422 naming the field', async () => {
    const owner = await registerOwner(t.http);
    const overlapping = await t.http.put('/api/booking/settings', {
      token: owner.access,
      body: {
        hours: {
          ...TEN_TO_EIGHT,
          mon: [
            ['10:00', '14:00'],
            ['13:00', '18:00'],
          ],
        },
      },
    });
    expect(overlapping.status).to.equal(422);
    expect(overlapping.body.detail[0].loc).to.deep.equal(['body', 'hours', 'mon']);
    const zone = await t.http.put('/api/booking/settings', { token: owner.access, body: { timezone: 'Mars/Base' } });
    expect(zone.status).to.equal(422);
    expect(zone.body.detail[0].loc).to.deep.equal(['body', 'timezone']);
    const unknown = await t.http.put('/api/booking/settings', { token: owner.access, body: { slots: 5 } });
    expect(unknown.status).to.equal(422);
    const step = await t.http.put('/api/booking/settings', { token: owner.access, body: { slot_minutes: 0 } });
    expect(step.status).to.equal(422);
    expect(step.body.detail[0].loc).to.deep.equal(['body', 'slot_minutes']);
  });

  it('services and staff: create (201), list, read, replace, remove', async () => {
    const owner = await registerOwner(t.http);
    const anna = await createStaff(t.http, owner.access, { name: 'Anna', hours: { ...TEN_TO_EIGHT, mon: [] } });
    expect(anna).to.deep.include({ name: 'Anna', active: true, exceptions: {} });
    const service = await createService(t.http, owner.access, {
      name: 'Colouring',
      duration_minutes: 90,
      price: 80.5,
      buffer_minutes: 15,
      staff_ids: [anna.id],
    });
    expect(service).to.deep.include({
      name: 'Colouring',
      duration_minutes: 90,
      price: 80.5,
      buffer_minutes: 15,
      staff_ids: [anna.id],
    });
    const list = await t.http.get('/api/booking/services/', { token: owner.access });
    expect(list.body.map((s: { id: string }) => s.id)).to.deep.equal([service.id]);
    const replaced = await t.http.put(`/api/booking/services/${service.id}/`, {
      token: owner.access,
      body: { name: 'Colouring, long hair', duration_minutes: 120 },
    });
    expect(replaced.status, replaced.text).to.equal(200);
    expect(replaced.body).to.deep.include({ price: null, buffer_minutes: 0, staff_ids: [] });
    const staffReplaced = await t.http.put(`/api/booking/staff/${anna.id}`, {
      token: owner.access,
      body: { name: 'Anna K.', active: false },
    });
    expect(staffReplaced.body).to.deep.include({ name: 'Anna K.', active: false, hours: null });
    expect((await t.http.delete(`/api/booking/services/${service.id}`, { token: owner.access })).status).to.equal(204);
    expect((await t.http.get(`/api/booking/services/${service.id}`, { token: owner.access })).status).to.equal(404);
    expect((await t.http.delete(`/api/booking/staff/${anna.id}/`, { token: owner.access })).status).to.equal(204);
    expect((await t.http.get('/api/booking/staff', { token: owner.access })).body).to.deep.equal([]);
    const bad = await t.http.post('/api/booking/services', {
      token: owner.access,
      body: { name: '', duration_minutes: 2 },
    });
    expect(bad.status).to.equal(422);
    expect(bad.body.detail.map((d: { loc: string[] }) => d.loc.join('.'))).to.include.members([
      'body.name',
      'body.duration_minutes',
    ]);
  });

  it('availability: free slots of a day as ISO 8601 with the business’s offset, minus bookings and notice', async () => {
    const owner = await registerOwner(t.http);
    await setUpBusiness(t.http, owner.access);
    const service = await createService(t.http, owner.access, { duration_minutes: 60 });
    const today = await t.http.get(`/api/booking/availability?service_id=${service.id}&from=2026-12-07&to=2026-12-07`, {
      token: owner.access,
    });
    expect(today.status, today.text).to.equal(200);
    // 08:00 now + 60 minutes' notice: the first slot is 10:00; a 60-minute service's last start is 19:00.
    expect(today.body[0]).to.deep.equal({ start: '2026-12-07T10:00:00+01:00', end: '2026-12-07T11:00:00+01:00' });
    expect(today.body.at(-1).start).to.equal('2026-12-07T19:00:00+01:00');
    expect(today.body).to.have.length(19);
    const booked = await book(owner, {
      service_id: service.id,
      start: '2026-12-07T12:00:00+01:00',
      customer_name: 'Ivan',
    });
    expect(booked.status, booked.text).to.equal(201);
    const after = await t.http.get(
      `/api/booking/availability/?service_id=${service.id}&from=2026-12-07&to=2026-12-07`,
      {
        token: owner.access,
      },
    );
    const starts = after.body.map((s: { start: string }) => s.start.slice(11, 16));
    expect(starts).to.not.include.members(['11:30', '12:00', '12:30']);
    expect(starts).to.include.members(['11:00', '13:00']);
    const sunday = await t.http.get(
      `/api/booking/availability?service_id=${service.id}&from=2026-12-13&to=2026-12-13`,
      {
        token: owner.access,
      },
    );
    expect(sunday.body).to.deep.equal([]);
    const beyond = await t.http.get(
      `/api/booking/availability?service_id=${service.id}&from=2027-01-07&to=2027-01-08`,
      {
        token: owner.access,
      },
    );
    expect(beyond.body, 'beyond the 30-day horizon').to.deep.equal([]);
  });

  it('availability: per staff member, each with their own hours; bad queries are 422, unknown services 404', async () => {
    const owner = await registerOwner(t.http);
    await setUpBusiness(t.http, owner.access);
    const anna = await createStaff(t.http, owner.access, { name: 'Anna' });
    const olga = await createStaff(t.http, owner.access, {
      name: 'Olga',
      hours: { ...TEN_TO_EIGHT, tue: [['16:00', '18:00']] },
    });
    const service = await createService(t.http, owner.access);
    const slots = await t.http.get(`/api/booking/availability?service_id=${service.id}&from=2026-12-08&to=2026-12-08`, {
      token: owner.access,
    });
    const olgas = slots.body.filter((s: { staff_id: string }) => s.staff_id === olga.id);
    expect(olgas.map((s: { start: string }) => s.start)).to.deep.equal([
      '2026-12-08T16:00:00+01:00',
      '2026-12-08T16:30:00+01:00',
      '2026-12-08T17:00:00+01:00',
    ]);
    expect(slots.body.filter((s: { staff_id: string }) => s.staff_id === anna.id)).to.have.length(19);
    const onlyOlga = await t.http.get(
      `/api/booking/availability?service_id=${service.id}&from=2026-12-08&to=2026-12-08&staff_id=${olga.id}`,
      { token: owner.access },
    );
    expect(onlyOlga.body).to.have.length(3);
    const reversed = await t.http.get(
      `/api/booking/availability?service_id=${service.id}&from=2026-12-09&to=2026-12-08`,
      {
        token: owner.access,
      },
    );
    expect(reversed.status).to.equal(422);
    const noDate = await t.http.get(`/api/booking/availability?service_id=${service.id}&from=tomorrow&to=2026-12-08`, {
      token: owner.access,
    });
    expect(noDate.status).to.equal(422);
    expect(noDate.body.detail[0].loc).to.deep.equal(['query', 'from']);
    const unknown = await t.http.get(
      '/api/booking/availability?service_id=00000000-0000-4000-8000-000000000000&from=2026-12-08&to=2026-12-08',
      { token: owner.access },
    );
    expect(unknown.status).to.equal(404);
  });

  it('bookings: 201 with the contract shape, 409 with the nearest free times when taken, listed by range in pages', async () => {
    const owner = await registerOwner(t.http);
    await setUpBusiness(t.http, owner.access);
    const service = await createService(t.http, owner.access, { duration_minutes: 60, buffer_minutes: 30 });
    const first = await book(owner, {
      service_id: service.id,
      start: '2026-12-08T14:00:00+01:00',
      customer_name: 'Maria',
      customer_phone: '+49 30 1234567',
    });
    expect(first.status, first.text).to.equal(201);
    expect(first.body).to.include({
      service_id: service.id,
      service_name: 'Haircut',
      start: '2026-12-08T14:00:00+01:00',
      end: '2026-12-08T15:00:00+01:00',
      status: 'confirmed',
      customer_name: 'Maria',
      customer_phone: '+49 30 1234567',
      source: 'owner',
      staff_id: null,
    });
    // 15:00 is inside the first booking's 30-minute buffer.
    const taken = await book(owner, {
      service_id: service.id,
      start: '2026-12-08T15:00:00+01:00',
      customer_name: 'Olga',
    });
    expect(taken.status).to.equal(409);
    expect(taken.body.detail).to.be.a('string');
    expect(taken.body.alternatives.map((s: { start: string }) => s.start)).to.deep.equal([
      '2026-12-08T15:30:00+01:00',
      '2026-12-08T16:00:00+01:00',
      '2026-12-08T16:30:00+01:00',
    ]);
    for (const hour of ['10', '12', '16', '18']) {
      const made = await book(owner, {
        service_id: service.id,
        start: `2026-12-09T${hour}:00:00+01:00`,
        customer_name: `C${hour}`,
      });
      expect(made.status, made.text).to.equal(201);
    }
    const page1 = await t.http.get('/api/bookings?from=2026-12-09&to=2026-12-09&page_size=3', { token: owner.access });
    expect(page1.status, page1.text).to.equal(200);
    expect(page1.body.map((b: { customer_name: string }) => b.customer_name)).to.deep.equal(['C10', 'C12', 'C16']);
    expect(page1.headers.get('x-total-count')).to.equal('4');
    const link = page1.headers.get('link') ?? '';
    expect(link).to.include('rel="next"').and.include('page=2').and.include('from=2026-12-09');
    const next = /<([^>]+)>; rel="next"/.exec(link)?.[1] ?? '';
    const page2 = await t.http.get(next, { token: owner.access });
    expect(page2.body.map((b: { customer_name: string }) => b.customer_name)).to.deep.equal(['C18']);
    expect(page2.headers.get('link')).to.include('rel="prev"').and.not.include('rel="next"');
    const byInstant = await t.http.get(
      `/api/bookings/?from=${encodeURIComponent('2026-12-08T14:30:00+01:00')}&to=${encodeURIComponent('2026-12-09T10:30:00+01:00')}`,
      { token: owner.access },
    );
    expect(byInstant.body.map((b: { customer_name: string }) => b.customer_name)).to.deep.equal(['Maria', 'C10']);
    const badRange = await t.http.get('/api/bookings?from=someday', { token: owner.access });
    expect(badRange.status).to.equal(422);
    const noOffset = await book(owner, { service_id: service.id, start: '2026-12-10T10:00:00', customer_name: 'X' });
    expect(noOffset.status).to.equal(422);
  });

  it('bookings: the owner moves one (409 onto a taken time) and cancels it, which frees its time', async () => {
    const owner = await registerOwner(t.http);
    await setUpBusiness(t.http, owner.access);
    const service = await createService(t.http, owner.access);
    const a = (await book(owner, { service_id: service.id, start: '2026-12-10T10:00:00+01:00', customer_name: 'A' }))
      .body;
    const b = (await book(owner, { service_id: service.id, start: '2026-12-10T12:00:00+01:00', customer_name: 'B' }))
      .body;
    const moved = await t.http.patch(`/api/bookings/${a.id}`, {
      token: owner.access,
      body: { start: '2026-12-10T10:30:00+01:00' },
    });
    expect(moved.status, moved.text).to.equal(200);
    expect(moved.body).to.include({
      start: '2026-12-10T10:30:00+01:00',
      end: '2026-12-10T11:30:00+01:00',
      status: 'confirmed',
    });
    const onto = await t.http.patch(`/api/bookings/${a.id}/`, {
      token: owner.access,
      body: { start: '2026-12-10T11:30:00+01:00' },
    });
    expect(onto.status).to.equal(409);
    expect(onto.body.alternatives).to.be.an('array').that.is.not.empty;
    expect((await t.http.get(`/api/bookings/${a.id}`, { token: owner.access })).body.start).to.equal(
      '2026-12-10T10:30:00+01:00',
    );
    const cancelled = await t.http.delete(`/api/bookings/${b.id}`, { token: owner.access });
    expect(cancelled.status).to.equal(200);
    expect(cancelled.body.status).to.equal('cancelled');
    expect((await t.http.delete(`/api/bookings/${b.id}`, { token: owner.access })).body.status).to.equal('cancelled');
    const now = await t.http.patch(`/api/bookings/${a.id}`, {
      token: owner.access,
      body: { start: '2026-12-10T12:00:00+01:00' },
    });
    expect(now.status, 'the cancelled booking no longer holds 12:00').to.equal(200);
    const movingCancelled = await t.http.patch(`/api/bookings/${b.id}`, {
      token: owner.access,
      body: { start: '2026-12-10T15:00:00+01:00' },
    });
    expect(movingCancelled.status).to.equal(409);
    const cancelledOnly = await t.http.get('/api/bookings?from=2026-12-10&to=2026-12-10&status=cancelled', {
      token: owner.access,
    });
    expect(cancelledOnly.body.map((x: { id: string }) => x.id)).to.deep.equal([b.id]);
  });

  it('staff: a booking goes to a free staff member; one with upcoming bookings cannot be removed (409)', async () => {
    const owner = await registerOwner(t.http);
    await setUpBusiness(t.http, owner.access);
    const anna = await createStaff(t.http, owner.access, { name: 'Anna' });
    const olga = await createStaff(t.http, owner.access, { name: 'Olga' });
    const service = await createService(t.http, owner.access);
    const start = '2026-12-11T10:00:00+01:00';
    const one = await book(owner, { service_id: service.id, start, customer_name: 'One' });
    const two = await book(owner, { service_id: service.id, start, customer_name: 'Two' });
    const three = await book(owner, { service_id: service.id, start, customer_name: 'Three' });
    expect([one.status, two.status, three.status]).to.deep.equal([201, 201, 409]);
    expect([one.body.staff_id, two.body.staff_id]).to.deep.equal([anna.id, olga.id]);
    const chosen = await book(owner, {
      service_id: service.id,
      start: '2026-12-11T12:00:00+01:00',
      customer_name: 'O',
      staff_id: olga.id,
    });
    expect(chosen.body.staff_id).to.equal(olga.id);
    const removal = await t.http.delete(`/api/booking/staff/${anna.id}`, { token: owner.access });
    expect(removal.status).to.equal(409);
    expect(removal.body.detail).to.match(/upcoming/);
    const notTheirs = await createService(t.http, owner.access, { name: 'Nails', staff_ids: [anna.id] });
    const refused = await book(owner, {
      service_id: notTheirs.id,
      start: '2026-12-11T15:00:00+01:00',
      customer_name: 'N',
      staff_id: olga.id,
    });
    expect(refused.status).to.equal(422);
  });

  it('the .ics feed: valid iCalendar with TZID, confirmed bookings with service and name but no phone; a wrong token is 404; rotation', async () => {
    const owner = await registerOwner(t.http, { salon_name: 'Lotus' });
    const settings = await setUpBusiness(t.http, owner.access);
    const service = await createService(t.http, owner.access, { name: 'Manicure' });
    await book(owner, {
      service_id: service.id,
      start: '2026-12-08T15:00:00+01:00',
      customer_name: 'Maria',
      customer_phone: '+4915112345678',
    });
    const gone = (
      await book(owner, { service_id: service.id, start: '2026-12-08T17:00:00+01:00', customer_name: 'Gone' })
    ).body;
    await t.http.delete(`/api/bookings/${gone.id}`, { token: owner.access });
    const feedPath = new URL(settings.ics_url).pathname + new URL(settings.ics_url).search;
    const feed = await t.http.get(feedPath);
    expect(feed.status).to.equal(200);
    expect(feed.headers.get('content-type')).to.match(/^text\/calendar/);
    const calendar = new ICAL.Component(ICAL.parse(feed.text));
    expect(calendar.getFirstSubcomponent('vtimezone')?.getFirstPropertyValue('tzid')).to.equal('Europe/Berlin');
    const events = calendar.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
    expect(events).to.have.length(1);
    const [event] = events;
    expect(event!.summary).to.equal('Manicure: Maria');
    expect(event!.component.getFirstProperty('dtstart')?.getParameter('tzid')).to.equal('Europe/Berlin');
    expect(event!.startDate.toString()).to.equal('2026-12-08T15:00:00');
    expect(event!.startDate.toJSDate().toISOString()).to.equal('2026-12-08T14:00:00.000Z');
    expect(feed.text).to.not.include('4915112345678');
    expect(feed.text).to.not.include('Gone');

    expect((await t.http.get('/api/booking/feed.ics?token=not-the-token')).status).to.equal(404);
    expect((await t.http.get('/api/booking/feed.ics')).status).to.equal(404);
    const rotated = await t.http.post('/api/booking/feed/rotate', { token: owner.access });
    expect(rotated.status).to.equal(200);
    expect(rotated.body.ics_url).to.not.equal(settings.ics_url);
    expect((await t.http.get(feedPath)).status, 'the old URL stops working').to.equal(404);
    const fresh = new URL(rotated.body.ics_url);
    expect((await t.http.get(fresh.pathname + fresh.search)).status).to.equal(200);
    expect(t.logs.join('')).to.not.include(fresh.searchParams.get('token'));
  });

  it('suggests services from the uploaded price list, for the owner to confirm', async () => {
    const owner = await registerOwner(t.http);
    await uploadFixture(t.http, owner.access, 'services.csv');
    await uploadFixture(t.http, owner.access, 'price-list.xlsx');
    await trainAndWait(t.http, owner.access);
    await createService(t.http, owner.access, { name: 'Педикюр' });
    const response = await t.http.get('/api/booking/services/suggestions/', { token: owner.access });
    expect(response.status, response.text).to.equal(200);
    expect(response.body).to.deep.include.members([
      { name: 'Gel manicure', price: 1200, duration_minutes: 75 },
      { name: 'Hot stone massage', price: 3500, duration_minutes: 60 },
      { name: 'Маникюр с покрытием', price: 1500, duration_minutes: 90 },
      { name: 'Окрашивание в один тон', price: 4500, duration_minutes: 150 },
    ]);
    const names = response.body.map((s: { name: string }) => s.name);
    expect(names, 'already a service').to.not.include('Педикюр');
    expect((await t.http.get('/api/booking/services', { token: owner.access })).body, 'nothing created').to.have.length(
      1,
    );
  });

  it('a guest reads booking data but every change is refused with 403', async () => {
    const guest = await registerOwner(t.http);
    await t.system.db.knex('owners').where({ id: guest.id }).update({ role: 'guest' });
    expect((await t.http.get('/api/booking/settings', { token: guest.access })).status).to.equal(200);
    expect((await t.http.get('/api/booking/services', { token: guest.access })).status).to.equal(200);
    expect((await t.http.get('/api/bookings', { token: guest.access })).status).to.equal(200);
    const writes = [
      t.http.put('/api/booking/settings', { token: guest.access, body: { slot_minutes: 15 } }),
      t.http.post('/api/booking/services', { token: guest.access, body: { name: 'X', duration_minutes: 30 } }),
      t.http.post('/api/booking/staff', { token: guest.access, body: { name: 'X' } }),
      t.http.post('/api/booking/feed/rotate', { token: guest.access }),
      t.http.post('/api/bookings', {
        token: guest.access,
        body: { service_id: '00000000-0000-4000-8000-000000000000', start: '2026-12-08T10:00:00Z', customer_name: 'X' },
      }),
      t.http.patch('/api/bookings/00000000-0000-4000-8000-000000000000', {
        token: guest.access,
        body: { start: '2026-12-08T10:00:00Z' },
      }),
      t.http.delete('/api/bookings/00000000-0000-4000-8000-000000000000', { token: guest.access }),
    ];
    for (const response of await Promise.all(writes)) expect(response.status).to.equal(403);
    expect((await t.http.get('/api/bookings')).status, 'no token').to.equal(401);
  });

  it('owner B can neither see nor touch owner A’s settings, services, staff, bookings, availability or feed', async () => {
    const a = await registerOwner(t.http);
    const b = await registerOwner(t.http);
    const aSettings = await setUpBusiness(t.http, a.access, { slot_minutes: 20 });
    const aStaff = await createStaff(t.http, a.access, { name: 'A staff' });
    const aService = await createService(t.http, a.access, { name: 'A service' });
    const aBooking = (
      await book(a, { service_id: aService.id, start: '2026-12-08T10:00:00+01:00', customer_name: 'A customer' })
    ).body;
    await uploadFixture(t.http, a.access, 'services.csv');
    await trainAndWait(t.http, a.access);

    const bSettings = await t.http.get('/api/booking/settings', { token: b.access });
    expect(bSettings.body.slot_minutes).to.equal(30);
    expect(bSettings.body.ics_url).to.not.equal(aSettings.ics_url);
    await t.http.put('/api/booking/settings', { token: b.access, body: { slot_minutes: 45 } });
    expect((await t.http.get('/api/booking/settings', { token: a.access })).body.slot_minutes).to.equal(20);

    const asB = { token: b.access };
    expect((await t.http.get('/api/booking/services', asB)).body).to.deep.equal([]);
    expect((await t.http.get('/api/booking/staff', asB)).body).to.deep.equal([]);
    expect((await t.http.get('/api/bookings', asB)).body).to.deep.equal([]);
    expect((await t.http.get('/api/booking/services/suggestions', asB)).body).to.deep.equal([]);
    const statuses = await Promise.all([
      t.http.get(`/api/booking/services/${aService.id}`, asB),
      t.http.put(`/api/booking/services/${aService.id}`, { ...asB, body: { name: 'Mine', duration_minutes: 30 } }),
      t.http.delete(`/api/booking/services/${aService.id}`, asB),
      t.http.get(`/api/booking/staff/${aStaff.id}`, asB),
      t.http.put(`/api/booking/staff/${aStaff.id}`, { ...asB, body: { name: 'Mine' } }),
      t.http.delete(`/api/booking/staff/${aStaff.id}`, asB),
      t.http.get(`/api/booking/availability?service_id=${aService.id}&from=2026-12-08&to=2026-12-08`, asB),
      t.http.post('/api/bookings', {
        ...asB,
        body: { service_id: aService.id, start: '2026-12-08T12:00:00+01:00', customer_name: 'B' },
      }),
      t.http.get(`/api/bookings/${aBooking.id}`, asB),
      t.http.patch(`/api/bookings/${aBooking.id}`, { ...asB, body: { start: '2026-12-08T15:00:00+01:00' } }),
      t.http.delete(`/api/bookings/${aBooking.id}`, asB),
    ]);
    expect(statuses.map((r) => r.status)).to.deep.equal([404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404]);
    const bService = await createService(t.http, b.access, { name: 'B service', staff_ids: [aStaff.id] }).catch(
      (error: Error) => error,
    );
    expect(bService, 'another owner’s staff member is not B’s to assign').to.be.an('error');
    const bOwn = await createService(t.http, b.access, { name: 'B service' });
    const withAStaff = await book(b, {
      service_id: bOwn.id,
      start: '2026-12-08T12:00:00+01:00',
      customer_name: 'B',
      staff_id: aStaff.id,
    });
    expect(withAStaff.status).to.equal(422);
    const bFeed = new URL(bSettings.body.ics_url);
    expect((await t.http.get(bFeed.pathname + bFeed.search)).text).to.not.include('A customer');
    expect((await t.http.post('/api/booking/feed/rotate', asB)).status).to.equal(200);
    const aFeed = new URL(aSettings.ics_url);
    const aFeedAfter = await t.http.get(aFeed.pathname + aFeed.search);
    expect(aFeedAfter.status, 'B rotating its feed leaves A’s alone').to.equal(200);
    expect(aFeedAfter.text).to.include('A customer');

    const aAfter = await t.http.get(`/api/bookings/${aBooking.id}`, { token: a.access });
    expect(aAfter.body).to.include({ status: 'confirmed', start: '2026-12-08T10:00:00+01:00' });
    expect((await t.http.get(`/api/booking/services/${aService.id}`, { token: a.access })).body.name).to.equal(
      'A service',
    );
    expect((await t.http.get(`/api/booking/staff/${aStaff.id}`, { token: a.access })).body.name).to.equal('A staff');
  });

  it('describes the booking routes in /api/openapi.json', async () => {
    const document = (await t.http.get('/api/openapi.json')).body;
    for (const path of [
      '/api/booking/settings',
      '/api/booking/services',
      '/api/booking/services/{id}',
      '/api/booking/staff/{id}',
      '/api/booking/availability',
      '/api/bookings',
      '/api/bookings/{id}',
    ])
      expect(document.paths, path).to.have.property(path);
    expect(document.paths['/api/bookings'].post.responses).to.have.property('409');
  });
});

describe('api/booking on a day with a DST change', function () {
  this.timeout(60_000);
  it('offers a 10:00–20:00 Sunday in Berlin on 2026-10-25 at +01:00, the Saturday before at +02:00', async () => {
    const t = await startTestSystem({ now: () => new Date('2026-10-20T08:00:00Z') });
    try {
      const owner = await registerOwner(t.http);
      await setUpBusiness(t.http, owner.access, { hours: { ...TEN_TO_EIGHT, sun: [['10:00', '20:00']] } });
      const service = await createService(t.http, owner.access);
      const slots = await t.http.get(
        `/api/booking/availability?service_id=${service.id}&from=2026-10-24&to=2026-10-25`,
        {
          token: owner.access,
        },
      );
      const starts: string[] = slots.body.map((s: { start: string }) => s.start);
      expect(starts.filter((s) => s.startsWith('2026-10-24'))).to.have.length(19);
      expect(starts.filter((s) => s.startsWith('2026-10-25'))).to.have.length(19);
      expect(starts[0]).to.equal('2026-10-24T10:00:00+02:00');
      expect(starts.find((s) => s.startsWith('2026-10-25'))).to.equal('2026-10-25T10:00:00+01:00');
      expect(starts.at(-1)).to.equal('2026-10-25T19:00:00+01:00');
      const booked = await t.http.post('/api/bookings', {
        token: owner.access,
        body: { service_id: service.id, start: '2026-10-25T10:00:00+01:00', customer_name: 'Autumn' },
      });
      expect(booked.body).to.include({ start: '2026-10-25T10:00:00+01:00', end: '2026-10-25T11:00:00+01:00' });
    } finally {
      await t.close();
    }
  });
});
