// A pool of workers (Node worker_threads or Web Workers), each running its own instance of the
// threads build over the one shared WebAssembly.Memory. Workers never allocate. A call is a job:
// the main thread writes a kernel name and the arguments of each of its tiles (pointers into memory
// the TypeScript allocator owns) into a small shared control block and wakes the workers with
// Atomics.notify. The tiles are cut into one contiguous segment per thread (the calling thread is
// thread 0); each thread runs its own segment from the front, then takes untaken tiles of the
// others' from the back (runTiles), so a core that is slow (busy with another program, a
// neighbour on a shared host) does fewer tiles instead of holding up the call, and a thread keeps
// the same part of the weights, gradients and moments in its cache from step to step. A worker
// enters a job before it reads it (ENTER); once the main thread has run out of tiles it closes
// the job to any worker that has not entered (one that the system has not run since the job was
// posted: it then skips the job) and waits (Atomics.wait, with a deadline) only for those that
// did. A kernel that throws, a worker that exits, or one that does not finish its part or wake to
// any call within the deadline marks the pool failed.

import { NodeWorker } from "#platform";
import { MAX_TILES } from "./split.js";

/** Int32 slots per worker in the control block: seq, done, status, error length, its workspace pointer, entry, the last seq it saw, error text. */
const SLOT = 128;
const SEQ = 0, DONE = 1, STATUS = 2, ERRLEN = 3, WORK = 4, ENTER = 5, SEEN = 6;
/**
 * A worker's ENTER for the posted job: OPEN until the worker enters it (ENTERED) or the main
 * thread, having run every tile, closes it (SKIPPED); one compareExchange decides which. On
 * 2026-12-03, in Fashion-MNIST epochs on 2 threads, 1.5% of jobs found their worker not running
 * for 100–900 µs (taken off its core), and the main thread had waited out each of those
 * after doing all the tiles itself.
 */
const OPEN = 0, ENTERED = 1, SKIPPED = 2;
/** Byte offset of a worker's error text (UTF-16 code units) inside its slot. */
const ERR_BYTE = 32;
const ERR_CHARS = (SLOT * 4 - ERR_BYTE) / 2;
/**
 * The job area after the slots: int32 tile count, op, argc, which argument is the running
 * thread's workspace (-1: none), the workers' poll time, the threads taking part, which
 * argument is set to KEPT on a thread's later tiles (-1: none; Workspace.kept) and the job's seq
 * (what a worker that enters acknowledges in DONE) in one 64-byte line; per thread's segment, its claims (CLAIMS + p) and the tiles taken from its back
 * (BACKS + p); then each tile's f64 arguments.
 */
const COUNT = 0, OP = 1, ARGC = 2, WORK_ARG = 3, POLL_US = 4, PARTS = 5, KEPT_ARG = 6, JOB_SEQ = 7, CLAIMS = 16, BACKS = CLAIMS + MAX_TILES;
const JOB_INTS = BACKS + MAX_TILES, JOB_HEADER_BYTES = 4 * JOB_INTS;
export const MAX_ARGS = 16;
/** The value Workspace.kept's argument gets on a thread's second and later tiles of a job (the kernels' A_KEPT). */
export const KEPT = 2;

/**
 * A job's per-thread packing workspaces: argument `arg` of each tile is replaced by the running
 * thread's own (`pointers[p]` for thread p). With `kept`, argument `kept` is set to KEPT on each
 * tile after the thread's first of the job: the tiles share an operand that the kernel packs into
 * the workspace, and the thread's earlier tile left it there.
 */
export interface Workspace {
  arg: number;
  pointers: readonly number[];
  kept?: number;
}
/** Where in a tile's row a kernel that returns a value (max_abs) leaves it, for the caller to combine. */
export const RESULT = MAX_ARGS - 1;
/**
 * Microseconds a worker keeps polling for the next job before it blocks (Pool.pollMicros). A
 * step's calls come within tens to hundreds of microseconds of each other, and a wake-up from
 * Atomics.wait costs tens: where every thread has a core, workers poll through a step's serial
 * parts (POLL_US_OWN_CORE). With more threads than cores, a polling worker takes the core from
 * one with work (4 threads on 2 cores ran a 784-256-128-10 step at 0.63× of 2 threads with
 * 300 µs, 0.83× with 10 µs), so they poll briefly (POLL_US_SHARED).
 */
