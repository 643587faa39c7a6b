// What a model call costs: a built-in USD price table that an owner-supplied override can correct.
import { z } from 'zod';

/** USD per 1M tokens; `output` is 0 for embedding models, which bill input only. */
export interface ModelPrice {
  input: number;
  output: number;
}

/**
 * OpenAI's published standard-tier list prices when this table was written. Prices change and
 * self-hosted or proxied models have their own: deployments correct them with the overrides.
 */
export const MODEL_PRICES: Readonly<Record<string, ModelPrice>> = {
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1': { input: 2, output: 8 },
  'text-embedding-3-small': { input: 0.02, output: 0 },
  'text-embedding-3-large': { input: 0.13, output: 0 },
  'text-embedding-ada-002': { input: 0.1, output: 0 },
};

/** Shape of the JSON price-override variable, e.g. `{"llama3.1:8b": {"input": 0, "output": 0}}`. */
export const priceOverridesSchema = z.record(
  z.string().min(1),
  z.strictObject({ input: z.number().nonnegative().finite(), output: z.number().nonnegative().finite() }),
);

export type PriceOverrides = z.infer<typeof priceOverridesSchema>;

/** Servers report dated snapshots ("gpt-4o-mini-2024-07-18"); they bill like their family name. */
const withoutSnapshotDate = (model: string): string => model.replace(/-\d{4}-\d{2}-\d{2}$/, '');

export function priceOf(model: string, overrides: PriceOverrides = {}): ModelPrice | undefined {
  const base = withoutSnapshotDate(model);
  // Own-property lookups only, so a model named "constructor" or "__proto__" cannot hit Object.prototype.
  const lookup = (table: Readonly<Record<string, ModelPrice>>, key: string) =>
    Object.hasOwn(table, key) ? table[key] : undefined;
  return (
    lookup(overrides, model) ?? lookup(overrides, base) ?? lookup(MODEL_PRICES, model) ?? lookup(MODEL_PRICES, base)
  );
}

/** Cost in USD of one call; unknown models cost 0 so usage is still recorded, just unpriced. */
export function costUsd(
  model: string,
  promptTokens: number,
  completionTokens: number,
  overrides?: PriceOverrides,
): number {
  const price = priceOf(model, overrides);
  if (!price) return 0;
  return (promptTokens * price.input + completionTokens * price.output) / 1_000_000;
}
