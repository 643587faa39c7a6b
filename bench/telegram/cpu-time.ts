// CPU time from /proc (Linux; undefined elsewhere): of this process and its threads, of child processes,
// and of the PostgreSQL and Redis processes that serve the bench.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** utime + stime of a /proc stat line, ms (the command name in parentheses may hold spaces). */
function statCpuMs(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** CPU time of the calling thread. */
export function threadCpuMs(): number | undefined {
  try {
    return statCpuMs(readFileSync('/proc/thread-self/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

function processCpuMs(pid: number | string): number | undefined {
  try {
    return statCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

type Server = 'postgres' | 'redis-server';

/** The servers a scenario uses: PostgreSQL's database (by name) and whether Redis is in play. */
export interface Servers {
  postgres?: string;
  redis?: boolean;
}

/**
 * CPU time of the PostgreSQL and Redis processes serving the bench, by server (only the servers in use).
 * PostgreSQL's backends serving other databases are left out (on a shared machine other test runs use the
 * same server); its background processes (WAL writer, checkpointer, autovacuum) count, whoever they work for.
 */
function serversCpuMs(servers: Servers): Partial<Record<Server, number>> | undefined {
  const totals: Partial<Record<Server, number>> = {
    ...(servers.postgres ? { postgres: 0 } : {}),
    ...(servers.redis ? { 'redis-server': 0 } : {}),
  };
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return undefined;
  }
  for (const pid of entries) {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim() as Server;
      if (totals[comm] === undefined) continue;
      if (comm === 'postgres' && !servesBench(pid, servers.postgres!)) continue;
      totals[comm] += processCpuMs(pid) ?? 0;
    } catch {
      // the process ended meanwhile
    }
  }
  return totals;
}

/**
 * A backend's title is "postgres: [CLUSTER: ]USER DATABASE HOST(PORT) STATE"; a background process's
 * ("postgres: 15/main: walwriter") names no database and client.
 */
function servesBench(pid: string, database: string): boolean {
  const title = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  const backend = /^postgres: (?:\S+: )?\S+ (\S+) \S+\(\d+\)/.exec(title);
  return !backend || backend[1] === database;
}

export interface CpuSnapshot {
  process: NodeJS.CpuUsage;
  mainThread?: number;
  servers?: Partial<Record<Server, number>>;
  /** Child processes (all their threads) by pid. */
  children: Map<number, number | undefined>;
  inUse: Servers;
}

export function cpuSnapshot(childPids: readonly number[] = [], servers: Servers = {}): CpuSnapshot {
  return {
    process: process.cpuUsage(),
    mainThread: threadCpuMs(),
    servers: serversCpuMs(servers),
    children: new Map(childPids.map((pid) => [pid, processCpuMs(pid)])),
    inUse: servers,
  };
}

/** CPU time spent between a snapshot and now, per part, ms. */
export interface CpuSpent {
  /** This process: the main thread, the fakes' worker and the rest (GC, libuv). */
  process: number;
  mainThread?: number;
  servers?: Record<string, number>;
  /** The bot processes together, when there are any (and /proc is there). */
  children?: number;
}

export function cpuSince(start: CpuSnapshot): CpuSpent {
  const end = cpuSnapshot([...start.children.keys()], start.inUse);
  const childMs = [...start.children].map(([pid, before]) => {
    const after = end.children.get(pid);
    return before === undefined || after === undefined ? undefined : after - before;
  });
  const used = process.cpuUsage(start.process);
  return {
    process: (used.user + used.system) / 1000,
    ...(start.mainThread !== undefined && end.mainThread !== undefined
      ? { mainThread: end.mainThread - start.mainThread }
      : {}),
    ...(start.servers && end.servers
      ? {
          servers: Object.fromEntries(
            Object.entries(start.servers).map(([name, before]) => [name, end.servers![name as Server]! - before]),
          ),
        }
      : {}),
    ...(childMs.length > 0 && childMs.every((ms) => ms !== undefined)
      ? { children: childMs.reduce<number>((sum, ms) => sum + ms!, 0) }
      : {}),
  };
}

/** Everything the bench's side of the machine spent: this process (fakes included), bot processes, servers. */
export function machineCpuMs(cpu: CpuSpent): number {
  return cpu.process + (cpu.children ?? 0) + Object.values(cpu.servers ?? {}).reduce((sum, ms) => sum + ms, 0);
}
