// Listener and Client: two programs talking over a socket, with an authkey, in CPython's wire
// format (a Python multiprocessing.connection peer would do as well). Python: the
// multiprocessing.connection docs' example.
import { fromModule, isMain, Process } from 'multiprocessing-ts';
import { Client, Listener, type Address } from 'multiprocessing-ts/connection';

/** Runs in the child: connect, send an object and some bytes, print the answer. */
export async function client(address: Address, authkey: string): Promise<void> {
  const conn = await Client(address, { authkey });
  conn.send([1, 'hello', null]);
  conn.sendBytes(new TextEncoder().encode('some bytes'));
  console.log(`client: the server answered ${JSON.stringify(await conn.recv())}`);
  conn.close();
}

if (isMain(import.meta)) {
  const authkey = 'secret password';
  await using listener = new Listener(['127.0.0.1', 0], { authkey }); // port 0: any free port
  await listener.ready();
  const p = new Process({ target: fromModule<typeof client>(import.meta.url, 'client'), args: [listener.address, authkey] });
  p.start();
  const conn = await listener.accept(); // the handshake has proved both sides know the key
  console.log(`server: got ${JSON.stringify(await conn.recv())}`);
  console.log(`server: got bytes "${new TextDecoder().decode(await conn.recvBytes())}"`);
  conn.send(['pong', 2]); // a Python list; a dict would arrive as a Map
  await p.join();
  conn.close();
  console.log(`server: the client ended with exit code ${p.exitcode}`);
}
