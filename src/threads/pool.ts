// A pool of workers (Node worker_threads or Web Workers), each running its own instance of the
// threads build over the one shared WebAssembly.Memory, offering pthreadpool's one call:
// parallelize(kernel, tiles), "run this kernel over these tiles" with each tile's arguments
// (pointers into memory the TypeScript allocator owns) in the job area and checked against the
// kernel's declared signature. It knows nothing of what a kernel computes. A job is posted to
// every helping worker with Atomics.notify; the tiles are cut into one contiguous segment per
// thread (the calling thread is thread 0); each thread runs its own segment from the front, then
// takes untaken tiles of the others' from the back (runTiles), so a core that is slow (busy with
// another program, a neighbour on a shared host) does fewer tiles instead of holding up the
// call, and a thread keeps the same part of the weights, gradients and moments in its cache from
// step to step. A worker enters a job before it reads it (ENTER); once the calling thread has run
// out of tiles it closes the job to any worker that has not entered (one that the system has not
// run since the job was posted: it then skips the job) and waits (with a deadline) only for those
// that did. A kernel that throws, a worker that exits, or one that does not finish its part or
// wake to any call within the deadline marks the pool failed. docs/threads.md has the layout
// and the state diagram; time and worker start-up are injected (Clock, Spawner) so that tests can
// drive every interleaving.
import { ThreadError } from "./error.js";
import {
  callWith,
  type Clock,
  controlBytes,
  DONE,
  ENTER,
  ERR_BYTE,
  ERRLEN,
  JOB_HEADER_BYTES,
  JOB_INTS,
  JOB_SEQ,
  KEPT,
  KEPT_ARG,
  type KernelFn,
  MAX_ARGS,
  MAX_TILES,
  OP,
  OPEN,
  ARGC,
  COUNT,
  PARTS,
  POLL_US,
  realClock,
  RESULT,
  runTiles,
  SEEN,
  SEQ,
  SKIPPED,
  SLOT,
  STATUS,
  stopTiles,
  WORK,
  type WorkerInit,
  WORK_ARG,
  CLAIMS,
  BACKS,
} from "./protocol.js";

export { ThreadError };
export { MAX_ARGS, RESULT, KEPT, type Clock, type KernelFn };

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
/**
 * Microseconds a worker keeps polling for the next job before it blocks (Pool.pollMicros). A
 * step's calls come within tens to hundreds of microseconds of each other, and a wake-up from
 * Atomics.wait costs tens: where every thread has a core, workers poll through a step's serial
 * parts (POLL_US_OWN_CORE). With more threads than cores, a polling worker takes the core from
 * one with work (4 threads on 2 cores ran slower the longer they polled), so they poll briefly
 * (POLL_US_SHARED) (measured: bench/LOG.md, "Choices in the code").
 */
export const POLL_US_OWN_CORE = 500;
export const POLL_US_SHARED = 20;

export interface WorkerHandle {
  terminate(): unknown;
}

/** A started worker: its handle, and a promise that settles once it is ready for jobs. */
export interface Spawned {
  handle: WorkerHandle;
  ready: Promise<void>;
}

/**
 * Starts one worker given what it is posted (spawn.ts starts real ones; tests start stand-ins
 * on their own thread); `onExit(why)` is for a worker that crashes or exits later.
 */
export type Spawner = (init: WorkerInit, onExit: (why: string) => void) => Promise<Spawned>;

