// The official Google client (@googleapis/calendar and google-auth-library), loaded on first use — about
// half a second of imports a deployment whose owners never connect Google does not pay at start — and
// set up the way this product needs it: Calendar API at GOOGLE_API_ROOT, tokens from the key's
// token_uri, a short timeout on every request, and no retries of its own (ours are bounded and
// visible), with Google's failures translated into CalendarError kinds.
import type { calendar_v3 } from '@googleapis/calendar';
import type { gaxios, JWT, OAuth2Client } from 'google-auth-library';
import type { Config, GoogleServiceAccountKey } from '../core/config.ts';
import { lazyImport } from '../core/knowledge/lazy-import.ts';
import { CalendarError } from '../core/ports/calendar-provider.ts';

/** Covers every call made (calendarList, freeBusy, events); narrower scopes leave calendarList.insert out. */
export const CALENDAR_SCOPE = 'https://www.googleapis.com/auth/calendar';
/** Where google-auth-library posts a service account's JWT, whatever the key file's token_uri says. */
const LIBRARY_TOKEN_URL = 'https://oauth2.googleapis.com/token';

export type ServiceAccountKey = GoogleServiceAccountKey;
export type OAuthClientConfig = NonNullable<Config['google']['oauth']>;

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the caller gets rate_limited with it. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 250, maxDelayMs: 2000, maxRetryAfterMs: 5000 };

const loadLibraries = lazyImport(async () => {
  const [calendarModule, auth] = await Promise.all([import('@googleapis/calendar'), import('google-auth-library')]);
  return { calendar: calendarModule.calendar, JWT: auth.JWT, OAuth2Client: auth.OAuth2Client, auth };
});

/** One set of credentials with its API client; the access token is cached inside and renewed when due. */
export interface GoogleSession {
  api: calendar_v3.Calendar;
  /** How this mode words access failures for the owner. */
  words: AccessWords;
  /** Status of a Google HTTP answer carried by `error`, or undefined (not an HTTP answer from Google). */
  statusOf(error: unknown): number | undefined;
  /** Marks the cached access token expired, so the next call fetches a new one (after a 401). */
  forgetToken(): void;
  /** Turns a failed call into a CalendarError; anything not from Google's client is returned as is. */
  classify(error: unknown, calendarId: string): unknown;
}

/** How access failures are worded for the owner, per mode. */
export interface AccessWords {
  notShared(calendarId: string): string;
  readOnly(calendarId: string, role: string): string;
  refused(detail: string): string;
}

export function serviceAccountWords(address: string): AccessWords {
  return {
    notShared: (calendarId) =>
      `Google Calendar "${calendarId}" is not shared with ${address}. In Google Calendar open the calendar's "Settings and sharing", add ${address} under "Share with specific people" with the permission "Make changes to events", then test the connection again.`,
    readOnly: (calendarId, role) =>
      `Google Calendar "${calendarId}" is shared with ${address} only to ${role === 'freeBusyReader' ? 'see free/busy' : 'see events'}: change the permission for ${address} to "Make changes to events".`,
    refused: (detail) =>
      `Google refused this server's service account ${address} (${detail}); the administrator must check GOOGLE_SERVICE_ACCOUNT_KEY.`,
  };
}

export const oauthWords: AccessWords = {
  notShared: (calendarId) =>
    `The connected Google account no longer gives access to calendar "${calendarId}"; connect Google Calendar again.`,
  readOnly: (calendarId) =>
    `The connected Google account can only see calendar "${calendarId}", not change it; connect an account that can.`,
  refused: (detail) => `Google access was revoked or has expired (${detail}); connect Google Calendar again.`,
};

interface GoogleErrorBody {
  error?: string | { message?: string; errors?: { reason?: string }[] };
  error_description?: string;
}

const RATE_LIMIT_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded', 'quotaExceeded']);

