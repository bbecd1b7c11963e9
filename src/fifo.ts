// A first-in first-out queue in blocks, as Node's internal FixedQueue: push and shift in constant
// time, and no array as long as the queue. (An array past about 16,000 items lives in V8's
// large-object space, where every allocation maps fresh pages: growing or compacting one that
// holds a burst of 100,000 tasks costs more than queueing them.)

// Items per block: 16 KiB of pointers, young-generation sized.
const BLOCK = 2048;

class Block<T> {
  readonly items: (T | undefined)[] = new Array<T | undefined>(BLOCK);
  read = 0;
  write = 0;
  next: Block<T> | undefined = undefined;
}

/** A FIFO queue of `T`; {@link remove} and {@link unshift} for the rare task that leaves or returns out of turn. */
export class Fifo<T> {
  #head = new Block<T>();
  #tail = this.#head;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    let tail = this.#tail;
    if (tail.write === BLOCK) {
      tail = tail.next = new Block<T>();
      this.#tail = tail;
    }
    tail.items[tail.write++] = item;
    this.#size++;
  }

  /** The first item, left in place; undefined when empty. */
  peek(): T | undefined {
    if (this.#size === 0) return undefined;
    const block = this.#first();
    return block.items[block.read];
  }

  /** Take the first item; undefined when empty. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const block = this.#first();
    const item = block.items[block.read];
    block.items[block.read++] = undefined;
    this.#size--;
    return item;
  }

  /** Put `items` back in front, in their order. */
  unshift(items: readonly T[]): void {
    if (items.length === 0) return;
    const rest = this.drain();
    for (const item of items) this.push(item);
    for (const item of rest) this.push(item);
  }

  /** Take `item` out, wherever it is; false when it is not here. */
  remove(item: T): boolean {
    for (let block: Block<T> | undefined = this.#head; block !== undefined; block = block.next) {
      const at = block.items.indexOf(item, block.read);
      if (at < 0 || at >= block.write) continue;
      block.items.copyWithin(at, at + 1, block.write);
      block.items[--block.write] = undefined;
      this.#size--;
      return true;
    }
    return false;
  }

  /** Every item, first to last, taken out. */
  drain(): T[] {
    const all = this.toArray();
    this.#head = this.#tail = new Block<T>();
    this.#size = 0;
    return all;
  }

  /** Every item, first to last. */
  toArray(): T[] {
    const all: T[] = [];
    for (let block: Block<T> | undefined = this.#head; block !== undefined; block = block.next) {
      for (let i = block.read; i < block.write; i++) all.push(block.items[i] as T);
    }
    return all;
  }

  // The block that holds the first item (the queue is not empty): spent blocks are dropped.
  #first(): Block<T> {
    let block = this.#head;
    while (block.read === block.write) {
      block = block.next as Block<T>;
      this.#head = block;
    }
    return block;
  }
}
