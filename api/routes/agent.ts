// /api/agent: knowledge files, the assistant's prompt, training, the test chat (seed 002).
import { z } from 'zod';
import { randomUUID } from 'node:crypto';
import type { FilesService } from '../../core/knowledge/files-service.ts';
import type { TrainingService } from '../../core/knowledge/training-service.ts';
import type { Assistant } from '../../core/assistant/assistant.ts';
import type { PromptService } from '../../core/assistant/prompt-service.ts';
import { PROMPT_MAX_LENGTH } from '../../core/assistant/prompt.ts';
import { InvalidError, UnsupportedError } from '../../core/errors.ts';
import { ACTION_ID_MAX_BYTES } from '../../core/conversations/chat-actions.ts';
import { readMultipart } from '../multipart.ts';
import { errorSchema, refusalOrValidationSchema, route, type AnyRoute } from '../route.ts';
import { currentOwner } from '../state.ts';

const fileSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    size: z.number(),
    type: z.string(),
    uploaded_at: z.string(),
    status: z.enum(['uploaded', 'processing', 'ready', 'failed']),
    error: z.string().nullable(),
    chunk_count: z.number(),
  })
  .meta({ id: 'KnowledgeFile' });
const trainingStatus = z
  .object({ status: z.enum(['idle', 'training', 'completed', 'failed']), progress: z.number(), message: z.string() })
  .meta({ id: 'TrainingStatus' });
const source = z.object({ file_id: z.string(), name: z.string(), text: z.string() });
const chatAction = z
  .object({ id: z.string(), label: z.string() })
  .meta({ id: 'ChatAction', description: 'A choice offered: send its id back as `action` to choose it' });
const testReply = z
  .object({
    response: z.string(),
    timestamp: z.string(),
    sources: z.array(source),
    chat_id: z.string(),
    actions: z.array(chatAction),
  })
  .meta({ id: 'TestReply' });
const multipartNote = 'multipart/form-data';
const MESSAGE_MAX = 4000;
const PHOTO_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif']);

export interface AgentRouteDeps {
  files: FilesService;
  training: TrainingService;
  assistant: Assistant;
  prompts: PromptService;
  maxFileBytes: number;
}

