// ShareableList in CPython's layout: Python attaches to ours by name and reads and writes it, and we
// Python's. Each Python unregisters what it attaches from its resource tracker (3.11 and 3.12 track
// attached segments too, and would unlink ours when they exit); the segments are ours to unlink.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { ShareableList, ValueError, type ShareableValue } from 'multiprocessing-ts';
import { assertNoLeaks } from '../helpers/leaks.js';
import { pythons, runPython } from '../helpers/python.js';
import { LONG } from '../helpers/timeouts.js';

const UNTRACK = 'from multiprocessing import resource_tracker\ndef untrack(sl): resource_tracker.unregister(sl.shm._name, "shared_memory")\n';

describe('ShareableList with CPython', () => {
  after(assertNoLeaks);
  for (const { name: python, available } of pythons) {
    it(`${python}: reads and writes a list we made, by name, with Python's values, format and errors`, { timeout: LONG, skip: !available && `${python} is not installed` }, async () => {
      const sl = new ShareableList<ShareableValue>([42, -(2 ** 40), 2n ** 62n, 2.5, true, false, null, 'héllo', 'abcdefgh', new Uint8Array([0, 1, 2]), '']);
      try {
        const out = await runPython(python, `${UNTRACK}
import sys
from multiprocessing.shared_memory import ShareableList
sl = ShareableList(name=sys.argv[1]); untrack(sl)
print(repr(list(sl))); print(sl.format)
sl[0] = 'x'; sl[3] = None; sl[4] = 3; sl[7] = 'ok'; sl[1] = 1.5; sl[10] = b'\\x07'
try:
    sl[8] = 'a' * 17
except ValueError as e:
    print('ValueError', e)
print(sl.format)
sl.shm.close()
`, [sl.shm.name]);
        const [values, format, error, formatAfter] = out.trim().split('\n');
        assert.equal(values, "[42, -1099511627776, 4611686018427387904, 2.5, True, False, None, 'héllo', 'abcdefgh', b'\\x00\\x01\\x02', '']");
        assert.equal(format, 'qqqdxxxxxxx?xxxxxxx?xxxxxx?x8s16s8s8s');
        assert.equal(formatAfter, sl.format);
        assert.equal(error, 'ValueError bytes/str item exceeds available storage');
        assert.deepEqual(sl.toArray(), ['x', 1.5, 2n ** 62n, null, 3, false, null, 'ok', 'abcdefgh', new Uint8Array([0, 1, 2]), new Uint8Array([7])]);
        assert.throws(() => sl.set(8, 'a'.repeat(17)), (e: unknown) => e instanceof ValueError && e.code === 'ERR_MP_ITEM_TOO_LONG');
      } finally {
        sl.shm.close();
        sl.shm.unlink();
      }
    });

    it(`${python}: we attach to a list Python made and read and write it; Python reads what we wrote`, { timeout: LONG, skip: !available && `${python} is not installed` }, async () => {
      const out = await runPython(python, `${UNTRACK}
from multiprocessing.shared_memory import ShareableList
sl = ShareableList([7, 1.25, False, None, 'naïve', b'ab\\x00c', 'x' * 9, -3]); untrack(sl)
print(sl.shm.name); print(sl.format)
sl.shm.close()
`);
      const [name, format] = out.trim().split('\n') as [string, string];
      const sl = new ShareableList<ShareableValue>(null, { name });
      try {
        assert.equal(sl.format, format);
        assert.deepEqual(sl.toArray(), [7, 1.25, false, null, 'naïve', new Uint8Array([97, 98, 0, 99]), 'x'.repeat(9), -3]);
        sl.set(0, 'seven');
        sl.set(1, true);
        sl.set(2, 2n ** 40n);
        sl.set(3, 0.5);
        sl.set(6, 'y'.repeat(16));
        sl.set(7, null);
        assert.throws(() => sl.set(5, 'z'.repeat(9)), (e: unknown) => e instanceof ValueError && e.code === 'ERR_MP_ITEM_TOO_LONG');
        const back = await runPython(python, `${UNTRACK}
import sys
from multiprocessing.shared_memory import ShareableList
sl = ShareableList(name=sys.argv[1]); untrack(sl)
print(repr(list(sl))); print(sl.format); sl.shm.close()
`, [name]);
        assert.equal(back, `['seven', True, 1099511627776, 0.5, 'naïve', b'ab\\x00c', '${'y'.repeat(16)}', None]\n${sl.format}\n`);
      } finally {
        sl.shm.close();
        sl.shm.unlink();
      }
    });
  }
});