export const POLL_US_OWN_CORE = 500;
export const POLL_US_SHARED = 20;

/**
 * Runs tiles on thread `me` of `parts` until none is left: the tiles are cut into `parts`
 * contiguous segments; thread `me` runs its own from the front, then the others' (me + 1, …)
 * from the back. A tile is run once: every take from segment q is first a claim,
 * Atomics.add(job, claims + q, 1), and a segment has as many as it has tiles; the owner's
 * front and the others' back (Atomics.add(job, backs + q, 1)) then never meet. Self-contained
 * (no outer names): the workers run its source text.
 */
function runTiles(job: Int32Array, claims: number, backs: number, me: number, parts: number, count: number, runTile: (t: number) => void): void {
  const start = Math.floor((me * count) / parts), end = Math.floor(((me + 1) * count) / parts);
  for (let t = start; t < end && Atomics.add(job, claims + me, 1) < end - start; t++) runTile(t);
  for (let i = 1; i < parts; i++) {
    const q = (me + i) % parts;
    const s = Math.floor((q * count) / parts), e = Math.floor(((q + 1) * count) / parts);
    while (Atomics.add(job, claims + q, 1) < e - s) runTile(e - 1 - Atomics.add(job, backs + q, 1));
  }
}

/**
 * fn(a[at], …, a[at + argc − 1]) for a kernel of up to 14 arguments, without building an
 * argument list (apply over a subarray allocates and takes V8's slow path: it made a worker's
 * max_abs and sgd_step tiles twice as slow as the calling thread's). Self-contained: the workers
 * run its source text.
 */
export function callWith(fn: (...args: number[]) => unknown, a: Float64Array, at: number, argc: number): unknown {
  switch (argc) {
    case 1: return fn(a[at]);
    case 2: return fn(a[at], a[at + 1]);
    case 3: return fn(a[at], a[at + 1], a[at + 2]);
    case 4: return fn(a[at], a[at + 1], a[at + 2], a[at + 3]);
    case 5: return fn(a[at], a[at + 1], a[at + 2], a[at + 3], a[at + 4]);
    case 6: return fn(a[at], a[at + 1], a[at + 2], a[at + 3], a[at + 4], a[at + 5]);
    case 7: return fn(a[at], a[at + 1], a[at + 2], a[at + 3], a[at + 4], a[at + 5], a[at + 6]);
    case 8: return fn(a[at], a[at + 1], a[at + 2], a[at + 3], a[at + 4], a[at + 5], a[at + 6], a[at + 7]);
    case 9: return fn(a[at], a[at + 1], a[at + 2], a[at + 3], a[at + 4], a[at + 5], a[at + 6], a[at + 7], a[at + 8]);
    case 10: return fn(a[at], a[at + 1], a[at + 2], a[at + 3], a[at + 4], a[at + 5], a[at + 6], a[at + 7], a[at + 8], a[at + 9]);
    case 11: return fn(a[at], a[at + 1], a[at + 2], a[at + 3], a[at + 4], a[at + 5], a[at + 6], a[at + 7], a[at + 8], a[at + 9], a[at + 10]);
    case 12: return fn(a[at], a[at + 1], a[at + 2], a[at + 3], a[at + 4], a[at + 5], a[at + 6], a[at + 7], a[at + 8], a[at + 9], a[at + 10], a[at + 11]);
    case 13: return fn(a[at], a[at + 1], a[at + 2], a[at + 3], a[at + 4], a[at + 5], a[at + 6], a[at + 7], a[at + 8], a[at + 9], a[at + 10], a[at + 11], a[at + 12]);
    case 14: return fn(a[at], a[at + 1], a[at + 2], a[at + 3], a[at + 4], a[at + 5], a[at + 6], a[at + 7], a[at + 8], a[at + 9], a[at + 10], a[at + 11], a[at + 12], a[at + 13]);
    default: return fn.apply(null, Array.from(a.subarray(at, at + argc)));
  }
}

