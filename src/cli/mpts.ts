#!/usr/bin/env node
// mpts: the package's command line. `mpts worker` serves a distributed pool, `mpts manager` serves
// queues to Python's managers, `mpts map` runs a shell command per input line on N local workers
// (like `xargs -P`).

// Commands load on demand: `mpts map` needs neither BullMQ nor a Redis client.

const USAGE = `Usage:
  mpts worker [--redis URL] --name NAME --module FILE [--concurrency N]
              [--prefix P] [--lock-duration MS] [--stalled-interval MS] [--max-stalled N]
      Serve a Redis-backed pool (multiprocessing-ts/redis): run its tasks, N at a time.
  MPTS_AUTHKEY=KEY mpts manager --address HOST:PORT --queue NAME [--queue NAME ...]
      Serve queues over the Python-compatible manager protocol (a client calls get_NAME).
  mpts map [--jobs N] [--keep-order] [--progress | --no-progress] 'command {}' < inputs
      Run the shell command once per input line, N at a time; {} is replaced by the line
      (quoted for where it stands, as xargs -I{}; appended when absent). --keep-order prints
      the outputs in input order. Exit code 123 if any command failed, as xargs.

Run "mpts <command> --help" for the options of a command.`;

/** Run the command line; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'worker':
      return (await import('./worker.js')).workerCommand(rest);
    case 'map':
      return (await import('./map.js')).mapCommand(rest);
    case 'manager':
      return (await import('./manager.js')).managerCommand(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`mpts: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`mpts: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
