// The loads each scenario runs, through the outside world: an unmeasured warm-up, the saturating load
// (every customer of every bot), and the smaller one the throughput ratio to the echo bot is read at.
import { randomBytes } from 'node:crypto';
import type { Options } from './options.ts';
import type { LoadResult } from './protocol.ts';
import type { WorldClient } from './world-client.ts';

const REPLY_TIMEOUT_MS = 60_000;

/** Tokens as BotFather issues them: `<bot id>:` + 35 characters of [A-Za-z0-9_-]. */
export function newTokens(count: number, firstId: number): string[] {
  return Array.from(
    { length: count },
    (_, index) => `${firstId + index}:${randomBytes(27).toString('base64url').slice(0, 35)}`,
  );
}

/** A short unmeasured round on other chats (JIT, connection pools, first queries). */
export async function warmUp(world: WorldClient, label: string, tokens: string[], o: Options): Promise<void> {
  const warm = await world.call<LoadResult>({
    method: 'load',
    request: {
      label: `${label}-warm`,
      tokens,
      customers: Math.min(2, o.customers),
      messages: 2,
      chatBase: 900_000,
      replyTimeoutMs: REPLY_TIMEOUT_MS,
    },
  });
  const failed = warm.records.filter((record) => !record.ok);
  if (failed.length > 0)
    throw new Error(
      `${label}: warm-up failed for ${failed.length} of ${warm.records.length} messages, e.g. ${failed[0]!.problem}`,
    );
}

/** The measured load: every customer of every bot, concurrently, each message after the previous reply. */
export function saturatingLoad(world: WorldClient, label: string, tokens: string[], o: Options): Promise<LoadResult> {
  return world.call<LoadResult>({
    method: 'load',
    request: {
      label,
      tokens,
      customers: o.customers,
      messages: o.messages,
      chatBase: 1_000,
      replyTimeoutMs: REPLY_TIMEOUT_MS,
    },
  });
}

/** Customers per bot for the ratio load: `ratioCustomers` in all, spread over the bots (rounded up). */
export const ratioCustomersPerBot = (o: Options) => Math.ceil(o.ratioCustomers / o.bots);

/** The load the throughput ratio is read at (by default 100 customers in all), on chats of its own. */
export function ratioLoad(world: WorldClient, label: string, tokens: string[], o: Options): Promise<LoadResult> {
  return world.call<LoadResult>({
    method: 'load',
    request: {
      label: `${label}-ratio`,
      tokens,
      customers: ratioCustomersPerBot(o),
      messages: o.messages,
      chatBase: 500_000,
      replyTimeoutMs: REPLY_TIMEOUT_MS,
    },
  });
}
