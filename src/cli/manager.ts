// mpts manager: serve named queues over CPython's manager protocol, so that Python programs
// (the seeds' `QueueManager.register('get_task_queue')` workers) and ours can share them.

import { intOption, parse, UsageError } from './args.js';

const USAGE = `Usage: MPTS_AUTHKEY=secret mpts manager --address HOST:PORT --queue NAME [--queue NAME ...]

Serve one queue per NAME over the Python-compatible manager protocol, until SIGINT or SIGTERM.
A client gets queue NAME by calling get_NAME (a NAME that starts with get_ is used as is), as in
Python:  QueueManager.register('get_task_queue'); m = QueueManager(address=(HOST, PORT),
authkey=b'secret'); m.connect(); q = m.get_task_queue()

  --address HOST:PORT   where to listen (PORT 0: any free port; the real one is printed)
  --queue NAME          a queue to serve (repeat for more)
  MPTS_AUTHKEY          the authkey clients must know (required off loopback)`;

/** The typeid a client calls for queue `name`. */
export function typeidOf(name: string): string {
  return name.startsWith('get_') ? name : `get_${name}`;
}

export async function managerCommand(argv: string[]): Promise<number> {
  let host: string;
  let port: number;
  let names: string[];
  try {
    const { values, positionals, multiple } = parseManagerArgs(argv);
    if (values.help === true) {
      console.log(USAGE);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`mpts manager: unexpected argument "${positionals[0]}"`);
    const address = values.address;
    const match = typeof address === 'string' ? /^(.*):(\d+)$/.exec(address) : null;
    if (match === null) throw new UsageError('mpts manager: --address HOST:PORT is required');
    host = (match[1] as string).replace(/^\[(.*)\]$/, '$1');
    port = match[2] === '0' ? 0 : (intOption('manager', 'address port', match[2], 0) as number);
    names = multiple;
    if (names.length === 0) throw new UsageError('mpts manager: at least one --queue NAME is required');
    for (const name of names) if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`mpts manager: --queue ${name}: a queue name must be a Python identifier`);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\n\n${USAGE}`);
    return 2;
  }
  const authkey = process.env.MPTS_AUTHKEY;
  if (authkey === undefined || authkey === '') {
    console.error('mpts manager: set MPTS_AUTHKEY to the key clients will authenticate with');
    return 2;
  }

  // Loaded here: only this command needs the managers and the shared-memory queues.
  const { BaseManager } = await import('../managers.js');
  const { Queue } = await import('../queues/queue.js');
  class QueueManager extends BaseManager {}
  const queues = names.map((name) => {
    const queue = new Queue<unknown>();
    QueueManager.register(typeidOf(name), () => queue);
    return queue;
  });
  const server = new QueueManager({ address: [host, port], authkey }).getServer();
  await server.listen();
  const bound = server.address;
  const where = typeof bound === 'string' ? bound : `${bound[0]}:${bound[1]}`;
  console.error(`mpts manager: pid ${process.pid} serving ${names.map(typeidOf).join(', ')} on ${where}`);
  const stop = (): void => void server.close();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await server.serveForever();
  for (const queue of queues) queue.close();
  return 0;
}

function parseManagerArgs(argv: string[]): { values: Record<string, string | boolean | undefined>; positionals: string[]; multiple: string[] } {
  // --queue repeats: collect it apart, parseArgs keeps the rest.
  const multiple: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--queue') {
      const value = argv[++i];
      if (value === undefined) throw new UsageError('mpts manager: --queue needs a NAME');
      multiple.push(value);
    } else if (arg.startsWith('--queue=')) multiple.push(arg.slice('--queue='.length));
    else rest.push(arg);
  }
  return { ...parse('manager', rest, { address: { type: 'string' } }), multiple };
}
