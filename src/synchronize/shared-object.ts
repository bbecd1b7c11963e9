// What every shared primitive is made of: a block of 32-bit words in shared memory, and a way to
// travel as a handle.

import type { BackendKind } from '../runtime.js';
import { registerHandleType } from '../codec/handles.js';
import { allocate, rebuildBlock, reduceBlock, type Block, type BlockTransfer } from '../shm/segment.js';

export { rebuildBlock, reduceBlock, type BlockTransfer };

/** A block of Int32 words: `i32[base + k]` is word k. */
export interface Words {
  readonly block: Block;
  readonly i32: Int32Array;
  readonly base: number;
}

const views = new WeakMap<SharedArrayBuffer, Int32Array>();

export function wordsOf(block: Block): Words {
  let i32 = views.get(block.buffer);
  if (i32 === undefined) views.set(block.buffer, (i32 = new Int32Array(block.buffer)));
  return { block, i32, base: block.offset >> 2 };
}

export function allocateWords(count: number): Words {
  return wordsOf(allocate(count * 4));
}

/**
 * Register how a shared primitive travels: its block (by fd or SharedArrayBuffer) plus `extra`
 * state; `build` rebuilds it on the far side.
 */
export function registerShared<T extends object, E>(
  cls: abstract new (...args: never[]) => T,
  name: string,
  module: string,
  parts: (value: T, dest: BackendKind) => { words: Words; extra: E },
  build: (words: Words, extra: E) => T,
): void {
  registerHandleType<T, { block: BlockTransfer; extra: E }>(cls, {
    name,
    module,
    reduce: (value, dest: BackendKind) => {
      const { words, extra } = parts(value, dest);
      return { block: reduceBlock(words.block, dest), extra };
    },
    rebuild: ({ block, extra }) => build(wordsOf(rebuildBlock(block)), extra),
  });
}

/** What `withLock` needs: Lock, RLock and Semaphore share the `with`-style helpers through it. */
export abstract class Acquirable {
  abstract acquire(options?: { block?: boolean; timeout?: number } | boolean): Promise<boolean>;
  abstract acquireSync(options?: { block?: boolean; timeout?: number } | boolean): boolean;
  abstract release(): void;

  /** Run `fn` holding this, and release it however `fn` ends (Python's `with lock:`). */
  async withLock<R>(fn: () => R | Promise<R>): Promise<Awaited<R>> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  /** {@link withLock} for synchronous code: blocks this thread while waiting. */
  withLockSync<R>(fn: () => R): R {
    this.acquireSync();
    try {
      return fn();
    } finally {
      this.release();
    }
  }
}