/** What Pool.start needs. */
export interface PoolOptions {
  /** Workers to start (the calling thread is not counted). */
  workers: number;
  /** Each kernel a job may run, by name, with its signature (the letters of src/kernel-signatures.ts: s size, p pointer, i int, f float; `>` and the result). */
  signatures: ReadonlyMap<string, string>;
  /** This thread's functions of those kernels. */
  local: Readonly<Record<string, unknown>>;
  /** What the workers instantiate (posted to each). */
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  spawn: Spawner;
  /** Milliseconds a part may take, or a worker may go without taking up any call, before a call fails (default 60,000). */
  timeoutMs?: number;
  pollMicros?: number;
  clock?: Clock;
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

/** Parameter kinds, per letter of a signature. */
const SIZE = 0,
  POINTER = 1,
  INT = 2,
  FLOAT = 3;
const KINDS: Readonly<Record<string, number>> = { s: SIZE, p: POINTER, i: INT, f: FLOAT };

/** A signature's parameter kinds (the letters before `>`). */
function kindsOf(name: string, signature: string): Uint8Array {
  const params = signature.split(">")[0];
  if (params.length > MAX_ARGS - 1)
    throw new Error(`wasmlp internal error: kernel ${name} has ${params.length} parameters, more than a tile's ${MAX_ARGS - 1}`);
  return Uint8Array.from(params, (c) => {
    const kind = KINDS[c];
    if (kind === undefined) throw new Error(`wasmlp internal error: kernel ${name}'s signature "${signature}" has an unknown letter "${c}"`);
    return kind;
  });
}

/** Why argument `v` does not fit a parameter of `kind`, or null. NaN is what the job area holds where nothing was written. */
function misfit(kind: number, v: number): string | null {
  switch (kind) {
    case SIZE:
      return v >= 0 && v <= 0x7fffffff && Math.floor(v) === v ? null : "a size (an integer from 0 to 2^31 − 1)";
    case POINTER:
      return v >= 0 && v <= 0xffffffff && Math.floor(v) === v ? null : "a pointer (an integer from 0 to 2^32 − 1)";
    case INT:
      return v >= -0x80000000 && v <= 0x7fffffff && Math.floor(v) === v ? null : "an i32";
    default:
      return null; // any f32, NaN included
  }
}

export class Pool {
  /** Set when a worker has crashed, exited or thrown: the pool takes no more work. */
  failure: string | null = null;
  private seq = 0;
  private readonly i32: Int32Array;
  private readonly job: Int32Array;
  private readonly tileArgs: Float64Array;
  /** Whether wait() may sleep (not on a browser's main thread, unless a test's clock sleeps for it). */
  private readonly blocking: boolean;
  /** Op codes by kernel name, and by op code the kernel's parameter kinds and this thread's function. */
  private readonly ops: Map<string, number>;
  private readonly kinds: Uint8Array[];
  private readonly fns: KernelFn[];

  private constructor(
    private readonly workers: WorkerHandle[],
    private readonly control: SharedArrayBuffer,
    signatures: ReadonlyMap<string, string>,
    local: Readonly<Record<string, unknown>>,
    /** Milliseconds a part may take before the step fails as "not responding". */
    readonly timeoutMs: number,
    private readonly clock: Clock,
  ) {
    this.blocking = clock !== realClock || canBlock();
    this.i32 = new Int32Array(control);
    this.job = new Int32Array(control, workers.length * SLOT * 4, JOB_INTS);
    this.tileArgs = new Float64Array(control, workers.length * SLOT * 4 + JOB_HEADER_BYTES, MAX_TILES * MAX_ARGS).fill(NaN);
    const names = [...signatures.keys()];
    this.ops = new Map(names.map((n, i) => [n, i]));
    this.kinds = names.map((n) => kindsOf(n, signatures.get(n)!));
    this.fns = names.map((n) => {
      const f = local[n];
      if (typeof f !== "function") throw new Error(`wasmlp internal error: kernel ${n} has no function on the calling thread`);
      return f as KernelFn;
    });
    this.absentSince = new Float64Array(workers.length).fill(NaN);
    this.absentSeen = new Int32Array(workers.length);
  }

  /** Starts the workers, each posted `module`, `memory` and its slot; resolves when all are ready. */
  static async start(options: PoolOptions): Promise<Pool> {
    const { signatures, local, module, memory, spawn, timeoutMs = 60_000, pollMicros = POLL_US_SHARED, clock = realClock } = options;
    const workers = Math.max(0, options.workers);
    const control = sharedBuffer(controlBytes(workers));
    const names = [...signatures.keys()];
    const handles: WorkerHandle[] = [];
    let pool: Pool | null = null;
    const onExit = (why: string) => {
      if (pool && !pool.closed) pool.failure ??= why;
    };
    try {
      const spawned: Spawned[] = [];
      for (let slot = 0; slot < workers; slot++) {
        const s = await spawn({ module, memory, control, slot, workers, names }, onExit);
        spawned.push(s);
        handles.push(s.handle);
      }
      await Promise.all(spawned.map((s) => s.ready));
      pool = new Pool(handles, control, signatures, local, timeoutMs, clock);
    } catch (e) {
      for (const h of handles) h.terminate();
      throw e;
    }
    pool.pollMicros = pollMicros;
    return pool;
  }

  private closed = false;
  /** The current job's kernel on this thread, its argument count and workspaces (set by parallelize()). */
  private fn: KernelFn | null = null;
  private argc = 0;
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
    const work = this.work,
      args = this.tileArgs,
      at = t * MAX_ARGS;
    if (work) {
      args[at + work.arg] = work.pointers[0];
      if (work.kept !== undefined && this.ran > 0) args[at + work.kept] = KEPT;
    }
    this.ran++;
    const r = callWith(this.fn!, args, at, this.argc);
    if (r !== undefined) args[at + RESULT] = r as number;
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
   * The job area's tile arguments, shared with the workers: tile t's arguments start at
   * t·MAX_ARGS, in the kernel's parameter order. Written by the caller of parallelize() before
   * it calls it, so a call allocates nothing; a kernel's result, if it has one, is left at
   * RESULT in its tile's row.
   */
  get args(): Float64Array {
    return this.tileArgs;
  }

