// The tasks of examples/features/redis-pool.ts: a worker of the Redis tier runs module exports only.
export function square(x: number): number {
  return x * x;
}

export function add(a: number, b: number): number {
  return a + b;
}
