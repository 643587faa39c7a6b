// Reads and validates the environment once, at start; everything else receives the typed result.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(8000),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
      .optional(),
  ),
  REDIS_URL: optionalString.pipe(
    z
      .string()
      .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
      .optional(),
  ),
  JWT_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  ENCRYPTION_KEY: optionalString.pipe(
    z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters (32 bytes)')
      .optional(),
  ),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CORS_ORIGINS: optionalString,
  ADMIN_EMAIL: optionalString.pipe(z.email('must be an email address').optional()),
  ADMIN_PASSWORD: optionalString.pipe(z.string().min(8, 'must be at least 8 characters').optional()),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).default(900),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).default(30),
  ROLE: z.enum(['all', 'api', 'bots', 'worker']).default('all'),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_-]{1,64}$/, 'letters, digits, colon, underscore and dash only')
    .default('frontdesk:'),
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: optionalString.pipe(z.url('must be a URL such as http://127.0.0.1:11434/v1').optional()),
  LLM_MODEL: z.string().min(1).default('gpt-4o-mini'),
  EMBEDDING_MODEL: optionalString,
  LLM_TIMEOUT_MS: z.coerce.number().int().min(1000).default(30000),
  FILE_MAX_MB: z.coerce.number().positive().max(200).default(20),
  MODEL_PRICES: optionalString,
  REPLY_DEBOUNCE_MS: z.coerce.number().int().min(0).max(10_000).default(1000),
  MODEL_CALLS_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(30),
  MODEL_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(4),
  // Renewed every third of it, and never more often than once a second: 3 s is the shortest that keeps that margin.
  BOT_LEASE_MS: z.coerce.number().int().min(3000).max(600_000).default(30_000),
  WHATSAPP_GRAPH_URL: optionalString.pipe(z.url('must be a URL such as https://graph.facebook.com/v21.0').optional()),
  PUBLIC_URL: optionalString.pipe(z.url('must be the public https URL of this server').optional()),
  TELEGRAM_API_ROOT: optionalString.pipe(z.url('must be a URL such as https://api.telegram.org').optional()),
  TRUST_PROXY: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((value) => value === 'true' || value === '1'),
  PUPPETEER_EXECUTABLE_PATH: z.string().min(1).default('/usr/bin/chromium'),
  WHATSAPP_WEB_MAX_SESSIONS: z.coerce.number().int().min(0).max(100).default(3),
  WHATSAPP_WEB_START_TIMEOUT_MS: z.coerce.number().int().min(1000).max(300_000).default(60_000),
  GOOGLE_SERVICE_ACCOUNT_KEY: optionalString,
  GOOGLE_API_ROOT: optionalString.pipe(z.url('must be a URL such as https://www.googleapis.com/').optional()),
  GOOGLE_OAUTH_CLIENT_ID: optionalString,
  GOOGLE_OAUTH_CLIENT_SECRET: optionalString,
  GOOGLE_OAUTH_AUTH_URL: z.url('must be a URL').default('https://accounts.google.com/o/oauth2/v2/auth'),
  GOOGLE_OAUTH_TOKEN_URL: z.url('must be a URL').default('https://oauth2.googleapis.com/token'),
  GOOGLE_TIMEOUT_MS: z.coerce.number().int().min(500).max(60_000).default(5000),
});

/** The fields of a service account's JSON key file that the product uses. */
export interface GoogleServiceAccountKey {
  clientEmail: string;
  privateKey: string;
  privateKeyId?: string;
  /** Where the signed JWT is exchanged for an access token (Google's, or a local server in tests). */
  tokenUri: string;
}

const serviceAccountKeySchema = z.object({
  type: z.literal('service_account', 'is not a service account key ("type" must be "service_account")'),
  client_email: z.email('has no valid "client_email"'),
  private_key: z.string().includes('PRIVATE KEY', 'has no PEM "private_key"'),
  private_key_id: z.string().optional(),
  token_uri: z.url('has an invalid "token_uri"').default('https://oauth2.googleapis.com/token'),
});