function retryAfterSeconds(headers: unknown): number | undefined {
  // gaxios answers with node-fetch's Headers, not the global class: read it through its get().
  const readable = headers as { get?: (name: string) => string | null } | Record<string, string> | undefined;
  const value =
    typeof readable?.get === 'function'
      ? readable.get('retry-after')
      : (readable as Record<string, string> | undefined)?.['retry-after'];
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

type GaxiosError = gaxios.GaxiosError;

function describe(error: GaxiosError, words: AccessWords, calendarId: string, tokenUrls: string[]): CalendarError {
  const status = error.response?.status ?? error.status;
  if (status === undefined) {
    const why = typeof error.code === 'string' ? error.code : error.message;
    return new CalendarError(`Google Calendar did not answer (${why})`, 'unavailable', undefined, { cause: error });
  }
  const body = (error.response?.data ?? {}) as GoogleErrorBody;
  const retryAfter = retryAfterSeconds(error.response?.headers);
  const url = error.config?.url ? String(error.config.url) : '';
  if (tokenUrls.includes(url)) {
    const code = typeof body.error === 'string' ? body.error : `HTTP ${status}`;
    const detail = body.error_description ? `${code}: ${body.error_description}` : code;
    if (status === 429)
      return new CalendarError(`Google's token endpoint is rate limiting (${detail})`, 'rate_limited', retryAfter);
    if (status >= 500) return new CalendarError(`Google's token endpoint failed (${detail})`, 'unavailable');
    return new CalendarError(words.refused(detail), 'access', undefined, { cause: error });
  }
  const google = typeof body.error === 'object' ? body.error : {};
  const reason = google.errors?.[0]?.reason ?? '';
  const detail = `${status} ${reason || 'error'}: ${google.message ?? error.message}`;
  if (status === 401) return new CalendarError(words.refused(detail), 'access', undefined, { cause: error });
  if (status === 429 || (status === 403 && RATE_LIMIT_REASONS.has(reason)))
    return new CalendarError(`Google Calendar is rate limiting (${detail})`, 'rate_limited', retryAfter, {
      cause: error,
    });
  if (status === 403 && reason === 'requiredAccessLevel')
    return new CalendarError(words.readOnly(calendarId, 'reader'), 'access', undefined, { cause: error });
  if (status === 403 || status === 404)
    return new CalendarError(
      status === 404 ? words.notShared(calendarId) : `${words.notShared(calendarId)} (${detail})`,
      'access',
      undefined,
      { cause: error },
    );
  if (status === 408 || status >= 500)
    return new CalendarError(`Google Calendar failed (${detail})`, 'unavailable', retryAfter, { cause: error });
  return new CalendarError(`Google Calendar refused the request (${detail})`, 'invalid', undefined, { cause: error });
}

/** Our retry policy is the only one, and every request has the timeout (set on the transporter). */
function onlyOurRetries(tokenUri?: string) {
  return {
    resolved: async (options: gaxios.GaxiosOptionsPrepared): Promise<gaxios.GaxiosOptionsPrepared> => {
      options.retry = false;
      options.retryConfig = undefined;
      // google-auth-library posts the JWT to Google's fixed URL and ignores the key's token_uri (as its
      // Java and .NET siblings did: google-auth-library-java#159, google-api-dotnet-client#3001).
      if (tokenUri && String(options.url) === LIBRARY_TOKEN_URL) options.url = new URL(tokenUri);
      return options;
    },
  };
}

export interface SessionOptions {
  apiRoot?: string;
  timeoutMs: number;
}

async function session(
  auth: JWT | OAuth2Client,
  words: AccessWords,
  tokenUrls: string[],
  options: SessionOptions,
): Promise<GoogleSession> {
  const { calendar, auth: library } = await loadLibraries();
  const GaxiosErrorClass = library.gaxios.GaxiosError;
  const api = calendar({ version: 'v3', auth, ...(options.apiRoot ? { rootUrl: options.apiRoot } : {}) });
  return {
    api,
    words,
    statusOf: (error) => (error instanceof GaxiosErrorClass ? (error.response?.status ?? error.status) : undefined),
    forgetToken: () => auth.setCredentials({ ...auth.credentials, expiry_date: 1 }),
    classify(error, calendarId) {
      if (error instanceof CalendarError) return error;
      if (error instanceof GaxiosErrorClass) return describe(error, words, calendarId, tokenUrls);
      return error;
    },
  };
}

/** The deployment's service account (one token for every owner who shares a calendar with it). */
export async function serviceAccountSession(key: ServiceAccountKey, options: SessionOptions): Promise<GoogleSession> {
  const { JWT } = await loadLibraries();
  const auth = new JWT({
    email: key.clientEmail,
    key: key.privateKey,
    keyId: key.privateKeyId,
    scopes: [CALENDAR_SCOPE],
    // The JWT's audience must be the endpoint it is sent to.
    additionalClaims: { aud: key.tokenUri },
    transporterOptions: { timeout: options.timeoutMs },
  });
  auth.transporter.interceptors.request.add(onlyOurRetries(key.tokenUri));
  return session(auth, serviceAccountWords(key.clientEmail), [key.tokenUri, LIBRARY_TOKEN_URL], options);
}

export async function oauthClient(config: OAuthClientConfig, timeoutMs: number): Promise<OAuth2Client> {
  const { OAuth2Client } = await loadLibraries();
  const client = new OAuth2Client({
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    endpoints: { oauth2AuthBaseUrl: config.authUrl, oauth2TokenUrl: config.tokenUrl },
    transporterOptions: { timeout: timeoutMs },
  });
  client.transporter.interceptors.request.add(onlyOurRetries());
  return client;
}

/** One owner's Google account, through the refresh token their consent gave. */
export async function oauthSession(
  config: OAuthClientConfig,
  refreshToken: string,
  options: SessionOptions,
): Promise<GoogleSession> {
  const client = await oauthClient(config, options.timeoutMs);
  client.setCredentials({ refresh_token: refreshToken });
  return session(client, oauthWords, [config.tokenUrl], options);
}

/** The GaxiosError class of the loaded client, for callers outside a session (the consent exchange). */
export async function gaxiosErrorClass() {
  return (await loadLibraries()).auth.gaxios.GaxiosError;
}

export { describe as describeGoogleError };
