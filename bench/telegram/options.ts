// The command line of `npm run bench:telegram` (see main.ts for what each option does).
import { parseArgs } from 'node:util';

export interface Options {
  /** REPLY_DEBOUNCE_MS of each frontdesk run. */
  debounces: number[];
  bots: number;
  /** Customers per bot in the saturating load. */
  customers: number;
  messages: number;
  modelMs: number;
  /** Customers in all for the throughput ratio to the echo bot (0: not measured). */
  ratioCustomers: number;
  timeoutS: number;
  profile: boolean;
  cpuProfileDir?: string;
  /** 0: the bots run in this process; N: in N processes of `main.ts bots` (PostgreSQL and Redis only). */
  botProcesses: number;
}

export function parseOptions(defaultDebounceMs: number): Options {
  const { values } = parseArgs({
    options: {
      bots: { type: 'string', default: '10' },
      customers: { type: 'string', default: '20' },
      messages: { type: 'string', default: '5' },
      'model-ms': { type: 'string', default: '200' },
      'ratio-customers': { type: 'string', default: '100' },
      'timeout-s': { type: 'string', default: '300' },
      'debounce-ms': { type: 'string' },
      profile: { type: 'boolean', default: false },
      'cpu-profile': { type: 'string' },
      'bot-processes': { type: 'string', default: '0' },
    },
    strict: true,
  });
  const positive = (name: string, raw: string, min = 1): number => {
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be an integer >= ${min}, got ${raw}`);
    return value;
  };
  const debounces =
    values['debounce-ms'] === undefined
      ? [...new Set([0, defaultDebounceMs])]
      : values['debounce-ms'].split(',').map((raw) => positive('debounce-ms', raw.trim(), 0));
  return {
    debounces,
    bots: positive('bots', values.bots),
    customers: positive('customers', values.customers),
    messages: positive('messages', values.messages),
    modelMs: positive('model-ms', values['model-ms'], 0),
    ratioCustomers: positive('ratio-customers', values['ratio-customers'], 0),
    timeoutS: positive('timeout-s', values['timeout-s']),
    profile: values.profile,
    cpuProfileDir: values['cpu-profile'],
    botProcesses: positive('bot-processes', values['bot-processes'], 0),
  };
}
