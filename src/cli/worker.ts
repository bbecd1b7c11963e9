// mpts worker: serve a distributed pool from this machine until SIGINT or SIGTERM.

import { serve } from '../redis/serve.js';
import { intOption, parse, required, UsageError } from './args.js';

const USAGE = `Usage: mpts worker [--redis URL] --name NAME --module FILE [options]

Take the tasks of the Redis-backed pool NAME and run them here: in this process when the
concurrency is 1, otherwise each in a process of a local pool. Tasks name exports of FILE, which
is loaded from this machine's disk.

  --redis URL             Redis to use, e.g. redis://10.0.0.1:6379 (default: MPTS_REDIS_URL from
                          the environment, which keeps a password out of the process list)
  --name NAME             the pool's name (as given to the submitter's Pool)
  --module FILE           the module whose exports are the tasks
  --concurrency N         tasks at once (default: the number of CPUs)
  --isolate               run each task in a local pool process, even with concurrency 1
  --in-process            run every task in this process, even with concurrency above 1
  --prefix P              prefix of the Redis keys (default: mpts)
  --lock-duration MS      lease on a running task; a dead worker's tasks run elsewhere after it (default 30000)
  --stalled-interval MS   how often to look for tasks of dead workers (default 30000)
  --max-stalled N         times a task may be taken back from a dead worker before it fails (default 3)

SIGINT or SIGTERM: finish the running tasks, then exit; a second signal exits at once.`;

function redisUrl(option: string | boolean | undefined): string {
  const url = option ?? process.env.MPTS_REDIS_URL;
  if (typeof url !== 'string' || url === '') throw new UsageError('mpts worker: --redis URL (or MPTS_REDIS_URL in the environment) is required');
  return url;
}

export async function workerCommand(argv: string[]): Promise<number> {
  let opts;
  try {
    const { values, positionals } = parse('worker', argv, {
      redis: { type: 'string' },
      name: { type: 'string' },
      module: { type: 'string' },
      concurrency: { type: 'string', short: 'c' },
      isolate: { type: 'boolean' },
      'in-process': { type: 'boolean' },
      prefix: { type: 'string' },
      'lock-duration': { type: 'string' },
      'stalled-interval': { type: 'string' },
      'max-stalled': { type: 'string' },
    });
    if (values.help === true) {
      console.log(USAGE);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`mpts worker: unexpected argument "${positionals[0]}"`);
    if (values.isolate === true && values['in-process'] === true) throw new UsageError('mpts worker: --isolate and --in-process exclude each other');
    opts = {
      redis: redisUrl(values.redis),
      name: required('worker', 'name', values.name),
      module: required('worker', 'module', values.module),
      concurrency: intOption('worker', 'concurrency', values.concurrency, undefined),
      isolate: values.isolate === true ? true : values['in-process'] === true ? false : undefined,
      prefix: typeof values.prefix === 'string' ? values.prefix : undefined,
      lockDuration: intOption('worker', 'lock-duration', values['lock-duration'], undefined),
      stalledInterval: intOption('worker', 'stalled-interval', values['stalled-interval'], undefined),
      maxStalledCount: intOption('worker', 'max-stalled', values['max-stalled'], undefined),
    };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n\n${USAGE}`);
    return 2;
  }
  const worker = await serve(opts);
  console.error(`mpts worker: pid ${process.pid} serving "${worker.name}" from ${opts.module} with concurrency ${worker.concurrency}${worker.isolated ? ' (isolated)' : ' (in process)'}`);
  return new Promise<number>((resolve) => {
    let signals = 0;
    const stop = (signal: NodeJS.Signals): void => {
      if (++signals > 1) {
        console.error(`mpts worker: ${signal} again, stopping now; running tasks go to other workers after their lease`);
        void worker.terminate().finally(() => resolve(130));
        return;
      }
      console.error(`mpts worker: ${signal}, finishing the running tasks (again to stop now)`);
      void worker.close().then(() => resolve(0));
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
