// The layer the engine calls instead of a kernel when it wants the work shared: it cuts a matmul
// or an elementwise pass into tiles (split.ts), writes their arguments into the pool's job area,
// and has the pool run them on the calling thread and the workers (pool.ts: each thread runs its
// own segment of the tiles, then takes untaken ones). Every output element is computed by one tile with
// the undivided kernel's arithmetic, whichever thread runs it, so the bits do not depend on the
// thread count.
import { activationKernels, type CostClass } from "../activations.js";
import { DENSE_MAX_M, type Dispatcher, type Form, forwardOnOneThread, qforwardOnOneThread } from "../dispatch.js";
import { pointerCount, THREADED_SIGNATURES } from "../kernel-signatures.js";
import type { Kernels } from "../kernels.js";
import { optimizerKernels } from "../optimizers.js";
import { type Pool, ThreadError, type Workspace } from "./pool.js";
import { callWith, MAX_ARGS, RESULT } from "./protocol.js";
import { MIN_ELEMENTWISE, splitElements, splitMatmul, splitRows, type Tile } from "./split.js";

/**
 * Per-element cost of each class relative to the cheapest (see MIN_ELEMENTWISE), timed on one
 * core: memory-bound, a division or square root, an exp, log or tanh. A dear pass is shared from
 * MIN_ELEMENTWISE / cost elements per thread, ~10 µs of work, where its own time is saved.
 */
const COST: Readonly<Record<CostClass, number>> = { cheap: 1, divides: 2, transcendental: 8 };

/** A registry kernel's cost class as a number; a kernel without one is a mistake, not a pass left on one thread. */
export function costOf(kernel: string, cost: CostClass): number {
  if (!Object.hasOwn(COST, cost))
    throw new Error(
      `wasmlp internal error: kernel ${kernel} has no thread cost class (received ${String(cost)}; expected one of ${Object.keys(COST).join(", ")})`,
    );
  return COST[cost];
}

/**
 * Pointer arguments of each elementwise kernel (after the size; scalars follow), its cost class,
 * and whether it works on rows: every activation's and optimizer's kernel, from the registries.
 */
const ELEMENTWISE: ReadonlyMap<string, { pointers: number; cost: number; rows: boolean }> = new Map(
  [...activationKernels(), ...optimizerKernels().map((o) => ({ ...o, rows: false }))].map((k) => [
    k.name,
    { pointers: pointerCount(k.signature), cost: costOf(k.name, k.cost), rows: k.rows },
  ]),
);

/** An elementwise kernel the dispatcher can share. */
export type ElementwiseKernel = string;

/**
 * The signature (src/kernel-signatures.ts's letters) of every kernel the threads run, by op
 * code: the strided matmuls and max_abs, then every registry kernel. The pool checks each tile's
 * arguments against it.
 */
export const THREAD_SIGNATURES: ReadonlyMap<string, string> = new Map<string, string>([
  ...Object.entries(THREADED_SIGNATURES),
  ...[...activationKernels(), ...optimizerKernels()].map((k): [string, string] => [k.name, k.signature]),
]);

/**
 * max_abs's cost class: a quarter of the cheapest's. It reads one array, sixteen floats a turn,
 * and writes nothing, so sharing keeps nothing in a thread's cache for later: 2 threads ran it
 * no faster than one below 262,144 floats (measured: bench/LOG.md, "Threads").
 */
const MAX_ABS_COST = 1 / 4;

/** Elements per thread a pass of `name` must have to be shared. */
function perThread(name: ElementwiseKernel | "max_abs"): number {
  return MIN_ELEMENTWISE / (name === "max_abs" ? MAX_ABS_COST : ELEMENTWISE.get(name)!.cost);
}

/**
 * The int8 matmuls' cost class against the float ones': a multiply-add costs half as much
 * (i32x4.dot_i16x8_s takes 8 a step where f32x4 takes 4, on a quarter of the bytes), so an int8
 * layer is shared from twice the multiply-adds of a float one. The relaxed 7-bit kernel takes 16
 * a step: a quarter.
 */
const INT8_MAC_COST = 1 / 2,
  INT7_MAC_COST = 1 / 4;

/** Multiply-adds per thread of a split matmul that hide the calling thread's idle work (hidesIdle). */
const IDLE_FIRST_WORK = 1 << 20;

/** The strided kernel of each form (a tile of C is a strided block). */
const STRIDED = { nn: "matmul_strided_nn", nt: "matmul_strided_nt", tn: "matmul_strided_tn" } as const;

/** The kernels' aMode written here: A packed block by block (row tiles), or whole and kept (column tiles; Pool.parallelize makes it KEPT on a thread's later tiles). */
const A_BLOCKWISE = 0,
  A_KEEP = 1;

