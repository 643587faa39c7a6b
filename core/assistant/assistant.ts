// The one pipeline for every channel: a customer message in, an answer with its sources out.
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { ChatMessage, ChatModel } from '../ports/chat-model.ts';
import { ModelError } from '../ports/chat-model.ts';
import { addMessage, findOrCreateChat, flagNeedsAttention, recentMessages, type Channel, type Customer } from '../conversations/chats.ts';
import type { SearchHit } from '../knowledge/hybrid-search.ts';
import type { Retriever } from '../knowledge/retriever.ts';
import type { UsageService } from '../usage/usage-service.ts';
import { bestSentences } from './extractive-answer.ts';
import { detectLanguage, type Language } from './language.ts';
import { PHRASES } from './phrases.ts';
import { buildSystemPrompt, defaultPrompt } from './prompt.ts';

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
  handedOver?: 'no_information' | 'model_failed';
}

export type AnswerOutcome = { kind: 'answered'; reply: Reply } | { kind: 'paused'; chatId: string } | { kind: 'duplicate'; chatId: string };
export type ReceiveOutcome = { kind: 'stored'; chatId: string; messageId: string } | { kind: 'paused'; chatId: string } | { kind: 'duplicate'; chatId: string };

export interface AssistantDeps {
  db: Knex;
  logger: Logger;
  usage: UsageService;
  retriever: Retriever;
  chatModel?: ChatModel;
  /** Messages of history sent to the model (most recent). */
  historyMessages?: number;
}

const PASSAGES = 5;
const HISTORY_CHAR_BUDGET = 6000;

export type Assistant = ReturnType<typeof createAssistant>;

