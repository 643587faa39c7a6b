// The one pipeline for every channel: a customer message in, an answer with its sources out.
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { ChatMessage, ChatModel } from '../ports/chat-model.ts';
import { receiveCustomerMessage, withoutNulBytes, type Channel, type Customer } from '../conversations/chats.ts';
import type { SearchHit } from '../knowledge/hybrid-search.ts';
import type { Retriever } from '../knowledge/retriever.ts';
import type { UsageRow, UsageService } from '../usage/usage-service.ts';
import { loadAnswerContext, type AnswerContext } from './answer-context.ts';
import { storeAnswerIfLatest } from './answer-store.ts';
import { bestSentences } from './extractive-answer.ts';
import { asksForPerson, takeHandoverMarker } from './handover.ts';
import { smallTalk } from './small-talk.ts';
import { detectLanguage, type Language } from './language.ts';
import { phrasesIn } from './phrases.ts';
import { buildPrompt, defaultPrompt } from './prompt.ts';
import { ModelError } from '../errors.ts';
import { ModelBusyError, type ModelCallLimiter, type ModelCallPermit } from './model-call-limiter.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { KeyValueStore } from '../ports/key-value-store.ts';
import type { OwnerReplySender } from '../ports/channel.ts';

export interface IncomingMessage {
  ownerId: string;
  channel: Channel;
  /** The customer's id on the channel (Telegram chat id, WhatsApp number, test session). */
  chatRef: string;
  /** The channel connection the message came through (for the owner's replies). */
  integrationId?: string;
  customer: Customer;
  text: string;
  photo?: { mimeType: string; data: Uint8Array };
  /** The channel's message id: a redelivered message is stored and answered once. */
  externalId?: string;
}

export interface Source {
  file_id: string;
  name: string;
  text: string;
}

export interface Reply {
  chatId: string;
  response: string;
  sources: Source[];
  timestamp: string;
  /** Why the assistant handed over to a person, when it did. */
  handedOver?: 'no_information' | 'asked_for_person' | 'model_failed';
}

export type AnswerOutcome =
  | { kind: 'answered'; reply: Reply }
  | { kind: 'paused'; chatId: string }
  | { kind: 'duplicate'; chatId: string };
export type ReceiveOutcome =
  | { kind: 'stored'; chatId: string; messageId: string }
  | { kind: 'paused'; chatId: string }
  | { kind: 'duplicate'; chatId: string };

export interface AssistantDeps {
  db: Knex;
  logger: Logger;
  usage: UsageService;
  retriever: Retriever;
  chatModel?: ChatModel;
  /** Messages of history sent to the model (most recent). */
  historyMessages?: number;
  /** The owner's model calls per minute and at once; unlimited without it. */
  limiter?: ModelCallLimiter;
  /**
   * Where an answer the limiter holds back is scheduled (the job queue), and how it reaches the customer
   * later (the channel sender). Without it a held-back answer fails with ModelBusyError.
   */
  deferral?: { queue: JobQueue; sender: OwnerReplySender; store: KeyValueStore };
}

/** The job that answers a chat whose answer the model call limit held back. */
export const DEFERRED_ANSWER_JOB = 'deferred-answer';
/** Tries of a held-back answer (each after the limiter's Retry-After) before the owner is told instead. */
const MAX_DEFERRALS = 40;

const PASSAGES = 5;
const HISTORY_CHAR_BUDGET = 6000;
/** A message this short that finds nothing may be a follow-up to the previous one. */
const FOLLOW_UP_WORDS = 8;

export type Assistant = ReturnType<typeof createAssistant>;

