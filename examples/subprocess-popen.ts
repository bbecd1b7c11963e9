// call() runs a command; then Popen starts sh with pipes, and communicate() feeds it three lines
// of input, reads what it prints, and waits for it to exit.
// Twin of examples/python/subprocess-popen.py (seed 003, "子进程及进程间的通讯"), which uses
// getent and sh where the seed used nslookup (see there why).
//
// communicate() resolves [stdout, stderr] as bytes (Uint8Array), as Python's returns bytes;
// `{ text: true }` would make them strings.
import { call, PIPE, Popen } from 'multiprocessing-ts/subprocess';

console.log('$ getent hosts localhost');
const r = await call(['getent', 'hosts', 'localhost']);
console.log('Exit code:', r);

console.log('$ sh');
const p = new Popen(['sh'], { stdin: PIPE, stdout: PIPE, stderr: PIPE });
const [output, _err] = await p.communicate(new TextEncoder().encode('q=hosts\ngetent $q localhost\nexit\n')); // 子进程需要输入参数的话，使用communicate。
console.log(new TextDecoder('utf-8').decode(output));
console.log('Exit code:', p.returncode);
