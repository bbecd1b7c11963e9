// A port scanner: Pool(16) tries every TCP port of 127.0.0.1, 4096 ports per task.
// Twin of examples/python/pool-port-scanner.py (seed 001, "进程池扫描主机端口实例"), with the same
// fix: a new socket for each port (the seed reused one socket, which cannot work; see there).
//
// No isMain() guard, as the seed has no `if __name__ == '__main__':`: scanPort goes to the workers
// as source, so they never import this file. For the same reason ip travels as an argument: a
// function sent as source sees none of this module's variables, where Python's fork start method
// gives each worker a copy of the global.
// It connects to every TCP port of 127.0.0.1: every local service sees a connection.
import { Pool } from 'multiprocessing-ts';

async function scanPort(ports: number, ip: string): Promise<void> {
  const net = await import('node:net');
  for (let port = ports; port < ports + 4096; port++) {
    // s.settimeout(1); result = s.connect_ex((ip, port)): one port at a time, as Python does.
    const s = net.connect({ host: ip, port, timeout: 1000 });
    const connected = await new Promise<boolean>((resolve) => {
      s.once('connect', () => resolve(true));
      s.on('error', () => resolve(false)); // ECONNREFUSED, mostly
      s.once('timeout', () => resolve(false));
    });
    if (connected) {
      console.log(`I am process ${process.pid},port ${port} is openned!`);
    }
    s.destroy(); // s.close()
  }
}

const ip = '127.0.0.1';
const p = new Pool(16);

for (let k = 0; k < 16; k++) {
  p.applyAsync(scanPort, [k * 4096, ip]);
}
p.close();
await p.join();
console.log('All subprocesses had finished!');
