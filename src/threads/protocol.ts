// The shared control block's layout and the rules every thread follows on it: the calling
// thread's pool (pool.ts) and the workers (worker.ts) both import this, so the two sides cannot
// disagree on an offset. docs/threads.md draws the layout as a table and the protocol as a state
// diagram. No imports: the worker program is bundled from it.

/** Int32 slots per worker in the control block: seq, done, status, error length, its workspace pointer, entry, the last seq it saw, error text. */
export const SLOT = 128;
export const SEQ = 0,
  DONE = 1,
  STATUS = 2,
  ERRLEN = 3,
  WORK = 4,
  ENTER = 5,
  SEEN = 6;
/**
 * A worker's ENTER for the posted job: OPEN until the worker enters it (ENTERED) or the calling
 * thread, having run every tile, closes it (SKIPPED); one compareExchange decides which. A worker
 * taken off its core would otherwise hold up a call whose tiles are all done (measured: bench/LOG.md, "Threads").
 */
export const OPEN = 0,
  ENTERED = 1,
  SKIPPED = 2;
/** Byte offset of a worker's error text (UTF-16 code units) inside its slot. */
export const ERR_BYTE = 32;
export const ERR_CHARS = (SLOT * 4 - ERR_BYTE) / 2;
/** Tiles one job may have. */
export const MAX_TILES = 64;
/**
 * The job area after the slots: int32 tile count, op, argc, which argument is the running
 * thread's workspace (-1: none), the workers' poll time, the threads taking part, which argument
 * is set to KEPT on a thread's later tiles (-1: none; Workspace.kept) and the job's seq (what a
 * worker that enters acknowledges in DONE) in one 64-byte line; per thread's segment, its claims
 * (CLAIMS + p) and the tiles taken from its back (BACKS + p); then each tile's f64 arguments.
 */
export const COUNT = 0,
  OP = 1,
  ARGC = 2,
  WORK_ARG = 3,
  POLL_US = 4,
  PARTS = 5,
  KEPT_ARG = 6,
  JOB_SEQ = 7,
  CLAIMS = 16,
  BACKS = CLAIMS + MAX_TILES;
export const JOB_INTS = BACKS + MAX_TILES,
  JOB_HEADER_BYTES = 4 * JOB_INTS;
/** f64 slots per tile's arguments. */
export const MAX_ARGS = 16;
/** Where in a tile's row a kernel that returns a value (max_abs) leaves it, for the caller to combine. */
export const RESULT = MAX_ARGS - 1;
/** The value Workspace.kept's argument gets on a thread's second and later tiles of a job (the kernels' A_KEPT). */
export const KEPT = 2;

/** Bytes of the control block for `workers` workers. */
export function controlBytes(workers: number): number {
  return workers * SLOT * 4 + JOB_HEADER_BYTES + 8 * MAX_TILES * MAX_ARGS;
}

/** What the pool posts to a new worker (see Pool.start). */
export interface WorkerInit {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  slot: number;
  workers: number;
  /** The kernels a job may run, by op code. */
  names: readonly string[];
}

/** What a worker answers once: ready, or why it could not start. */
export type WorkerReply = { ready: true; error?: undefined } | { ready?: undefined; error: string };

/** A kernel as JavaScript sees a wasm export (or a test's stand-in). */
export type KernelFn = (...args: number[]) => unknown;

/**
 * What time is, and how a thread sleeps on a cell of shared memory: performance.now and
 * Atomics.wait, or a test's clock, which moves only when told and so makes every deadline and
 * poll deterministic.
 */
export interface Clock {
  now(): number;
  /** Sleeps while cell[index] === value, up to `ms` milliseconds (Infinity: no limit). */
  wait(cell: Int32Array, index: number, value: number, ms: number): void;
}

export const realClock: Clock = {
  now: () => performance.now(),
  wait: (cell, index, value, ms) => void Atomics.wait(cell, index, value, ms),
};

