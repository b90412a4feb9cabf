// A pool of workers (Node worker_threads or Web Workers), each running its own instance of the
// threads build over the one shared WebAssembly.Memory. Workers never allocate: the main thread
// posts a kernel name and its arguments (pointers into memory the TypeScript allocator owns) in a
// small shared control block, wakes the worker with Atomics.notify, and waits (Atomics.wait, with a
// deadline) for it to finish. A kernel that throws or a worker that exits marks the pool failed.

/** Int32 slots per worker in the control block: seq, done, status, op, argc, error length, args, error text. */
const SLOT = 128;
const SEQ = 0, DONE = 1, STATUS = 2, OP = 3, ARGC = 4, ERRLEN = 5;
/** Byte offset of a worker's f64 arguments inside its slot, and how many fit. */
const ARGS_BYTE = 32;
export const MAX_ARGS = 16;
/** Byte offset of a worker's error text (UTF-16 code units) inside its slot. */
const ERR_BYTE = ARGS_BYTE + 8 * MAX_ARGS;
const ERR_CHARS = (SLOT * 4 - ERR_BYTE) / 2;
/** Loads of a flag before blocking on it (tens of microseconds): bounded, never an endless spin. */
const SPIN = 5_000;

// The worker's whole program, as source text: no imports, so it runs the same from a Node eval
// worker or a blob-URL Web Worker, whatever bundler built the library.
const WORKER_SOURCE = `
const SLOT = ${SLOT}, SEQ = ${SEQ}, DONE = ${DONE}, STATUS = ${STATUS}, OP = ${OP}, ARGC = ${ARGC}, ERRLEN = ${ERRLEN};
const ARGS_BYTE = ${ARGS_BYTE}, ERR_BYTE = ${ERR_BYTE}, ERR_CHARS = ${ERR_CHARS}, SPIN = ${SPIN};
const node = typeof require === "function" && typeof self === "undefined";
const port = node ? require("node:worker_threads").parentPort : null;
const post = (m) => (node ? port.postMessage(m) : self.postMessage(m));
const listen = (f) => (node ? port.once("message", f) : (self.onmessage = (e) => f(e.data)));
listen(async ({ module, memory, control, slot, names }) => {
  let exports;
  try {
    exports = (await WebAssembly.instantiate(module, { env: { memory } })).exports;
  } catch (e) {
    post({ error: String(e && e.message || e) });
    return;
  }
  const i32 = new Int32Array(control, slot * SLOT * 4, SLOT);
  const f64 = new Float64Array(control, slot * SLOT * 4 + ARGS_BYTE, ${MAX_ARGS});
  const err = new Uint16Array(control, slot * SLOT * 4 + ERR_BYTE, ERR_CHARS);
  const fns = names.map((n) => exports[n]);
  post({ ready: true });
  let seen = 0;
  for (;;) {
    // Steps post parts in quick succession: a short bounded spin catches the next one without
    // the cost of a sleep and wake-up; then block.
    for (let spin = 0; spin < SPIN && Atomics.load(i32, SEQ) === seen; spin++);
    Atomics.wait(i32, SEQ, seen);
    const seq = Atomics.load(i32, SEQ);
    if (seq === seen) continue;
    seen = seq;
    if (seq < 0) return;
    let status = 0;
    try {
      const argc = i32[ARGC];
      const fn = fns[i32[OP]];
      if (argc === 11) fn(f64[0], f64[1], f64[2], f64[3], f64[4], f64[5], f64[6], f64[7], f64[8], f64[9], f64[10]);
      else fn(...Array.from(f64.subarray(0, argc)));
    } catch (e) {
      status = 1;
      const text = String(e && e.message || e).slice(0, ERR_CHARS);
      for (let i = 0; i < text.length; i++) err[i] = text.charCodeAt(i);
      i32[ERRLEN] = text.length;
    }
    i32[STATUS] = status;
    Atomics.store(i32, DONE, seq);
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
  const isNode = typeof process === "object" && typeof process.versions?.node === "string" && typeof window === "undefined";
  if (isNode) {
    const { Worker } = await import("node:worker_threads");
    const worker = new Worker(WORKER_SOURCE, { eval: true });
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

/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
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
  private readonly f64: Float64Array[];
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
    this.f64 = workers.map((_, w) => new Float64Array(control, w * SLOT * 4 + ARGS_BYTE, MAX_ARGS));
    this.ops = new Map(names.map((n, i) => [n, i]));
  }

  /** Starts `size` workers over `memory`, each instantiating `module`; resolves when all are ready. */
  static async start(size: number, module: WebAssembly.Module, memory: WebAssembly.Memory, names: readonly string[], timeoutMs = 60_000): Promise<Pool> {
    const control = new SharedArrayBuffer(Math.max(1, size) * SLOT * 4);
    const handles: WorkerHandle[] = [];
    let pool: Pool | null = null;
    const onExit = (why: string) => { if (pool && !pool.closed) pool.failure ??= why; };
    try {
      const spawned: Spawned[] = [];
      for (let slot = 0; slot < size; slot++) {
        const s = await spawn(onExit, { module, memory, control, slot, names });
        spawned.push(s);
        handles.push(s.handle);
      }
      await Promise.all(spawned.map((s) => s.ready));
    } catch (e) {
      for (const h of handles) h.terminate();
      throw e;
    }
    pool = new Pool(handles, control, names, timeoutMs);
    return pool;
  }

  private closed = false;

  /** Number of workers (the calling thread is not counted). */
  get size(): number {
    return this.workers.length;
  }

  /** Workers, for tests that need to kill one. */
  get handles(): readonly WorkerHandle[] {
    return this.workers;
  }

  /** Posts `name(...args)` to worker `w`; pair with wait(w). */
  post(w: number, name: string, args: ArrayLike<number>): void {
    if (this.failure) throw new ThreadError(`wasmlp threads failed: ${this.failure}`);
    const op = this.ops.get(name);
    if (op === undefined || args.length > MAX_ARGS) throw new Error(`wasmlp internal error: kernel ${name} cannot run on a thread`);
    const base = w * SLOT;
    const f = this.f64[w];
    for (let i = 0; i < args.length; i++) f[i] = args[i];
    this.i32[base + OP] = op;
    this.i32[base + ARGC] = args.length;
    this.i32[base + STATUS] = 0;
    const seq = (this.seq = (this.seq + 1) & 0x3fffffff) || (this.seq = 1);
    Atomics.store(this.i32, base + SEQ, seq);
    Atomics.notify(this.i32, base + SEQ);
  }

  /** Waits until worker `w` has finished what post() gave it; throws ThreadError on a failure or deadline. */
  wait(w: number): void {
    const base = w * SLOT;
    const seq = Atomics.load(this.i32, base + SEQ);
    for (let spin = 0; spin < SPIN && Atomics.load(this.i32, base + DONE) !== seq; spin++);
    const deadline = performance.now() + this.timeoutMs;
    for (;;) {
      const done = Atomics.load(this.i32, base + DONE);
      if (done === seq) break;
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