// The worker's whole program, as source text: no imports, so it runs the same from a Node eval
// worker or a blob-URL Web Worker, whatever bundler built the library (and no comments inside:
// the text ships as written). It polls for job[POLL_US] after each job (the next call of a step
// usually follows within microseconds), then blocks; it runs tiles as runTiles says for thread
// slot + 1; a tile is run by one thread only, so the tile's row of arguments is that thread's to
// write (its workspace pointer).
const WORKER_SOURCE = `
const SLOT = ${SLOT}, SEQ = ${SEQ}, DONE = ${DONE}, STATUS = ${STATUS}, ERRLEN = ${ERRLEN}, WORK = ${WORK}, ENTER = ${ENTER}, SEEN = ${SEEN}, OPEN = ${OPEN}, ENTERED = ${ENTERED};
const ERR_BYTE = ${ERR_BYTE}, ERR_CHARS = ${ERR_CHARS};
const COUNT = ${COUNT}, OP = ${OP}, ARGC = ${ARGC}, WORK_ARG = ${WORK_ARG}, POLL_US = ${POLL_US}, PARTS = ${PARTS}, KEPT_ARG = ${KEPT_ARG}, JOB_SEQ = ${JOB_SEQ}, CLAIMS = ${CLAIMS}, BACKS = ${BACKS}, MAX_ARGS = ${MAX_ARGS};
const runTiles = (${runTiles.toString()});
const callWith = (${callWith.toString()});
const node = typeof require === "function" && typeof self === "undefined";
const port = node ? require("node:worker_threads").parentPort : null;
const post = (m) => (node ? port.postMessage(m) : self.postMessage(m));
const listen = (f) => (node ? port.once("message", f) : (self.onmessage = (e) => f(e.data)));
listen(async ({ module, memory, control, slot, workers, names }) => {
  let exports;
  try {
    exports = (await WebAssembly.instantiate(module, { env: { memory } })).exports;
  } catch (e) {
    post({ error: String(e && e.message || e) });
    return;
  }
  const i32 = new Int32Array(control, slot * SLOT * 4, SLOT);
  const err = new Uint16Array(control, slot * SLOT * 4 + ERR_BYTE, ERR_CHARS);
  const job = new Int32Array(control, workers * SLOT * 4, ${JOB_INTS});
  const args = new Float64Array(control, workers * SLOT * 4 + ${JOB_HEADER_BYTES});
  const fns = names.map((n) => exports[n]);
  let fn, argc, workArg, keptArg, ran;
  const runTile = (t) => {
    const a = args, at = t * MAX_ARGS;
    if (workArg >= 0) a[at + workArg] = i32[WORK];
    if (keptArg >= 0 && ran++ > 0) a[at + keptArg] = ${KEPT};
    const r = callWith(fn, a, at, argc);
    if (r !== undefined) a[at + ${RESULT}] = r;
  };
  post({ ready: true });
  let seen = 0;
  for (;;) {
    if (Atomics.load(i32, SEQ) === seen) {
      const until = performance.now() + Atomics.load(job, POLL_US) / 1000;
      for (let spin = 1; Atomics.load(i32, SEQ) === seen; spin++) if ((spin & 255) === 0 && performance.now() > until) break;
    }
    Atomics.wait(i32, SEQ, seen);
    const seq = Atomics.load(i32, SEQ);
    if (seq === seen) continue;
    seen = seq;
    if (seq < 0) return;
    Atomics.store(i32, SEEN, seq);
    if (Atomics.compareExchange(i32, ENTER, OPEN, ENTERED) !== OPEN) continue;
    const entered = Atomics.load(job, JOB_SEQ);
    seen = entered;
    let status = 0;
    try {
      fn = fns[job[OP]]; argc = job[ARGC]; workArg = job[WORK_ARG]; keptArg = job[KEPT_ARG]; ran = 0;
      runTiles(job, CLAIMS, BACKS, slot + 1, job[PARTS], job[COUNT], runTile);
    } catch (e) {
      status = 1;
      for (let q = 0; q < job[PARTS]; q++) Atomics.store(job, CLAIMS + q, ${MAX_TILES});
      const text = String(e && e.message || e).slice(0, ERR_CHARS);
      for (let i = 0; i < text.length; i++) err[i] = text.charCodeAt(i);
      i32[ERRLEN] = text.length;
    }
    i32[STATUS] = status;
    Atomics.store(i32, DONE, entered);
    Atomics.notify(i32, DONE);
  }
});
`;

interface WorkerHandle {
  terminate(): unknown;
}

/** What a pool needs from its host: a way to start a worker from source and watch it. */
interface Spawned {
  handle: WorkerHandle;
  ready: Promise<void>;
}

