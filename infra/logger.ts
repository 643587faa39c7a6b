// pino with secrets kept out by configuration: known secret fields are redacted by name, and every
// logged error is serialised, stripped of request contexts and of what database errors carry about
// their query (its parameters, the failing row), and scrubbed of bot tokens in URLs (grammY and
// node-fetch put "bot<token>" into error messages), password hashes and signed tokens.
import { pino, stdSerializers, type Logger, type DestinationStream } from 'pino';

const SECRET_KEYS = [
  'password',
  'old_password',
  'new_password',
  'token',
  'refresh',
  'access',
  'secret',
  'app_secret',
  'authorization',
  'cookie',
  'api_key',
  'apiKey',
  'private_key',
  'privateKey',
  'client_secret',
  'clientSecret',
  'refresh_token',
  'refreshToken',
  'access_token',
];

export const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `*.${key}`),
  ...SECRET_KEYS.map((key) => `*.*.${key}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
];

const BOT_TOKEN = /\d{3,20}:[A-Za-z0-9_-]{20,100}/g;
const PASSWORD_HASH = /\$argon2(?:id|i|d)\$[^\s"'),]+/g;
const SIGNED_TOKEN = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+/g;
const DROPPED_KEYS = new Set([
  // Objects that carry live clients and their credentials (grammY's ctx and api, HTTP configs).
  'ctx',
  'api',
  'config',
  'request',
  'response',
  'headers',
  'agent',
  // What database errors carry about the statement: its values (PGlite's params, knex's bindings),
  // its text, and PostgreSQL's detail and context, which quote the failing row or parameter.
  'params',
  'parameters',
  'bindings',
  'sql',
  'query',
  'queryOptions',
  'internalQuery',
  'detail',
  'where',
]);

export function scrubSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string')
    return value
      .replace(BOT_TOKEN, '[redacted-token]')
      .replace(PASSWORD_HASH, '[redacted-hash]')
      .replace(SIGNED_TOKEN, '[redacted-jwt]');
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrubSecrets(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (!DROPPED_KEYS.has(key)) out[key] = scrubSecrets(inner, depth + 1);
  }
  return out;
}

/** An error as a log line may show it (its causes are in its message and stack). */
export function serializeError(error: unknown): unknown {
  return scrubSecrets(error instanceof Error ? stdSerializers.err(error) : error);
}

/** A logged object whose errors sit under some other key than `err` gets them serialised all the same. */
function withSerializedErrors(arg: unknown): unknown {
  if (typeof arg === 'string') return scrubSecrets(arg);
  // pino logs an error passed first under `err`, through the serializer.
  if (arg === null || typeof arg !== 'object' || Array.isArray(arg) || arg instanceof Error) return arg;
  if (!Object.values(arg).some((value) => value instanceof Error)) return arg;
  return Object.fromEntries(
    Object.entries(arg).map(([key, value]) => [key, value instanceof Error ? serializeError(value) : value]),
  );
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'frontdesk' },
      serializers: { err: serializeError, error: serializeError, cause: serializeError },
      hooks: {
        // Messages are strings the serializers never see.
        logMethod(args, method) {
          method.apply(this, args.map(withSerializedErrors) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
