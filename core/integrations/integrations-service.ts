// The owner's channel connections. Tokens are validated before they are saved, sealed at rest,
// never returned, and forgotten on delete. Every query filters by owner.
import type { Knex } from 'knex';
import type { KeyValueStore } from '../ports/key-value-store.ts';
import type { SecretBox } from '../crypto/secret-box.ts';
import { randomBytes } from 'node:crypto';
import type { TelegramGateway, WhatsAppGateway } from '../ports/channel.ts';
import { ConflictError, InvalidError, NotFoundError, UnavailableError, ChannelRejectedError } from '../errors.ts';
import { isUniqueViolation } from '../accounts/owners.ts';
import { publishIntegrationEvent, webSessionQrKey } from './integration-events.ts';
import { isWebSession, parsePublicInfo, WEB_MODE_SQL, type PublicInfo } from './public-info.ts';
import type { CalendarConnections } from './calendar-connections.ts';

/** pending_qr and disconnected occur only for WhatsApp Web sessions (waiting for a scan, reconnecting). */
export type IntegrationStatus = 'pending' | 'pending_qr' | 'connected' | 'disconnected' | 'stopped' | 'error';

/** Each WhatsApp Web session costs a browser on the server: an owner may have this many. */
export const MAX_WEB_SESSIONS_PER_OWNER = 2;

export interface IntegrationView {
  id: string;
  type: 'telegram' | 'whatsapp' | 'calendar';
  status: IntegrationStatus;
  status_reason: string | null;
  connected_at: string | null;
  /** Public facts only (the bot's username, the WhatsApp number), never a secret. */
  username?: string;
  bot_id?: number;
  phone_id?: string;
  display_phone_number?: string;
  /** WhatsApp: the Cloud API or a WhatsApp Web session (QR); calendars: a shared calendar or Google sign-in. */
  mode?: 'cloud' | 'web' | 'service_account' | 'oauth';
  /** Calendars: the Google calendar, and (service-account mode) the address to share it with. */
  calendar_id?: string;
  share_with?: string;
}

export interface IntegrationRow {
  id: string;
  owner_id: string;
  type: 'telegram' | 'whatsapp' | 'calendar';
  status: IntegrationStatus;
  status_reason: string | null;
  external_ref: string | null;
  public_info: PublicInfo | string;
  secrets_sealed: string | null;
  connected_at: Date | null;
}

export function toIntegrationView(row: IntegrationRow): IntegrationView {
  const info = parsePublicInfo(row.public_info);
  return {
    id: row.id,
    type: row.type,
    status: row.status,
    status_reason: row.status_reason,
    connected_at: row.connected_at ? row.connected_at.toISOString() : null,
    ...(info.username ? { username: info.username } : {}),
    ...(info.bot_id ? { bot_id: info.bot_id } : {}),
    ...(info.phone_id ? { phone_id: info.phone_id } : {}),
    ...(info.display_phone_number ? { display_phone_number: info.display_phone_number } : {}),
    ...(row.type === 'whatsapp' ? { mode: info.mode === 'web' ? ('web' as const) : ('cloud' as const) } : {}),
    ...(row.type === 'calendar' ? calendarFields(info) : {}),
  };
}

function calendarFields(info: PublicInfo): Partial<IntegrationView> {
  return {
    mode: info.mode === 'oauth' ? 'oauth' : 'service_account',
    ...(info.calendar_id ? { calendar_id: info.calendar_id } : {}),
    ...(info.mode !== 'oauth' && info.share_with ? { share_with: info.share_with } : {}),
  };
}

export interface IntegrationsDeps {
  db: Knex;
  store: KeyValueStore;
  secretBox: SecretBox;
  telegram: TelegramGateway;
  whatsapp: WhatsAppGateway;
  /** Google Calendar connections: their test and start check access with Google. */
  calendars: CalendarConnections;
}

export type IntegrationsService = ReturnType<typeof createIntegrationsService>;