async function spawn(onExit: (why: string) => void, init: Record<string, unknown>): Promise<Spawned> {
  if (NodeWorker && typeof window === "undefined") {
    const worker = new NodeWorker(WORKER_SOURCE, { eval: true });
    worker.unref();
    const ready = new Promise<void>((resolve, reject) => {
      worker.once("message", (m: { ready?: boolean; error?: string }) => (m.ready ? resolve() : reject(new Error(`wasmlp thread failed to start: ${m.error}`))));
      worker.once("error", (e) => { reject(e); onExit(`a thread crashed: ${e.message}`); });
      worker.once("exit", (code) => { reject(new Error(`wasmlp thread exited (code ${code}) before it started`)); onExit(`a thread exited (code ${code})`); });
    });
    worker.postMessage(init);
    return { handle: worker, ready };
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
  const worker = new Worker(url);
  URL.revokeObjectURL(url);
  const ready = new Promise<void>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent) => (e.data.ready ? resolve() : reject(new Error(`wasmlp thread failed to start: ${e.data.error}`)));
    worker.onerror = (e: ErrorEvent) => { reject(new Error(`wasmlp thread failed: ${e.message}`)); onExit(`a thread crashed: ${e.message}`); };
  });
  worker.postMessage(init);
  return { handle: worker, ready };
}

/**
 * Shared bytes, from a shared WebAssembly.Memory where the SharedArrayBuffer global is missing
 * (an engine may offer shared wasm memory without it).
 */
function sharedBuffer(bytes: number): SharedArrayBuffer {
  if (typeof SharedArrayBuffer === "function") return new SharedArrayBuffer(bytes);
  const pages = Math.ceil(bytes / 65536);
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true }).buffer as unknown as SharedArrayBuffer;
}

