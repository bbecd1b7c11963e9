// Type tests, compiled by `npm run typecheck`: wrong calls to managers, proxies and connections must not compile.
import { Manager, SharedMemoryManager, tuple, type DictProxy, type ListProxy, type QueueProxy, type Tuple } from 'multiprocessing-ts';
import { Client, wait, type Connection } from 'multiprocessing-ts/connection';

export async function managers(): Promise<void> {
  await using m = await Manager();
  const d: DictProxy<string, number> = await m.dict<string, number>({ a: 1 });
  await d.set('b', 2);
  const n: number | null = await d.get('a');
  // @ts-expect-error: a value of the wrong type
  await d.set('c', 'three');
  // @ts-expect-error: a key of the wrong type
  await d.getItem(1);
  const l: ListProxy<number> = await m.list([1, 2]);
  const both: number[] = await l.concat([3]);
  // @ts-expect-error: concat takes items of the list's type
  await l.concat(['x']);
  // @ts-expect-error: repeat takes a count
  await l.repeat('2');
  const q: QueueProxy<[number, string]> = await m.Queue<[number, string]>();
  await q.put([1, 'a'], { timeout: 100 });
  // @ts-expect-error: timeouts are milliseconds (numbers)
  await q.get({ timeout: '1s' });
  const keyed = await m.dict<Tuple<number>, string>();
  await keyed.set(tuple(1, 2), 'tuple key');
  await m.join(100);
  const smm = new SharedMemoryManager();
  await smm.start();
  const shm = await smm.SharedMemory(64);
  shm.buf[0] = 1;
  // @ts-expect-error: a size in bytes
  await smm.SharedMemory('64');
  void [n, both];
}

export async function connections(): Promise<void> {
  const c: Connection = await Client(['127.0.0.1', 6000], { authkey: 'k' });
  const ready: Connection[] = await wait([c], 1000);
  // @ts-expect-error: wait() takes things with poll()
  await wait([1, 2]);
  // @ts-expect-error: a timeout in milliseconds
  await wait([c], '1s');
  void ready;
}
