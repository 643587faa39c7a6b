// What middleware puts on ctx.state for the handlers after it.
import type { Logger } from 'pino';
import type { OwnerRow } from '../core/accounts/owners.ts';

export interface AppState {
  requestId: string;
  log: Logger;
  /** Set by the authentication guard. */
  owner?: OwnerRow;
  sessionId?: string;
  /** Set by koa-jwt before the guard checks the session. */
  jwt?: unknown;
}

/** The authenticated owner; only called behind the authentication guard. */
export function currentOwner(state: AppState): OwnerRow {
  if (!state.owner) throw new Error('route used without the authentication guard');
  return state.owner;
}
