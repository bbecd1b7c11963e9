// Type tests, compiled by `npm run typecheck`: what subprocess calls resolve follows their options.
import type { Readable, Writable } from 'node:stream';
import { checkOutput, PIPE, Popen, run, STDOUT, type CompletedProcess } from 'multiprocessing-ts/subprocess';
import { currentThread, local, Thread, type ThreadInfo } from 'multiprocessing-ts/threads';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
/** `exactly<string>()(value)` compiles only when the value's type is exactly string. */
const exactly =
  <Expected>() =>
  <Actual>(_value: Actual, ..._check: Equal<Actual, Expected> extends true ? [] : [never]): void =>
    undefined;

export async function subprocessTypes(): Promise<void> {
  const text = await run(['ls'], { captureOutput: true, text: true });
  exactly<string>()(text.stdout);
  exactly<string>()(text.stderr);
  const bytes = await run(['ls'], { captureOutput: true });
  exactly<Uint8Array>()(bytes.stdout);
  const plain = await run(['ls']);
  exactly<null>()(plain.stdout);
  const encoded = await run(['ls'], { stdout: PIPE, encoding: 'latin1' });
  exactly<string>()(encoded.stdout);
  exactly<null>()(encoded.stderr);

  const p = new Popen(['ls'], { stdin: PIPE, stdout: PIPE, stderr: STDOUT });
  exactly<Writable>()(p.stdin);
  exactly<Readable>()(p.stdout);
  exactly<null>()(p.stderr);
  const [out, err] = await p.communicate();
  exactly<Uint8Array>()(out);
  exactly<null>()(err);

  // Options not known until run time: both possibilities.
  const opts: { text?: boolean; stdout?: number } = {};
  const q = new Popen(['ls'], opts);
  exactly<string | Uint8Array | null>()((await q.communicate())[0]);

  // Every Popen is a Popen; every CompletedProcess a CompletedProcess.
  const all: Popen[] = [p, q, new Popen(['ls'])];
  const done: CompletedProcess[] = [text, bytes, plain];
  void all;
  void done;

  exactly<string>()(await checkOutput(['ls'], { text: true }));
  const output = await checkOutput(['ls']);
  exactly<Uint8Array>()(output);

  // @ts-expect-error: a misspelt option
  new Popen(['ls'], { stdot: PIPE });
  // @ts-expect-error: a misspelt option
  await run(['ls'], { captureOuptut: true });
  // @ts-expect-error: checkOutput always captures stdout
  await checkOutput(['ls'], { stdout: PIPE });
  // @ts-expect-error: the command is a list of strings
  await run([1, 2]);
  // @ts-expect-error: durations are numbers of milliseconds
  await run(['ls'], { timeout: '1s' });
}

export function threadingTypes(): void {
  new Thread({ target: (n: number) => n, args: [1] });
  // @ts-expect-error: wrong argument type
  new Thread({ target: (n: number) => n, args: ['one'] });
  const info: ThreadInfo = currentThread();
  void info;
  const school = local<{ student: string }>();
  exactly<string | undefined>()(school.student);
}
