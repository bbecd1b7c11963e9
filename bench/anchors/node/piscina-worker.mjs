// piscina and tinypool worker (both runtimes): named exports, chosen with the `name` run option.
export { inc, burn } from './tasks.mjs';
export { inc as default } from './tasks.mjs';
