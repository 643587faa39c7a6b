// The owner's instructions for the assistant, with a default built from the salon's name.
import type { Knex } from 'knex';
import { NotFoundError } from '../errors.ts';
import { defaultPrompt } from './prompt.ts';

export type PromptService = ReturnType<typeof createPromptService>;

export function createPromptService({ db }: { db: Knex }) {
  return {
    async get(ownerId: string): Promise<string> {
      const row = await db('owners')
        .where({ id: ownerId })
        .first<{ prompt: string | null; salon_name: string } | undefined>('prompt', 'salon_name');
      if (!row) throw new NotFoundError('Account not found');
      return row.prompt ?? defaultPrompt(row.salon_name);
    },
    async set(ownerId: string, prompt: string): Promise<string> {
      const updated = await db('owners')
        .where({ id: ownerId })
        .update({ prompt, updated_at: new Date() })
        .returning('id');
      if (updated.length === 0) throw new NotFoundError('Account not found');
      return prompt;
    },
  };
}
