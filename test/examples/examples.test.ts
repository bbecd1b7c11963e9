// Each example twin prints what its Python original prints: both programs run side by side and
// their outputs are compared after normalising what differs from run to run (pids, timings).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { after, describe, it } from 'node:test';
import { Process, Semaphore, Value, type SharedValue } from 'multiprocessing-ts';
import { assertNoLeaks } from '../helpers/leaks.js';
import { HUGE, LONG } from '../helpers/timeouts.js';
import { examplePrograms, python, type Run } from './programs.js';

interface Pair {
  /** examples/<name>.ts is the twin of examples/python/<name>.py. */
  name: string;
  /** How many lines come first, in this order, in both outputs: the main process's lines before it starts a child. */
  first: number;
  /** How many lines come last, in this order: the main process's lines after it has joined every child. */
  last: number;
  /** Order that holds between children: in both outputs, the first line matching `later` comes after the first one matching `earlier`. */
  after?: { later: RegExp; earlier: RegExp };
  /** How many lines match each pattern, in both outputs (the sorted comparison checks that the outputs agree; this, that they say what the seed means). */
  counts?: [RegExp, number][];
  /** A critical section: in both outputs, each line matching `enter` is followed at once by a line matching `leave` with the same first group. */
  critical?: { enter: RegExp; leave: RegExp };
  /**
   * The whole output, as printed (not normalised), is one of these, in both programs: for seeds
   * that print numbers other than pids, in an order that depends on which child runs first. It
   * replaces all the comparisons above, which cannot tell such numbers from pids.
   */
  sequences?: string[][];
  /** The last line, as printed, in both outputs. */
  lastLine?: string;
  /** Rewrites each normalised line of both outputs before they are compared: for what a seed prints in an order that varies. */
  line?: (line: string) => string;
  /**
   * For the seeds that end a reader looping forever with terminate(), which can cut the reader
   * short before its last lines (or any), in Python as in the twin. Lines matching `reader` are
   * left out of the comparisons above and checked by this rule instead, in each output: a line
   * naming a value (the regex's first group) names one that a line matching `sent` names; no value
   * is read twice; with `fifo` (one writer), the values read are the first ones sent, in order; and
   * the reader's lines show one pid at most.
   */
  cut?: { reader: RegExp; sent: RegExp; fifo?: boolean };
  /**
   * The output depends on a sleep racing the start-up of the program's other processes (as in its
   * seed): it runs alone, after the others, so that a loaded machine does not change what it prints.
   */
  alone?: boolean;
}

/** The lines `from`, `from + step`, ... up to `to`, as printed. */
function numbers(from: number, to: number, step: number): string[] {
  const lines: string[] = [];
  for (let n = from; n <= to; n += step) lines.push(String(n));
  return lines;
}

