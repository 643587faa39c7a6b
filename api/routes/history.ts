// /api/agent/history: conversations, take-over, and the owner's replies (seed 002 plus take-over).
import { z } from 'zod';
import type { HistoryService } from '../../core/conversations/history-service.ts';
import { route, type AnyRoute } from '../route.ts';
import { currentOwner } from '../state.ts';
import { pageQuery } from './admin.ts';

const chatId = z.object({ chatId: z.uuid('Not a valid chat id') });
const summary = z
  .object({
    id: z.string(),
    customer_name: z.string(),
    channel: z.string(),
    last_message: z.string().nullable(),
    timestamp: z.string().nullable(),
    unread: z.number(),
    bot_paused: z.boolean(),
    needs_attention: z.boolean(),
    customer_blocked: z.boolean(),
  })
  .meta({ id: 'ChatSummary' });
const message = z
  .object({ id: z.string(), text: z.string(), sender: z.enum(['customer', 'ai', 'owner']), timestamp: z.string() })
  .meta({ id: 'ChatMessage' });
const detail = z
  .object({
    id: z.string(),
    customer_name: z.string(),
    channel: z.string(),
    bot_paused: z.boolean(),
    needs_attention: z.boolean(),
    messages: z.array(message),
  })
  .meta({ id: 'ChatDetail' });

export function historyRoutes(history: HistoryService): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/agent/history',
      tag: 'history',
      access: 'authenticated',
      summary: 'Conversations, newest first; `needs_attention=true` lists those waiting for the owner',
      query: pageQuery.extend({
        needs_attention: z
          .enum(['true', 'false'], 'Use true or false')
          .transform((value) => value === 'true')
          .optional()
          .meta({ description: 'Only the chats that need (true) or do not need (false) the owner' }),
      }),
      responses: {
        200: {
          description: 'A page of chats',
          schema: z.object({ items: z.array(summary), total: z.number(), page: z.number(), page_size: z.number() }),
        },
      },
      handler: (ctx, { query }) =>
        history.list(currentOwner(ctx.state).id, query.page, query.page_size, {
          needsAttention: query.needs_attention,
        }),
    }),
    route({
      method: 'get',
      path: '/agent/history/:chatId',
      tag: 'history',
      access: 'authenticated',
      summary: "A chat's messages; marks it read",
      params: chatId,
      responses: { 200: { description: 'The chat', schema: detail }, 404: { description: 'No such chat' } },
      handler: (ctx, { params }) => history.get(currentOwner(ctx.state).id, params.chatId),
    }),
    route({
      method: 'put',
      path: '/agent/history/:chatId',
      tag: 'history',
      access: 'write',
      summary: 'Take over (bot_paused: true) or hand back to the assistant',
      params: chatId,
      body: z.object({ bot_paused: z.boolean() }),
      responses: {
        200: { description: 'New state', schema: z.object({ id: z.string(), bot_paused: z.boolean() }) },
        404: { description: 'No such chat' },
      },
      handler: (ctx, { params, body }) => history.setPaused(currentOwner(ctx.state).id, params.chatId, body.bot_paused),
    }),
    route({
      method: 'post',
      path: '/agent/history/:chatId/messages',
      tag: 'history',
      access: 'write',
      summary: "Send the owner's own message to the customer",
      params: chatId,
      body: z.object({ text: z.string().trim().min(1, 'Write a message').max(4000) }),
      responses: {
        201: { description: 'Sent and stored', schema: message },
        404: { description: 'No such chat' },
        422: { description: 'The channel refused it (e.g. the customer blocked the bot)' },
      },
      handler: async (ctx, { params, body }) => {
        ctx.status = 201;
        return history.reply(currentOwner(ctx.state).id, params.chatId, body.text);
      },
    }),
  ];
}
