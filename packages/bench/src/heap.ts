/**
 * Garbage collection and heap readings. `global.gc` exists only under `--expose-gc`; the CLI
 * re-runs itself with that flag, so every measurement here starts from a collected heap.
 */

/** True when the process was started with `--expose-gc`. */
export function canCollect(): boolean {
  return typeof globalThis.gc === 'function';
}

/** Run full collections (two: the first may leave work that only the second frees). */
export function collectGarbage(): void {
  const gc = globalThis.gc;
  if (gc === undefined) return;
  gc();
  gc();
}

/** Bytes of the JS heap in use now. */
export function heapUsed(): number {
  return process.memoryUsage().heapUsed;
}

/**
 * Let work queued by earlier rounds finish (stopped actors' `setImmediate` callbacks, promise
 * chains), then collect: what is left in the heap afterwards is what is still referenced.
 */
export async function quiesce(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  collectGarbage();
}