/**
 * Writes the strided kernel's first 11 arguments for one tile of C = op(A)·op(B) into `out` at
 * `at` (the workspace, argument 9, is the running thread's: filled in by Pool.parallelize); the caller
 * writes the rest.
 */
function writeTileArgs(
  out: Float64Array,
  at: number,
  form: Form,
  m: number,
  n: number,
  k: number,
  a: number,
  b: number,
  c: number,
  t: Tile,
  acc: number,
): void {
  out[at] = t.rows;
  out[at + 1] = t.cols;
  out[at + 2] = k;
  out[at + 7] = c + 4 * (t.row * n + t.col);
  out[at + 8] = n;
  out[at + 10] = acc;
  switch (form) {
    case "nn":
      out[at + 3] = a + 4 * t.row * k;
      out[at + 4] = k;
      out[at + 5] = b + 4 * t.col;
      out[at + 6] = n;
      break;
    case "nt":
      out[at + 3] = a + 4 * t.row * k;
      out[at + 4] = k;
      out[at + 5] = b + 4 * t.col * k;
      out[at + 6] = k;
      break;
    case "tn":
      out[at + 3] = a + 4 * t.row;
      out[at + 4] = m;
      out[at + 5] = b + 4 * t.col;
      out[at + 6] = n;
      break;
  }
}

/**
 * Splits remembered by up to four numbers (shape and thread count): a training step uses a
 * handful of shapes, so a short list does, and a step in its steady state allocates none.
 */
class Splits<T> {
  private readonly entries: { a: number; b: number; c: number; d: number; value: T }[] = [];

  get(a: number, b: number, c: number, d: number): T | undefined {
    for (let i = 0; i < this.entries.length; i++) {
      const e = this.entries[i];
      if (e.a === a && e.b === b && e.c === c && e.d === d) return e.value;
    }
    return undefined;
  }

  add(a: number, b: number, c: number, d: number, value: T): T {
    if (this.entries.length === 32) this.entries.shift();
    this.entries.push({ a, b, c, d, value });
    return value;
  }
}

/** The dispatcher over a pool: each large call becomes one pool.parallelize() of its kernel over tiles. */
export class Parallel implements Dispatcher {
  private pool: Pool | null;

  /**
   * Matmul tiles' workspace argument, each thread's own packing workspace; for column tiles (all
   * of A in every tile) with their aMode argument (11, the fused forward's 13) raised to A_KEPT on
   * a thread's later tiles, which then skip packing A.
   */
  private readonly matmulWork: { rows: Workspace; columns: Workspace; forwardColumns: Workspace };
  private readonly tiles = new Splits<Tile[]>();
  private readonly ranges = new Splits<[number, number][]>();
  /** Arguments of an elementwise pass that runs whole on this thread. */
  private readonly scratch = new Float64Array(MAX_ARGS);

  constructor(
    readonly kernels: Kernels,
    pool: Pool | null,
    /** The calling thread's packing workspace, then one per worker. */
    private readonly workspaces: readonly number[],
  ) {
    this.pool = pool && pool.size > 0 ? pool : null;
    this.matmulWork = {
      rows: { arg: 9, pointers: workspaces },
      columns: { arg: 9, pointers: workspaces, kept: 11 },
      forwardColumns: { arg: 9, pointers: workspaces, kept: 13 },
    };
  }

  /**
   * Whether a split matmul is long enough for the calling thread to do its idle work (the next
   * batch's rows, ~45 µs for 64 rows of 784) before its tiles, the workers taking its tiles
   * meanwhile: at least IDLE_FIRST_WORK multiply-adds per thread (~50 µs). Only weight gradients
   * (Aᵀ·B) are used so: their column tiles share no cache with the optimizer's parts anyway,
   * whereas a worker taking forward tiles reads weights the calling thread's optimizer part just
   * wrote; copying ahead in forward products as well made epochs slower (measured: bench/LOG.md, "Threads").
   */
  private hidesIdle(m: number, n: number, k: number): boolean {
    return m * n * k >= IDLE_FIRST_WORK * this.threads;
  }

  /** splitMatmul for this shape and the current thread count, remembered. */
  private plan(m: number, n: number, k: number): Tile[] {
    const threads = this.threads;
    return this.tiles.get(m, n, k, threads) ?? this.tiles.add(m, n, k, threads, splitMatmul(m, n, k, threads));
  }

  /** splitElements for this size and the current thread count, remembered. */
  private parts(n: number, perThread: number): [number, number][] {
    const threads = this.threads;
    return this.ranges.get(n, perThread, threads, 0) ?? this.ranges.add(n, perThread, threads, 0, splitElements(n, threads, perThread));
  }

  private shared: Kernels | null = null;

