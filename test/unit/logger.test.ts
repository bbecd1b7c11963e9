// The package's logger: Python's multiprocessing.get_logger() / log_to_stderr(), its levels and format.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { getLogger, Logger, ValueError, type LogRecord } from 'multiprocessing-ts';
import { runFixture, type Ran } from '../helpers/program.js';
import { LONG } from '../helpers/timeouts.js';

const program = fileURLToPath(new URL('../fixtures/log-program.ts', import.meta.url));

const runProgram = (backend: string, level: string | undefined): Promise<Ran> => runFixture([program, backend, ...(level === undefined ? [] : [level])]);

function isBadValue(e: unknown): boolean {
  return e instanceof ValueError && e.code === 'ERR_MP_BAD_VALUE';
}

describe('logger', () => {
  it('getLogger(): one logger named multiprocessing, NOTSET (so WARNING in force), levels as numbers or Python names', { timeout: LONG }, () => {
    const logger = getLogger();
    assert.equal(logger, getLogger());
    assert.ok(logger instanceof Logger);
    assert.equal(logger.name, 'multiprocessing');
    assert.equal(logger.level, 0);
    assert.equal(logger.getEffectiveLevel(), 30);
    assert.equal(logger.isEnabledFor(20), false);
    try {
      logger.setLevel('SUBDEBUG');
      assert.equal(logger.level, 5);
      logger.setLevel(15);
      assert.equal(logger.isEnabledFor(10), false);
      assert.equal(logger.isEnabledFor(15), true);
      assert.throws(() => logger.setLevel('VERBOSE' as 'DEBUG'), isBadValue);
      assert.throws(() => logger.setLevel(-1), isBadValue);
      assert.throws(() => logger.setLevel(2.5), isBadValue);
      assert.equal(logger.level, 15);
    } finally {
      logger.setLevel('NOTSET');
    }
  });

  it('records reach each handler once, with Python\'s level names, and only at or above the level', { timeout: LONG }, () => {
    const logger = getLogger();
    const records: LogRecord[] = [];
    const handler = (r: LogRecord): void => void records.push(r);
    logger.addHandler(handler);
    logger.addHandler(handler);
    try {
      logger.info('below WARNING');
      logger.warning('w');
      logger.setLevel('SUBDEBUG');
      logger.subdebug('sd');
      logger.debug('d');
      logger.subwarning('sw');
      logger.log(15, 'custom');
      logger.error('e');
      logger.critical('c');
      assert.deepEqual(records.map((r) => [r.levelno, r.levelname, r.message]), [
        [30, 'WARNING', 'w'], [5, 'Level 5', 'sd'], [10, 'DEBUG', 'd'], [25, 'Level 25', 'sw'], [15, 'Level 15', 'custom'], [40, 'ERROR', 'e'], [50, 'CRITICAL', 'c'],
      ]);
      assert.equal(records[0]?.processName, 'MainProcess');
      assert.equal(records[0]?.process, process.pid);
      assert.equal(records[0]?.name, 'multiprocessing');
      assert.equal(logger.handlers.length, 1);
      logger.removeHandler(handler);
      logger.critical('nobody hears');
      assert.equal(records.length, 7);
    } finally {
      logger.removeHandler(handler);
      logger.setLevel('NOTSET');
    }
  });

  it('logToStderr() writes the lines CPython\'s log_to_stderr() writes for the same calls', { timeout: LONG }, () => {
    const python = spawnSync('python3', ['-c', [
      'import logging, multiprocessing as mp, multiprocessing.util as util',
      'logger = mp.log_to_stderr(logging.DEBUG)',
      'logger.debug("a %s", "b"); util.info("i"); logger.warning("w"); logger.log(util.SUBWARNING, "sw"); logger.log(15, "x")',
      'logger.handlers.clear()',
    ].join('\n')], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(python.status, 0, python.stderr);
    const ours = spawnSync(process.execPath, [...process.execArgv, '--input-type=module', '-e', [
      "import { logToStderr } from 'multiprocessing-ts';",
      "const logger = logToStderr('DEBUG'); logToStderr();",
      "logger.debug('a b'); logger.info('i'); logger.warning('w'); logger.subwarning('sw'); logger.log(15, 'x');",
    ].join('\n')], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(ours.status, 0, ours.stderr);
    assert.equal(ours.stderr, python.stderr);
    assert.equal(ours.stderr.split('\n')[0], '[DEBUG/MainProcess] a b');
  });

  for (const backend of ['process', 'thread']) {
    it(`${backend}: a child and a pool worker adopt logToStderr(); a child's start and end, and a pool worker's replacement, are logged at DEBUG/INFO`, { timeout: LONG }, async () => {
      const debug = await runProgram(backend, 'DEBUG');
      assert.equal(debug.code, 0, debug.stderr);
      const lines = debug.stderr.trim().split('\n');
      const expected = [
        /^\[DEBUG\/MainProcess\] started Process-1 \(pid \d+\)$/,
        /^\[INFO\/Process-1\] child process calling run\(\)$/,
        /^\[INFO\/Process-1\] process exiting with exitcode 0$/,
        /^\[DEBUG\/MainProcess\] Process-1 ended with exitcode 0$/,
      ];
      for (const pattern of expected) assert.ok(lines.some((l) => pattern.test(l)), `no line like ${pattern} in:\n${debug.stderr}`);
      assert.ok(lines.indexOf(lines.find((l) => expected[0]!.test(l))!) < lines.indexOf(lines.find((l) => expected[3]!.test(l))!));
      assert.equal(lines.filter((l) => /^\[DEBUG\/MainProcess\] added worker \S+$/.test(l)).length, 2, debug.stderr);
      assert.ok(lines.filter((l) => /^\[DEBUG\/MainProcess\] cleaning up worker \S+ \(exitcode 0\)$/.test(l)).length >= 1, debug.stderr);
      // Pool workers adopt it too: each task's warning is on stderr, from the worker that ran it.
      const tasks = ['[WARNING/PoolWorker-1-1] task 1', '[WARNING/PoolWorker-1-2] task 2'];
      const info = await runProgram(backend, 'INFO');
      assert.equal(info.code, 0, info.stderr);
      assert.deepEqual(info.stderr.trim().split('\n').sort(), ['[INFO/Process-1] child process calling run()', '[INFO/Process-1] process exiting with exitcode 0', ...tasks].sort());
      const warning = await runProgram(backend, undefined);
      assert.equal(warning.code, 0, warning.stderr);
      assert.deepEqual(warning.stderr.trim().split('\n').sort(), tasks);
    });
  }
});
