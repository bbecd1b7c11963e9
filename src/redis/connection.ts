// Where the distributed tier finds Redis, and how it names its keys there; and the two packages
// it is built on, bullmq and ioredis, which are optional peer dependencies of multiprocessing-ts.

import { createRequire } from 'node:module';
import type * as BullMQ from 'bullmq';
import type * as IORedis from 'ioredis';
import { OSError, ProcessError, ValueError } from '../errors.js';

// Loaded with require() so that a missing one is an error of ours, thrown while this module
// loads, that says what to install: a static import would fail before any of our code runs.
const require = createRequire(import.meta.url);

function peer<T>(name: string): T {
  try {
    return require(name) as T;
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && (err as Error).message.includes(`'${name}'`);
    if (!missing) throw err;
    throw new ProcessError(
      `multiprocessing-ts/redis needs bullmq and ioredis, which are not installed (${name} is missing): run \`npm install bullmq ioredis\``,
      { code: 'ERR_MP_MISSING_PEER', cause: err },
    );
  }
}

/** @internal BullMQ, loaded when the Redis tier is. */
export const bullmq = peer<typeof BullMQ>('bullmq');
const { Redis } = peer<typeof IORedis>('ioredis');

/** How to reach Redis and which names to use there: shared by Pool, serve() and Queue. No Python twin (Python's managers are reached by address and authkey). */
export interface RedisTarget {
  /** A Redis URL, e.g. `redis://127.0.0.1:6379` or `rediss://user:pass@host:6380/2`. No Python twin. */
  redis: string;
  /** The name every side agrees on: submitters and workers of one pool, producers and consumers of one queue. Python: the typeid a manager serves */
  name: string;
  /** Prefix of every Redis key this package writes. Default `mpts`. No Python twin. */
  prefix?: string;
}

/** @internal The checked parts of a {@link RedisTarget}. */
export interface ResolvedTarget {
  url: string;
  name: string;
  prefix: string;
}

/** @internal Validate a {@link RedisTarget}: wrong values fail here, not deep in a Redis client. */
export function resolveTarget(opts: RedisTarget, what: string): ResolvedTarget {
  if (typeof opts !== 'object' || opts === null) throw new TypeError(`Expected ${what} options like { redis, name }, got ${String(opts)}`);
  const { redis, name, prefix = 'mpts' } = opts;
  if (typeof redis !== 'string' || !/^rediss?:\/\//.test(redis)) {
    throw new TypeError(`Expected "redis" to be a Redis URL like redis://127.0.0.1:6379, got ${String(redis)}`);
  }
  for (const [key, value] of [['name', name], ['prefix', prefix]] as const) {
    if (typeof value !== 'string' || value === '') throw new TypeError(`Expected "${key}" to be a non-empty string, got ${String(value)}`);
    // BullMQ builds its keys as prefix:name:...; a colon inside either would make keys ambiguous.
    if (value.includes(':')) throw new ValueError(`"${key}" must not contain ':', got ${JSON.stringify(value)}`, { code: 'ERR_MP_BAD_VALUE' });
  }
  return { url: redis, name, prefix };
}

// The last connection error of each client that is not connected, for the commands it fails.
const connectionErrors = new WeakMap<IORedis.Redis, Error>();

/** @internal A plain ioredis client; `blocking` ones never give up on a command (BLPOP may wait forever). */
export function connect(url: string, blocking = false): IORedis.Redis {
  // Reconnects back off to once a second, so that a command given up after 20 of them fails in
  // about 10 s when Redis cannot be reached (ioredis's own backoff makes that over a minute).
  const client = new Redis(url, { maxRetriesPerRequest: blocking ? null : 20, retryStrategy: (times) => Math.min(times * 50, 1000), lazyConnect: false });
  // Connection trouble is reported by the commands that fail (see unreachable); without a
  // listener ioredis would also print every reconnect attempt as an unhandled 'error' event.
  client.on('error', (err: Error) => void connectionErrors.set(client, err));
  client.on('ready', () => void connectionErrors.delete(client));
  return client;
}

/**
 * @internal The error for a command `client` failed while it could not reach Redis: an OSError
 * that names the URL (without its password) and why; undefined when it is connected.
 */
export function unreachable(client: IORedis.Redis, url: string, cause: unknown): OSError | undefined {
  if (client.status === 'ready') return undefined;
  const last = connectionErrors.get(client);
  const why = last === undefined ? '' : ` (${last.message})`;
  return new OSError(`Could not reach Redis at ${withoutPassword(url)}${why}: is the server running there, and is the URL right?`, {
    code: 'ERR_MP_REDIS_UNREACHABLE',
    cause,
  });
}

function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.href;
  } catch {
    return 'the URL given';
  }
}
