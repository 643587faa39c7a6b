// pino with secrets kept out by configuration: known secret fields are redacted by name, and every
// logged error is serialised, stripped of request contexts and scrubbed of bot tokens in URLs
// (grammY and node-fetch put "bot<token>" into error messages).
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
// Objects that carry live clients and their credentials (grammY's ctx and api, HTTP configs).
const DROPPED_KEYS = new Set(['ctx', 'api', 'config', 'request', 'response', 'headers', 'agent']);

export function scrubSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(BOT_TOKEN, '[redacted-token]');
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrubSecrets(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    if (!DROPPED_KEYS.has(key)) out[key] = scrubSecrets(inner, depth + 1);
  }
  return out;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: 'frontdesk' },
      serializers: { err: (error: Error) => scrubSecrets(stdSerializers.err(error)) },
      hooks: {
        // Messages are strings the serializers never see.
        logMethod(args, method) {
          method.apply(
            this,
            args.map((arg) => (typeof arg === 'string' ? (scrubSecrets(arg) as string) : arg)) as Parameters<
              typeof method
            >,
          );
        },
      },
    },
    destination,
  );
}
