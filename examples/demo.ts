// `npm run demo`: a guided tour of the examples. Each one runs as its own program, one after the
// other, under a header that says what it shows. `npm run demo -- --all` also runs the slow ones;
// `npm run demo -- fork join` runs only the examples whose file name contains one of the words.
// The seeds' examples are twins of Python programs in examples/python/ with the same name; those in
// examples/features/ show one feature each and have none.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

interface Example {
  /** What the example is about, in a few words. */
  title: string;
  /** File name in examples/. */
  file: string;
  /** One line on what to look for in its output. */
  about: string;
  /** Takes long enough that the tour skips it unless --all is given. */
  slow?: boolean;
  /** A second program (file in examples/) started once the first prints a line containing `after`; both outputs are shown, each line labelled. */
  partner?: { file: string; after: string };
}

// The tour, in order. Add new examples here.
const examples: Example[] = [
  { title: 'os.fork() and its Node equivalent', file: 'fork.ts', about: 'Node cannot fork(): a Process starts a fresh child, which reports its parent pid.' },
  { title: 'Process: start three children', file: 'process-start.ts', about: 'No join(): the parent still waits for its non-daemonic children before it exits.' },
  { title: 'Process: five children', file: 'process-five-children.ts', about: 'Each child prints its own pid and its parent pid (the main process).' },
  { title: 'Process: start() and join()', file: 'process-join.ts', about: 'join() waits for the child, so "Child process end." comes last.' },
  { title: 'Process: start() and join(), again', file: 'process-join-2.ts', about: 'The same from another tutorial, typo and all.' },
  { title: 'currentProcess()', file: 'current-process.ts', about: 'Each child knows its name; the target is a module export, imported as __mp_main__.' },
  { title: 'isAlive(), name and pid', file: 'process-is-alive.ts', about: 'Two children sleep 1 s and 2 s; the parent reports on them, then joins both.' },
  { title: 'pid, name and isAlive() after join()', file: 'process-attributes.ts', about: 'After join() the child is no longer alive.' },
  { title: 'A Process subclass overriding run()', file: 'process-subclass.ts', about: 'SubProcess carries its own interval field into the child; one has a custom name.' },
  { title: 'A Download subclass; the parent sleeps 10 s', file: 'process-subclass-download.ts', about: 'The child works 2 s while the parent sleeps instead of joining.', slow: true },
  { title: 'Pool: ten tasks on four workers', file: 'pool-tasks.ts', about: 'applyAsync() ten times; four workers take the one-second tasks four at a time, so only four pids appear.' },
  { title: 'Pool: a fifth task waits for a free worker', file: 'pool-long-time-task.ts', about: 'Pool(4) and 5 tasks: "Run task 4" comes only after one of the first four has finished.' },
  { title: 'Pool: four tasks on three workers', file: 'pool-print.ts', about: 'The parent prints before any task does: applyAsync() returns at once. The fourth task prints half a second later.' },
  {
    title: 'Pool: 20 tasks on 16 workers',
    file: 'pool-apply-async.ts',
    about: 'Each task sleeps up to 5 s; tasks 16 to 19 wait, then run on the first workers to finish.',
    slow: true,
  },
  {
    title: 'Pool: a port scanner',
    file: 'pool-port-scanner.ts',
    about: '16 workers try all 65536 TCP ports of 127.0.0.1 (every local service sees a connection) and print the open ones.',
    slow: true,
  },
  {
    title: 'Queue: a writer and a reader',
    file: 'queue-writer-reader.ts',
    about: "Each number is read just after it is put (sleeps cut to a tenth of the seed's); the reader loops forever, so the parent terminates it.",
  },
  { title: 'Queue(3): full, putNowait and getNowait', file: 'queue-maxsize.ts', about: 'One process: putNowait() on a full queue throws Full, then the three messages come out in order.' },
  { title: 'Queue: a child puts, the parent gets', file: 'queue-child-put.ts', about: 'The parent puts "11", the child "22"; after join() the parent takes both, in that order.' },
  { title: 'Queue: two writers, one reader', file: 'queue-two-writers.ts', about: "Six urls from two processes arrive in one queue, each writer's in its own order." },
  { title: 'Queue: write, then read until empty', file: 'queue-write-read.ts', about: 'The reader starts a second late, then empties the queue: five writes, then five reads.' },
  { title: 'Pipe: a sender and a receiver', file: 'pipe-send-recv.ts', about: 'Ten urls through a Pipe, in order; the receiver is terminated, maybe before it has printed them all.' },
  { title: 'Queue: A, B and C', file: 'queue-abc.ts', about: 'The shortest writer and reader: each letter is read just after it is put.' },
  { title: 'Queue: collect results from four children', file: 'queue-results.ts', about: 'Each child puts its result; the parent prints the list in the order the results arrived.' },
  { title: 'Lock: one child at a time', file: 'lock.ts', about: 'Three children share a Lock: each "is running" line is followed by the same child\'s "is done".' },
  {
    title: 'Semaphore(2): a KTV with two places',
    file: 'semaphore-ktv.ts',
    about: '13 users, each staying 0 to 3 s; at most two are inside at once, the others wait for a free place.',
    slow: true,
  },
  {
    title: 'Event: traffic lights',
    file: 'event-traffic-lights.ts',
    about: 'Cars wait for green; police cars wait 0.1 s, then go through the red light. The light turns green, red, green, 3 s apart.',
    slow: true,
  },
  {
    title: 'A shared Value and a Lock',
    file: 'value-lock.ts',
    about: 'Two children add 1 and 10 ten times each, one whole loop at a time under the lock: the value ends at 120.',
    slow: true,
  },
  { title: 'Module globals are not shared', file: 'globals-not-shared.ts', about: 'Each child changes its own a, from 10: one prints 11 to 20, the other 20 to 110.' },
  { title: 'subprocess: call()', file: 'subprocess-call.ts', about: 'getent looks localhost up (the seed used nslookup) and prints to our stdout; call() resolves its exit code.' },
  {
    title: 'subprocess: Popen and communicate()',
    file: 'subprocess-popen.ts',
    about: 'call() once more, then sh started with three pipes: communicate() feeds it three lines and collects what it prints.',
  },
  {
    title: 'Thread: a loop in a worker thread',
    file: 'thread-loop.ts',
    about: 'currentThread() names the main thread MainThread; the Loopthread counts to 5, a second apart, while the main thread joins it.',
  },
  {
    title: 'Thread: a shared balance under a Lock',
    file: 'thread-lock.ts',
    about: 'Two threads change a shared Value 100,000 times each, under a Lock: it ends at 0. Threads share only shared memory.',
  },
  { title: 'local(): data of its own in each thread', file: 'thread-local.ts', about: 'Each thread binds its own student to the module-level localSchool and reads back its own.' },
  {
    title: 'Master-Worker: processes and threads',
    file: 'master-worker.ts',
    about: 'The master hands eight CPU-bound tasks to a Pool of processes, then to a Pool of threads: the same results (and, in Node, both on every core).',
  },
  {
    title: 'Distributed: a master and a worker over BaseManager',
    file: 'distributed/task_master.ts',
    about: 'The master serves two queues with an authkey and puts ten tasks; a worker (another program, here on the same machine) connects, squares them and puts the results back.',
    partner: { file: 'distributed/task_worker.ts', after: 'Try get result' },
  },
  // Beyond the seeds: one example per feature, without a Python twin.
  { title: 'SharedMemory', file: 'features/shared-memory.ts', about: 'A child attaches to a named block by its name and writes into it; the parent reads what it wrote.' },
  { title: 'Condition', file: 'features/condition.ts', about: 'A consumer sleeps in waitFor() until the producer has put an item and called notifyAll().' },
  { title: 'Barrier', file: 'features/barrier.ts', about: 'Three processes wait for each other: each goes on only once all three have arrived.' },
  { title: 'Pool.imap and imapUnordered', file: 'features/pool-imap.ts', about: 'Results in order from an endless generator, read only as far as needed; then results as they finish.' },
  { title: 'Cancelling tasks with an AbortSignal', file: 'features/pool-abort-signal.ts', about: 'A running task is stopped (its worker replaced), a queued one dropped, and the pool goes on.' },
  { title: 'pool.stats', file: 'features/pool-stats.ts', about: 'Counters of completed and failed tasks, and how long tasks ran and waited.' },
  { title: 'JoinableQueue', file: 'features/joinable-queue.ts', about: 'Three workers call taskDone() for each item; join() returns once all 100 are done.' },
  { title: 'Listener and Client', file: 'features/listener-client.ts', about: 'A server and a client process talk over a socket with an authkey, in CPython\'s wire format.' },
  { title: 'Pool initializer', file: 'features/pool-initializer.ts', about: 'Each worker runs the initializer once, which prepares what its tasks use.' },
  { title: 'Pool maxTasksPerChild', file: 'features/pool-max-tasks-per-child.ts', about: 'Each worker is replaced by a fresh one after three tasks.' },
  { title: 'Pool minProcesses and idleTimeout', file: 'features/pool-elastic.ts', about: 'One worker at rest, four while four tasks run, one again after 100 ms idle.' },
  { title: 'Pool maxQueue and drained()', file: 'features/pool-max-queue.ts', about: 'A full queue rejects with Full; a producer waits on drained(); a long map waits for room.' },
  { title: 'Pool env, argv, execArgv and limits', file: 'features/pool-worker-options.ts', about: 'What each worker is started with, and how much memory it may use.' },
  { title: 'move(): ArrayBuffers handed to threads', file: 'features/pool-move.ts', about: 'A buffer handed over to a worker thread and one handed back, not copied.' },
  { title: 'The Redis tier in code', file: 'features/redis-pool.ts', about: 'A worker (serve()) and a Pool and Queue in Redis, at $REDIS_URL (default redis://127.0.0.1:6379); skipped without a server.' },
];

