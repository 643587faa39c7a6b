// Two processes (two systems sharing the run's database) take owner requests for the same slot at once.
import { expect } from 'chai';
import { startTestSystem, type TestSystem } from '../support/test-system.ts';
import { registerOwner } from '../support/owners.ts';
import { createService, createStaff, setUpBusiness } from '../support/booking.ts';

const NOW = new Date('2026-12-07T07:00:00Z');

describe('api/bookings: racing for one slot across two systems on one database', function () {
  this.timeout(60_000);
  let one: TestSystem;
  let two: TestSystem;

  before(async () => {
    one = await startTestSystem({ now: () => NOW });
    two = await startTestSystem({ now: () => NOW });
  });
  after(async () => {
    await one.close();
    await two.close();
  });

  it('exactly one of twelve requests gets the slot; the others get 409 with the nearest free times', async () => {
    const owner = await registerOwner(one.http);
    await setUpBusiness(one.http, owner.access);
    const service = await createService(one.http, owner.access);
    const start = '2026-12-08T15:00:00+01:00';
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        (i % 2 === 0 ? one : two).http.post('/api/bookings', {
          token: owner.access,
          body: { service_id: service.id, start, customer_name: `Racer ${i}` },
        }),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).to.deep.equal([201, ...Array(11).fill(409)]);
    for (const refused of responses.filter((r) => r.status === 409))
      expect(refused.body.alternatives.map((s: { start: string }) => s.start)).to.deep.equal([
        '2026-12-08T13:30:00+01:00',
        '2026-12-08T14:00:00+01:00',
        '2026-12-08T16:00:00+01:00',
      ]);
    const listed = await two.http.get('/api/bookings?from=2026-12-08&to=2026-12-08', { token: owner.access });
    expect(listed.body).to.have.length(1);
  });

  it('with two staff members, two of the racers get the slot, one each', async () => {
    const owner = await registerOwner(one.http);
    await setUpBusiness(one.http, owner.access);
    const anna = await createStaff(one.http, owner.access, { name: 'Anna' });
    const olga = await createStaff(one.http, owner.access, { name: 'Olga' });
    const service = await createService(one.http, owner.access);
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? one : two).http.post('/api/bookings', {
          token: owner.access,
          body: { service_id: service.id, start: '2026-12-09T11:00:00+01:00', customer_name: `Racer ${i}` },
        }),
      ),
    );
    const won = responses.filter((r) => r.status === 201);
    expect(won.map((r) => r.body.staff_id).sort()).to.deep.equal([anna.id, olga.id].sort());
    expect(responses.filter((r) => r.status === 409)).to.have.length(8);
  });
});
