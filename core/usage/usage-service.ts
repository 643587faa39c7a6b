// Records what each model and embedding call cost the owner, and sums it for today and this month.
import type { Knex } from 'knex';
import { costUsd, type PriceOverrides } from './prices.ts';

export interface UsageTotals {
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
}

/** One usage_events row: what a model or embedding call cost an owner. */
export interface UsageRow {
  owner_id: string;
  kind: 'chat' | 'embedding';
  model: string;
  prompt_tokens: number;
  completion_tokens: number;
  cost_usd: number;
}

export type UsageService = ReturnType<typeof createUsageService>;

export function createUsageService({ db, priceOverrides }: { db: Knex; priceOverrides?: PriceOverrides }) {
  async function totalsSince(ownerId: string, since: Date): Promise<UsageTotals> {
    const row = await db('usage_events').where({ owner_id: ownerId }).where('created_at', '>=', since).first<{
      requests: string | number;
      prompt: string | number | null;
      completion: string | number | null;
      cost: string | number | null;
    }>(
      db.raw('count(*) as requests'),
      db.raw('sum(prompt_tokens) as prompt'),
      db.raw('sum(completion_tokens) as completion'),
      db.raw('sum(cost_usd) as cost'),
    );
    return {
      requests: Number(row?.requests ?? 0),
      prompt_tokens: Number(row?.prompt ?? 0),
      completion_tokens: Number(row?.completion ?? 0),
      cost_usd: Math.round(Number(row?.cost ?? 0) * 1e6) / 1e6,
    };
  }

  function row(
    ownerId: string,
    kind: UsageRow['kind'],
    model: string,
    promptTokens: number,
    completionTokens: number,
  ): UsageRow {
    return {
      owner_id: ownerId,
      kind,
      model,
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      cost_usd: costUsd(model, promptTokens, completionTokens, priceOverrides),
    };
  }

  return {
    /** The row a call would record, for callers that store it together with other writes (one statement). */
    row,

    async record(
      ownerId: string,
      kind: UsageRow['kind'],
      model: string,
      promptTokens: number,
      completionTokens: number,
    ): Promise<void> {
      await db('usage_events').insert(row(ownerId, kind, model, promptTokens, completionTokens));
    },

    /** Day and month boundaries are UTC. */
    async summary(ownerId: string, now = new Date()): Promise<{ today: UsageTotals; month: UsageTotals }> {
      const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
      const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
      const [todayTotals, monthTotals] = await Promise.all([totalsSince(ownerId, today), totalsSince(ownerId, month)]);
      return { today: todayTotals, month: monthTotals };
    },
  };
}
