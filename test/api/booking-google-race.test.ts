// Customers racing for one slot with Google Calendar connected, in two processes (two systems sharing the
// run's database and store, one fake Google): one booking, one event in Google, the others offered the
// nearest free times, Google's busy time left out of them.
import { expect } from 'chai';
import { SlotTakenError } from '../../core/errors.ts';
import { BOOKING_PROPERTY } from '../../infra/google-calendar-provider.ts';
import { startFakeGoogle, type FakeGoogle, type ServiceAccountKeyFile } from '../fakes/google-server.ts';
import { googleEnv, MONDAY_MORNING, ownerWithGoogle, tuesday, tuesdayAt } from '../support/google-booking.ts';
import { startTestSystem, type TestSystem } from '../support/test-system.ts';
import { createTestStore, type TestStore } from '../support/test-store.ts';

describe('api/bookings with Google Calendar: racing for one slot across two systems', function () {
  this.timeout(60_000);
  let fake: FakeGoogle;
  let key: ServiceAccountKeyFile;
  let store: TestStore;
  let one: TestSystem;
  let two: TestSystem;

  before(async () => {
    fake = await startFakeGoogle();
    key = fake.createServiceAccount();
    store = createTestStore();
    one = await startTestSystem({ now: () => MONDAY_MORNING, store, env: googleEnv(fake, key) });
    two = await startTestSystem({ now: () => MONDAY_MORNING, store, env: googleEnv(fake, key) });
  });
  after(async () => {
    await one?.close();
    await two?.close();
    await store?.dispose();
    await fake?.close();
  });

  const ours = (calendar: string) =>
    fake.events(calendar).filter((event) => event.extendedProperties?.private?.[BOOKING_PROPERTY]);

  it('gives the slot to exactly one of twelve owner requests, writes one event, and offers the others free times around Google’s busy time', async () => {
    const g = await ownerWithGoogle(one.http, fake, key);
    fake.addBusyEvent(g.calendar, { start: tuesdayAt(14), end: tuesdayAt(14, 30), summary: 'Call' });
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (i % 2 === 0 ? one : two).http.post('/api/bookings', {
          token: g.owner.access,
          body: { service_id: g.serviceId, start: tuesday(15), customer_name: `Racer ${i}` },
        }),
      ),
    );
    expect(responses.map((r) => r.status).sort()).to.deep.equal([201, ...Array(11).fill(409)]);
    const winner = responses.find((r) => r.status === 201)?.body;
    const events = ours(g.calendar);
    expect(events).to.have.length(1);
    expect(events[0]?.extendedProperties?.private?.[BOOKING_PROPERTY]).to.equal(winner.id);
    // 13:30 would run into the 14:00 call; 14:00 and 14:30 overlap it or the new booking.
    for (const refused of responses.filter((r) => r.status === 409))
      expect(refused.body.alternatives.map((s: { start: string }) => s.start)).to.deep.equal([
        tuesday(13),
        tuesday(16),
        tuesday(16, 30),
      ]);
  });

  it('gives the slot to one of two customers booking at once in different processes; the other is offered the nearest free times', async () => {
    const g = await ownerWithGoogle(one.http, fake, key);
    const customer = (chatRef: string) => ({
      kind: 'customer' as const,
      ownerId: g.owner.id,
      channel: 'telegram' as const,
      chatRef,
    });
    const input = (name: string) => ({ serviceId: g.serviceId, start: tuesdayAt(11), customerName: name });
    const results = await Promise.allSettled([
      one.system.booking.bookings.book(customer('101'), input('First')),
      two.system.booking.bookings.book(customer('202'), input('Second')),
    ]);
    const booked = results.filter((r) => r.status === 'fulfilled');
    const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    expect(booked).to.have.length(1);
    expect(refused).to.have.length(1);
    expect(refused[0]).to.be.instanceOf(SlotTakenError);
    expect((refused[0] as SlotTakenError).alternatives.map((s) => s.start)).to.deep.equal([
      tuesday(10),
      tuesday(12),
      tuesday(12, 30),
    ]);
    expect(ours(g.calendar)).to.have.length(1);
  });
});