  /**
   * The kernels with every elementwise pass (activations, softmax, optimizer steps) going through
   * elementwise(): hand this to code written against Kernels to have it share those passes.
   */
  get kernelsShared(): Kernels {
    if (!this.shared) {
      const overrides: Record<string, (...args: number[]) => void> = {};
      for (const [name, { pointers, rows }] of ELEMENTWISE) {
        const direct = (this.kernels as unknown as Record<string, (...args: number[]) => void>)[name];
        const least = 2 * perThread(name);
        overrides[name] = rows
          ? (m, n, ...rest) =>
              this.pool && m * n >= least ? this.elementwise(name, m * n, rest.slice(0, pointers), rest.slice(pointers), n) : direct(m, n, ...rest)
          : (n, ...rest) => (this.pool && n >= least ? this.elementwise(name, n, rest.slice(0, pointers), rest.slice(pointers)) : direct(n, ...rest));
      }
      this.shared = { ...this.kernels, ...overrides } as Kernels;
    }
    return this.shared;
  }

  private limit = Infinity;

  /** Threads that share the work: 1 + workers (or fewer, see useThreads), until a failure. */
  get threads(): number {
    return this.pool ? Math.min(this.limit, this.pool.size + 1) : 1;
  }

  /** Uses at most `n` of the started threads from now on (benchmarks compare counts in one process). */
  useThreads(n: number): void {
    this.limit = Math.max(1, Math.floor(n));
  }

  /** Work for the calling thread while it waits for a worker's last tile (Pool.idle), or null. */
  get idle(): (() => boolean) | null {
    return this.pool?.idle ?? null;
  }

  set idle(work: (() => boolean) | null) {
    if (this.pool) this.pool.idle = work;
  }

  /** Why the threads stopped, if they did. */
  get failure(): string | null {
    return this.pool?.failure ?? null;
  }

  /** C = op(A)·op(B) (+ C when accumulate), forms as in assembly/gemm.ts. */
  matmul(form: Form, m: number, n: number, k: number, a: number, b: number, c: number, accumulate: boolean): void {
    const acc = accumulate ? 1 : 0;
    const tiles = this.plan(m, n, k);
    if (tiles.length === 1) {
      const kr = this.kernels;
      const w = this.workspaces[0];
      if (form === "nn") kr.matmul_nn(m, n, k, a, b, c, w, acc);
      else if (form === "nt") kr.matmul_nt(m, n, k, a, b, c, w, acc);
      else kr.matmul_tn(m, n, k, a, b, c, w, acc);
      return;
    }
    const args = this.pool!.args;
    const columns = tiles[0].rows === m; // every tile has all of A
    for (let t = 0; t < tiles.length; t++) {
      writeTileArgs(args, t * MAX_ARGS, form, m, n, k, a, b, c, tiles[t], acc);
      args[t * MAX_ARGS + 11] = columns ? A_KEEP : A_BLOCKWISE;
    }
    const work = columns ? this.matmulWork.columns : this.matmulWork.rows;
    this.run(STRIDED[form], tiles.length, work, form === "tn" && this.hidesIdle(m, n, k));
  }

  /**
   * A dense layer's forward pass Z = act(A·Wᵀ + bias), A m×k, W n×k. Up to DENSE_MAX_M (8)
   * samples take dense_nt_forward (W streamed once, no packing; a sample's outputs do not depend
   * on the others in its batch), more take matmul_nt_forward (bias and activation in the GEMM's
   * store). Split across threads, each tile runs matmul_strided_nt_forward, the same fused store
   * on its block of Z, so the thread count never changes the result. Row-wise activations
   * (softmax) get epilogue 4 (the identity) and their own pass after this. `packed`: W already
   * packed by pack_bt (inference, one thread), or 0.
   */
  forwardNT(m: number, n: number, k: number, a: number, w: number, bias: number, z: number, epilogue: number, alpha: number, packed = 0): void {
    const tiles = m <= DENSE_MAX_M ? null : this.plan(m, n, k);
    if (tiles === null || tiles.length === 1) {
      forwardOnOneThread(this.kernels, this.workspaces[0], m, n, k, a, w, bias, z, epilogue, alpha, packed);
      return;
    }
    const args = this.pool!.args;
    const columns = tiles[0].rows === m;
    for (let t = 0; t < tiles.length; t++) {
      const at = t * MAX_ARGS;
      writeTileArgs(args, at, "nt", m, n, k, a, w, z, tiles[t], 0);
      args[at + 10] = bias + 4 * tiles[t].col;
      args[at + 11] = epilogue;
      args[at + 12] = alpha;
      args[at + 13] = columns ? A_KEEP : A_BLOCKWISE;
    }
    this.run("matmul_strided_nt_forward", tiles.length, columns ? this.matmulWork.forwardColumns : this.matmulWork.rows);
  }

