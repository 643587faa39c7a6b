// Factories for booking with Google Calendar: an owner whose business is set up and whose calendar (in the
// fake Google) is shared with the deployment's service account and connected through the real API.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { FakeGoogle, ServiceAccountKeyFile } from '../fakes/google-server.ts';
import { createService, createStaff, setUpBusiness } from './booking.ts';
import { registerOwner, type RegisteredOwner } from './owners.ts';
import type { HttpClient } from './test-system.ts';

/** Monday 2026-12-07, 08:00 in Berlin: the booking clock of these tests. */
export const MONDAY_MORNING = new Date('2026-12-07T07:00:00Z');

/** Tuesday 2026-12-08 at a Berlin wall-clock time (UTC+01:00 in December), as the API writes it. */
export const tuesday = (hour: number, minute = 0) =>
  `2026-12-08T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00+01:00`;
export const tuesdayAt = (hour: number, minute = 0) => new Date(tuesday(hour, minute));

/** The environment that points a test system at the fake Google with this service account. */
export const googleEnv = (fake: FakeGoogle, key: ServiceAccountKeyFile, extra: Record<string, string> = {}) => ({
  GOOGLE_SERVICE_ACCOUNT_KEY: JSON.stringify(key),
  GOOGLE_API_ROOT: fake.url,
  ...extra,
});

export interface GoogleOwner {
  owner: RegisteredOwner;
  calendar: string;
  integrationId: string;
  serviceId: string;
  staff: { id: string; name: string }[];
}

/** An owner (Berlin hours 10–20, a 60-minute Haircut, optional staff) with a connected Google Calendar. */
export async function ownerWithGoogle(
  http: HttpClient,
  fake: FakeGoogle,
  key: ServiceAccountKeyFile,
  options: { staff?: string[] } = {},
): Promise<GoogleOwner> {
  const owner = await registerOwner(http);
  await setUpBusiness(http, owner.access);
  const staff = [];
  for (const name of options.staff ?? []) staff.push(await createStaff(http, owner.access, { name }));
  const service = await createService(http, owner.access);
  const calendar = `salon-${randomUUID().slice(0, 8)}@example.com`;
  fake.addUser(calendar, { timeZone: 'Europe/Berlin' });
  fake.share(calendar, key.client_email, 'writer');
  const connected = await http.post('/api/integrations/calendar/', { token: owner.access, body: { email: calendar } });
  expect(connected.status, connected.text).to.equal(201);
  return { owner, calendar, integrationId: connected.body.id, serviceId: service.id, staff };
}

/** Free start times the API offers on Tuesday (as Berlin wall-clock "HH:MM"), per staff member when asked. */
export async function tuesdaySlots(
  http: HttpClient,
  owner: GoogleOwner,
  staffId?: string,
): Promise<{ status: number; starts: string[]; body: any }> {
  const query = `service_id=${owner.serviceId}&from=2026-12-08&to=2026-12-08${staffId ? `&staff_id=${staffId}` : ''}`;
  const response = await http.get(`/api/booking/availability?${query}`, { token: owner.owner.access });
  const starts =
    response.status === 200 ? (response.body as { start: string }[]).map((slot) => slot.start.slice(11, 16)) : [];
  return { status: response.status, starts, body: response.body };
}