/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(sharedBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** Thrown when a part of a step fails on a thread; the pool is then unusable (the caller falls back). */
export class ThreadError extends Error {
  override name = "ThreadError";
}

export class Pool {
  /** Set when a worker has crashed, exited or thrown: the pool takes no more work. */
  failure: string | null = null;
  private seq = 0;
  private readonly i32: Int32Array;
  private readonly job: Int32Array;
  private readonly tileArgs: Float64Array;
  private readonly blocking = canBlock();
  private readonly ops: Map<string, number>;

  private constructor(
    private readonly workers: WorkerHandle[],
    private readonly control: SharedArrayBuffer,
    readonly names: readonly string[],
    /** Milliseconds a part may take before the step fails as "not responding". */
    readonly timeoutMs: number,
  ) {
    this.i32 = new Int32Array(control);
    this.job = new Int32Array(control, workers.length * SLOT * 4, JOB_INTS);
    this.tileArgs = new Float64Array(control, workers.length * SLOT * 4 + JOB_HEADER_BYTES, MAX_TILES * MAX_ARGS);
    this.ops = new Map(names.map((n, i) => [n, i]));
    this.absentSince = new Float64Array(workers.length).fill(NaN);
    this.absentSeen = new Int32Array(workers.length);
  }

  /** Starts `size` workers over `memory`, each instantiating `module`; resolves when all are ready. */
  static async start(size: number, module: WebAssembly.Module, memory: WebAssembly.Memory, names: readonly string[], timeoutMs = 60_000, pollMicros = POLL_US_SHARED): Promise<Pool> {
    const workers = Math.max(0, size);
    const control = sharedBuffer(workers * SLOT * 4 + JOB_HEADER_BYTES + 8 * MAX_TILES * MAX_ARGS);
    const handles: WorkerHandle[] = [];
    let pool: Pool | null = null;
    const onExit = (why: string) => { if (pool && !pool.closed) pool.failure ??= why; };
    try {
      const spawned: Spawned[] = [];
      for (let slot = 0; slot < workers; slot++) {
        const s = await spawn(onExit, { module, memory, control, slot, workers, names });
        spawned.push(s);
        handles.push(s.handle);
      }
      await Promise.all(spawned.map((s) => s.ready));
    } catch (e) {
      for (const h of handles) h.terminate();
      throw e;
    }
    pool = new Pool(handles, control, names, timeoutMs);
    pool.pollMicros = pollMicros;
    return pool;
  }

  private closed = false;
  /** The current job's tile runner on this thread, and workspaces (set by run()). */
  private here: ((at: number) => void) | null = null;
  private work: Workspace | null = null;
  /** Tiles this thread has run of the current job. */
  private ran = 0;
  /**
   * Work for this thread outside its tiles (the engine copies the next batch's rows here): called
   * again and again, a little each time, until it returns false. It runs while this thread waits
   * for a worker's last tile, and, in a job run with `idleFirst`, whole before this thread takes
   * its first tile: the workers take this thread's tiles meanwhile, so the work is shared like a
   * tile's. It must not touch what the job reads or writes.
   */
  idle: (() => boolean) | null = null;
  private readonly runTile = (t: number): void => {
    const work = this.work;
    if (work) {
      this.tileArgs[t * MAX_ARGS + work.arg] = work.pointers[0];
      if (work.kept !== undefined && this.ran > 0) this.tileArgs[t * MAX_ARGS + work.kept] = KEPT;
    }
    this.ran++;
    this.here!(t * MAX_ARGS);
  };

  /** Microseconds each worker polls for the next job before it blocks (see POLL_US_OWN_CORE). */
  get pollMicros(): number {
    return Atomics.load(this.job, POLL_US);
  }

  set pollMicros(us: number) {
    Atomics.store(this.job, POLL_US, Math.max(0, Math.min(1e6, Math.round(us))));
  }

  /** Number of workers (the calling thread is not counted). */
  get size(): number {
    return this.workers.length;
  }

  /** Workers, for tests that need to kill one. */
  get handles(): readonly WorkerHandle[] {
    return this.workers;
  }

  /**
   * The job area's tile arguments, shared with the workers: tile t's `argc` arguments start at
   * t·MAX_ARGS. Written by the caller of run() before it calls run(), so a call allocates nothing.
   */
  get args(): Float64Array {
    return this.tileArgs;
  }

  /**
   * Runs kernel `name` on each of `count` tiles (arguments in `args`) on up to `threads` threads,
   * this one included through `here(at)` (at: the tile's offset in `args`), and returns when all
   * are done, each thread running tiles as runTiles says (this one is thread 0). With `work`, a
   * tile's workspace arguments are the running thread's (Workspace). With `idleFirst` (a job long
   * enough to hide it), this thread does its idle work before its tiles. Returns the first error
   * met (a ThreadError for a worker's), or null.
   */
  run(threads: number, name: string, count: number, argc: number, here: (at: number) => void, work: Workspace | null = null, idleFirst = false): unknown {
    if (this.failure) return new ThreadError(`wasmlp threads failed: ${this.failure}`);
    const op = this.ops.get(name);
    if (op === undefined || argc > MAX_ARGS || count < 1 || count > MAX_TILES) {
      return new Error(`wasmlp internal error: kernel ${name} cannot run on threads with ${count} tiles of ${argc} arguments`);
    }
    const helpers = Math.min(threads - 1, this.workers.length, count - 1);
    const job = this.job;
    job[OP] = op;
    job[ARGC] = argc;
    job[COUNT] = count;
    job[WORK_ARG] = work ? work.arg : -1;
    job[KEPT_ARG] = work?.kept ?? -1;
    job[PARTS] = helpers + 1;
    for (let q = 0; q <= helpers; q++) job[CLAIMS + q] = job[BACKS + q] = 0;
    this.here = here;
    this.work = work;
    this.ran = 0;
    const seq = (this.seq = (this.seq + 1) & 0x3fffffff) || (this.seq = 1);
    job[JOB_SEQ] = seq;
    for (let w = 0; w < helpers; w++) {
      Atomics.store(this.i32, w * SLOT + STATUS, 0);
      if (work) this.i32[w * SLOT + WORK] = work.pointers[w + 1];
      // Opened after the job is written: a worker that enters reads this job, whichever seq it saw.
      Atomics.store(this.i32, w * SLOT + ENTER, OPEN);
      Atomics.store(this.i32, w * SLOT + SEQ, seq);
      Atomics.notify(this.i32, w * SLOT + SEQ);
    }
    let error: unknown = null;
    if (idleFirst && helpers > 0) this.doIdle(helpers, seq, true);
    try {
      runTiles(job, CLAIMS, BACKS, 0, helpers + 1, count, this.runTile);
    } catch (e) {
      error = e;
      for (let q = 0; q <= helpers; q++) Atomics.store(job, CLAIMS + q, MAX_TILES); // the workers take no more tiles
    }
    this.here = null;
    this.work = null;
    if (error === null) this.doIdle(helpers, seq, false);
    for (let w = 0; w < helpers; w++) {
      try { this.wait(w, seq); } catch (e) { error ??= e; }
    }
    return error;
  }

  /**
   * Runs the idle work until none is left or, unless `whole`, the first `helpers` workers have
   * finished job `seq`. Work that throws is dropped: it is optional, whoever set it redoes it.
   */
  private doIdle(helpers: number, seq: number, whole: boolean): void {
    const idle = this.idle;
    if (idle === null) return;
    try {
      while ((whole || !this.allDone(helpers, seq)) && idle());
    } catch {
      this.idle = null;
    }
  }

  /**
   * Whether the first `helpers` workers have finished job `seq`. (None is closed out yet: wait()
   * does that after the idle work, which a worker off its core leaves time for.)
   */
  private allDone(helpers: number, seq: number): boolean {
    for (let w = 0; w < helpers; w++) if (Atomics.load(this.i32, w * SLOT + DONE) !== seq) return false;
    return true;
  }

  /**
   * Per worker, while it is closed out of job after job: since when, and the last seq it had
   * seen then (NaN: it entered the last job). A worker that sees no new job in that time is dead.
   */
  private readonly absentSince: Float64Array;
  private readonly absentSeen: Int32Array;

  /**
   * Waits until worker `w` has finished job `seq`, which this thread has no tiles left of. A
   * worker that has not entered the job (the system has not run it since it was posted) is
   * closed out of it instead: it has no tiles to run and skips it, and this thread does not wait
   * for it. Throws ThreadError on a failure, at the deadline, or when a closed-out worker has not
   * woken to any call for as long.
   */
  private wait(w: number, seq: number): void {
    const base = w * SLOT;
    if (Atomics.load(this.i32, base + DONE) !== seq && Atomics.compareExchange(this.i32, base + ENTER, OPEN, SKIPPED) === OPEN) {
      const now = performance.now(), seen = Atomics.load(this.i32, base + SEEN);
      if (Number.isNaN(this.absentSince[w]) || seen !== this.absentSeen[w]) {
        this.absentSince[w] = now; // alive (it has woken since), only late
        this.absentSeen[w] = seen;
      } else if (now - this.absentSince[w] > this.timeoutMs) {
        this.failure ??= `thread ${w + 1} has not taken up a call for ${this.timeoutMs} ms (it may have died)`;
        throw new ThreadError(`wasmlp threads failed: ${this.failure}`);
      }
      return;
    }
    this.absentSince[w] = NaN;
    // Polls as long as the workers do before it blocks: the last tile of a job often ends tens of
    // microseconds after this thread's, and waking from Atomics.wait costs as much again.
    if (Atomics.load(this.i32, base + DONE) !== seq) {
      const until = performance.now() + this.pollMicros / 1000;
      for (let spin = 1; Atomics.load(this.i32, base + DONE) !== seq; spin++) if ((spin & 255) === 0 && performance.now() > until) break;
    }
    const deadline = performance.now() + this.timeoutMs;
    for (;;) {
      const done = Atomics.load(this.i32, base + DONE);
      if (done === seq) break;
      if (this.failure) throw new ThreadError(`wasmlp threads failed: ${this.failure}`);
      const left = deadline - performance.now();
      if (left <= 0) {
        this.failure ??= `thread ${w + 1} did not finish its part within ${this.timeoutMs} ms (it may have died)`;
        throw new ThreadError(`wasmlp threads failed: ${this.failure}`);
      }
      // Blocks (does not spin) where the platform allows; a browser's main thread can only poll.
      if (this.blocking) Atomics.wait(this.i32, base + DONE, done, Math.min(left, 100));
    }
    if (this.i32[base + STATUS] !== 0) {
      const len = this.i32[base + ERRLEN];
      const chars = new Uint16Array(this.control, base * 4 + ERR_BYTE, len);
      this.failure ??= `a kernel threw on thread ${w + 1}: ${String.fromCharCode(...chars)}`;
      throw new ThreadError(`wasmlp threads failed: ${this.failure}`);
    }
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (let w = 0; w < this.workers.length; w++) {
      Atomics.store(this.i32, w * SLOT + SEQ, -1);
      Atomics.notify(this.i32, w * SLOT + SEQ);
    }
    await Promise.all(this.workers.map((h) => h.terminate()));
  }
}
