// Makes the install-time template of the embedded database (`npm install` runs it through
// scripts/prepare-pglite-template.ts): a data directory initialised and migrated once, which a first start
// copies (infra/pglite.ts) instead of running initdb and every migration.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { migrateToLatest, pgliteKnex } from './database.ts';
import { migrationFingerprints } from './migrations.ts';
import {
  defaultTemplateDir,
  isCurrentTemplate,
  MANIFEST,
  openPglite,
  removeStaleScratch,
  scratchFor,
} from './pglite.ts';

/**
 * Makes the template unless a current one exists: initdb and every migration into a scratch directory,
 * closed cleanly, then renamed into place (replacing a template made by other migrations).
 */
export async function createPgliteTemplate(templateDir: string = defaultTemplateDir()): Promise<'created' | 'exists'> {
  if (isCurrentTemplate(templateDir)) return 'exists';
  mkdirSync(path.dirname(templateDir), { recursive: true });
  removeStaleScratch(templateDir);
  const scratch = scratchFor(templateDir);
  try {
    const fingerprints = migrationFingerprints();
    const pglite = openPglite(scratch);
    const knex = pgliteKnex(pglite);
    try {
      await migrateToLatest(knex);
    } finally {
      await knex.destroy();
      if (!pglite.closed) await pglite.close();
    }
    writeFileSync(path.join(scratch, MANIFEST), JSON.stringify({ migrations: fingerprints }, null, 2));
    rmSync(templateDir, { recursive: true, force: true });
    renameSync(scratch, templateDir);
    return 'created';
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