export function agentRoutes(deps: AgentRouteDeps): AnyRoute[] {
  return [
    route({
      method: 'post',
      path: '/agent/files',
      tag: 'agent',
      access: 'write',
      summary: `Upload a knowledge file (${multipartNote}, field "file"): pdf, doc, docx, xls, xlsx, txt, md, csv, html`,
      responses: {
        201: { description: 'Read and stored (as chunks; training indexes them)', schema: fileSchema },
        200: { description: 'The same bytes were already uploaded: the stored file', schema: fileSchema },
        400: {
          description: 'A part other than "file", or a second one: refused before it is read',
          schema: errorSchema,
        },
        409: { description: 'The same bytes are being uploaded right now', schema: errorSchema },
        413: { description: 'Over the size limit (FILE_MAX_MB)', schema: errorSchema },
        415: { description: 'Not a supported file type, or its content is something else', schema: errorSchema },
        422: {
          description:
            'Refused, nothing stored: damaged, empty, or past a reading limit (text, pages, rows, unpacked size, time, memory); `detail` says which and what to do. Without a "file" part: a list of field issues',
          schema: refusalOrValidationSchema,
        },
      },
      handler: async (ctx) => {
        const owner = currentOwner(ctx.state);
        const body = await readMultipart(ctx, {
          accept: { files: ['file'], fields: [] },
          maxFileBytes: deps.maxFileBytes,
        });
        const file = body.files.file;
        if (!file)
          throw new InvalidError('No file', [
            { loc: ['body', 'file'], msg: 'Attach the file in the "file" field', type: 'missing' },
          ]);
        const { file: stored, created } = await deps.files.upload(owner.id, file.name, file.bytes);
        ctx.status = created ? 201 : 200;
        return stored;
      },
    }),
    route({
      method: 'get',
      path: '/agent/files',
      tag: 'agent',
      access: 'authenticated',
      summary: 'Knowledge files with their processing status',
      responses: { 200: { description: 'Files, newest first', schema: z.array(fileSchema) } },
      handler: (ctx) => deps.files.list(currentOwner(ctx.state).id),
    }),
    route({
      method: 'delete',
      path: '/agent/files/:id',
      tag: 'agent',
      access: 'write',
      summary: 'Delete a file; its passages stop answering at once',
      params: z.object({ id: z.uuid('Not a valid file id') }),
      responses: { 204: { description: 'Deleted' }, 404: { description: 'No such file' } },
      handler: async (ctx, { params }) => {
        await deps.files.remove(currentOwner(ctx.state).id, params.id);
        ctx.status = 204;
        return undefined;
      },
    }),
    route({
      method: 'get',
      path: '/agent/prompt',
      tag: 'agent',
      access: 'authenticated',
      summary: "The assistant's instructions",
      responses: { 200: { description: 'Prompt', schema: z.object({ prompt: z.string() }) } },
      handler: async (ctx) => ({ prompt: await deps.prompts.get(currentOwner(ctx.state).id) }),
    }),
    route({
      method: 'put',
      path: '/agent/prompt',
      tag: 'agent',
      access: 'write',
      summary: "Replace the assistant's instructions",
      body: z.object({
        prompt: z
          .string()
          .trim()
          .min(1, 'Prompt cannot be empty')
          .max(PROMPT_MAX_LENGTH, `At most ${PROMPT_MAX_LENGTH} characters`),
      }),
      responses: { 200: { description: 'Saved prompt', schema: z.object({ prompt: z.string() }) } },
      handler: async (ctx, { body }) => ({ prompt: await deps.prompts.set(currentOwner(ctx.state).id, body.prompt) }),
    }),
    route({
      method: 'post',
      path: '/agent/train',
      tag: 'agent',
      access: 'write',
      summary: 'Process new and changed files into the search index (a background job)',
      responses: {
        200: {
          description: 'Started, or already running',
          schema: z.object({ status: z.string(), message: z.string() }),
        },
      },
      handler: async (ctx) => {
        const { started, status } = await deps.training.start(currentOwner(ctx.state).id);
        return started
          ? { status: 'started', message: 'Training started' }
          : { status: status.status, message: `Already training: ${status.message}` };
      },
    }),
    route({
      method: 'get',
      path: '/agent/train/status',
      tag: 'agent',
      access: 'authenticated',
      summary: 'Progress of the latest training',
      responses: { 200: { description: 'Status', schema: trainingStatus } },
      handler: (ctx) => deps.training.status(currentOwner(ctx.state).id),
    }),
    route({
      method: 'post',
      path: '/agent/test',
      tag: 'agent',
      access: 'write',
      summary: `Ask the assistant as a customer would (${multipartNote}: "message", optional "photo"; or JSON {message}); or choose one of the previous answer's actions ("action": its id, instead of "message")`,
      responses: {
        200: { description: 'The answer and its sources, best first', schema: testReply },
        400: {
          description: 'A part other than "message", "action" and "photo", or one of them twice',
          schema: errorSchema,
        },
      },
      handler: async (ctx) => {
        const owner = currentOwner(ctx.state);
        let message: string | undefined;
        let action: string | undefined;
        let photo: { mimeType: string; data: Uint8Array } | undefined;
        if (ctx.is('json')) {
          const parsed = z
            .object({ message: z.string().optional(), action: z.string().optional() })
            .safeParse(ctx.request.body);
          message = parsed.success ? parsed.data.message : undefined;
          action = parsed.success ? parsed.data.action : undefined;
        } else {
          const body = await readMultipart(ctx, {
            accept: { files: ['photo'], fields: ['message', 'action'] },
            maxFileBytes: 10 * 1024 * 1024,
          });
          message = body.fields.message;
          action = body.fields.action;
          const file = body.files.photo;
          if (file) {
            if (!PHOTO_TYPES.has(file.mimeType))
              throw new UnsupportedError('The photo must be a JPEG, PNG, WebP or GIF image');
            photo = { mimeType: file.mimeType, data: file.bytes };
          }
        }
        const text = (message ?? '').trim();
        const chosen = action?.trim();
        if (action !== undefined && (text || photo))
          throw new InvalidError('Send a message or an action, not both', [
            { loc: ['body', 'action'], msg: 'Choose an action or write a message, not both', type: 'value_error' },
          ]);
        if (action !== undefined && (!chosen || Buffer.byteLength(chosen) > ACTION_ID_MAX_BYTES))
          throw new InvalidError('Not an action', [
            { loc: ['body', 'action'], msg: "An id from a previous response's actions", type: 'value_error' },
          ]);
        if (!text && !photo && !chosen)
          throw new InvalidError('Empty message', [
            { loc: ['body', 'message'], msg: 'Write a message or attach a photo', type: 'missing' },
          ]);
        if (text.length > MESSAGE_MAX)
          throw new InvalidError('Message too long', [
            { loc: ['body', 'message'], msg: `At most ${MESSAGE_MAX} characters`, type: 'too_big' },
          ]);
        // One test chat per owner: the test conversation keeps its history like a customer's would.
        const outcome = await deps.assistant.handle({
          ownerId: owner.id,
          channel: 'test',
          chatRef: `test:${owner.id}`,
          customer: { name: 'Test chat' },
          text,
          photo,
          ...(chosen ? { action: chosen } : {}),
          externalId: randomUUID(),
        });
        if (outcome.kind !== 'answered')
          return {
            response: '',
            timestamp: new Date().toISOString(),
            sources: [],
            chat_id: outcome.chatId,
            actions: [],
          };
        return {
          response: outcome.reply.response,
          timestamp: outcome.reply.timestamp,
          sources: outcome.reply.sources,
          chat_id: outcome.reply.chatId,
          actions: outcome.reply.actions,
        };
      },
    }),
  ];
}
