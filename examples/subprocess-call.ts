// call() runs a command, lets it print where this program prints, and resolves its exit code.
// Twin of examples/python/subprocess-call.py (seed 000, "subprocess模块"), which runs
// `getent hosts localhost` where the seed ran `nslookup www.python.org` (see there why).
import { call } from 'multiprocessing-ts/subprocess';

const r = await call(['getent', 'hosts', 'localhost']);

console.log('Exit code:', r);
