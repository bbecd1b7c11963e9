// sharedctypes' copy() and synchronized(), and shared_memory's ShareableList, across children.
// CPython: _TestValue.test_copy / _TestArray, _TestSharedMemory.test_shared_memory_ShareableList_* in Lib/test/_test_multiprocessing.py.
import assert from 'node:assert/strict';
import {
  copy, Event, FileNotFoundError, Lock, RawArray, RawValue, ShareableList, SharedArray, SharedMemoryManager, synchronized, Value, ValueError,
  type ShareableValue, type SharedArrayView, type SharedValue,
} from 'multiprocessing-ts';
import { fileURLToPath } from 'node:url';
import { runFixture } from '../helpers/program.js';
import { defineSuite } from '../helpers/suite.js';
import { LONG } from '../helpers/timeouts.js';

const smmProgram = fileURLToPath(new URL('../fixtures/smm-program.ts', import.meta.url));

function isCode(cls: new (...a: never[]) => Error, code: string) {
  return (e: unknown): boolean => e instanceof cls && (e as { code?: string }).code === code;
}

export default defineSuite({ area: 'sharedctypes', backends: ['process', 'thread'] }, ({ ctx }, test) => {
  const { Process } = ctx;

  test('copy(): a new raw value or array with the same contents, in its own memory, that travels to children', async () => {
    const value = Value('d', 2.5);
    const array = SharedArray('q', [1n, -2n, 3n]);
    const raw = RawArray('i', [4, 5]);
    const valueCopy = copy(value);
    const arrayCopy = copy(array);
    const rawCopy = copy(raw);
    assert.equal(valueCopy.value, 2.5);
    assert.equal(valueCopy.typecode, 'd');
    assert.deepEqual(arrayCopy.toArray(), [1n, -2n, 3n]);
    assert.deepEqual(rawCopy.toArray(), [4, 5]);
    assert.throws(() => valueCopy.getLock(), isCode(ValueError, 'ERR_MP_NO_LOCK'));
    assert.throws(() => arrayCopy.getLock(), isCode(ValueError, 'ERR_MP_NO_LOCK'));
    value.value = 7;
    array.set(0, 9n);
    assert.equal(valueCopy.value, 2.5);
    assert.equal(arrayCopy.get(0), 1n);
    const p = new Process({
      target: (v: SharedValue, a: SharedArrayView<bigint>) => {
        v.value += 1;
        a.set(2, a.get(2) * 10n);
      },
      args: [valueCopy, arrayCopy],
    });
    p.start();
    await p.join();
    assert.equal(p.exitcode, 0);
    assert.equal(valueCopy.value, 3.5);
    assert.deepEqual(arrayCopy.toArray(), [1n, -2n, 30n]);
    assert.equal(value.value, 7);
    assert.throws(() => copy({} as SharedValue), TypeError);
  }, { timeout: LONG }); // CPython: _TestValue.test_copy

  test('synchronized(): a raw value or array gets a lock over the same memory; children count under it without losing an increment', async () => {
    const raw = RawValue('i', 0);
    const counter = synchronized(raw);
    const lock = new Lock();
    const rawArray = RawArray('i', 2);
    const cells = synchronized(rawArray, lock);
    assert.equal(cells.getLock(), lock);
    assert.throws(() => raw.getLock(), isCode(ValueError, 'ERR_MP_NO_LOCK'), 'the raw object stays lock-free');
    assert.throws(() => synchronized(counter), isCode(ValueError, 'ERR_MP_ALREADY_SYNCHRONIZED'));
    assert.throws(() => synchronized(Value('i', 0)), isCode(ValueError, 'ERR_MP_ALREADY_SYNCHRONIZED'));
    assert.throws(() => synchronized(RawValue('i', 0), {} as Lock), TypeError);
    assert.throws(() => synchronized(null as unknown as SharedValue), TypeError);
    const go = new Event();
    const add = async (c: SharedValue, a: SharedArrayView, g: Event): Promise<void> => {
      if (!(await g.wait(30_000))) throw new Error('never told to go');
      for (let i = 0; i < 2000; i++) {
        c.getLock().withLockSync(() => (c.value += 1));
        a.getLock().withLockSync(() => {
          const cells = a.getObj() as Int32Array; // a Lock: get()/set() would take it again
          cells[1] = cells[1]! + 1;
        });
      }
    };
    const children = [0, 1].map(() => new Process({ target: add, args: [counter, cells, go] }));
    for (const c of children) c.start();
    go.set();
    for (const c of children) await c.join();
    assert.deepEqual(children.map((c) => c.exitcode), [0, 0]);
    assert.equal(counter.value, 4000);
    assert.equal(raw.value, 4000, 'the same memory');
    assert.deepEqual(rawArray.toArray(), [0, 4000]);
  }, { timeout: LONG }); // CPython: synchronized() as Value/Array(lock=...) use it

  test('ShareableList: Python\'s types and rules, read and written by a child that received it, by another list attached by name', async () => {
    const sl = new ShareableList<ShareableValue>([7, 2.5, true, null, 'héllo', new Uint8Array([1, 0, 2]), 2n ** 62n, '']);
    try {
      assert.equal(sl.length, 8);
      assert.equal(sl.format, 'qdxxxxxxx?xxxxxx?x8s8sq8s');
      assert.deepEqual(sl.toArray(), [7, 2.5, true, null, 'héllo', new Uint8Array([1, 0, 2]), 2n ** 62n, '']);
      assert.equal(sl.get(-1), '');
      assert.equal(sl.shm.size, 8 * 10 + 8 * 8 + 9 * 8, 'CPython\'s size: header, offsets, data, formats, codes');
      const p = new Process({
        target: (list: ShareableList<ShareableValue>) => {
          list.set(0, 'seven');
          list.set(1, null);
          list.set(3, -1.25);
          list.set(4, new Uint8Array([9, 9]));
          list.set(-2, -5);
        },
        args: [sl],
      });
      p.start();
      await p.join();
      assert.equal(p.exitcode, 0);
      const byName = new ShareableList(null, { name: sl.shm.name });
      try {
        assert.deepEqual(byName.toArray(), ['seven', null, true, -1.25, new Uint8Array([9, 9]), new Uint8Array([1, 0, 2]), -5, '']);
        assert.equal(byName.format, '8sxxxxxx?xxxxxxxx?d8s8sq8s');
        assert.throws(() => byName.set(0, 'nine bytes'), isCode(ValueError, 'ERR_MP_ITEM_TOO_LONG'));
        assert.throws(() => byName.set(7, 'ééééé'), isCode(ValueError, 'ERR_MP_ITEM_TOO_LONG'), 'ten UTF-8 bytes in a slot of eight');
        byName.set(7, 'éééé');
        assert.equal(sl.get(7), 'éééé');
        assert.throws(() => byName.get(8), (e: unknown) => e instanceof RangeError && (e as { code?: string }).code === 'ERR_MP_INDEX_OUT_OF_RANGE');
        assert.throws(() => byName.set(-9, 1), (e: unknown) => e instanceof RangeError && (e as { code?: string }).code === 'ERR_MP_INDEX_OUT_OF_RANGE');
        assert.throws(() => byName.set(0, undefined as unknown as null), TypeError);
        assert.throws(() => byName.set(0, 2n ** 63n), isCode(ValueError, 'ERR_MP_BAD_VALUE'));
        assert.deepEqual(sl.toArray().slice(0, 2), ['seven', null], 'nothing written by a refused set');
      } finally {
        byName.shm.close();
      }
    } finally {
      sl.shm.close();
      sl.shm.unlink();
    }
    assert.throws(() => new ShareableList(null, { name: sl.shm.name }), isCode(FileNotFoundError, 'ENOENT'));
  }, { timeout: LONG }); // CPython: _TestSharedMemory.test_shared_memory_ShareableList_basics

  test('ShareableList: count() and index() compare as Python\'s ==; an empty list; a bad item leaves no segment', () => {
    const sl = new ShareableList<ShareableValue>([1, true, 1.0, 2n, 'a', 'a', new Uint8Array([1]), null]);
    try {
      assert.equal(sl.count(1), 3, 'True == 1 == 1.0');
      assert.equal(sl.count(2), 1);
      assert.equal(sl.count('a'), 2);
      assert.equal(sl.count(new Uint8Array([1])), 1);
      assert.equal(sl.count(null), 1);
      assert.equal(sl.index(2), 3);
      assert.equal(sl.index('a'), 4);
      assert.throws(() => sl.index('b'), isCode(ValueError, 'ERR_MP_NOT_FOUND'));
    } finally {
      sl.shm.close();
      sl.shm.unlink();
    }
    const empty = new ShareableList();
    try {
      assert.equal(empty.length, 0);
      assert.equal(empty.format, '');
      assert.deepEqual(empty.toArray(), []);
    } finally {
      empty.shm.close();
      empty.shm.unlink();
    }
    assert.throws(() => new ShareableList([1, {} as unknown as null]), TypeError);
  }, { timeout: LONG }); // CPython: test_shared_memory_ShareableList_basics (count, index)

  test('SharedMemoryManager.ShareableList(): the server unlinks the list\'s segment when it stops', async () => {
    const smm = new SharedMemoryManager();
    await smm.start();
    let name: string;
    try {
      const sl = await smm.ShareableList(['a', 1, 2.5]);
      name = sl.shm.name;
      assert.deepEqual(sl.toArray(), ['a', 1, 2.5]);
      assert.ok((await smm.listSegments()).includes(name));
      sl.shm.close();
    } finally {
      await smm.shutdown();
    }
    assert.throws(() => new ShareableList(null, { name }), isCode(FileNotFoundError, 'ENOENT'));
  }, { timeout: LONG }); // CPython: _TestSharedMemory.test_shared_memory_SharedMemoryManager_basics

  test('a segment the SharedMemoryManager\'s server unlinks is off the resource tracker\'s list: no warning when the program exits', async () => {
    const ran = await runFixture([smmProgram]);
    assert.equal(ran.code, 0, ran.stderr);
    const { names } = JSON.parse(ran.stdout.trim()) as { names: string[] };
    assert.equal(names.length, 2);
    assert.doesNotMatch(ran.stderr, /not unlinked/);
  }, { timeout: LONG, only: { backends: ['process'], reason: 'a program of its own; the manager server is a process either way' } });
});