/**
 * GOOGLE_SERVICE_ACCOUNT_KEY is the key file's path or its JSON itself (for platforms that hold secrets in
 * variables). Problems are named without ever repeating the key.
 */
function readServiceAccountKey(value: string): GoogleServiceAccountKey {
  let text = value;
  if (!value.startsWith('{')) {
    try {
      text = readFileSync(value, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ConfigError(
        `Invalid configuration:\n  GOOGLE_SERVICE_ACCOUNT_KEY: cannot read the file ${value} (${code})`,
      );
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError(
      'Invalid configuration:\n  GOOGLE_SERVICE_ACCOUNT_KEY: is not JSON (give the path of the key file, or its JSON)',
    );
  }
  const parsed = serviceAccountKeySchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => issue.message).join(', ');
    throw new ConfigError(`Invalid configuration:\n  GOOGLE_SERVICE_ACCOUNT_KEY: the key ${problems}`);
  }
  return {
    clientEmail: parsed.data.client_email,
    privateKey: parsed.data.private_key,
    privateKeyId: parsed.data.private_key_id,
    tokenUri: parsed.data.token_uri,
  };
}

export type Role = 'all' | 'api' | 'bots' | 'worker';

export interface Config {
  env: 'development' | 'production' | 'test';
  role: Role;
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  redisUrl?: string;
  /** Prefix of every Redis key and BullMQ queue, so several deployments can share one Redis. */
  redisPrefix: string;
  /** Absent until `resolveSecrets` fills it from the environment or DATA_DIR. */
  jwtSecret?: string;
  encryptionKey?: string;
  logLevel: string;
  corsOrigins: string[];
  admin?: { email: string; password: string };
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  /** Trust X-Forwarded-For (behind a reverse proxy) for client IPs in rate limits. */
  trustProxy: boolean;
  /** Set when OPENAI_API_KEY or OPENAI_BASE_URL is: without it the assistant answers extractively. */
  llm?: { apiKey: string; baseURL?: string; model: string; embeddingModel?: string; timeoutMs: number };
  fileMaxBytes: number;
  /** JSON from MODEL_PRICES, checked by the usage module. */
  modelPricesJson?: string;
  /** Quiet period before a channel answers, so a burst of messages gets one answer. */
  replyDebounceMs: number;
  /** Model calls per owner: started per minute, and running at once. */
  modelCallLimits: { perMinute: number; concurrency: number };
  /** How long a bot's lease (and a bot process's heartbeat) outlives its process: a dead process's bots wait this long for another. */
  botLeaseMs: number;
  /** WhatsApp Cloud API (Graph API) base with its version; Meta's by default. */
  whatsappGraphUrl?: string;
  /** Where channels reach this server (webhooks); unset: Telegram bots long-poll. */
  publicUrl?: string;
  /** Bot API root (Telegram's by default; a local server or a test fake otherwise). */
  telegramApiRoot?: string;
  /** WhatsApp Web sessions: the browser, how many one process runs, how long a start may take. */
  whatsappWeb: { executablePath: string; maxSessions: number; startTimeoutMs: number };
  /** Google Calendar: service-account mode, OAuth mode, both or neither. */
  google: {
    /** Calendar API root (Google's when unset; a local server in tests). */
    apiRoot?: string;
    /** Per request to Google, token requests included. */
    timeoutMs: number;
    serviceAccount?: GoogleServiceAccountKey;
    oauth?: { clientId: string; clientSecret: string; authUrl: string; tokenUrl: string };
  };
}