export function createAssistant(deps: AssistantDeps) {
  const { db, logger } = deps;
  const historyMessages = deps.historyMessages ?? 12;

  function generate(
    question: string,
    photo: IncomingMessage['photo'],
    burstStart: string,
    ownerPrompt: string,
    language: Language,
    hits: SearchHit[],
    history: AnswerContext['history'],
    model: ChatModel,
  ) {
    // Earlier turns (before the messages being answered) within a character budget, newest kept.
    const earlier = history.filter((past) => BigInt(past.id) < BigInt(burstStart)).slice(-historyMessages);
    let budget = HISTORY_CHAR_BUDGET;
    const kept: ChatMessage[] = [];
    for (const past of [...earlier].reverse()) {
      budget -= past.text.length;
      if (budget < 0) break;
      kept.unshift({ role: past.sender === 'customer' ? 'user' : 'assistant', content: past.text });
    }
    const passages = hits.map((hit, index) => ({ index: index + 1, fileName: hit.fileName, text: hit.text }));
    const userContent: ChatMessage['content'] = photo
      ? [
          { type: 'text', text: question || '(photo)' },
          { type: 'image', mimeType: photo.mimeType, data: photo.data },
        ]
      : question;
    const prompt = buildPrompt(ownerPrompt, passages, language);
    return model.complete([
      { role: 'system', content: prompt.system },
      { role: 'user', content: prompt.passages },
      ...kept,
      { role: 'user', content: userContent },
    ]);
  }

  /** Stores a customer message (once per external id) and says whether it should be answered. */
  async function receive(message: IncomingMessage): Promise<ReceiveOutcome> {
    const received = await receiveCustomerMessage(
      db,
      message.ownerId,
      {
        channel: message.channel,
        externalId: message.chatRef,
        customer: message.customer,
        integrationId: message.integrationId,
      },
      { text: message.text || (message.photo ? '[photo]' : ''), externalId: message.externalId },
    );
    if (!received.message) return { kind: 'duplicate', chatId: received.chatId };
    if (received.botPaused) return { kind: 'paused', chatId: received.chatId };
    return { kind: 'stored', chatId: received.chatId, messageId: received.message.id };
  }

  /**
   * Answers the chat's pending customer messages together, if `latestMessageId` is still the newest
   * of them (otherwise a later message will answer, and undefined is returned) and the chat is not paused.
   */
  /** The chat's channel address, for answers sent later than the channel's own handler runs. */
  async function channelOf(ownerId: string, chatId: string) {
    return db('chats')
      .where({ owner_id: ownerId, id: chatId })
      .first<{ channel: string; external_id: string; integration_id: string | null } | undefined>(
        'channel',
        'external_id',
        'integration_id',
      );
  }

  /**
   * The owner's model calls are at their limit: the answer is scheduled for when a place is likely
   * free (a job, so it survives this process), and the customer hears once that it is coming. After
   * MAX_DEFERRALS tries the chat is flagged for the owner instead: the message is never dropped silently.
   */
  async function defer(
    ownerId: string,
    chatId: string,
    messageId: string,
    attempt: number,
    busy: ModelBusyError,
    language: Language,
  ): Promise<void> {
    const deferral = deps.deferral;
    if (!deferral) throw busy;
    if (attempt >= MAX_DEFERRALS) {
      logger.warn({ ownerId, chatId, attempt }, 'model call limit held an answer back too long; flagged for the owner');
      await db('chats').where({ owner_id: ownerId, id: chatId }).update({ needs_attention: true });
      return;
    }
    const next = attempt + 1;
    await deferral.queue.enqueue(
      DEFERRED_ANSWER_JOB,
      { ownerId, chatId, messageId, attempt: String(next) },
      `${DEFERRED_ANSWER_JOB}:${chatId}:${messageId}:${next}`,
      { delayMs: busy.retryAfterSeconds * 1000 },
    );
    logger.info({ ownerId, chatId, attempt: next, retryAfterSeconds: busy.retryAfterSeconds }, 'answer deferred');
    // Once per wait, not at every retry nor for each message written meanwhile.
    if (!(await deferral.store.setIfAbsent(`model-wait:${chatId}`, messageId, 15 * 60_000))) return;
    const chat = await channelOf(ownerId, chatId);
    if (chat)
      await deferral.sender
        .send(ownerId, chat, phrasesIn(language).oneMoment)
        .catch((error: unknown) => logger.warn({ err: error, ownerId, chatId }, 'could not say the answer is coming'));
  }

  async function answerIfLatest(
    ownerId: string,
    chatId: string,
    latestMessageId: string,
    photo?: IncomingMessage['photo'],
    options: { permit?: ModelCallPermit; attempt?: number } = {},
  ): Promise<Reply | undefined> {
    // The chat's pause switch, the owner's settings, the unanswered messages and the history in one round trip.
    const context = await loadAnswerContext(db, ownerId, chatId, deps.chatModel ? historyMessages + 10 : 0);
    if (!context || context.botPaused) return undefined;
    const { burst } = context;
    if (burst.length === 0 || burst[burst.length - 1]!.id !== latestMessageId) return undefined;
    // Placeholders for media ([photo], [audio]) carry no words to search for.
    const question = burst
      .map((pending) => pending.text)
      .filter((text) => !/^\[[a-z_]+\]$/.test(text))
      .join('\n');

    const language = detectLanguage(question, context.language ?? 'ru');
    // Asked for a person: the owner sees the chat flagged. Without a model the assistant says so and
    // searches nothing; a model still answers (it is told to say the administrator will reply), since
    // a message can ask for a person and something else too.
    const personAsked = asksForPerson(question);
    if (personAsked && !deps.chatModel) return store(phrasesIn(language).personAsked, [], 'asked_for_person');
    // Without a model only the files could answer, and "Hi!" or "thanks" is not a question for them.
    const talk = deps.chatModel ? undefined : smallTalk(question);
    if (talk) return store(phrasesIn(language)[talk], [], undefined);
    let hits = question.trim() ? await deps.retriever.retrieve(ownerId, question, PASSAGES) : [];
    // Several messages together can drown the question in small talk: then the newest one alone.
    const newest = burst[burst.length - 1]!.text;
    if (hits.length === 0 && burst.length > 1 && newest.trim() && !/^\[[a-z_]+\]$/.test(newest))
      hits = await deps.retriever.retrieve(ownerId, newest, PASSAGES);
    // A follow-up names nothing itself ("А он долго держится?"): searched with the customer's previous
    // message. Only for the model, which sees the conversation and judges whether the passages answer;
    // quoted as they are, they could answer yesterday's question instead of this one. A follow-up is
    // short, and thanks or a greeting is none.
    const followUp =
      deps.chatModel &&
      hits.length === 0 &&
      question.trim() &&
      question.split(/\s+/).length <= FOLLOW_UP_WORDS &&
      !smallTalk(question);
    const previous = followUp
      ? [...context.history]
          .reverse()
          .find((past) => past.sender === 'customer' && BigInt(past.id) < BigInt(burst[0]!.id))
      : undefined;
    if (previous) hits = await deps.retriever.retrieve(ownerId, `${previous.text}\n${question}`, PASSAGES);
    const toSource = (hit: SearchHit): Source => ({ file_id: hit.fileId, name: hit.fileName, text: hit.text });

    let response: string;
    let sources: Source[] = [];
    let handedOver: Reply['handedOver'];
    let tokens = { promptTokens: 0, completionTokens: 0 };
    let usage: UsageRow | undefined;
    if (deps.chatModel) {
      // A place among the owner's model calls: the caller's (the test chat takes it before storing), or one taken now.
      let permit = options.permit;
      if (!permit && deps.limiter) {
        try {
          permit = await deps.limiter.acquire(ownerId);
        } catch (error) {
          if (!(error instanceof ModelBusyError)) throw error;
          await defer(ownerId, chatId, latestMessageId, options.attempt ?? 0, error, language);
          return undefined;
        }
      }
      const own = permit !== options.permit ? permit : undefined;
      try {
        const result = await generate(
          question,
          photo,
          burst[0]!.id,
          context.prompt ?? defaultPrompt(context.salonName),
          language,
          hits,
          context.history,
          deps.chatModel,
        );
        usage = deps.usage.row(ownerId, 'chat', result.model, result.usage.promptTokens, result.usage.completionTokens);
        // The model's own handover: the passages do not answer, or the customer asked for a person.
        const taken = takeHandoverMarker(withoutNulBytes(result.text).trim());
        response = taken.text || phrasesIn(language).dontKnow;
        if (taken.handOver) handedOver = 'no_information';
        else if (personAsked) handedOver = 'asked_for_person';
        // An answer handed over did not come from the passages: none are cited.
        sources = taken.handOver ? [] : hits.map(toSource);
        tokens = result.usage;
      } catch (error) {
        if (!(error instanceof ModelError)) throw error;
        logger.warn({ err: error, ownerId, chatId }, 'model call failed; handing over');
        response = phrasesIn(language).modelDown;
        handedOver = 'model_failed';
      } finally {
        await own?.release();
      }
    } else if (photo && !question.trim()) {
      response = phrasesIn(language).photoOnly;
    } else if (hits.length === 0 || hits[0]!.priceOnly) {
      // Nothing found, or only a price list for a service the files never name ("Сколько стоит
      // пилинг?"): quoting it would answer another question. (A model reads it and judges.)
      response = phrasesIn(language).dontKnow;
      handedOver = 'no_information';
    } else {
      const sentences = await bestSentences(db, question, hits);
      const usedFiles = [...new Set(sentences.map((sentence) => sentence.fileId))];
      const firstFile =
        hits.find((hit) => hit.fileId === (usedFiles[0] ?? hits[0]!.fileId))?.fileName ?? hits[0]!.fileName;
      response = `${phrasesIn(language).foundIn(firstFile)}\n${sentences.map((sentence) => sentence.text).join('\n')}`;
      // Sources best first: the passages the sentences came from, then the other matches.
      sources = [...hits]
        .sort((a, b) => Number(!usedFiles.includes(a.fileId)) - Number(!usedFiles.includes(b.fileId)))
        .map(toSource);
    }
    return store(response, sources, handedOver, tokens, usage);

    // A newer message arrived while this answer was prepared: it will answer everything, this one too
    // (the model's usage is stored either way).
    async function store(
      text: string,
      cited: Source[],
      reason: Reply['handedOver'],
      used = { promptTokens: 0, completionTokens: 0 },
      billed?: UsageRow,
    ): Promise<Reply | undefined> {
      const saved = await storeAnswerIfLatest(db, ownerId, chatId, {
        text,
        sources: cited,
        ...used,
        replyToId: latestMessageId,
        needsAttention: reason !== undefined,
        usage: billed,
      });
      if (!saved) return undefined;
      return {
        chatId,
        response: text,
        sources: cited,
        timestamp: saved.createdAt.toISOString(),
        ...(reason ? { handedOver: reason } : {}),
      };
    }
  }

  return {
    receive,
    answerIfLatest,
    /**
     * Receive and answer at once (no waiting for more messages): the test chat. Over the owner's model
     * call limit it throws ModelBusyError (a 429) before anything is stored.
     */
    async handle(message: IncomingMessage): Promise<AnswerOutcome> {
      const permit = deps.chatModel ? await deps.limiter?.acquire(message.ownerId) : undefined;
      try {
        const received = await receive(message);
        if (received.kind !== 'stored') return received;
        const reply = await answerIfLatest(message.ownerId, received.chatId, received.messageId, message.photo, {
          permit,
        });
        return reply ? { kind: 'answered', reply } : { kind: 'paused', chatId: received.chatId };
      } finally {
        await permit?.release();
      }
    },

    /** DEFERRED_ANSWER_JOB: answers a held-back chat, unless a newer message has answered it, and sends the answer. */
    async handleDeferredJob(payload: Record<string, string>): Promise<void> {
      const { ownerId, chatId, messageId } = payload;
      if (!ownerId || !chatId || !messageId || !deps.deferral) return;
      const reply = await answerIfLatest(ownerId, chatId, messageId, undefined, {
        attempt: Number(payload.attempt ?? 1),
      });
      if (!reply) return;
      await deps.deferral.store.delete(`model-wait:${chatId}`);
      const chat = await channelOf(ownerId, chatId);
      if (chat) await deps.deferral.sender.send(ownerId, chat, reply.response);
    },
  };
}