  /** Why the first `tiles` rows of arguments do not fit kernel `op`'s signature, or null (`skip`: the workspace argument, the running thread's). */
  private checkArgs(name: string, op: number, tiles: number, skip: number): string | null {
    const kinds = this.kinds[op],
      args = this.tileArgs;
    if (skip >= 0 && kinds[skip] !== POINTER) return `wasmlp internal error: ${name}'s argument ${skip} is not a pointer, so it cannot be a workspace`;
    for (let t = 0; t < tiles; t++) {
      for (let i = 0; i < kinds.length; i++) {
        if (i === skip) continue;
        const want = misfit(kinds[i], args[t * MAX_ARGS + i]);
        if (want !== null) return `wasmlp internal error: ${name} tile ${t} argument ${i} is ${args[t * MAX_ARGS + i]}, expected ${want}`;
      }
    }
    return null;
  }

  /**
   * Runs `kernel` over `tiles` tiles (arguments in `args`, checked against its signature first)
   * on up to `threads` threads, this one included, and returns when all are done, each thread
   * running tiles as runTiles says (this one is thread 0). With `work`, a tile's workspace
   * arguments are the running thread's (Workspace). With `idleFirst` (a job long enough to hide
   * it), this thread does its idle work before its tiles. Returns the first error met (a
   * ThreadError for a worker's), or null; the arguments' rows read as unwritten afterwards.
   */
  parallelize(kernel: string, tiles: number, threads = Infinity, work: Workspace | null = null, idleFirst = false): unknown {
    if (this.failure) return new ThreadError(`wasmlp threads failed: ${this.failure}`);
    const op = this.ops.get(kernel);
    if (op === undefined || tiles < 1 || tiles > MAX_TILES) {
      return new Error(`wasmlp internal error: kernel ${kernel} cannot run on threads with ${tiles} tiles`);
    }
    const argc = this.kinds[op].length;
    const misfit = this.checkArgs(kernel, op, tiles, work ? work.arg : -1);
    if (misfit !== null) return new Error(misfit);
    const helpers = Math.max(0, Math.min(threads - 1, this.workers.length, tiles - 1));
    const job = this.job;
    job[OP] = op;
    job[ARGC] = argc;
    job[COUNT] = tiles;
    job[WORK_ARG] = work ? work.arg : -1;
    job[KEPT_ARG] = work?.kept ?? -1;
    job[PARTS] = helpers + 1;
    for (let q = 0; q <= helpers; q++) job[CLAIMS + q] = job[BACKS + q] = 0;
    this.fn = this.fns[op];
    this.argc = argc;
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
      runTiles(job, 0, helpers + 1, tiles, this.runTile);
    } catch (e) {
      error = e;
      stopTiles(job, helpers + 1); // the workers take no more tiles
    }
    this.fn = null;
    this.work = null;
    if (error === null) this.doIdle(helpers, seq, false);
    for (let w = 0; w < helpers; w++) {
      try {
        this.wait(w, seq);
      } catch (e) {
        error ??= e;
      }
    }
    // A row not rewritten before the next job then fails its check (its results stay for the caller).
    const args = this.tileArgs;
    for (let t = 0; t < tiles; t++) args.fill(NaN, t * MAX_ARGS, t * MAX_ARGS + argc);
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
      const now = this.clock.now(),
        seen = Atomics.load(this.i32, base + SEEN);
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
      const until = this.clock.now() + this.pollMicros / 1000;
      for (let spin = 1; Atomics.load(this.i32, base + DONE) !== seq; spin++) if ((spin & 255) === 0 && this.clock.now() > until) break;
    }
    const deadline = this.clock.now() + this.timeoutMs;
    for (;;) {
      const done = Atomics.load(this.i32, base + DONE);
      if (done === seq) break;
      if (this.failure) throw new ThreadError(`wasmlp threads failed: ${this.failure}`);
      const left = deadline - this.clock.now();
      if (left <= 0) {
        this.failure ??= `thread ${w + 1} did not finish its part within ${this.timeoutMs} ms (it may have died)`;
        throw new ThreadError(`wasmlp threads failed: ${this.failure}`);
      }
      // Blocks (does not spin) where the platform allows; a browser's main thread can only poll.
      if (this.blocking) this.clock.wait(this.i32, base + DONE, done, Math.min(left, 100));
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