/** Thrown when the environment cannot run the product; the message lists every problem. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv, roleArg?: string): Config {
  const parsed = envSchema.safeParse({ ...env, ROLE: roleArg ?? env.ROLE });
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || 'environment'}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  if (e.NODE_ENV === 'production') {
    const missing = (['DATABASE_URL', 'JWT_SECRET', 'ENCRYPTION_KEY'] as const).filter((name) => !e[name]);
    if (missing.length > 0) {
      throw new ConfigError(
        `NODE_ENV=production needs ${missing.join(', ')}; the embedded database and generated secrets are for development only.`,
      );
    }
  }
  if (Boolean(e.ADMIN_EMAIL) !== Boolean(e.ADMIN_PASSWORD)) {
    throw new ConfigError('Invalid configuration:\n  ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  if (Boolean(e.GOOGLE_OAUTH_CLIENT_ID) !== Boolean(e.GOOGLE_OAUTH_CLIENT_SECRET)) {
    throw new ConfigError(
      'Invalid configuration:\n  GOOGLE_OAUTH_CLIENT_ID and GOOGLE_OAUTH_CLIENT_SECRET must be set together',
    );
  }
  return {
    env: e.NODE_ENV,
    role: e.ROLE,
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    jwtSecret: e.JWT_SECRET,
    encryptionKey: e.ENCRYPTION_KEY,
    logLevel: e.LOG_LEVEL,
    corsOrigins: e.CORS_ORIGINS
      ? e.CORS_ORIGINS.split(',')
          .map((o) => o.trim())
          .filter(Boolean)
      : [],
    admin: e.ADMIN_EMAIL && e.ADMIN_PASSWORD ? { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD } : undefined,
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlDays: e.REFRESH_TOKEN_TTL_DAYS,
    trustProxy: e.TRUST_PROXY,
    llm:
      e.OPENAI_API_KEY || e.OPENAI_BASE_URL
        ? {
            // Local servers (Ollama, vLLM) take any key; the SDK insists on one.
            apiKey: e.OPENAI_API_KEY ?? 'not-needed',
            baseURL: e.OPENAI_BASE_URL,
            model: e.LLM_MODEL,
            embeddingModel: e.EMBEDDING_MODEL,
            timeoutMs: e.LLM_TIMEOUT_MS,
          }
        : undefined,
    fileMaxBytes: Math.round(e.FILE_MAX_MB * 1024 * 1024),
    modelPricesJson: e.MODEL_PRICES,
    replyDebounceMs: e.REPLY_DEBOUNCE_MS,
    modelCallLimits: { perMinute: e.MODEL_CALLS_PER_MINUTE, concurrency: e.MODEL_CONCURRENCY },
    botLeaseMs: e.BOT_LEASE_MS,
    whatsappGraphUrl: e.WHATSAPP_GRAPH_URL,
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
    telegramApiRoot: e.TELEGRAM_API_ROOT?.replace(/\/+$/, ''),
    whatsappWeb: {
      executablePath: e.PUPPETEER_EXECUTABLE_PATH,
      maxSessions: e.WHATSAPP_WEB_MAX_SESSIONS,
      startTimeoutMs: e.WHATSAPP_WEB_START_TIMEOUT_MS,
    },
    google: {
      apiRoot: e.GOOGLE_API_ROOT,
      timeoutMs: e.GOOGLE_TIMEOUT_MS,
      serviceAccount: e.GOOGLE_SERVICE_ACCOUNT_KEY ? readServiceAccountKey(e.GOOGLE_SERVICE_ACCOUNT_KEY) : undefined,
      oauth:
        e.GOOGLE_OAUTH_CLIENT_ID && e.GOOGLE_OAUTH_CLIENT_SECRET
          ? {
              clientId: e.GOOGLE_OAUTH_CLIENT_ID,
              clientSecret: e.GOOGLE_OAUTH_CLIENT_SECRET,
              authUrl: e.GOOGLE_OAUTH_AUTH_URL,
              tokenUrl: e.GOOGLE_OAUTH_TOKEN_URL,
            }
          : undefined,
    },
  };
}
