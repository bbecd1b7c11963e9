// sharedctypes' copy() and synchronized(), and shared_memory's ShareableList, across children.
// CPython: _TestValue.test_copy / _TestArray, _TestSharedMemory.test_shared_memory_ShareableList_* in Lib/test/_test_multiprocessing.py.
import assert from 'node:assert/strict';
import { copy, Event, Lock, RawArray, RawValue, SharedArray, synchronized, Value, ValueError, type SharedArrayView, type SharedValue } from 'multiprocessing-ts';
import { defineSuite } from '../helpers/suite.js';
import { LONG } from '../helpers/timeouts.js';

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
        a.getLock().withLockSync(() => ((a.getObj() as Int32Array)[1] += 1)); // a Lock: get()/set() would take it again
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
});
