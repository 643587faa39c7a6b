// The composition root: builds database, store, services and the Koa app from one validated config.
// main.ts runs it; tests build the same graph with their own database and store.
import type { Logger } from 'pino';
import type Koa from 'koa';
import { readFileSync } from 'node:fs';
import { createApp } from './api/app.ts';
import type { AppState } from './api/state.ts';
import type { HealthReport } from './api/routes/system.ts';
import type { Config } from './core/config.ts';
import type { KeyValueStore } from './core/ports/key-value-store.ts';
import { createAccountService, type AccountLimits, type AccountService } from './core/accounts/account-service.ts';
import { createAdminService } from './core/accounts/admin-service.ts';
import { createSecretBox, type SecretBox } from './core/crypto/secret-box.ts';
import {
  createDatabase,
  migrateToLatest,
  pingDatabase,
  productDatabaseTarget,
  type Database,
} from './infra/database.ts';
import { loadOrCreateLocalSecrets } from './infra/local-secrets.ts';
import type { PGliteThread } from './infra/pglite-thread.ts';
import { MemoryKeyValueStore } from './infra/memory-key-value-store.ts';
import { MemoryJobQueue } from './infra/memory-job-queue.ts';
import { OpenAIChatModel } from './infra/openai-chat-model.ts';
import { OpenAIEmbeddingModel } from './infra/openai-embedding-model.ts';
import type { JobQueue } from './core/ports/job-queue.ts';
import { halfTheTime, turnOfEventLoop } from './core/knowledge/batch-pacing.ts';
import { createFileReader } from './core/knowledge/file-reader.ts';
import { createFilesService } from './core/knowledge/files-service.ts';
import { createTrainingService, TRAIN_JOB, type TrainingService } from './core/knowledge/training-service.ts';
import { createUsageService } from './core/usage/usage-service.ts';
import { priceOverridesSchema } from './core/usage/prices.ts';
import { createAssistant, DEFERRED_ANSWER_JOB, type Assistant } from './core/assistant/assistant.ts';
import { createModelCallLimiter, type ModelCallLimits } from './core/assistant/model-call-limiter.ts';
import { createPromptService } from './core/assistant/prompt-service.ts';
import { createRetriever } from './core/knowledge/retriever.ts';
import { ConfigError } from './core/config.ts';
import { createHistoryService } from './core/conversations/history-service.ts';
import { createIntegrationsService } from './core/integrations/integrations-service.ts';
import { createCalendarConnections, type CalendarConnections } from './core/integrations/calendar-connections.ts';
import { createGoogleCalendarProviders } from './infra/google-calendar-provider.ts';
import { createGoogleCalendarOAuth } from './infra/google-calendar-oauth.ts';
import type { RetryPolicy } from './infra/google-client.ts';
import { createTelegramGateway } from './bots/telegram/telegram-gateway.ts';
import { createOwnerReplySender } from './bots/owner-reply-sender.ts';
import { createChatReminderSender } from './bots/chat-reminder-sender.ts';
import { createBookingModule, type BookingModule } from './core/booking/booking-module.ts';
import { REMINDER_JOB } from './core/booking/reminders.ts';
import { createBookingChat, type BookingChat } from './core/booking-chat/booking-chat.ts';
import { BOOKING_NOTICE_JOB, createCustomerNotices } from './core/booking-chat/customer-notices.ts';
import { createBotManager, type BotManager } from './bots/bot-manager.ts';
import { createWhatsAppCloudGateway } from './bots/whatsapp/whatsapp-cloud-gateway.ts';
import {
  whatsappWebJsFactory,
  whatsappWebSessionsDir,
  type WebClientFactory,
} from './bots/whatsapp/whatsapp-web-client.ts';
import { createWhatsAppWebRelay } from './bots/whatsapp/whatsapp-web-relay.ts';
import { createWhatsAppWebhook, WHATSAPP_ANSWER_JOB } from './bots/whatsapp/whatsapp-webhook.ts';
import {
  createTelegramWebhook,
  TELEGRAM_UPDATE_JOB,
  telegramWebhookSecret,
  telegramWebhookUrl,
} from './bots/telegram/telegram-webhook.ts';

const packageJson = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  name: string;
  version: string;
};
export const APP_INFO = { name: 'Frontdesk', version: packageJson.version };

