// multiprocessing-ts/subprocess: run, call, checkCall, checkOutput, Popen, and their errors.
// CPython: ProcessTestCase, RunFuncTestCase and POSIXProcessTestCase in Lib/test/test_subprocess.py.
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import * as root from 'multiprocessing-ts';
import {
  call,
  CalledProcessError,
  checkCall,
  checkOutput,
  CompletedProcess,
  DEVNULL,
  isProcessError,
  PIPE,
  Popen,
  ProcessError,
  run,
  STDOUT,
  SubprocessError,
  TimeoutExpired,
  ValueError,
} from 'multiprocessing-ts/subprocess';
import { assertNoLeaks, childPids, pidAlive } from '../helpers/leaks.js';
import { LONG, SHORT } from '../helpers/timeouts.js';

const text = (bytes: Uint8Array | string | null): string => (typeof bytes === 'string' ? bytes : new TextDecoder().decode(bytes ?? new Uint8Array()));
const sh = (script: string, ...args: string[]): string[] => ['sh', '-c', script, 'sh', ...args];

async function expectError<E extends Error>(promise: Promise<unknown>, cls: new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected ${cls.name}, but it resolved`);
}

function systemError(fn: () => unknown): NodeJS.ErrnoException {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof Error);
    return err as NodeJS.ErrnoException;
  }
  assert.fail('expected an error');
}

describe('subprocess', () => {
  after(assertNoLeaks);
  const scratch = mkdtempSync(join(tmpdir(), 'mpts-subprocess-'));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  describe('run', () => {
    it('captures stdout and stderr as bytes and resolves a CompletedProcess', { timeout: SHORT }, async () => {
      const args = sh('printf out; printf err >&2; exit 3');
      const done = await run(args, { captureOutput: true });
      assert.ok(done instanceof CompletedProcess);
      assert.deepEqual(done.args, args);
      assert.notEqual(done.args, args, 'args is a copy of the list given');
      assert.equal(done.returncode, 3);
      assert.ok(done.stdout instanceof Uint8Array);
      assert.equal(text(done.stdout), 'out');
      assert.equal(text(done.stderr), 'err');
    }); // CPython: RunFuncTestCase.test_capture_output

    it('without capture, stdout and stderr are null (they go where this process\'s go)', { timeout: SHORT }, async () => {
      const done = await run(['true']);
      assert.deepEqual([done.returncode, done.stdout, done.stderr], [0, null, null]);
    });

    it('feeds input, as a string or as bytes', { timeout: SHORT }, async () => {
      assert.equal(text((await run(['cat'], { input: 'hello', captureOutput: true })).stdout), 'hello');
      assert.equal(text((await run(['cat'], { input: new Uint8Array([104, 105]), captureOutput: true })).stdout), 'hi');
    }); // CPython: RunFuncTestCase.test_check_output_input_arg

    it('text mode decodes (UTF-8 by default, or the encoding given) and turns \\r\\n and \\r into \\n', { timeout: SHORT }, async () => {
      const done = await run(['printf', 'a\\r\\nb\\rc €'], { captureOutput: true, text: true });
      assert.equal(done.stdout, 'a\nb\nc €');
      assert.equal(done.stderr, '');
      const latin = await run(['printf', '\\351t\\351'], { stdout: PIPE, encoding: 'latin1' });
      assert.equal(latin.stdout, 'été');
      // Many multi-byte characters across pipe reads arrive whole.
      const many = await run(sh('i=0; while [ $i -lt 20000 ]; do printf "€"; i=$((i+1)); done'), { captureOutput: true, text: true });
      assert.equal(many.stdout, '€'.repeat(20000));
    }); // CPython: ProcessTestCase.test_universal_newlines_communicate

    it('check: a non-zero exit throws CalledProcessError with returncode, cmd, output/stdout and stderr', { timeout: SHORT }, async () => {
      const args = sh('echo partial; echo "it broke" >&2; exit 4');
      const err = await expectError(run(args, { check: true, captureOutput: true, text: true }), CalledProcessError);
      assert.equal(err.returncode, 4);
      assert.deepEqual(err.cmd, args);
      assert.equal(err.output, 'partial\n');
      assert.equal(err.stdout, 'partial\n');
      assert.equal(err.stderr, 'it broke\n');
      assert.match(err.message, /returned non-zero exit status 4: it broke$/);
      assert.equal(err.name, 'CalledProcessError');
      assert.equal(err.code, 'ERR_MP_CALLED_PROCESS');
      assert.ok(err instanceof SubprocessError && err instanceof ProcessError && isProcessError(err));
      // The same from checkReturncode() on a result taken without check.
      const done = await run(args, { captureOutput: true, text: true });
      assert.throws(() => done.checkReturncode(), (e: unknown) => e instanceof CalledProcessError && e.returncode === 4 && e.stderr === 'it broke\n');
      (await run(['true'])).checkReturncode();
    }); // CPython: RunFuncTestCase.test_check, test_returncode

    it('a child killed by a signal has returncode -N', { timeout: SHORT }, async () => {
      const done = await run(sh('kill -TERM $$'));
      assert.equal(done.returncode, -15);
      const err = await expectError(run(sh('kill -KILL $$'), { check: true }), CalledProcessError);
      assert.equal(err.returncode, -9);
      assert.match(err.message, /died with SIGKILL \(9\)/);
    });

    it('timeout: kills the child and throws TimeoutExpired with cmd, timeout and the output so far', { timeout: SHORT }, async () => {
      const args = sh('echo $$; exec sleep 60');
      const err = await expectError(run(args, { timeout: 300, captureOutput: true, text: true }), TimeoutExpired);
      assert.deepEqual(err.cmd, args);
      assert.equal(err.timeout, 300);
      assert.equal(err.name, 'TimeoutExpired');
      assert.equal(err.code, 'ERR_MP_TIMEOUT_EXPIRED');
      assert.ok(err instanceof SubprocessError);
      assert.match(err.message, /timed out after 300 ms/);
      assert.equal(typeof err.output, 'string');
      assert.equal(err.stdout, err.output);
      // run() has killed the child and waited for it before throwing.
      assert.deepEqual(childPids(), []);
      const pid = Number((err.output as string).trim());
      if (pid > 0) assert.equal(pidAlive(pid), false);
    }); // CPython: RunFuncTestCase.test_timeout

    it('cwd (a path or a file: URL) and env (the whole environment, whose PATH finds the program)', { timeout: SHORT }, async () => {
      const dir = realpathSync(scratch);
      assert.equal((await run(['pwd'], { cwd: dir, captureOutput: true, text: true })).stdout, `${dir}\n`);
      assert.equal((await run(['pwd'], { cwd: pathToFileURL(dir), captureOutput: true, text: true })).stdout, `${dir}\n`);
      const env = await run(['env'], { env: { PATH: process.env.PATH, ONLY: 'this' }, captureOutput: true, text: true });
      assert.deepEqual(env.stdout.trim().split('\n').sort(), [`ONLY=this`, `PATH=${process.env.PATH}`]);
      const err = systemError(() => new Popen(['ls'], { env: { PATH: scratch } }));
      assert.equal(err.code, 'ENOENT');
    }); // CPython: ProcessTestCase.test_cwd, test_env

    it('shell: a command line through /bin/sh, with the rest of the list as $0, $1 ...', { timeout: SHORT }, async () => {
      const done = await run('echo "$HOME" | tr a-z A-Z; exit 5', { shell: true, env: { HOME: '/some/where', PATH: process.env.PATH }, captureOutput: true, text: true });
      assert.deepEqual([done.returncode, done.stdout], [5, '/SOME/WHERE\n']);
      assert.equal(done.args, 'echo "$HOME" | tr a-z A-Z; exit 5');
      const list = await run(['echo "$0:$1"', 'zero', 'one'], { shell: true, captureOutput: true, text: true });
      assert.equal(list.stdout, 'zero:one\n');
      const bash = await run('echo $0', { shell: true, executable: '/bin/bash', captureOutput: true, text: true });
      assert.equal(bash.stdout, '/bin/bash\n');
    }); // CPython: ProcessTestCase.test_shell_string, test_shell_sequence, test_executable_with_cwd

    it('executable: the program to run, while the child sees args[0] as its name', { timeout: SHORT }, async () => {
      const done = await run(['my-name', '-c', 'echo $0'], { executable: 'sh', captureOutput: true, text: true });
      assert.equal(done.stdout, 'my-name\n');
    }); // CPython: ProcessTestCase.test_executable

    it('refuses input with stdin, and captureOutput with stdout or stderr', { timeout: SHORT }, async () => {
      await assert.rejects(run(['cat'], { input: 'x', stdin: DEVNULL }), ValueError);
      await assert.rejects(run(['true'], { captureOutput: true, stdout: DEVNULL }), ValueError);
      await assert.rejects(run(['true'], { captureOutput: true, stderr: STDOUT }), ValueError);
      await assert.rejects(run(['true'], { timeout: Number.NaN }), TypeError);
    }); // CPython: RunFuncTestCase.test_stdout_with_capture_output_arg, test_check_output_stdin_with_input_arg
  });

  describe('call, checkCall, checkOutput', () => {
    it('call resolves the exit status; checkCall resolves 0 or throws CalledProcessError without output', { timeout: SHORT }, async () => {
      assert.equal(await call(['true']), 0);
      assert.equal(await call(sh('exit 7')), 7);
      assert.equal(await call(['echo', 'to the void'], { stdout: DEVNULL }), 0);
      assert.equal(await checkCall(['true']), 0);
      const err = await expectError(checkCall(['false']), CalledProcessError);
      assert.deepEqual([err.returncode, err.cmd, err.output, err.stderr], [1, ['false'], null, null]);
    }); // CPython: ProcessTestCase.test_call_seq, test_check_call_zero, test_check_call_nonzero

    it('call and checkCall kill the child on timeout', { timeout: SHORT }, async () => {
      const err = await expectError(call(['sleep', '60'], { timeout: 100 }), TimeoutExpired);
      assert.equal(err.timeout, 100);
      assert.deepEqual(childPids(), []);
      await assert.rejects(checkCall(['sleep', '60'], { timeout: 100 }), TimeoutExpired);
      assert.deepEqual(childPids(), []);
    }); // CPython: ProcessTestCase.test_call_timeout

    it('checkOutput resolves stdout (bytes, or text), or throws CalledProcessError holding it', { timeout: SHORT }, async () => {
      const bytes = await checkOutput(['echo', 'hi']);
      assert.ok(bytes instanceof Uint8Array);
      assert.equal(text(bytes), 'hi\n');
      assert.equal(await checkOutput(['cat'], { input: 'in', text: true }), 'in');
      assert.equal(await checkOutput(sh('echo out; echo err >&2'), { stderr: STDOUT, text: true }), 'out\nerr\n');
      const err = await expectError(checkOutput(sh('echo so far; exit 2'), { text: true }), CalledProcessError);
      assert.deepEqual([err.returncode, err.output, err.stderr], [2, 'so far\n', null]);
      await assert.rejects(checkOutput(['true'], { stdout: PIPE } as object), ValueError);
    }); // CPython: ProcessTestCase.test_check_output, test_check_output_nonzero, test_check_output_stderr
  });

  describe('Popen', () => {
    it('pid, poll() while running and after, wait() resolving the exit status', { timeout: SHORT }, async () => {
      const p = new Popen(['cat'], { stdin: PIPE });
      assert.ok(Number.isInteger(p.pid) && p.pid > 0);
      assert.equal(pidAlive(p.pid), true);
      assert.equal(p.poll(), null);
      assert.equal(p.returncode, null);
      p.stdin.end();
      assert.equal(await p.wait(), 0);
      assert.equal(p.poll(), 0);
      assert.equal(p.returncode, 0);
      assert.equal(await p.wait(), 0, 'wait() again resolves at once');
    }); // CPython: ProcessTestCase.test_poll, test_wait

    it('communicate() sends input, reads both pipes to their end, and sets returncode', { timeout: SHORT }, async () => {
      const p = new Popen(sh('cat; echo done >&2; exit 1'), { stdin: PIPE, stdout: PIPE, stderr: PIPE });
      const [out, err] = await p.communicate('piped in');
      assert.equal(text(out), 'piped in');
      assert.equal(text(err), 'done\n');
      assert.equal(p.returncode, 1);
      assert.deepEqual(await p.communicate(), [out, err], 'a second call returns the same output');
      await assert.rejects(p.communicate('more'), ValueError, 'input after communication has started');
    }); // CPython: ProcessTestCase.test_communicate, test_communicate_returns

    it('a child that exits without reading its input is no error (the broken pipe is ignored, as in Python)', { timeout: SHORT }, async () => {
      const done = await run(['true'], { input: new Uint8Array(8 * 1024 * 1024), captureOutput: true });
      assert.equal(done.returncode, 0);
    }); // CPython: ProcessTestCase.test_communicate_epipe

    it('communicate(input) needs stdin to be a pipe; streams not piped give null', { timeout: SHORT }, async () => {
      const p = new Popen(['true']);
      assert.deepEqual([p.stdin, p.stdout, p.stderr], [null, null, null]);
      await assert.rejects(p.communicate('x'), ValueError);
      assert.deepEqual(await p.communicate(), [null, null]);
      assert.equal(p.returncode, 0);
    });

    it('no deadlock with 64 MiB on stdin, stdout and stderr at once', { timeout: LONG }, async () => {
      const size = 64 * 1024 * 1024;
      const input = new Uint8Array(size);
      for (let i = 0; i < size; i += 4096) input[i] = (i / 4096) % 251;
      // cat echoes stdin to stdout while another process fills stderr: every pipe is full at once.
      const p = new Popen(sh(`head -c ${size} /dev/zero | tr '\\0' x >&2 & cat; wait`), { stdin: PIPE, stdout: PIPE, stderr: PIPE });
      const [out, err] = await p.communicate(input);
      assert.equal(p.returncode, 0);
      assert.equal(out.length, size);
      assert.equal(err.length, size);
      assert.ok(Buffer.from(out.buffer, out.byteOffset, out.length).equals(input), 'stdout is not the input');
      assert.equal(err.indexOf(0), -1);
      assert.equal(err[size - 1], 'x'.charCodeAt(0));
    }); // CPython: ProcessTestCase.test_communicate_pipe_buf, test_writes_before_communicate

    it('communicate(input, timeout): TimeoutExpired leaves the child running; kill, then communicate() gets the whole output', { timeout: SHORT }, async () => {
      const p = new Popen(sh('echo partial; exec sleep 60'), { stdout: PIPE, stderr: PIPE });
      const err = await expectError(p.communicate(null, 200), TimeoutExpired);
      assert.equal(err.timeout, 200);
      assert.ok(err.output instanceof Uint8Array);
      assert.ok('partial\n'.startsWith(text(err.output)), 'the output so far is a prefix of the output');
      assert.equal(p.poll(), null);
      assert.equal(pidAlive(p.pid), true, 'the child was not left running');
      p.kill();
      const [out, errOut] = await p.communicate();
      assert.equal(text(out), 'partial\n');
      assert.equal(text(errOut), '');
      assert.equal(p.returncode, -9);
    }); // CPython: ProcessTestCase.test_communicate_timeout

    it('wait(timeout): TimeoutExpired leaves the child running; terminate() ends it with -15', { timeout: SHORT }, async () => {
      const p = new Popen(['sleep', '60']);
      const err = await expectError(p.wait(100), TimeoutExpired);
      assert.deepEqual([err.cmd, err.timeout, err.output, err.stderr], [['sleep', '60'], 100, null, null]);
      assert.equal(p.poll(), null);
      assert.equal(pidAlive(p.pid), true);
      p.terminate();
      assert.equal(await p.wait(), -15);
      assert.equal(p.returncode, -15);
    }); // CPython: ProcessTestCase.test_wait_timeout, POSIXProcessTestCase.test_terminate

    it('sendSignal (by name or number) and kill(): returncode -N; nothing happens once the child has ended', { timeout: SHORT }, async () => {
      const a = new Popen(['sleep', '60']);
      a.sendSignal('SIGUSR1');
      assert.equal(await a.wait(), -10);
      const b = new Popen(['sleep', '60']);
      b.sendSignal(2);
      assert.equal(await b.wait(), -2);
      const c = new Popen(['sleep', '60']);
      c.kill();
      assert.equal(await c.wait(), -9);
      c.kill();
      c.sendSignal('SIGTERM');
      assert.equal(c.returncode, -9);
    }); // CPython: POSIXProcessTestCase.test_send_signal, test_kill, test_send_signal_race

    it('stdin, stdout and stderr are Node streams for talking to the child as it runs', { timeout: SHORT }, async () => {
      const p = new Popen(['cat'], { stdin: PIPE, stdout: PIPE, text: true });
      const lines = p.stdout[Symbol.asyncIterator]();
      p.stdin.write('first\n');
      assert.equal((await lines.next()).value, 'first\n');
      p.stdin.write('second\n');
      assert.equal((await lines.next()).value, 'second\n');
      p.stdin.end();
      assert.equal((await lines.next()).done, true);
      assert.equal(await p.wait(), 0);
    }); // CPython: ProcessTestCase.test_stdin_pipe, test_stdout_pipe (interactive)

    it('stderr: STDOUT merges both into one pipe, in the order written', { timeout: SHORT }, async () => {
      const p = new Popen(sh('echo 1; echo 2 >&2; echo 3; echo 4 >&2; exit 6'), { stdout: PIPE, stderr: STDOUT, text: true });
      assert.equal(p.stderr, null);
      const [out, err] = await p.communicate();
      assert.deepEqual([out, err, p.returncode], ['1\n2\n3\n4\n', null, 6]);
      assert.equal(pidAlive(p.pid), false);
    }); // CPython: ProcessTestCase.test_stdout_stderr_pipe

    it('stdout and stderr to a file descriptor, stdin from DEVNULL', { timeout: SHORT }, async () => {
      const path = join(scratch, 'out.txt');
      const fd = openSync(path, 'w');
      try {
        assert.equal(await call(sh('echo out; echo err >&2; cat'), { stdin: DEVNULL, stdout: fd, stderr: STDOUT }), 0);
      } finally {
        closeSync(fd);
      }
      assert.equal(readFileSync(path, 'utf8'), 'out\nerr\n');
    }); // CPython: ProcessTestCase.test_stdout_filedes, test_stdout_devnull

    it('a missing program is an error thrown at once, naming it, with code ENOENT; so is a missing cwd', { timeout: SHORT }, async () => {
      const missing = systemError(() => new Popen(['no-such-program-mpts', '--flag']));
      assert.equal(missing.code, 'ENOENT');
      assert.equal(missing.path, 'no-such-program-mpts');
      assert.match(missing.message, /Cannot run 'no-such-program-mpts': no executable of that name on the PATH/);
      await assert.rejects(run(['no-such-program-mpts']), { code: 'ENOENT' });
      const byPath = systemError(() => new Popen(['./no-such-script'], { cwd: scratch }));
      assert.equal(byPath.code, 'ENOENT');
      assert.match(byPath.message, /no-such-script/);
      const script = join(scratch, 'not-executable.sh');
      writeFileSync(script, 'echo hi\n');
      const denied = systemError(() => new Popen([script]));
      assert.equal(denied.code, 'EACCES');
      assert.match(denied.message, /not-executable\.sh/);
      const noCwd = systemError(() => new Popen(['ls'], { cwd: join(scratch, 'nope') }));
      assert.equal(noCwd.code, 'ENOENT');
      assert.match(noCwd.message, /nope/);
      assert.throws(() => new Popen([]), ValueError);
      assert.throws(() => new Popen(['ls'], { stdout: -7 }), TypeError);
    }); // CPython: ProcessTestCase.test_invalid_cmd, test_executable_without_cwd, test_cwd_with_relative_arg

    it('await using waits for the child and closes the pipes, as Python\'s with', { timeout: SHORT }, async () => {
      const pids: number[] = [];
      {
        await using p = new Popen(sh('read line; exit 0'), { stdin: PIPE, stdout: PIPE });
        pids.push(p.pid);
      }
      assert.equal(pidAlive(pids[0] ?? 0), false);
    });
  });

  describe('errors', () => {
    it('CalledProcessError and TimeoutExpired are exported from the root too, and keep their class across a worker', { timeout: SHORT }, async () => {
      assert.equal(root.CalledProcessError, CalledProcessError);
      assert.equal(root.TimeoutExpired, TimeoutExpired);
      await using pool = new root.ThreadPool(1);
      const err = await pool
        .apply(async () => {
          const { checkCall: check } = await import('multiprocessing-ts/subprocess');
          await check(['false']);
        })
        .then(
          () => assert.fail('the task did not throw'),
          (e: unknown) => e,
        );
      assert.ok(err instanceof CalledProcessError, `got ${String(err)}`);
      assert.equal(err.returncode, 1);
      assert.deepEqual(err.cmd, ['false']);
    });

    it('constructors take Python\'s arguments', { timeout: SHORT }, () => {
      const e = new CalledProcessError(2, ['ls', 'a b'], 'out', 'err');
      assert.deepEqual([e.returncode, e.cmd, e.output, e.stdout, e.stderr], [2, ['ls', 'a b'], 'out', 'out', 'err']);
      assert.equal(e.message, "Command 'ls 'a b'' returned non-zero exit status 2: err");
      e.stdout = 'changed';
      assert.equal(e.output, 'changed');
      const t = new TimeoutExpired('sleep 9', 1500);
      assert.deepEqual([t.cmd, t.timeout, t.output, t.stderr], ['sleep 9', 1500, null, null]);
      assert.equal(t.message, "Command 'sleep 9' timed out after 1500 ms");
    });
  });
});