const argv = process.argv.slice(2);
const all = argv.includes('--all');
const words = argv.filter((arg) => !arg.startsWith('--'));
const chosen = words.length === 0 ? examples : examples.filter((e) => words.some((word) => e.file.includes(word)));

const bold = (text: string): string => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[22m` : text);
const dim = (text: string): string => (process.stdout.isTTY ? `\x1b[2m${text}\x1b[22m` : text);

/** Run one example as a child program with this process's Node options (the tsx loader among them). */
function run(file: string): Promise<number> {
  const path = fileURLToPath(new URL(file, import.meta.url));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, path], { stdio: 'inherit' });
    child.once('error', (err) => {
      console.error(`Could not run ${file}: ${err.message}`);
      resolve(1);
    });
    child.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}

/** A TCP port no one listens on now, for the distributed example (the seed's 5000 may be taken). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Run a program and its partner, as two machines would: the partner starts once the first says `after`. */
async function runPair(file: string, partner: { file: string; after: string }): Promise<number> {
  const env = { ...process.env, MPTS_TASK_PORT: String(await freePort()) };
  const start = (name: string, label: string): Promise<number> => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(new URL(name, import.meta.url))], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<number>((resolve) => {
      child.once('error', () => resolve(1));
      child.once('exit', (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      console.log(`${dim(label)} ${line}`);
      if (partnerStarted === undefined && line.includes(partner.after)) partnerStarted = start(partner.file, '[worker]');
    });
    return exited;
  };
  let partnerStarted: Promise<number> | undefined;
  const first = await start(file, '[master]');
  const second = partnerStarted === undefined ? 1 : await partnerStarted;
  return first !== 0 ? first : second;
}

if (words.length > 0 && chosen.length === 0) {
  console.error(`No example matches ${words.join(', ')}. Examples: ${examples.map((e) => e.file).join(', ')}`);
  process.exit(2);
}

console.log(bold('multiprocessing-ts: a guided tour of the examples'));
console.log('Each example of the seeds is the TypeScript twin of a Python program in examples/python/, with the same output; then one example per feature.');
if (!all && chosen.some((e) => e.slow === true)) console.log('Slow examples are skipped; run `npm run demo -- --all` to include them.');

const failed: string[] = [];
const skipped: string[] = [];
for (const [index, example] of chosen.entries()) {
  const heading = `${index + 1}/${chosen.length}  ${example.title}`;
  console.log(`\n${bold(`━━ ${heading} ━━`)}`);
  console.log(example.about);
  if (example.slow === true && !all) {
    console.log(dim(`Skipped: it is slow. Run \`npm run demo -- --all\` to include it, or \`npx tsx --conditions=multiprocessing-ts:source examples/${example.file}\`.`));
    skipped.push(example.file);
    continue;
  }
  const original = example.file.startsWith('features/') ? '' : `    (Python original: examples/python/${example.file.replace(/\.ts$/, '.py')})`;
  console.log(dim(`$ npx tsx --conditions=multiprocessing-ts:source examples/${example.file}${original}`));
  const code = example.partner === undefined ? await run(example.file) : await runPair(example.file, example.partner);
  if (code !== 0) {
    console.log(`${example.file} exited with code ${code}`);
    failed.push(example.file);
  }
}

console.log(`\n${bold('Done.')} Ran ${chosen.length - skipped.length} of ${chosen.length} examples${skipped.length > 0 ? `; skipped ${skipped.join(', ')} (use --all)` : ''}.`);
if (failed.length > 0) {
  console.log(`Failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
