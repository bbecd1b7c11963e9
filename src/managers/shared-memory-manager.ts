// SharedMemoryManager: a manager whose server unlinks, when it stops, every SharedMemory segment
// created through it (by this program or by any client, Python's included).
// CPython: SharedMemoryManager and SharedMemoryServer in Lib/multiprocessing/managers.py.

import { ShareableList, type ShareableValue } from '../sharedctypes/shareable-list.js';
import { SharedMemory } from '../sharedctypes/shared-memory.js';
import { bind } from './args.js';
import { BaseManager } from './base-manager.js';
import type { Server } from './server.js';

/** Unlink a segment by name; one already gone is fine. */
function unlinkSegment(name: string): void {
  let shm: SharedMemory;
  try {
    shm = new SharedMemory({ name });
  } catch {
    return;
  }
  try {
    shm.unlink();
  } finally {
    shm.close();
  }
}

/**
 * A manager for shared memory segments: `SharedMemory(size)` creates one here and has the server
 * track it; when the server stops (`shutdown()`), it unlinks every segment it tracks.
 * @example
 * await using smm = new SharedMemoryManager();
 * await smm.start();
 * const shm = await smm.SharedMemory(1024);
 *
 * Python: multiprocessing.managers.SharedMemoryManager
 */
export class SharedMemoryManager extends BaseManager {
  /** A server that also tracks the segments it creates, to unlink them when it stops. Python: `SharedMemoryManager.get_server` */
  override getServer(): Server {
    const server = super.getServer();
    const segments = new Set<string>();
    const nameArg = (fn: string, args: unknown[], kwds: Map<unknown, unknown>): string => {
      const [name] = bind(fn, ['segment_name'], args, kwds, 1);
      if (typeof name !== 'string') throw new TypeError(`${fn}() needs a segment name`);
      return name;
    };
    server.extend({
      track_segment: (args, kwds) => void segments.add(nameArg('track_segment', args, kwds)),
      release_segment: (args, kwds) => void segments.delete(nameArg('release_segment', args, kwds)),
      list_segments: () => [...segments],
    }, () => {
      for (const name of segments) unlinkSegment(name);
      segments.clear();
    });
    return server;
  }

  /** A new segment of `size` bytes, unlinked when the manager's server stops. Python: `SharedMemoryManager.SharedMemory` */
  async SharedMemory(size: number): Promise<SharedMemory> {
    const shm = new SharedMemory({ create: true, size });
    await this.#track(shm);
    return shm;
  }

  // Have the server track a new segment; if it cannot, the segment goes.
  async #track(shm: SharedMemory): Promise<void> {
    try {
      await this.client.serverCall('track_segment', [shm.name]);
    } catch (err) {
      shm.close();
      shm.unlink();
      throw err;
    }
  }

  /**
   * A new ShareableList of `sequence`'s items, whose segment is unlinked when the manager's server stops.
   * Python: SharedMemoryManager.ShareableList(sequence)
   */
  async ShareableList<T extends ShareableValue>(sequence: Iterable<T>): Promise<ShareableList<T>> {
    const list = new ShareableList<T>(sequence);
    await this.#track(list.shm);
    return list;
  }

  /** The names of the segments the server tracks. Python: SharedMemoryManager._list_tracked_segments */
  async listSegments(): Promise<string[]> {
    return ((await this.client.serverCall('list_segments')) as unknown[]).map(String);
  }
}