// Order across processes is not deterministic, so the outputs are compared as sorted lists of
// lines; `first` and `last` check the order that is guaranteed. A child's lines can come before
// the main process's lines that follow start(), and the seeds that do not join have no `last`.
const pairs: Pair[] = [
  { name: 'fork', first: 1, last: 0 },
  { name: 'process-start', first: 1, last: 0 },
  { name: 'process-five-children', first: 1, last: 0 },
  { name: 'process-join', first: 2, last: 1 },
  { name: 'process-join-2', first: 2, last: 1 },
  { name: 'current-process', first: 0, last: 0 },
  { name: 'process-is-alive', first: 2, last: 1 },
  // The child's line comes before the three lines the parent prints after join().
  { name: 'process-attributes', first: 0, last: 4 },
  {
    name: 'process-subclass',
    first: 2,
    last: 1,
  },
  // No join(): the parent's last line comes last only because it sleeps 10 s and the child 2 s.
  { name: 'process-subclass-download', first: 1, last: 0 },
  // The parent's line before it makes the pool comes first. The line it prints after submitting
  // the tasks ("Waiting for ...") races the workers' first lines: Python's pool hands a task to a
  // worker from a thread of its own while the main thread goes on, so on a loaded machine a task
  // can print first. A task beyond the pool's size starts only when a worker has finished one, so
  // after the first line that says a task has ended.
  { name: 'pool-apply-async', first: 1, last: 1, after: { later: /^Run child process (16|17|18|19) /, earlier: /^child process \d+ runs / } },
  { name: 'pool-tasks', first: 1, last: 1 },
  { name: 'pool-long-time-task', first: 1, last: 1, after: { later: /^Run task 4 /, earlier: /^Task \d runs / } },
  // Its one line of the parent races the tasks' (see above); no line shows that a task has ended,
  // so nothing shows that the fourth waits for a free worker.
  { name: 'pool-print', first: 0, last: 0 },
  // pool-port-scanner has a test of its own, below: it needs open ports to find.
  // Queues and pipes. A reader that loops forever and is terminated may not print its last values: see `cut`.
  { name: 'queue-writer-reader', first: 0, last: 0, cut: { reader: /^Process to read: {2}<pid>$|^Get (\d+) from queue\.\.$/, sent: /^Put (\d+) to queue\.\.\.$/, fifo: true } },
  // One process: every line in order.
  { name: 'queue-maxsize', first: 8, last: 0 },
  // Both lines come after join(), but in either order in Python: its put() hands the item to a
  // feeder thread, so the parent's "11" can reach the pipe after the child's "22".
  { name: 'queue-child-put', first: 0, last: 0 },
  // Each writer prints "Put" after put(), so a Get can come before its Put.
  { name: 'queue-two-writers', first: 0, last: 0, cut: { reader: /^Process\(<pid>\) is reading\.\.\.$|^Get (url\d) from queue\.$/, sent: /^Put (url\d) to queue\.\.\.$/ } },
  // The reader sleeps 1 s before it reads: by then the writer has put all five messages.
  { name: 'queue-write-read', alone: true, first: 1, last: 1, after: { later: /^读取:/, earlier: /^写入:消息4$/ } },
  { name: 'pipe-send-recv', first: 0, last: 0, cut: { reader: /^Process\(<pid>\) rev:(url_\d)$/, sent: /^Process\(<pid>\) send :(url_\d)$/, fifo: true } },
  { name: 'queue-abc', first: 0, last: 0, cut: { reader: /^Process to read: <pid>$|^Get ([ABC]) from queue\.$/, sent: /^Put ([ABC]) to queue\.\.\.$/, fifo: true } },
  // The list holds the results in the order they arrived, which varies.
  { name: 'queue-results', first: 0, last: 1, line: sortedList },
  // Synchronization. lock: no join(); the lock lets one child at a time from "is running" to "is done".
  {
    name: 'lock',
    first: 0,
    last: 0,
    counts: [[/ is running $/, 3], [/ is done $/, 3]],
    critical: { enter: /^(\d+: \d+) is running $/, leave: /^(\d+: \d+) is done $/ },
  },
  // Nobody prints on leaving, so the output cannot show that at most two are inside at once: the
  // test after this table checks that.
  { name: 'semaphore-ktv', first: 0, last: 1, counts: [[/^user\d+ 占坑$/, 13]] },
  // Every car crosses during the first green light, and the light prints the last two lines: it
  // turns red 3 s after it turned green, and green again 3 s later (it says True both times: it
  // prints before clear()).
  {
    name: 'event-traffic-lights',
    first: 0,
    last: 2,
    // (In the patterns, `.` before `[` is the escape character of the colour codes.)
    counts: [
      [/^.\[31m 红灯亮.\[0m\. car\d 等着$/, 15],
      [/^.\[32m 车\d 绿灯亮了.\[0m$/, 10],
      [/^飘过 --~~~~,car \d$/, 10],
      [/^.\[33m红灯，警车飞过.\[0m,car \d$/, 5],
      [/^###### True$/, 3],
      [/^=+>$/, 1],
    ],
  },
  // Either child may take the lock first; the value ends at 120 either way.
  {
    name: 'value-lock',
    first: 0,
    last: 0,
    lastLine: '120',
    sequences: [
      [...numbers(11, 20, 1), ...numbers(30, 120, 10)],
      [...numbers(20, 110, 10), ...numbers(111, 120, 1)],
    ],
  },
  // Each child has an a of its own, from 10; the lock keeps their lines apart.
  {
    name: 'globals-not-shared',
    first: 0,
    last: 0,
    sequences: [
      [...numbers(11, 20, 1), ...numbers(20, 110, 10)],
      [...numbers(20, 110, 10), ...numbers(11, 20, 1)],
    ],
  },
  // subprocess: one program at a time, so every line in order. What getent prints comes from this
  // machine's /etc/hosts (the same for both programs); its "127" of 127.0.0.1 normalises as a pid.
  { name: 'subprocess-call', first: 0, last: 1 },
  { name: 'subprocess-popen', first: 3, last: 4 },
  // threading: the main thread joins its one thread, so the whole output is known.
  {
    name: 'thread-loop',
    first: 0,
    last: 0,
    sequences: [
      [
        'thread MainThread is running...',
        'thread Loopthread is running...',
        ...numbers(1, 5, 1).map((n) => `thread Loopthread ---> ${n}`),
        'thread Loopthread ended.',
        'thread MainThread ended.',
      ],
    ],
  },
  // 200,000 changes of the balance, each under the lock: it ends at 0.
  { name: 'thread-lock', first: 0, last: 0, sequences: [['0']] },
  { name: 'master-worker', first: 3, last: 3 },
  // Each thread reads back its own student; which thread prints first varies.
  {
    name: 'thread-local',
    first: 0,
    last: 0,
    sequences: [
      ['Hello,li (in Thread-1)', 'Hello,cheng (in Thread-2)'],
      ['Hello,cheng (in Thread-2)', 'Hello,li (in Thread-1)'],
    ],
  },
];

const { runPython, runTwin } = examplePrograms();

// A number with a fraction, and Python's exponent for tiny floats (JavaScript's starts below 1e-6).
const seconds = /(?<![%\d.])\d+\.\d+(e-\d+)?/g;

/**
 * The output's lines with what changes from run to run replaced, by these rules, in order:
 * 1. the main process's pid (known: we started it) → `<main>`, so "my parent is <main>" is checked;
 * 2. seconds with a fraction (`1.00`, `2.003839`, Python's `6.4e-05`; not the `%0.2f` a seed prints as is) → `<t>`;
 * 3. any other number of 3 digits or more → `<pid>` (a child's pid; the seeds print no other such number);
 * 4. the name of the main script's module in a child → `<main module in child>`: Python's fork
 *    start method (Linux's default before 3.14) runs the target in `__main__` itself, the spawn
 *    method re-imports the script as `__mp_main__`, and our children do as spawn does.
 */
function normalise(run: Run): string[] {
  const lines = run.stdout.replace(/\n$/, '').split('\n');
  return lines.map((line) =>
    line
      .replace(new RegExp(`\\b${run.pid}\\b`, 'g'), '<main>')
      .replace(seconds, '<t>')
      .replace(/\d{3,}/g, '<pid>')
      .replace(/^模块名称: __(mp_)?main__$/, '模块名称: <main module in child>'),
  );
}

/** How many different child pids the output shows (each child prints its own); with `skip`, on the lines that do not match it once normalised. */
function childPidCount(run: Run, skip?: RegExp): number {
  const normalised = normalise(run);
  const lines = run.stdout.replace(/\n$/, '').split('\n');
  const kept = skip === undefined ? run.stdout : lines.filter((_, i) => !skip.test(normalised[i] as string)).join('\n');
  const numbers = kept.replace(seconds, '').match(/\d{3,}/g) ?? [];
  return new Set(numbers.filter((n) => n !== String(run.pid))).size;
}

/** The rule of Pair.cut, on one output's normalised lines. */
function checkCut(cut: NonNullable<Pair['cut']>, who: string, run: Run, lines: string[], runs: string): void {
  const values = (regex: RegExp): string[] => lines.flatMap((line) => regex.exec(line)?.[1] ?? []);
  const sent = values(cut.sent);
  const read = values(cut.reader);
  for (const value of read) assert.ok(sent.includes(value), `${who}: ${value} was read but never sent${runs}`);
  assert.equal(new Set(read).size, read.length, `${who}: a value was read twice${runs}`);
  if (cut.fifo === true) assert.deepEqual(read, sent.slice(0, read.length), `${who}: the values read are not the first ones sent, in order${runs}`);
  assert.ok(childPidCount(run) - childPidCount(run, cut.reader) <= 1, `${who}: the reader's lines show more than one pid${runs}`);
}

/** A Python list with its items sorted: `[2, 40, 20, 60]` → `[2, 20, 40, 60]`; other lines as they are. */
function sortedList(line: string): string {
  const items = /^\[(.*)\]$/.exec(line)?.[1];
  if (items === undefined) return line;
  return `[${items.split(', ').sort((a, b) => Number(a) - Number(b)).join(', ')}]`;
}

function describeRuns(python: Run, twin: Run): string {
  return `\n--- python (exit ${python.code}) ---\n${python.stdout}${python.stderr}\n--- twin (exit ${twin.code}) ---\n${twin.stdout}${twin.stderr}`;
}

// Each pair waits mostly for the CPU to start its programs' processes, on what may be a shared,
// loaded two-core machine. Hence HUGE: the timeouts only stop a program that hangs.
async function checkPair(pair: Pair): Promise<void> {
  const [python, twin] = await Promise.all([runPython(pair.name), runTwin(pair.name)]);
  const runs = describeRuns(python, twin);

  assert.equal(python.code, 0, `the Python original failed${runs}`);
  assert.equal(twin.code, 0, `the twin failed${runs}`);
  assert.equal(python.stderr, '', `the Python original wrote to stderr${runs}`);
  assert.equal(twin.stderr, '', `the twin wrote to stderr${runs}`);

  if (pair.sequences !== undefined) {
    for (const [who, run] of [['Python', python], ['the twin', twin]] as const) {
      const lines = run.stdout.replace(/\n$/, '').split('\n');
      assert.ok(
        pair.sequences.some((sequence) => sequence.join('\n') === lines.join('\n')),
        `${who} prints none of the ${pair.sequences.length} expected sequences of lines${runs}`,
      );
      if (pair.lastLine !== undefined) assert.equal(lines.at(-1), pair.lastLine, `${who}: the last line differs${runs}`);
    }
    return;
  }

  const expected = normalise(python).map(pair.line ?? ((line) => line));
  const actual = normalise(twin).map(pair.line ?? ((line) => line));
  const cut = pair.cut;
  const uncut = (line: string): boolean => cut === undefined || !cut.reader.test(line);

  assert.deepEqual(actual.filter(uncut).sort(), expected.filter(uncut).sort(), `the twin prints other lines than Python${runs}`);
  assert.deepEqual(actual.slice(0, pair.first), expected.slice(0, pair.first), `the first lines differ in order${runs}`);
  assert.deepEqual(actual.slice(actual.length - pair.last), expected.slice(expected.length - pair.last), `the last lines differ in order${runs}`);
  assert.equal(childPidCount(twin, cut?.reader), childPidCount(python, cut?.reader), `the twin shows another number of child processes${runs}`);
  if (cut !== undefined) {
    checkCut(cut, 'Python', python, expected, runs);
    checkCut(cut, 'the twin', twin, actual, runs);
  }
  for (const [pattern, count] of pair.counts ?? []) {
    for (const [who, lines] of [['Python', expected], ['the twin', actual]] as const) {
      assert.equal(lines.filter((line) => pattern.test(line)).length, count, `${who}: not ${count} lines matching ${pattern}${runs}`);
    }
  }
  if (pair.critical !== undefined) {
    const { enter, leave } = pair.critical;
    for (const [who, run] of [['Python', python], ['the twin', twin]] as const) {
      const lines = run.stdout.replace(/\n$/, '').split('\n');
      lines.forEach((line, i) => {
        const inside = enter.exec(line);
        if (inside === null) return;
        const next = leave.exec(lines[i + 1] ?? '');
        assert.ok(next !== null && next[1] === inside[1], `${who}: ${JSON.stringify(line)} is not followed at once by its "done" line${runs}`);
      });
    }
  }
  if (pair.after !== undefined) {
    const { later, earlier } = pair.after;
    for (const [who, lines] of [['Python', expected], ['the twin', actual]] as const) {
      const l = lines.findIndex((line) => later.test(line));
      const e = lines.findIndex((line) => earlier.test(line));
      assert.ok(l >= 0 && e >= 0 && e < l, `${who}: no line matching ${earlier} before the first matching ${later}${runs}`);
    }
  }
}

// Eight pairs at a time: all at once, the file's processes (some 200) would compete for two cores,
// every test would take as long as the file, and a loaded machine would push them all past their
// timeouts together. The longest test comes first.
describe('examples: each TypeScript twin prints what its Python original prints', { concurrency: 8 }, () => {
  after(assertNoLeaks);

  it('pool-port-scanner.ts finds the open ports examples/python/pool-port-scanner.py finds', { timeout: HUGE }, async () => {
    const scan = await scanSetup();
    try {
      const [python, twin] = await Promise.all([runPython('pool-port-scanner', scan.prefix), runTwin('pool-port-scanner', scan.prefix)]);
      const runs = `\nour open ports: ${scan.ports.join(', ')}${describeRuns(python, twin)}`;

      assert.equal(python.code, 0, `the Python original failed${runs}`);
      assert.equal(twin.code, 0, `the twin failed${runs}`);
      assert.equal(python.stderr, '', `the Python original wrote to stderr${runs}`);
      assert.equal(twin.stderr, '', `the twin wrote to stderr${runs}`);

      // Both find every port of ours. The two sets of ports found may differ only in ports not ours:
      // a scan can connect to itself (see scanSetup), and on the machine's own loopback another
      // program's port can be open during one run and not the other.
      const found = { python: scanReport(python, runs), twin: scanReport(twin, runs) };
      for (const [who, ports] of [['Python', found.python], ['the twin', found.twin]] as const) {
        for (const port of scan.ports) assert.ok(ports.has(port), `${who} did not find port ${port}${runs}`);
        if (scan.selfConnect !== undefined) {
          // In a namespace of our own nothing else listens: any other port is a connection to itself.
          const [low, high] = scan.selfConnect;
          for (const port of ports.keys()) {
            if (scan.ports.includes(port)) continue;
            assert.ok(port >= low && port <= high, `${who} found port ${port}, which nothing listens on, outside the range of ports a connection to itself can have${runs}`);
          }
        }
        // One task scans one block of 4096 ports, in one worker, so one pid reports a block's ports.
        const blocks = new Map<number, number>();
        for (const [port, pid] of ports) {
          assert.notEqual(pid, who === 'Python' ? python.pid : twin.pid, `${who}: the main process reported port ${port}, not a worker${runs}`);
          const block = Math.floor(port / 4096);
          assert.equal(blocks.get(block) ?? pid, pid, `${who}: two processes reported ports of block ${block}${runs}`);
          blocks.set(block, pid);
        }
      }
    } finally {
      await scan.close();
    }
  });

  // The KTV seed's Semaphore(2) and 13 processes, each counting itself in a shared Value while it
  // holds the semaphore: the example's output cannot show that at most two are inside at once.
  it('semaphore-ktv: a Semaphore(2) lets at most two of 13 processes in at once', { timeout: HUGE }, async () => {
    const sem = new Semaphore(2);
    const inside = Value('i', 0);
    const most = Value('i', 0);
    const visits = Value('i', 0);
    const goKtv = async (sem: Semaphore, inside: SharedValue, most: SharedValue, visits: SharedValue): Promise<void> => {
      await sem.acquire();
      const now = inside.getLock().withLockSync(() => (inside.value += 1));
      most.getLock().withLockSync(() => (most.value = Math.max(most.value, now)));
      visits.getLock().withLockSync(() => (visits.value += 1));
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 300));
      inside.getLock().withLockSync(() => (inside.value -= 1));
      sem.release();
    };
    const ps = Array.from({ length: 13 }, () => new Process({ target: goKtv, args: [sem, inside, most, visits] }));
    for (const p of ps) p.start();
    for (const p of ps) await p.join();

    assert.deepEqual(
      ps.map((p) => p.exitcode),
      ps.map(() => 0),
      'a process failed',
    );
    assert.equal(visits.value, 13, 'not every process got in');
    assert.ok(most.value >= 1 && most.value <= 2, `at most 2 inside at once, saw ${most.value}`);
    assert.equal(inside.value, 0);
    assert.equal(sem.getValue(), 2, 'the semaphore did not get its two places back');
  });

  for (const pair of pairs.filter((p) => p.alone !== true)) {
    it(`${pair.name}.ts matches examples/python/${pair.name}.py`, { timeout: HUGE }, () => checkPair(pair));
  }

});

/** The port scanner's open ports, each with the pid that reported it, after checking every line. */
function scanReport(run: Run, runs: string): Map<number, number> {
  const lines = run.stdout.replace(/\n$/, '').split('\n');
  assert.equal(lines.pop(), 'All subprocesses had finished!', `the last line differs${runs}`);
  const ports = new Map<number, number>();
  for (const line of lines) {
    const match = /^I am process (\d+),port (\d+) is openned!$/.exec(line);
    assert.ok(match !== null, `unexpected line ${JSON.stringify(line)}${runs}`);
    const port = Number(match[2]);
    assert.ok(!ports.has(port), `port ${port} reported twice${runs}`);
    ports.set(port, Number(match[1]));
  }
  return ports;
}

interface ScanSetup {
  /** The ports this test keeps open while both programs scan. */
  ports: number[];
  /** What to run each program inside of. */
  prefix: string[];
  /** In a namespace of our own: the range the kernel picks a connecting socket's own port from. */
  selfConnect: [number, number] | undefined;
  close(): Promise<void>;
}

// Binds the ports given (comma-separated) on 127.0.0.1, listening, then becomes the program that
// follows, which inherits them: they stay open exactly as long as the program runs.
const listenThenExec =
  "import os, socket, sys\nkeep = []\nfor port in sys.argv[1].split(','):\n    s = socket.socket()\n    s.bind(('127.0.0.1', int(port)))\n    s.listen(16)\n    s.set_inheritable(True)\n    keep.append(s)\nos.execvp(sys.argv[2], sys.argv[2:])";

/**
 * The scanner connects to every TCP port of 127.0.0.1. On this machine's loopback that knocks on
 * every local service (other test runs' servers among them) and finds whatever happens to listen.
 * So where the system allows it (`unshare --user --map-root-user --net`: Linux with unprivileged
 * user namespaces, and `ip`), each program runs in a network namespace of its own, whose loopback
 * has only the ports given here open: two in one block of 4096 (the seed as written reports at most
 * one open port per block), the very last port, and another. The scan can still find a port nothing listens on: a connection to 127.0.0.1:P from a
 * socket that the kernel happened to give port P connects to itself (TCP's simultaneous open), so a
 * port in the range the kernel picks from may show up in one run and not the other.
 * Elsewhere the programs scan the machine's loopback, where this test opens ports of its own.
 */
async function scanSetup(): Promise<ScanSetup> {
  const unshare = ['unshare', '--user', '--map-root-user', '--net', 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh'];
  const probe = spawnSync(unshare[0] as string, [...unshare.slice(1), 'cat', '/proc/sys/net/ipv4/ip_local_port_range'], { encoding: 'utf8' });
  const range = probe.status === 0 ? /^(\d+)\s+(\d+)$/.exec(probe.stdout.trim()) : null;
  if (range !== null) {
    const ports = [4242, 4250, 27017, 65535];
    return {
      ports,
      prefix: [...unshare, python, '-c', listenThenExec, ports.join(',')],
      selfConnect: [Number(range[1]), Number(range[2])],
      close: async () => undefined,
    };
  }
  const servers: net.Server[] = [];
  const listen = (port: number): Promise<number | undefined> =>
    new Promise((resolve) => {
      const server = net.createServer((socket) => socket.destroy());
      server.once('error', () => resolve(undefined));
      server.listen(port, '127.0.0.1', () => {
        servers.push(server);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  const ports: number[] = [];
  const first = await listen(0);
  assert.ok(first !== undefined, 'could not open a port on 127.0.0.1');
  ports.push(first);
  // A second port in the same block of 4096, and a third anywhere.
  const block = first - (first % 4096);
  for (let port = block; port < block + 4096 && ports.length < 2; port += 7) {
    if (port === first) continue;
    const opened = await listen(port);
    if (opened !== undefined) ports.push(opened);
  }
  const third = await listen(0);
  if (third !== undefined) ports.push(third);
  return {
    ports,
    prefix: [],
    selfConnect: undefined,
    close: () => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))).then(() => undefined),
  };
}

describe('examples whose output races a sleep, one at a time', () => {
  after(assertNoLeaks);

  for (const pair of pairs.filter((p) => p.alone === true)) {
    it(`${pair.name}.ts matches examples/python/${pair.name}.py`, { timeout: LONG }, () => checkPair(pair));
  }
});
