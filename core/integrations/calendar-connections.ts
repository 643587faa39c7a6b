// Connecting an owner's Google Calendar, in either mode the deployment offers: a calendar the owner shares
// with the deployment's service account, or the owner's own Google account through Google sign-in (OAuth).
// A connection is `connected` only once a real call proved access; what is missing is said in words the
// owner can act on. The refresh token is sealed at rest and never returned; every query filters by owner.
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import type { SecretBox } from '../crypto/secret-box.ts';
import type { KeyValueStore } from '../ports/key-value-store.ts';
import {
  CalendarError,
  type CalendarCredentials,
  type CalendarInfo,
  type CalendarOAuth,
  type CalendarProvider,
  type CalendarProviderFactory,
} from '../ports/calendar-provider.ts';
import { ConflictError, InvalidError, NotFoundError, UnavailableError } from '../errors.ts';
import { isUniqueViolation } from '../accounts/owners.ts';
import { parsePublicInfo, type PublicInfo } from './public-info.ts';
import { toIntegrationView, type IntegrationRow, type IntegrationView } from './integrations-service.ts';

/** How long the owner has to get through Google's consent page. */
const OAUTH_STATE_TTL_MS = 10 * 60_000;
const stateKey = (state: string) => `calendar-oauth:state:${state}`;
const usedStateKey = (state: string) => `calendar-oauth:used:${state}`;

const NOT_SET_UP =
  'Google Calendar is not set up on this server: the administrator sets GOOGLE_SERVICE_ACCOUNT_KEY, or GOOGLE_OAUTH_CLIENT_ID and GOOGLE_OAUTH_CLIENT_SECRET';
const UNREACHABLE = 'Google Calendar cannot be reached right now; try again in a minute';
const TAKEN = 'This Google Calendar is already connected to another account';

export interface CalendarConnectionsDeps {
  db: Knex;
  store: KeyValueStore;
  secretBox: SecretBox;
  /** Absent when the deployment has no Google settings. */
  providers?: CalendarProviderFactory;
  /** Service-account mode: the address owners share their calendar with. */
  serviceAccountEmail?: string;
  /** OAuth mode. */
  oauth?: CalendarOAuth;
}

/** A connected calendar, ready for booking: its provider carries the connection's credentials. */
export interface ConnectedCalendar {
  integrationId: string;
  ownerId: string;
  calendarId: string;
  provider: CalendarProvider;
}

export type CalendarConnections = ReturnType<typeof createCalendarConnections>;