export function createAssistant(deps: AssistantDeps) {
  const { db, logger } = deps;

  async function fileNames(ownerId: string, hits: SearchHit[]): Promise<Map<string, string>> {
    const ids = [...new Set(hits.map((hit) => hit.fileId))];
    if (ids.length === 0) return new Map();
    const rows = await db('files').where({ owner_id: ownerId }).whereIn('id', ids).select<{ id: string; name: string }[]>('id', 'name');
    return new Map(rows.map((row) => [row.id, row.name]));
  }

  /**
   * The customer messages not answered yet: after the newest one an AI reply answered (`reply_to_id`)
   * and after the owner's last message. An AI reply's own id does not count: a customer message may
   * have arrived while it was being prepared.
   */
  async function pendingBurst(ownerId: string, chatId: string): Promise<{ id: string; text: string }[]> {
    const answeredUpTo = db('messages')
      .where({ owner_id: ownerId, chat_id: chatId })
      .whereIn('sender', ['ai', 'owner'])
      .select(db.raw(`coalesce(max(case when sender = 'ai' then coalesce(reply_to_id, id) else id end), 0)`));
    const rows = await db('messages')
      .where({ owner_id: ownerId, chat_id: chatId, sender: 'customer' })
      .where('id', '>', answeredUpTo)
      .orderBy('id')
      .select<{ id: string | number; text: string }[]>('id', 'text');
    return rows.map((row) => ({ id: String(row.id), text: row.text }));
  }

  async function newestCustomerMessage(ownerId: string, chatId: string): Promise<string | undefined> {
    const row = await db('messages').where({ owner_id: ownerId, chat_id: chatId, sender: 'customer' }).max<{ id: string | number | null }>('id as id').first();
    return row?.id === null || row?.id === undefined ? undefined : String(row.id);
  }

  async function generate(ownerId: string, question: string, photo: IncomingMessage['photo'], burstStart: string, ownerPrompt: string, language: Language, hits: SearchHit[], names: Map<string, string>, chatId: string, model: ChatModel) {
    const history = await recentMessages(db, ownerId, chatId, (deps.historyMessages ?? 12) + 10);
    // Earlier turns (before the messages being answered) within a character budget, newest kept.
    const earlier = history.filter((past) => BigInt(past.id) < BigInt(burstStart)).slice(-(deps.historyMessages ?? 12));
    let budget = HISTORY_CHAR_BUDGET;
    const kept: ChatMessage[] = [];
    for (const past of [...earlier].reverse()) {
      budget -= past.text.length;
      if (budget < 0) break;
      kept.unshift({ role: past.sender === 'customer' ? 'user' : 'assistant', content: past.text });
    }
    const passages = hits.map((hit, index) => ({ index: index + 1, fileName: names.get(hit.fileId) ?? 'document', text: hit.text }));
    const userContent: ChatMessage['content'] = photo
      ? [{ type: 'text', text: question || '(photo)' }, { type: 'image', mimeType: photo.mimeType, data: photo.data }]
      : question;
    const result = await model.complete([{ role: 'system', content: buildSystemPrompt(ownerPrompt, passages, language) }, ...kept, { role: 'user', content: userContent }]);
    await deps.usage.record(ownerId, 'chat', result.model, result.usage.promptTokens, result.usage.completionTokens);
    return result;
  }

  /** Stores a customer message (once per external id) and says whether it should be answered. */
  async function receive(message: IncomingMessage): Promise<ReceiveOutcome> {
    const chat = await findOrCreateChat(db, message.ownerId, message.channel, message.chatRef, message.customer, message.integrationId);
    const stored = await addMessage(db, message.ownerId, chat.id, { sender: 'customer', text: message.text || (message.photo ? '[photo]' : ''), externalId: message.externalId });
    if (!stored) return { kind: 'duplicate', chatId: chat.id };
    if (chat.bot_paused) return { kind: 'paused', chatId: chat.id };
    return { kind: 'stored', chatId: chat.id, messageId: stored.id };
  }

  /**
   * Answers the chat's pending customer messages together, if `latestMessageId` is still the newest
   * of them (otherwise a later message will answer, and undefined is returned) and the chat is not paused.
   */
  async function answerIfLatest(ownerId: string, chatId: string, latestMessageId: string, photo?: IncomingMessage['photo']): Promise<Reply | undefined> {
    // The chat's pause switch and the owner's settings in one round trip.
    const [owner, burst] = await Promise.all([
      db('chats')
        .join('owners', 'owners.id', 'chats.owner_id')
        .where({ 'chats.owner_id': ownerId, 'chats.id': chatId })
        .first<{ bot_paused: boolean; prompt: string | null; salon_name: string; language: Language } | undefined>('chats.bot_paused', 'owners.prompt', 'owners.salon_name', 'owners.language'),
      pendingBurst(ownerId, chatId),
    ]);
    if (!owner || owner.bot_paused) return undefined;
    if (burst.length === 0 || burst[burst.length - 1]!.id !== latestMessageId) return undefined;
    // Placeholders for media ([photo], [audio]) carry no words to search for.
    const question = burst.map((pending) => pending.text).filter((text) => !/^\[[a-z_]+\]$/.test(text)).join('\n');

    const language = detectLanguage(question, owner?.language ?? 'ru');
    let hits = question.trim() ? await deps.retriever.retrieve(ownerId, question, PASSAGES) : [];
    // Several messages together can drown the question in small talk: then the newest one alone.
    const newest = burst[burst.length - 1]!.text;
    if (hits.length === 0 && burst.length > 1 && newest.trim() && !/^\[[a-z_]+\]$/.test(newest)) hits = await deps.retriever.retrieve(ownerId, newest, PASSAGES);
    const names = await fileNames(ownerId, hits);
    const toSource = (hit: SearchHit): Source => ({ file_id: hit.fileId, name: names.get(hit.fileId) ?? 'document', text: hit.text });

    let response: string;
    let sources: Source[] = [];
    let handedOver: Reply['handedOver'];
    let tokens = { promptTokens: 0, completionTokens: 0 };
    if (deps.chatModel) {
      try {
        const result = await generate(ownerId, question, photo, burst[0]!.id, owner?.prompt ?? defaultPrompt(owner?.salon_name ?? ''), language, hits, names, chatId, deps.chatModel);
        response = result.text.trim();
        sources = hits.map(toSource);
        tokens = result.usage;
      } catch (error) {
        if (!(error instanceof ModelError)) throw error;
        logger.warn({ err: error, ownerId, chatId }, 'model call failed; handing over');
        response = PHRASES.modelDown[language];
        handedOver = 'model_failed';
      }
    } else if (photo && !question.trim()) {
      response = PHRASES.photoOnly[language];
    } else if (hits.length === 0) {
      response = PHRASES.dontKnow[language];
      handedOver = 'no_information';
    } else {
      const sentences = await bestSentences(db, question, hits);
      const usedFiles = [...new Set(sentences.map((sentence) => sentence.fileId))];
      const firstFile = names.get(usedFiles[0] ?? hits[0]!.fileId) ?? 'document';
      response = `${PHRASES.foundIn[language](firstFile)}\n${sentences.map((sentence) => sentence.text).join('\n')}`;
      // Sources best first: the passages the sentences came from, then the other matches.
      sources = [...hits].sort((a, b) => Number(!usedFiles.includes(a.fileId)) - Number(!usedFiles.includes(b.fileId))).map(toSource);
    }
    // A newer message arrived while this answer was prepared: it will answer everything, this one too.
    if ((await newestCustomerMessage(ownerId, chatId)) !== latestMessageId) return undefined;
    if (handedOver) await flagNeedsAttention(db, ownerId, chatId);
    const saved = await addMessage(db, ownerId, chatId, { sender: 'ai', text: response, sources, ...tokens, replyToId: latestMessageId });
    return { chatId, response, sources, timestamp: (saved?.created_at ?? new Date()).toISOString(), ...(handedOver ? { handedOver } : {}) };
  }

  return {
    receive,
    answerIfLatest,
    /** Receive and answer at once (no waiting for more messages): the test chat. */
    async handle(message: IncomingMessage): Promise<AnswerOutcome> {
      const received = await receive(message);
      if (received.kind !== 'stored') return received;
      const reply = await answerIfLatest(message.ownerId, received.chatId, received.messageId, message.photo);
      return reply ? { kind: 'answered', reply } : { kind: 'paused', chatId: received.chatId };
    },
  };
}
