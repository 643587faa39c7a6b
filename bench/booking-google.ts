// For `npm run bench:booking -- --google`: the fake Google (test/fakes) over real HTTP on 127.0.0.1, a
// service account, and the calendar connections booking reads through, as compose.ts builds them.
import type { Knex } from 'knex';
import type { SecretBox } from '../core/crypto/secret-box.ts';
import { createCalendarConnections, type CalendarConnections } from '../core/integrations/calendar-connections.ts';
import type { KeyValueStore } from '../core/ports/key-value-store.ts';
import { createGoogleCalendarProviders } from '../infra/google-calendar-provider.ts';
import { startFakeGoogle, type FakeGoogle } from '../test/fakes/google-server.ts';

export interface BenchGoogle {
  fake: FakeGoogle;
  calendars: CalendarConnections;
  /** Shares a new calendar with the service account and connects it for the owner; returns the calendar's id. */
  connect(ownerId: string, tag: string): Promise<string>;
  close(): Promise<void>;
}

export async function startBenchGoogle(db: Knex, store: KeyValueStore, secretBox: SecretBox): Promise<BenchGoogle> {
  const fake = await startFakeGoogle();
  const key = fake.createServiceAccount();
  const calendars = createCalendarConnections({
    db,
    store,
    secretBox,
    providers: createGoogleCalendarProviders({
      apiRoot: fake.url,
      serviceAccount: {
        clientEmail: key.client_email,
        privateKey: key.private_key,
        privateKeyId: key.private_key_id,
        tokenUri: key.token_uri,
      },
      timeoutMs: 5000,
    }),
    serviceAccountEmail: key.client_email,
  });
  return {
    fake,
    calendars,
    async connect(ownerId, tag) {
      const calendar = `${tag}@bench.example`;
      fake.addUser(calendar, { timeZone: 'Europe/Berlin' });
      fake.share(calendar, key.client_email, 'writer');
      await calendars.connectServiceAccount(ownerId, calendar);
      return calendar;
    },
    close: () => fake.close(),
  };
}

/** Calendar connections without Google settings, as compose.ts builds them when none are set. */
export function builtInOnly(db: Knex, store: KeyValueStore, secretBox: SecretBox): CalendarConnections {
  return createCalendarConnections({ db, store, secretBox });
}
