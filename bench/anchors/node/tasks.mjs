// The task functions of the pool benchmark for the other Node pools (piscina, tinypool, poolifier,
// workerpool). Their bodies are the same as the inline targets of bench/pool.ts, which ours runs.

/** The trivial task of the throughput and round-trip workloads. */
export function inc(x) {
  return x + 1;
}

/** The CPU-bound task: `n` iterations of a busy loop (n is calibrated in the parent to ~20 ms). */
export function burn(n) {
  let s = 0;
  for (let i = 0; i < n; i++) s = (s * 31 + i) | 0;
  return s;
}