export function createIntegrationsService(deps: IntegrationsDeps) {
  const { db, store, secretBox, telegram } = deps;

  async function ownRow(ownerId: string, id: string): Promise<IntegrationRow> {
    const row = await db('integrations').where({ owner_id: ownerId, id }).first<IntegrationRow | undefined>();
    if (!row) throw new NotFoundError('Integration not found');
    return row;
  }

  /**
   * Saves a checked connection: a new row, or the owner's existing one for the same bot or number
   * (a new token). The same bot or number under another owner is a conflict, also when two owners race.
   */
  async function saveConnection(
    ownerId: string,
    type: 'telegram' | 'whatsapp',
    externalRef: string,
    conflictMessage: string,
    values: { public_info: string; secrets_sealed: string },
  ): Promise<{ row: IntegrationRow; created: boolean }> {
    const existing = await db('integrations')
      .where({ type, external_ref: externalRef })
      .first<IntegrationRow | undefined>();
    if (existing && existing.owner_id !== ownerId) throw new ConflictError(conflictMessage);
    const row = {
      ...values,
      status: 'connected',
      status_reason: null,
      connected_at: new Date(),
      updated_at: new Date(),
    };
    try {
      const [saved] = existing
        ? await db('integrations')
            .where({ owner_id: ownerId, id: existing.id })
            .update(row)
            .returning<IntegrationRow[]>('*')
        : await db('integrations')
            .insert({ owner_id: ownerId, type, external_ref: externalRef, ...row })
            .returning<IntegrationRow[]>('*');
      return { row: saved!, created: !existing };
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictError(conflictMessage, { cause: error });
      throw error;
    }
  }

  async function checkToken(token: string) {
    try {
      return await telegram.getMe(token);
    } catch (error) {
      if (error instanceof ChannelRejectedError) {
        throw new InvalidError(
          `Telegram rejected this token: ${error.message}`,
          [{ loc: ['body', 'token'], msg: `Telegram rejected this token: ${error.message}`, type: 'value_error' }],
          { cause: error },
        );
      }
      throw new UnavailableError('Telegram cannot be reached right now; try again in a minute', { cause: error });
    }
  }

  return {
    async list(ownerId: string): Promise<IntegrationView[]> {
      const rows = await db('integrations')
        .where({ owner_id: ownerId })
        .orderBy('created_at', 'asc')
        .select<IntegrationRow[]>();
      return rows.map(toIntegrationView);
    },

    /** Validates the token with getMe, then saves it sealed; connecting the same bot again updates it. */
    async connectTelegram(ownerId: string, token: string): Promise<{ integration: IntegrationView; created: boolean }> {
      const bot = await checkToken(token);
      const externalRef = String(bot.id);
      const { row, created } = await saveConnection(
        ownerId,
        'telegram',
        externalRef,
        'This bot is already connected to another account',
        {
          public_info: JSON.stringify({ username: bot.username, bot_id: bot.id }),
          secrets_sealed: secretBox.encrypt(JSON.stringify({ token })),
        },
      );
      await publishIntegrationEvent(store, { integrationId: row.id, change: 'connected' });
      return { integration: toIntegrationView(row), created };
    },

    /**
     * Connects a WhatsApp Cloud API number after checking the token against the Graph API. Returns
     * what the owner pastes into Meta's dashboard: the webhook URL and a generated verify token.
     */
    async connectWhatsAppCloud(
      ownerId: string,
      input: { phone_id: string; token: string; app_secret: string },
      webhookBase: string,
    ): Promise<{ integration: IntegrationView & { webhook_url: string; verify_token: string }; created: boolean }> {
      let phone: { displayPhoneNumber: string };
      try {
        phone = await deps.whatsapp.getPhone(input.phone_id, input.token);
      } catch (error) {
        if (error instanceof ChannelRejectedError) {
          throw new InvalidError(
            `WhatsApp rejected these credentials: ${error.message}`,
            [
              {
                loc: ['body', 'token'],
                msg: `WhatsApp rejected these credentials: ${error.message}`,
                type: 'value_error',
              },
            ],
            { cause: error },
          );
        }
        throw new UnavailableError('WhatsApp cannot be reached right now; try again in a minute', { cause: error });
      }
      const verifyToken = randomBytes(24).toString('base64url');
      const { row, created } = await saveConnection(
        ownerId,
        'whatsapp',
        input.phone_id,
        'This WhatsApp number is already connected to another account',
        {
          public_info: JSON.stringify({ phone_id: input.phone_id, display_phone_number: phone.displayPhoneNumber }),
          secrets_sealed: secretBox.encrypt(
            JSON.stringify({ token: input.token, app_secret: input.app_secret, verify_token: verifyToken }),
          ),
        },
      );
      return {
        integration: {
          ...toIntegrationView(row),
          webhook_url: `${webhookBase.replace(/\/+$/, '')}/webhooks/whatsapp/${row.id}`,
          verify_token: verifyToken,
        },
        created,
      };
    },

    /**
     * Creates a WhatsApp Web session: pending until the process that runs it shows a QR code
     * (pending_qr), connected once the phone has scanned it.
     */
    async connectWhatsAppWeb(ownerId: string): Promise<IntegrationView> {
      const row = await db.transaction(async (trx) => {
        // The owner's row is locked first, so requests at once are counted one after another.
        await trx('owners').where({ id: ownerId }).forNoKeyUpdate().first('id');
        const sessions = await trx('integrations')
          .where({ owner_id: ownerId, type: 'whatsapp' })
          .whereRaw(WEB_MODE_SQL)
          .count<{ n: string | number }[]>({ n: '*' });
        if (Number(sessions[0]?.n ?? 0) >= MAX_WEB_SESSIONS_PER_OWNER) {
          throw new ConflictError(
            `An account can have at most ${MAX_WEB_SESSIONS_PER_OWNER} WhatsApp Web sessions (each one runs a browser on the server); delete one first, or use the WhatsApp Cloud API`,
          );
        }
        const [inserted] = await trx('integrations')
          .insert({
            owner_id: ownerId,
            type: 'whatsapp',
            status: 'pending',
            status_reason: 'Starting WhatsApp Web; the QR code appears in a few seconds',
            public_info: JSON.stringify({ mode: 'web' }),
          })
          .returning<IntegrationRow[]>('*');
        return inserted!;
      });
      await publishIntegrationEvent(store, { integrationId: row.id, change: 'connected' });
      return toIntegrationView(row);
    },

    /** The QR code to scan while the session waits for one; a ConflictError saying why otherwise. */
    async qr(ownerId: string, id: string): Promise<{ qr: string }> {
      const row = await ownRow(ownerId, id);
      if (!isWebSession(row)) throw new ConflictError('Only WhatsApp Web sessions have a QR code');
      const why: Partial<Record<IntegrationStatus, string>> = {
        pending: 'WhatsApp Web is still starting; the QR code appears within a minute',
        connected: 'This session is already connected; there is nothing to scan',
        stopped: 'This session is stopped; start it to get a new QR code',
      };
      if (row.status !== 'pending_qr')
        throw new ConflictError(why[row.status] ?? `No QR code: ${row.status_reason ?? row.status}`);
      const qr = await store.get(webSessionQrKey(id));
      if (!qr) throw new ConflictError('The QR code has just expired; a new one appears in a few seconds');
      return { qr };
    },

    async remove(ownerId: string, id: string): Promise<void> {
      const deleted = await db('integrations').where({ owner_id: ownerId, id }).delete().returning('id');
      if (deleted.length === 0) throw new NotFoundError('Integration not found');
      await publishIntegrationEvent(store, { integrationId: id, change: 'deleted' });
    },

    async start(ownerId: string, id: string): Promise<IntegrationView> {
      const current = await ownRow(ownerId, id);
      // A calendar is on again only once Google answers for it.
      if (current.type === 'calendar') return (await deps.calendars.test(current, true)).integration;
      // A WhatsApp Web session that is already running is left as it is.
      if (isWebSession(current) && current.status !== 'stopped' && current.status !== 'error')
        return toIntegrationView(current);
      // A stopped or failed one starts over (its saved login, if any, reconnects without a scan).
      const status = isWebSession(current)
        ? { status: 'pending', status_reason: 'Starting WhatsApp Web; the QR code appears in a few seconds' }
        : { status: 'connected', status_reason: null };
      const [row] = await db('integrations')
        .where({ owner_id: ownerId, id })
        .update({ ...status, updated_at: new Date() })
        .returning<IntegrationRow[]>('*');
      await publishIntegrationEvent(store, { integrationId: id, change: 'started' });
      return toIntegrationView(row!);
    },

    async stop(ownerId: string, id: string): Promise<IntegrationView> {
      await ownRow(ownerId, id);
      const [row] = await db('integrations')
        .where({ owner_id: ownerId, id })
        .update({ status: 'stopped', status_reason: 'Stopped by the owner', updated_at: new Date() })
        .returning<IntegrationRow[]>('*');
      await publishIntegrationEvent(store, { integrationId: id, change: 'stopped' });
      return toIntegrationView(row!);
    },

    /** Checks that the stored token still works; a refused token marks the integration `error`. */
    async test(ownerId: string, id: string): Promise<{ ok: boolean; detail: string; integration: IntegrationView }> {
      const row = await ownRow(ownerId, id);
      if (row.type === 'calendar') return deps.calendars.test(row);
      if (isWebSession(row)) {
        const ok = row.status === 'connected';
        const number = parsePublicInfo(row.public_info).display_phone_number;
        return {
          ok,
          detail: ok
            ? `WhatsApp Web is connected${number ? ` as ${number}` : ''}`
            : `WhatsApp Web is ${row.status}: ${row.status_reason ?? 'not connected'}`,
          integration: toIntegrationView(row),
        };
      }
      const token = row.secrets_sealed
        ? (JSON.parse(secretBox.decrypt(row.secrets_sealed)) as { token: string }).token
        : undefined;
      if (!token) return { ok: false, detail: 'No token stored', integration: toIntegrationView(row) };
      // Each channel's own service is asked, and named in what the owner is told.
      const service = row.type === 'whatsapp' ? 'WhatsApp (Meta)' : 'Telegram';
      try {
        if (row.type === 'whatsapp') {
          const phone = await deps.whatsapp.getPhone(row.external_ref ?? '', token);
          return {
            ok: true,
            detail: `WhatsApp answers for ${phone.displayPhoneNumber}`,
            integration: toIntegrationView(row),
          };
        }
        const bot = await telegram.getMe(token);
        return { ok: true, detail: `Telegram answers as @${bot.username}`, integration: toIntegrationView(row) };
      } catch (error) {
        if (!(error instanceof ChannelRejectedError))
          throw new UnavailableError(`${service} cannot be reached right now; try again in a minute`, { cause: error });
        const reason = `${service} rejected the ${row.type === 'whatsapp' ? 'credentials' : 'token'}: ${error.message}`;
        const [updated] = await db('integrations')
          .where({ owner_id: ownerId, id })
          .update({ status: 'error', status_reason: reason })
          .returning<IntegrationRow[]>('*');
        await publishIntegrationEvent(store, { integrationId: id, change: 'stopped' });
        return { ok: false, detail: reason, integration: toIntegrationView(updated!) };
      }
    },
  };
}

