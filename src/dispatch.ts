// What the engine asks of the hardware beneath it: matmuls, a dense layer's forward pass,
// max|x|, and the kernels whose elementwise passes may be shared. One thread answers with the
// kernels themselves (Serial, here); init({ threads }) loads the threaded dispatcher
// (src/threads/parallel.ts) instead, and only then, so one-thread programs never load the pool.
import type { Kernels, RelaxedKernels } from "./kernels.js";

/** Operand forms of a product, as in assembly/gemm.ts: C = A·B, A·Bᵀ, Aᵀ·B. */
export type Form = "nn" | "nt" | "tn";

/**
 * Forward passes of at most this many samples run dense_nt_forward (unpacked dot products, on the
 * calling thread) instead of the packed GEMM, which it beat at 1–8 samples (measured:
 * bench/LOG.md, "Inference").
 */
export const DENSE_MAX_M = 8;

export interface Dispatcher {
  /** Threads that share the work now (1 on the serial dispatcher, or after threads failed). */
  readonly threads: number;
  /** The kernels, with every large elementwise pass shared among the threads. */
  readonly kernelsShared: Kernels;
  /** Work for the calling thread while it waits for a worker's last tile, or null (always null on one thread). */
  idle: (() => boolean) | null;
  /** Why the threads stopped, if they did. */
  readonly failure: string | null;
  /** Calls so far that were split across threads. */
  readonly splitCalls: number;
  /** C = op(A)·op(B) (+ C when accumulate). */
  matmul(form: Form, m: number, n: number, k: number, a: number, b: number, c: number, accumulate: boolean): void;
  /** Z = act(A·Wᵀ + bias), A m×k, W n×k; `packed`: W packed by pack_bt, or 0. */
  forwardNT(m: number, n: number, k: number, a: number, w: number, bias: number, z: number, epilogue: number, alpha: number, packed?: number): void;
  /** max_i |x(n)[i]| (NaN if any is NaN). */
  maxAbs(n: number, x: number): number;
  /**
   * An int8 layer, Z(m×n) = qmatmul_nt_forward(m, n, k, q, sx, w, sw, bias, z, act, alpha), or
   * with `relaxed` the relaxed build's qmatmul7_nt_forward (zx: the zero points, rs: W's row
   * sums; both 0 otherwise). Each sample's outputs depend only on its row, so threads take
   * blocks of rows and the bits do not depend on the thread count.
   */
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
  ): void;
  /** Uses at most `n` of the started threads from now on. */
  useThreads(n: number): void;
  /** Stops the threads, if any; later work runs on the calling thread. */
  close(): Promise<void>;
}

/** Threads started by init({ threads }) (src/threads/index.ts), as the loader and runtime know them. */
export interface ThreadsStarted {
  /** The calling thread and its workers. */
  threads: number;
  /** The dispatcher over the started threads, given each thread's packing workspace (the calling thread's first). */
  dispatcher(kernels: Kernels, workspaces: readonly number[]): Dispatcher;
}

/** The one-thread dispatcher: each call is one kernel call. */
export class Serial implements Dispatcher {
  readonly threads = 1;
  readonly failure = null;
  readonly splitCalls = 0;

  constructor(
    readonly kernelsShared: Kernels,
    /** matmul_workspace_bytes() bytes for packing. */
    private readonly workspace: number,
  ) {}

  get idle(): null {
    return null;
  }

  set idle(_work: (() => boolean) | null) {
    // One thread never waits for another, so there is no idle time to fill.
  }

  matmul(form: Form, m: number, n: number, k: number, a: number, b: number, c: number, accumulate: boolean): void {
    const kr = this.kernelsShared,
      acc = accumulate ? 1 : 0;
    if (form === "nn") kr.matmul_nn(m, n, k, a, b, c, this.workspace, acc);
    else if (form === "nt") kr.matmul_nt(m, n, k, a, b, c, this.workspace, acc);
    else kr.matmul_tn(m, n, k, a, b, c, this.workspace, acc);
  }

  forwardNT(m: number, n: number, k: number, a: number, w: number, bias: number, z: number, epilogue: number, alpha: number, packed = 0): void {
    forwardOnOneThread(this.kernelsShared, this.workspace, m, n, k, a, w, bias, z, epilogue, alpha, packed);
  }

  maxAbs(n: number, x: number): number {
    return this.kernelsShared.max_abs(n, x);
  }

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
    qforwardOnOneThread(this.kernelsShared, relaxed, m, n, k, q, sx, zx, w, sw, rs, bias, z, act, alpha);
  }

  useThreads(_n: number): void {}

  async close(): Promise<void> {}
}

/** An int8 layer on the calling thread (Dispatcher.qforward). */
export function qforwardOnOneThread(
  k: Kernels,
  relaxed: boolean,
  m: number,
  n: number,
  kk: number,
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
  if (relaxed) (k as unknown as RelaxedKernels).qmatmul7_nt_forward(m, n, kk, q, sx, zx, w, sw, rs, bias, z, act, alpha);
  else k.qmatmul_nt_forward(m, n, kk, q, sx, w, sw, bias, z, act, alpha);
}

/**
 * A dense layer's forward pass on the calling thread: up to DENSE_MAX_M samples take
 * dense_nt_forward (W streamed once, no packing), more the packed GEMM with bias and activation
 * fused into its store (from W packed by pack_bt when `packed` is not 0).
 */
export function forwardOnOneThread(
  k: Kernels,
  work: number,
  m: number,
  n: number,
  kk: number,
  a: number,
  w: number,
  bias: number,
  z: number,
  epilogue: number,
  alpha: number,
  packed: number,
): void {
  if (m <= DENSE_MAX_M) k.dense_nt_forward(m, n, kk, a, w, bias, z, epilogue, alpha);
  else if (packed) k.matmul_nt_forward_packed(m, n, kk, a, packed, bias, z, work, epilogue, alpha);
  else k.matmul_nt_forward(m, n, kk, a, w, bias, z, work, epilogue, alpha);
}