export interface System {
  config: Config;
  db: Database;
  store: KeyValueStore;
  secretBox: SecretBox;
  accounts: AccountService;
  assistant: Assistant;
  training: TrainingService;
  queue: JobQueue;
  booking: BookingModule;
  /** Owners' Google Calendar connections (booking reads and writes through `connected`). */
  calendars: CalendarConnections;
  bots?: BotManager;
  app: Koa<AppState>;
  health(): Promise<HealthReport>;
  /** Closes what this system opened (an injected database or store is left to its owner). */
  close(): Promise<void>;
}

export interface ComposeOptions {
  logger: Logger;
  /** Injected by tests that share one database or store between several systems. */
  db?: Database;
  /** The embedded database's thread, started by main.ts before this module loaded; the system owns it. */
  embeddedDatabase?: PGliteThread;
  store?: KeyValueStore;
  accountLimits?: AccountLimits;
  /** Over MODEL_CALLS_PER_MINUTE and MODEL_CONCURRENCY. */
  modelCallLimits?: ModelCallLimits;
  /** BullMQ key prefix (tests give each system its own). */
  queuePrefix?: string;
  /** Bot lease length (over BOT_LEASE_MS) and polling timeout (tests shorten them). */
  botLeaseMs?: number;
  botPollTimeoutSeconds?: number;
  /** Tests drive WhatsApp Web sessions with a fake whatsapp-web.js client (and a short reconnect backoff). */
  whatsappWebClientFactory?: WebClientFactory;
  whatsappWebReconnect?: { baseMs?: number; maxMs?: number; attempts?: number };
  /** The booking clock (tests move it to days with a DST change). */
  now?: () => Date;
  /** Retries of Google calls (tests shorten the backoff). */
  googleRetry?: Partial<RetryPolicy>;
}