export function createCalendarConnections(deps: CalendarConnectionsDeps) {
  const { db, store, secretBox } = deps;

  function credentialsOf(row: IntegrationRow): CalendarCredentials {
    if (parsePublicInfo(row.public_info).mode !== 'oauth') return { mode: 'service_account' };
    const secrets = row.secrets_sealed
      ? (JSON.parse(secretBox.decrypt(row.secrets_sealed)) as { refresh_token?: string })
      : {};
    if (!secrets.refresh_token)
      throw new CalendarError('No Google sign-in is stored; connect Google Calendar again', 'access');
    return { mode: 'oauth', refreshToken: secrets.refresh_token };
  }

  function providerFor(row: IntegrationRow): CalendarProvider {
    if (!deps.providers) throw new CalendarError(NOT_SET_UP, 'access');
    return deps.providers(credentialsOf(row));
  }

  async function update(ownerId: string, id: string, values: Record<string, unknown>): Promise<IntegrationRow> {
    try {
      const [row] = await db('integrations')
        .where({ owner_id: ownerId, id, type: 'calendar' })
        .update({ ...values, updated_at: new Date() })
        .returning<IntegrationRow[]>('*');
      if (!row) throw new NotFoundError('Integration not found');
      return row;
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(TAKEN, { cause: error });
      throw error;
    }
  }

  /** Records proven access: the calendar becomes this connection's (one owner per calendar). */
  function markConnected(row: IntegrationRow, info: CalendarInfo, activate: boolean): Promise<IntegrationRow> {
    const publicInfo: PublicInfo = {
      ...parsePublicInfo(row.public_info),
      calendar_id: info.calendarId,
      ...(info.timeZone ? { time_zone: info.timeZone } : {}),
    };
    const stays = !activate && row.status === 'stopped';
    return update(row.owner_id, row.id, {
      status: stays ? 'stopped' : 'connected',
      status_reason: stays ? row.status_reason : null,
      external_ref: info.calendarId,
      public_info: JSON.stringify(publicInfo),
      connected_at: row.connected_at ?? new Date(),
    });
  }

  /**
   * Checks access with a real call. Refused access leaves a connection that never worked `pending` and
   * turns a working one into `error`, with the reason; Google being unreachable changes nothing (503).
   * Only `activate` (connect, start) turns a stopped connection on again.
   */
  async function verify(
    row: IntegrationRow,
    activate: boolean,
  ): Promise<{ row: IntegrationRow; ok: boolean; detail: string }> {
    const calendarId = parsePublicInfo(row.public_info).calendar_id ?? row.external_ref ?? 'primary';
    try {
      const info = await providerFor(row).checkAccess(calendarId);
      const connected = await markConnected(row, info, activate);
      return { row: connected, ok: true, detail: `Frontdesk can see and change events in ${info.calendarId}` };
    } catch (error) {
      if (!(error instanceof CalendarError)) throw error;
      if (error.retryable) throw new UnavailableError(UNREACHABLE, { cause: error });
      const status = !activate && row.status === 'stopped' ? 'stopped' : row.connected_at ? 'error' : 'pending';
      const updated = await update(row.owner_id, row.id, { status, status_reason: error.message });
      return { row: updated, ok: false, detail: error.message };
    }
  }

  async function ownCalendarRow(
    ownerId: string,
    calendarId: string,
    query: Knex = db,
  ): Promise<IntegrationRow | undefined> {
    return query('integrations')
      .where({ owner_id: ownerId, type: 'calendar' })
      .where((query) =>
        query.where({ external_ref: calendarId }).orWhereRaw("public_info->>'calendar_id' = ?", [calendarId]),
      )
      .first<IntegrationRow | undefined>();
  }

  async function takenByAnother(ownerId: string, calendarId: string): Promise<boolean> {
    const other = await db('integrations')
      .where({ type: 'calendar', external_ref: calendarId })
      .whereNot({ owner_id: ownerId })
      .first('id');
    return Boolean(other);
  }

  return {
    /** What the owner's console shows before connecting: which modes this server offers. */
    setup(): { service_account: { share_with: string } | null; oauth: boolean } {
      return {
        service_account: deps.providers && deps.serviceAccountEmail ? { share_with: deps.serviceAccountEmail } : null,
        oauth: Boolean(deps.providers && deps.oauth),
      };
    },

    /**
     * Service-account mode: connects the calendar once it is shared with the service account. Until then the
     * connection stays `pending` (listed, testable) and this answers 422 saying what to share with whom.
     */
    async connectServiceAccount(
      ownerId: string,
      email: string,
    ): Promise<{ integration: IntegrationView & { share_with: string }; created: boolean }> {
      const shareWith = deps.serviceAccountEmail;
      if (!deps.providers || !shareWith) {
        throw new ConflictError(
          deps.oauth
            ? 'This server connects Google Calendar through Google sign-in: GET /api/integrations/calendar/oauth/start'
            : NOT_SET_UP,
        );
      }
      const calendarId = email.trim().toLowerCase();
      if (await takenByAnother(ownerId, calendarId)) throw new ConflictError(TAKEN);
      const publicInfo = JSON.stringify({ mode: 'service_account', calendar_id: calendarId, share_with: shareWith });
      const row = await db.transaction(async (trx) => {
        // The owner's row is locked first, so the same calendar sent twice at once makes one connection.
        await trx('owners').where({ id: ownerId }).forNoKeyUpdate().first('id');
        const existing = await ownCalendarRow(ownerId, calendarId, trx);
        const [saved] = existing
          ? await trx('integrations')
              .where({ owner_id: ownerId, id: existing.id })
              .update({ public_info: publicInfo, secrets_sealed: null, updated_at: new Date() })
              .returning<IntegrationRow[]>('*')
          : await trx('integrations')
              .insert({
                owner_id: ownerId,
                type: 'calendar',
                status: 'pending',
                status_reason: `Waiting for the calendar to be shared with ${shareWith}`,
                public_info: publicInfo,
              })
              .returning<IntegrationRow[]>('*');
        if (!saved) throw new Error('saving the calendar connection returned no row');
        return saved;
      });
      const result = await verify(row, true);
      if (!result.ok)
        throw new InvalidError(result.detail, [{ loc: ['body', 'email'], msg: result.detail, type: 'value_error' }]);
      return {
        integration: { ...toIntegrationView(result.row), share_with: shareWith },
        created: !row.connected_at,
      };
    },

    /** OAuth mode: Google's consent URL, with a one-time state bound to this owner for ten minutes. */
    async startOAuth(ownerId: string, redirectUri: string): Promise<{ url: string }> {
      if (!deps.providers || !deps.oauth) {
        throw new ConflictError(
          deps.serviceAccountEmail
            ? `This server connects Google Calendar by sharing it with ${deps.serviceAccountEmail}: POST /api/integrations/calendar {email}`
            : NOT_SET_UP,
        );
      }
      const state = randomBytes(32).toString('base64url');
      await store.set(stateKey(state), JSON.stringify({ ownerId, redirectUri }), OAUTH_STATE_TTL_MS);
      return { url: await deps.oauth.consentUrl({ state, redirectUri }) };
    },

    /**
     * Google's redirect back. The state must be one this server issued, unexpired and unused: it names the
     * owner (the request itself carries no login). The refresh token is sealed before it is stored.
     */
    async finishOAuth(query: { state?: string; code?: string; error?: string }): Promise<IntegrationView> {
      const refuse = (field: string, message: string) =>
        new InvalidError(message, [{ loc: ['query', field], msg: message, type: 'value_error' }]);
      const unknownState =
        'This Google sign-in is unknown, expired or already used; start connecting Google Calendar again';
      if (!query.state) throw refuse('state', unknownState);
      const saved = await store.get(stateKey(query.state));
      // setIfAbsent is atomic in both stores: of two callbacks racing with one state, one goes on.
      if (!saved || !(await store.setIfAbsent(usedStateKey(query.state), '1', OAUTH_STATE_TTL_MS)))
        throw refuse('state', unknownState);
      await store.delete(stateKey(query.state));
      const { ownerId, redirectUri } = JSON.parse(saved) as { ownerId: string; redirectUri: string };
      if (query.error)
        throw refuse('error', `Google sign-in ended without access (${query.error}); start again and choose Allow`);
      if (!query.code || !deps.oauth || !deps.providers) throw refuse('code', 'Google sent no authorization code');

      let refreshToken: string | undefined;
      let info: CalendarInfo;
      try {
        ({ refreshToken } = await deps.oauth.exchangeCode({ code: query.code, redirectUri }));
        if (!refreshToken)
          throw refuse(
            'code',
            'Google gave no lasting access; remove Frontdesk at https://myaccount.google.com/permissions and connect again',
          );
        info = await deps.providers({ mode: 'oauth', refreshToken }).checkAccess('primary');
      } catch (error) {
        if (!(error instanceof CalendarError)) throw error;
        if (error.retryable) throw new UnavailableError(UNREACHABLE, { cause: error });
        throw refuse('code', error.message);
      }

      if (await takenByAnother(ownerId, info.calendarId)) throw new ConflictError(TAKEN);
      const values = {
        status: 'connected',
        status_reason: null,
        external_ref: info.calendarId,
        public_info: JSON.stringify({
          mode: 'oauth',
          calendar_id: info.calendarId,
          ...(info.timeZone ? { time_zone: info.timeZone } : {}),
        }),
        secrets_sealed: secretBox.encrypt(JSON.stringify({ refresh_token: refreshToken })),
      };
      const existing = await ownCalendarRow(ownerId, info.calendarId);
      if (existing)
        return toIntegrationView(await update(ownerId, existing.id, { ...values, connected_at: new Date() }));
      try {
        const [row] = await db('integrations')
          .insert({ owner_id: ownerId, type: 'calendar', ...values, connected_at: new Date() })
          .returning<IntegrationRow[]>('*');
        if (!row) throw new Error('saving the calendar connection returned no row');
        return toIntegrationView(row);
      } catch (error) {
        if (isUniqueViolation(error)) throw new ConflictError(TAKEN, { cause: error });
        throw error;
      }
    },

    /** POST /integrations/{id}/test (and /start, which also turns a stopped one on): checks access again, for real. */
    async test(
      row: IntegrationRow,
      activate = false,
    ): Promise<{ ok: boolean; detail: string; integration: IntegrationView }> {
      if (!deps.providers) return { ok: false, detail: NOT_SET_UP, integration: toIntegrationView(row) };
      const result = await verify(row, activate);
      return { ok: result.ok, detail: result.detail, integration: toIntegrationView(result.row) };
    },

    /**
     * For booking: the owner's connected calendars, each with a provider holding its credentials. One whose
     * mode this server no longer offers (its settings were removed) is left out and turns to `error`.
     */
    async connected(ownerId: string): Promise<ConnectedCalendar[]> {
      const rows = await db('integrations')
        .where({ owner_id: ownerId, type: 'calendar', status: 'connected' })
        .orderBy('created_at', 'asc')
        .select<IntegrationRow[]>();
      const calendars: ConnectedCalendar[] = [];
      for (const row of rows) {
        try {
          calendars.push({
            integrationId: row.id,
            ownerId,
            calendarId: row.external_ref ?? parsePublicInfo(row.public_info).calendar_id ?? 'primary',
            provider: providerFor(row),
          });
        } catch (error) {
          if (!(error instanceof CalendarError)) throw error;
          await update(ownerId, row.id, { status: 'error', status_reason: error.message });
        }
      }
      return calendars;
    },

    /**
     * For booking: a call on a connected calendar failed. Lost access ('access') marks the connection
     * `error` with the reason the owner sees; other failures are passing and change nothing. True when marked.
     */
    async reportFailure(ownerId: string, integrationId: string, error: unknown): Promise<boolean> {
      if (!(error instanceof CalendarError) || error.kind !== 'access') return false;
      const marked = await db('integrations')
        .where({ owner_id: ownerId, id: integrationId, type: 'calendar' })
        .whereNot({ status: 'stopped' })
        .update({ status: 'error', status_reason: error.message, updated_at: new Date() });
      return marked > 0;
    },
  };
}