/** For channel adapters (not for routes): an integration with its decrypted secrets. */
export async function loadIntegrationSecrets(
  db: Knex,
  secretBox: SecretBox,
  id: string,
  type: 'telegram' | 'whatsapp',
): Promise<
  | { id: string; ownerId: string; externalRef: string; status: IntegrationStatus; secrets: Record<string, string> }
  | undefined
> {
  const row = await db('integrations').where({ id, type }).first<IntegrationRow | undefined>();
  if (!row?.secrets_sealed) return undefined;
  return {
    id: row.id,
    ownerId: row.owner_id,
    externalRef: row.external_ref ?? '',
    status: row.status,
    secrets: JSON.parse(secretBox.decrypt(row.secrets_sealed)) as Record<string, string>,
  };
}

/** For runners (not for routes): the decrypted token of a connected Telegram integration. */
export async function loadTelegramIntegration(
  db: Knex,
  secretBox: SecretBox,
  id: string,
): Promise<{ id: string; ownerId: string; token: string; status: IntegrationStatus } | undefined> {
  const row = await db('integrations').where({ id, type: 'telegram' }).first<IntegrationRow | undefined>();
  if (!row?.secrets_sealed) return undefined;
  return {
    id: row.id,
    ownerId: row.owner_id,
    token: (JSON.parse(secretBox.decrypt(row.secrets_sealed)) as { token: string }).token,
    status: row.status,
  };
}

export async function markIntegrationError(db: Knex, id: string, reason: string): Promise<void> {
  await db('integrations').where({ id }).update({ status: 'error', status_reason: reason, updated_at: new Date() });
}