export async function composeSystem(config: Config, options: ComposeOptions): Promise<System> {
  const { logger } = options;
  const secrets =
    config.jwtSecret && config.encryptionKey
      ? { jwtSecret: config.jwtSecret, encryptionKey: config.encryptionKey }
      : { ...loadOrCreateLocalSecrets(config.dataDir), ...pick(config) };

  const db = options.db ?? createDatabase(productDatabaseTarget(config, options.embeddedDatabase), logger);
  // Redis clients (ioredis, BullMQ: a quarter of a second of start-up) load only when REDIS_URL is set.
  // Their modules import nothing of ours at run time, so loading them late cannot duplicate a class.
  const store =
    options.store ??
    (config.redisUrl
      ? new (await import('./infra/redis-key-value-store.ts')).RedisKeyValueStore({
          url: config.redisUrl,
          keyPrefix: config.redisPrefix,
        })
      : new MemoryKeyValueStore());

  try {
    if (!options.db) {
      const applied = await migrateToLatest(db.knex);
      if (applied.length > 0) logger.info({ migrations: applied.length }, 'database migrated');
    }
    const secretBox = createSecretBox(secrets.encryptionKey);
    const accounts = createAccountService({
      db: db.knex,
      store,
      jwtSecret: secrets.jwtSecret,
      accessTokenTtlSeconds: config.accessTokenTtlSeconds,
      refreshTokenTtlDays: config.refreshTokenTtlDays,
      limits: options.accountLimits,
    });
    if (config.admin) await accounts.ensureAdmin(config.admin.email, config.admin.password);

    const llm = config.llm;
    const chatModel = llm
      ? new OpenAIChatModel({ apiKey: llm.apiKey, baseURL: llm.baseURL, model: llm.model, timeoutMs: llm.timeoutMs })
      : undefined;
    const embeddings = llm?.embeddingModel
      ? new OpenAIEmbeddingModel({
          apiKey: llm.apiKey,
          baseURL: llm.baseURL,
          model: llm.embeddingModel,
          timeoutMs: llm.timeoutMs,
        })
      : undefined;
    const usage = createUsageService({ db: db.knex, priceOverrides: parsePrices(config.modelPricesJson) });
    const queue: JobQueue = config.redisUrl
      ? new (await import('./infra/bullmq-job-queue.ts')).BullMQJobQueue({
          url: config.redisUrl,
          prefix: options.queuePrefix ?? `${config.redisPrefix}bull`,
          logger,
        })
      : new MemoryJobQueue(logger);
    // The embedded database runs on this thread with one connection: work on a large file leaves it free
    // half the time (core/knowledge/batch-pacing.ts).
    const pace = db.kind === 'pglite' ? halfTheTime() : turnOfEventLoop;
    const reader = createFileReader({
      limits: config.fileReading.limits,
      concurrency: config.fileReading.concurrency,
      logger,
    });
    const training = createTrainingService({
      db: db.knex,
      queue,
      logger,
      reader,
      pace,
      embeddings,
      onEmbeddingUsage: (ownerId, model, tokens) => usage.record(ownerId, 'embedding', model, tokens, 0),
    });
    if (config.role === 'all' || config.role === 'worker') {
      // The in-process queue dies with its process: a run left "training" by the last one is over.
      if (queue.kind === 'memory' && !options.db) await training.failRunsOfDeadProcess();
      queue.process(TRAIN_JOB, (payload) => training.handleJob(payload));
    }
    const files = createFilesService({ db: db.knex, reader, pace });
    // One process on the embedded default: an upload or delete it was still doing died with the last one.
    if (!config.databaseUrl && !options.db) await files.finishInterrupted();
    const recordEmbedding = (ownerId: string, model: string, tokens: number) =>
      usage.record(ownerId, 'embedding', model, tokens, 0);
    const retriever = createRetriever({ db: db.knex, embeddings, logger, onEmbeddingUsage: recordEmbedding });
    const telegram = createTelegramGateway(config.telegramApiRoot);
    const whatsapp = createWhatsAppCloudGateway(config.whatsappGraphUrl);
    const whatsappWebRelay = createWhatsAppWebRelay(store, { logger });
    // Delivers to a chat through its channel from any process: the owner's replies, and answers the
    // model call limit held back.
    const channelSender = createOwnerReplySender({
      db: db.knex,
      secretBox,
      telegram,
      whatsapp,
      whatsappWeb: whatsappWebRelay,
    });
    const health = async (): Promise<HealthReport> => {
      const [database, redis] = await Promise.all([
        settle(pingDatabase(db.knex)).then((ok) => ({
          status: ok ? ('ok' as const) : ('error' as const),
          kind: db.kind,
        })),
        settle(store.ping()).then((ok) => ({ status: ok ? ('ok' as const) : ('error' as const), kind: store.kind })),
      ]);
      const status = database.status !== 'ok' ? 'unavailable' : redis.status !== 'ok' ? 'degraded' : 'ok';
      return { status, database, redis };
    };

    const google = config.google;
    const calendars = createCalendarConnections({
      db: db.knex,
      store,
      secretBox,
      // The Google client itself loads on the first call, not here.
      providers:
        google.serviceAccount || google.oauth
          ? createGoogleCalendarProviders({
              apiRoot: google.apiRoot,
              serviceAccount: google.serviceAccount,
              oauth: google.oauth,
              timeoutMs: google.timeoutMs,
              retry: options.googleRetry,
            })
          : undefined,
      serviceAccountEmail: google.serviceAccount?.clientEmail,
      oauth: google.oauth ? createGoogleCalendarOAuth(google.oauth, google.timeoutMs) : undefined,
    });
    const integrations = createIntegrationsService({ db: db.knex, store, secretBox, telegram, whatsapp, calendars });
    const history = createHistoryService({ db: db.knex, sender: channelSender });
    const reminderSender = createChatReminderSender({ db: db.knex, sender: channelSender });
    const notices = createCustomerNotices({ db: db.knex, queue, sender: reminderSender, logger, now: options.now });
    // The booking chat is built over the booking module, whose reminders carry the chat's buttons.
    let bookingChat: BookingChat | undefined;
    const booking = createBookingModule({
      db: db.knex,
      secretBox,
      queue,
      logger,
      reminderSender,
      listeners: [notices.hooks],
      reminderActions: (record, language) => bookingChat?.reminderActions(record, language) ?? Promise.resolve([]),
      calendars,
      store,
      calendarSync: google.sync,
      now: options.now,
    });
    bookingChat = createBookingChat({ db: db.knex, booking, logger });
    if (config.role === 'all' || config.role === 'worker') {
      queue.process(REMINDER_JOB, (payload) => booking.reminders.handleJob(payload));
      queue.process(BOOKING_NOTICE_JOB, (payload) => notices.handleJob(payload));
      await booking.calendarSync?.start();
    }
    const assistant = createAssistant({
      db: db.knex,
      logger,
      usage,
      retriever,
      chatModel,
      bookingChat,
      limiter: createModelCallLimiter(store, options.modelCallLimits ?? config.modelCallLimits, {
        // The longest a call can take: its timeout, two retries, and a margin.
        slotTtlMs: (llm?.timeoutMs ?? 30_000) * 3 + 10_000,
      }),
      deferral: { queue, sender: channelSender, store },
    });
    if (config.role === 'all' || config.role === 'worker')
      queue.process(DEFERRED_ANSWER_JOB, (payload) => assistant.handleDeferredJob(payload));

    const whatsappWebhook = createWhatsAppWebhook({
      db: db.knex,
      secretBox,
      assistant,
      gateway: whatsapp,
      queue,
      logger,
    });
    if (config.role === 'all' || config.role === 'worker')
      queue.process(WHATSAPP_ANSWER_JOB, (payload) => whatsappWebhook.handleJob(payload));
    const publicUrl = config.publicUrl;
    const telegramWebhook = publicUrl
      ? createTelegramWebhook({
          db: db.knex,
          secretBox,
          assistant,
          logger,
          queue,
          secretKey: secrets.encryptionKey,
          apiRoot: config.telegramApiRoot,
          replyDebounceMs: config.replyDebounceMs,
        })
      : undefined;
    if (telegramWebhook && (config.role === 'all' || config.role === 'worker'))
      queue.process(TELEGRAM_UPDATE_JOB, (payload) => telegramWebhook.handleJob(payload));
    let bots: BotManager | undefined;
    if (config.role === 'all' || config.role === 'bots') {
      bots = createBotManager({
        db: db.knex,
        store,
        secretBox,
        assistant,
        logger,
        telegramApiRoot: config.telegramApiRoot,
        leaseMs: options.botLeaseMs ?? config.botLeaseMs,
        pollTimeoutSeconds: options.botPollTimeoutSeconds,
        replyDebounceMs: config.replyDebounceMs,
        webhook: publicUrl
          ? {
              url: (id) => telegramWebhookUrl(publicUrl, id),
              secret: (id) => telegramWebhookSecret(secrets.encryptionKey, id),
            }
          : undefined,
        whatsappWeb: {
          clientFactory:
            options.whatsappWebClientFactory ??
            whatsappWebJsFactory({ executablePath: config.whatsappWeb.executablePath, dataDir: config.dataDir }),
          sessionsDir: whatsappWebSessionsDir(config.dataDir),
          relay: whatsappWebRelay,
          maxSessions: config.whatsappWeb.maxSessions,
          startTimeoutMs: config.whatsappWeb.startTimeoutMs,
          reconnect: options.whatsappWebReconnect,
        },
      });
      await bots.start();
    }

    const app = createApp({
      info: APP_INFO,
      logger,
      jwtSecret: secrets.jwtSecret,
      corsOrigins: config.corsOrigins,
      trustProxy: config.trustProxy,
      accounts,
      admin: createAdminService({ db: db.knex }),
      health,
      agent: {
        files,
        training,
        assistant,
        prompts: createPromptService({ db: db.knex }),
        maxFileBytes: config.fileMaxBytes,
      },
      usage,
      history,
      integrations,
      telegramWebhook,
      whatsapp: { integrations, webhook: whatsappWebhook, publicUrl: config.publicUrl },
      booking,
      publicUrl: config.publicUrl,
      calendar: { calendars, publicUrl: config.publicUrl },
    });

    return {
      config,
      db,
      store,
      secretBox,
      accounts,
      assistant,
      training,
      queue,
      booking,
      calendars,
      bots,
      app,
      health,
      async close() {
        await bots?.stop();
        await queue.close();
        await reader.close();
        await telegramWebhook?.close();
        if (!options.store) await store.close();
        if (!options.db) await db.close();
      },
    };
  } catch (error) {
    // The start-up error is what the caller needs; a failure to close after it is only logged.
    if (!options.store)
      await store
        .close()
        .catch((closeError: unknown) =>
          logger.warn({ err: closeError }, 'could not close the store after a failed start'),
        );
    if (!options.db)
      await db
        .close()
        .catch((closeError: unknown) =>
          logger.warn({ err: closeError }, 'could not close the database after a failed start'),
        );
    throw error;
  }
}

function parsePrices(json: string | undefined) {
  if (!json) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new ConfigError(
      'MODEL_PRICES must be JSON like {"my-model": {"input": 0.15, "output": 0.6}} (USD per 1M tokens)',
      { cause: error },
    );
  }
  const parsed = priceOverridesSchema.safeParse(value);
  if (!parsed.success)
    throw new ConfigError(
      'MODEL_PRICES must map model names to {"input": number, "output": number} (USD per 1M tokens)',
    );
  return parsed.data;
}

function pick(config: Config): Partial<{ jwtSecret: string; encryptionKey: string }> {
  return {
    ...(config.jwtSecret ? { jwtSecret: config.jwtSecret } : {}),
    ...(config.encryptionKey ? { encryptionKey: config.encryptionKey } : {}),
  };
}

/** Resolves true when the promise fulfils within 2 s, false when it rejects or hangs. */
async function settle(promise: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), 2000);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => false,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