  /** An int8 layer cut into blocks of samples (Dispatcher.qforward), each tile the same kernel on its rows. */
  qforward(
    relaxed: boolean,
    m: number,
    n: number,
    k: number,
    q: number,
    sx: number,
    zx: number,
    w: number,
    sw: number,
    rs: number,
    bias: number,
    z: number,
    act: number,
    alpha: number,
  ): void {
    const parts = this.pool ? this.rowParts(m, n * k * (relaxed ? INT7_MAC_COST : INT8_MAC_COST)) : null;
    if (!parts || parts.length === 1) {
      qforwardOnOneThread(this.kernels, relaxed, m, n, k, q, sx, zx, w, sw, rs, bias, z, act, alpha);
      return;
    }
    const args = this.pool!.args;
    const qRow = relaxed ? (k + 7) & ~7 : 2 * ((k + 7) & ~7);
    for (let t = 0; t < parts.length; t++) {
      const [s, e] = parts[t];
      const at = t * MAX_ARGS;
      args[at] = e - s;
      args[at + 1] = n;
      args[at + 2] = k;
      args[at + 3] = q + s * qRow;
      args[at + 4] = sx + 4 * s;
      let i = at + 5;
      if (relaxed) args[i++] = zx + 4 * s;
      args[i++] = w;
      args[i++] = sw;
      if (relaxed) args[i++] = rs;
      args[i++] = bias;
      args[i++] = z + 4 * s * n;
      args[i++] = act;
      args[i] = alpha;
    }
    this.run(relaxed ? "qmatmul7_nt_forward" : "qmatmul_nt_forward", parts.length);
  }

  /** splitRows for m samples of `work` (cost-weighted multiply-adds) each and the current thread count, remembered. */
  private rowParts(m: number, work: number): [number, number][] {
    const threads = this.threads;
    return this.ranges.get(m, work, threads, 1) ?? this.ranges.add(m, work, threads, 1, splitRows(m, work, threads));
  }

  /**
   * An elementwise kernel `name(n, ...pointers, ...scalars)` over n floats, cut into ranges;
   * `rowLength` > 1 cuts at whole rows of that many floats (softmax).
   */
  elementwise(name: ElementwiseKernel, n: number, pointers: readonly number[], scalars: readonly number[] = [], rowLength = 1): void {
    const rows = n / rowLength;
    const parts = this.parts(rows, Math.max(1, Math.ceil(perThread(name) / rowLength)));
    const fn = (this.kernels as unknown as Record<string, (...args: number[]) => void>)[name];
    const head = rowLength > 1 ? 2 : 1;
    const argc = head + pointers.length + scalars.length;
    const args = parts.length > 1 ? this.pool!.args : this.scratch;
    for (let p = 0; p < parts.length; p++) {
      const [s, e] = parts[p];
      const at = p * MAX_ARGS;
      args[at] = e - s;
      if (rowLength > 1) args[at + 1] = rowLength;
      for (let i = 0; i < pointers.length; i++) args[at + head + i] = pointers[i] + 4 * s * rowLength;
      for (let i = 0; i < scalars.length; i++) args[at + head + pointers.length + i] = scalars[i];
    }
    if (parts.length === 1) {
      callWith(fn, args, 0, argc);
      return;
    }
    this.run(name, parts.length);
  }

  /**
   * max_i |x(n)[i]| (NaN if any is NaN, +∞ if any is infinite), its parts on the threads like a
   * large elementwise pass. A maximum is exact, so the result does not depend on the split.
   */
  maxAbs(n: number, x: number): number {
    const least = perThread("max_abs");
    const parts = this.pool && n >= 2 * least ? this.parts(n, least) : null;
    if (!parts || parts.length === 1) return this.kernels.max_abs(n, x);
    const args = this.pool!.args;
    for (let p = 0; p < parts.length; p++) {
      args[p * MAX_ARGS] = parts[p][1] - parts[p][0];
      args[p * MAX_ARGS + 1] = x + 4 * parts[p][0];
    }
    this.run("max_abs", parts.length);
    let max = 0;
    for (let p = 0; p < parts.length; p++) max = Math.max(max, args[p * MAX_ARGS + RESULT]);
    return max;
  }

  /** Stops the workers; later work runs on the calling thread. */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.close();
  }

  /** Calls so far that were split across threads (for tests and the curious). */
  splitCalls = 0;

  // Tile p starts on thread p (0 is this one), the rest go to whichever thread is free first.
  private run(name: string, count: number, work: Workspace | null = null, idleFirst = false): void {
    const pool = this.pool!;
    this.splitCalls++;
    const error = pool.parallelize(name, count, this.threads, work, idleFirst);
    if (error !== null) {
      if (error instanceof ThreadError) {
        // Later work runs on this thread alone; the workers are let go.
        this.pool = null;
        void pool.close();
        throw new ThreadError(`${error.message}; this step failed, and wasmlp continues on one thread`);
      }
      throw error;
    }
  }
}
