// Small factories for booking tests: a business's hours and a service, set up through the real API.
import { expect } from 'chai';
import type { HttpClient } from './test-system.ts';

export const TEN_TO_EIGHT = {
  mon: [['10:00', '20:00']],
  tue: [['10:00', '20:00']],
  wed: [['10:00', '20:00']],
  thu: [['10:00', '20:00']],
  fri: [['10:00', '20:00']],
  sat: [['10:00', '20:00']],
  sun: [] as string[][],
};

/** Berlin, 10:00–20:00 Monday to Saturday, 30-minute slots, 60 minutes' notice, 30 days ahead. */
export async function setUpBusiness(
  http: HttpClient,
  token: string,
  overrides: Record<string, unknown> = {},
): Promise<Record<string, any>> {
  const response = await http.put('/api/booking/settings', {
    token,
    body: {
      timezone: 'Europe/Berlin',
      slot_minutes: 30,
      min_notice_minutes: 60,
      horizon_days: 30,
      hours: TEN_TO_EIGHT,
      ...overrides,
    },
  });
  expect(response.status, response.text).to.equal(200);
  return response.body;
}

export async function createService(
  http: HttpClient,
  token: string,
  body: Record<string, unknown> = {},
): Promise<{ id: string; name: string; duration_minutes: number }> {
  const response = await http.post('/api/booking/services', {
    token,
    body: { name: 'Haircut', duration_minutes: 60, price: 35, ...body },
  });
  expect(response.status, response.text).to.equal(201);
  return response.body;
}

export async function createStaff(
  http: HttpClient,
  token: string,
  body: Record<string, unknown> = {},
): Promise<{ id: string; name: string }> {
  const response = await http.post('/api/booking/staff', { token, body: { name: 'Anna', ...body } });
  expect(response.status, response.text).to.equal(201);
  return response.body;
}
