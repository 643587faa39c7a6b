// pino with secrets redacted by configuration: no log line can carry a password, token or key.
import { pino, type Logger, type DestinationStream } from 'pino';

const SECRET_KEYS = ['password', 'old_password', 'new_password', 'token', 'refresh', 'access', 'secret', 'app_secret', 'authorization', 'cookie', 'api_key', 'apiKey'];

export const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map((key) => `*.${key}`),
  ...SECRET_KEYS.map((key) => `*.*.${key}`),
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { service: 'frontdesk' } }, destination);
}
