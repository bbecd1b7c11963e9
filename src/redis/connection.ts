// Where the distributed tier finds Redis, and how it names its keys there.

import { Redis } from 'ioredis';
import { ValueError } from '../errors.js';

/** How to reach Redis and which names to use there: shared by Pool, serve() and Queue. */
export interface RedisTarget {
  /** A Redis URL, e.g. `redis://127.0.0.1:6379` or `rediss://user:pass@host:6380/2`. */
  redis: string;
  /** The name every side agrees on: submitters and workers of one pool, producers and consumers of one queue. */
  name: string;
  /** Prefix of every Redis key this package writes. Default `mpts`. */
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

/** @internal A plain ioredis client; `blocking` ones never give up on a command (BLPOP may wait forever). */
export function connect(url: string, blocking = false): Redis {
  const client = new Redis(url, { maxRetriesPerRequest: blocking ? null : 20, lazyConnect: false });
  // Connection trouble is reported by the commands that fail; without a listener ioredis would
  // also print every reconnect attempt as an unhandled 'error' event.
  client.on('error', () => undefined);
  return client;
}

/** @internal Positive integer option check with a message that names the option. */
export function positiveInt(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`Expected "${what}" to be an integer, got ${String(value)}`);
  if (value < 1) throw new ValueError(`"${what}" must be at least 1, got ${value}`, { code: 'ERR_MP_BAD_VALUE' });
  return value;
}