/**
 * Runs tiles on thread `me` of `parts` until none is left: the tiles are cut into `parts`
 * contiguous segments; thread `me` runs its own from the front, then the others' (me + 1, …)
 * from the back. A tile is run once: every take from segment q is first a claim,
 * Atomics.add(job, CLAIMS + q, 1), and a segment has as many as it has tiles; the owner's front
 * and the others' back (Atomics.add(job, BACKS + q, 1)) then never meet.
 */
export function runTiles(job: Int32Array, me: number, parts: number, count: number, runTile: (t: number) => void): void {
  const start = Math.floor((me * count) / parts),
    end = Math.floor(((me + 1) * count) / parts);
  for (let t = start; t < end && Atomics.add(job, CLAIMS + me, 1) < end - start; t++) runTile(t);
  for (let i = 1; i < parts; i++) {
    const q = (me + i) % parts;
    const s = Math.floor((q * count) / parts),
      e = Math.floor(((q + 1) * count) / parts);
    while (Atomics.add(job, CLAIMS + q, 1) < e - s) runTile(e - 1 - Atomics.add(job, BACKS + q, 1));
  }
}

/** Makes every segment's claims run out, so that no thread takes another tile of the job. */
export function stopTiles(job: Int32Array, parts: number): void {
  for (let q = 0; q < parts; q++) Atomics.store(job, CLAIMS + q, MAX_TILES);
}

/**
 * fn(a[at], …, a[at + argc − 1]) for a kernel of up to 14 arguments, without building an
 * argument list (apply over a subarray allocates and takes V8's slow path: it made a worker's
 * max_abs and sgd_step tiles twice as slow as the calling thread's).
 */
export function callWith(fn: KernelFn, a: Float64Array, at: number, argc: number): unknown {
  switch (argc) {
    case 1:
      return fn(a[at]);
    case 2:
      return fn(a[at], a[at + 1]);
    case 3:
      return fn(a[at], a[at + 1], a[at + 2]);
    case 4:
      return fn(a[at], a[at + 1], a[at + 2], a[at + 3]);
    case 5:
      return fn(a[at], a[at + 1], a[at + 2], a[at + 3], a[at + 4]);
    case 6:
      return fn(a[at], a[at + 1], a[at + 2], a[at + 3], a[at + 4], a[at + 5]);
    case 7:
      return fn(a[at], a[at + 1], a[at + 2], a[at + 3], a[at + 4], a[at + 5], a[at + 6]);
    case 8:
      return fn(a[at], a[at + 1], a[at + 2], a[at + 3], a[at + 4], a[at + 5], a[at + 6], a[at + 7]);
    case 9:
      return fn(a[at], a[at + 1], a[at + 2], a[at + 3], a[at + 4], a[at + 5], a[at + 6], a[at + 7], a[at + 8]);
    case 10:
      return fn(a[at], a[at + 1], a[at + 2], a[at + 3], a[at + 4], a[at + 5], a[at + 6], a[at + 7], a[at + 8], a[at + 9]);
    case 11:
      return fn(a[at], a[at + 1], a[at + 2], a[at + 3], a[at + 4], a[at + 5], a[at + 6], a[at + 7], a[at + 8], a[at + 9], a[at + 10]);
    case 12:
      return fn(a[at], a[at + 1], a[at + 2], a[at + 3], a[at + 4], a[at + 5], a[at + 6], a[at + 7], a[at + 8], a[at + 9], a[at + 10], a[at + 11]);
    case 13:
      return fn(a[at], a[at + 1], a[at + 2], a[at + 3], a[at + 4], a[at + 5], a[at + 6], a[at + 7], a[at + 8], a[at + 9], a[at + 10], a[at + 11], a[at + 12]);
    case 14:
      return fn(
        a[at],
        a[at + 1],
        a[at + 2],
        a[at + 3],
        a[at + 4],
        a[at + 5],
        a[at + 6],
        a[at + 7],
        a[at + 8],
        a[at + 9],
        a[at + 10],
        a[at + 11],
        a[at + 12],
        a[at + 13],
      );
    default:
      return fn.apply(null, Array.from(a.subarray(at, at + argc)));
  }
}
