// The layer the engine calls instead of a kernel when it wants the work shared: it cuts a matmul
// or an elementwise pass into parts (split.ts), posts parts 1.. to the workers, runs part 0 on
// the calling thread, and waits for all. Every output element is computed by one part with the
// undivided kernel's arithmetic, so the bits do not depend on the thread count.
import type { ActivationOp } from "../activations.js";
import type { Kernels } from "../wasm.js";
import { Pool, ThreadError } from "./pool.js";
import { DENSE_MAX_M, MIN_ELEMENTWISE, splitElements, splitMatmul, type Tile } from "./split.js";

/** Kernels a worker may be asked to run (their index is the op code in the control block). */
export const THREAD_KERNELS = [
  "matmul_strided_nn", "matmul_strided_nt", "matmul_strided_tn",
  "sigmoid_forward", "sigmoid_backward", "tanh_forward", "tanh_backward", "relu_forward", "relu_backward",
  "leaky_relu_forward", "leaky_relu_backward", "softmax_forward", "softmax_backward",
  "elu_forward", "elu_backward", "selu_forward", "selu_backward", "softsign_forward", "softsign_backward",
  "hard_sigmoid_forward", "hard_sigmoid_backward", "softplus_forward", "softplus_backward",
  "swish_forward", "swish_backward", "gelu_forward", "gelu_backward",
  "sgd_step", "momentum_step", "adam_step", "nesterov_step", "rmsprop_step", "adagrad_step", "scale_step", "clip_values",
] as const;

export type ElementwiseKernel = Exclude<(typeof THREAD_KERNELS)[number], `matmul_${string}`>;

/** Pointer arguments of each elementwise kernel (after the size; scalars follow), and whether it works on rows. */
const ELEMENTWISE: Record<ElementwiseKernel, { pointers: number; rows?: true }> = {
  sigmoid_forward: { pointers: 2 }, sigmoid_backward: { pointers: 3 },
  tanh_forward: { pointers: 2 }, tanh_backward: { pointers: 3 },
  relu_forward: { pointers: 2 }, relu_backward: { pointers: 3 },
  leaky_relu_forward: { pointers: 2 }, leaky_relu_backward: { pointers: 3 },
  softmax_forward: { pointers: 2, rows: true }, softmax_backward: { pointers: 3, rows: true },
  elu_forward: { pointers: 2 }, elu_backward: { pointers: 3 }, selu_forward: { pointers: 2 }, selu_backward: { pointers: 3 },
  softsign_forward: { pointers: 2 }, softsign_backward: { pointers: 3 }, hard_sigmoid_forward: { pointers: 2 }, hard_sigmoid_backward: { pointers: 3 },
  softplus_forward: { pointers: 2 }, softplus_backward: { pointers: 3 },
  swish_forward: { pointers: 2 }, swish_backward: { pointers: 3 }, gelu_forward: { pointers: 2 }, gelu_backward: { pointers: 3 },
  sgd_step: { pointers: 2 }, momentum_step: { pointers: 3 }, adam_step: { pointers: 4 },
  nesterov_step: { pointers: 3 }, rmsprop_step: { pointers: 3 }, adagrad_step: { pointers: 3 }, scale_step: { pointers: 1 }, clip_values: { pointers: 1 },
};
export type Form = "nn" | "nt" | "tn";

/** The strided matmul exports of the threads build (additive to Kernels). */
interface StridedKernels {
  matmul_strided_nn(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, work: number, accumulate: number): void;
  matmul_strided_nt(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, work: number, accumulate: number): void;
  matmul_strided_tn(m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number, work: number, accumulate: number): void;
}

/** Arguments of the strided kernel for one tile of C = op(A)·op(B). */
function tileArgs(form: Form, m: number, n: number, k: number, a: number, b: number, c: number, t: Tile, work: number, acc: number): number[] {
  const cp = c + 4 * (t.row * n + t.col);
  switch (form) {
    case "nn": return [t.rows, t.cols, k, a + 4 * t.row * k, k, b + 4 * t.col, n, cp, n, work, acc];
    case "nt": return [t.rows, t.cols, k, a + 4 * t.row * k, k, b + 4 * t.col * k, k, cp, n, work, acc];
    case "tn": return [t.rows, t.cols, k, a + 4 * t.row, m, b + 4 * t.col, n, cp, n, work, acc];
  }
}

export class Parallel {
  private pool: Pool | null;
  private readonly strided: StridedKernels;

  constructor(
    readonly kernels: Kernels,
    pool: Pool | null,
    /** The calling thread's packing workspace, then one per worker. */
    private readonly workspaces: readonly number[],
  ) {
    this.pool = pool && pool.size > 0 ? pool : null;
    this.strided = kernels as unknown as StridedKernels;
  }

  private shared: Kernels | null = null;

  /**
   * The kernels with every elementwise pass (activations, softmax, optimizer steps) going through
   * elementwise(): hand this to code written against Kernels to have it share those passes.
   */
  get kernelsShared(): Kernels {
    if (!this.shared) {
      const overrides: Record<string, (...args: number[]) => void> = {};
      for (const [name, { pointers, rows }] of Object.entries(ELEMENTWISE) as [ElementwiseKernel, { pointers: number; rows?: true }][]) {
        const direct = (this.kernels as unknown as Record<string, (...args: number[]) => void>)[name];
        overrides[name] = rows
          ? (m, n, ...rest) => (this.pool && m * n >= 2 * MIN_ELEMENTWISE ? this.elementwise(name, m * n, rest.slice(0, pointers), rest.slice(pointers), n) : direct(m, n, ...rest))
          : (n, ...rest) => (this.pool && n >= 2 * MIN_ELEMENTWISE ? this.elementwise(name, n, rest.slice(0, pointers), rest.slice(pointers)) : direct(n, ...rest));
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

  /** Why the threads stopped, if they did. */
  get failure(): string | null {
    return this.pool?.failure ?? null;
  }

  /** C = op(A)·op(B) (+ C when accumulate), forms as in assembly/gemm.ts. */
  matmul(form: Form, m: number, n: number, k: number, a: number, b: number, c: number, accumulate: boolean): void {
    const acc = accumulate ? 1 : 0;
    const tiles = splitMatmul(m, n, k, this.threads);
    if (tiles.length === 1) {
      const kr = this.kernels;
      const w = this.workspaces[0];
      if (form === "nn") kr.matmul_nn(m, n, k, a, b, c, w, acc);
      else if (form === "nt") kr.matmul_nt(m, n, k, a, b, c, w, acc);
      else kr.matmul_tn(m, n, k, a, b, c, w, acc);
      return;
    }
    const name = `matmul_strided_${form}` as const;
    // Argument 9, the packing workspace, is the running thread's own (filled in by Pool.run).
    this.run(tiles.length, (p) => tileArgs(form, m, n, k, a, b, c, tiles[p], 0, acc), name, (args) =>
      this.strided[name](args[0], args[1], args[2], args[3], args[4], args[5], args[6], args[7], args[8], args[9], args[10]), 9);
  }

  /**
   * A dense layer's forward pass Z = act(A·Wᵀ + bias), A m×k, W n×k. Up to DENSE_MAX_M (8)
   * samples take dense_nt_forward (W streamed once, no packing; a sample's outputs do not depend
   * on the others in its batch), more take matmul_nt_forward (bias and activation in the GEMM's
   * store). Split across threads, the parts run matmul_nt and the bias and activation follow as
   * passes; the fused store computes the same bits as those passes (tested), so the thread count
   * never changes the result. Row-wise activations (softmax) get epilogue 4 (the identity) and
   * their own pass after this. `packed`: W already packed by pack_bt (inference), or 0.
   */
  forwardNT(m: number, n: number, k: number, a: number, w: number, bias: number, z: number, epilogue: number, alpha: number,
    elementwise: ActivationOp["kernels"] | null, packed = 0): void {
    if (m <= DENSE_MAX_M) {
      this.kernels.dense_nt_forward(m, n, k, a, w, bias, z, epilogue, alpha);
    } else if (splitMatmul(m, n, k, this.threads).length === 1) {
      if (packed) this.kernels.matmul_nt_forward_packed(m, n, k, a, packed, bias, z, this.workspaces[0], epilogue, alpha);
      else this.kernels.matmul_nt_forward(m, n, k, a, w, bias, z, this.workspaces[0], epilogue, alpha);
    } else {
      this.matmul("nt", m, n, k, a, w, z, false);
      this.kernels.add_bias(m, n, bias, z);
      elementwise?.forward(this.kernelsShared, m, n, z, z, alpha);
    }
  }

  /**
   * An elementwise kernel `name(n, ...pointers, ...scalars)` over n floats, cut into ranges;
   * `rowLength` > 1 cuts at whole rows of that many floats (softmax).
   */
  elementwise(name: ElementwiseKernel, n: number, pointers: readonly number[], scalars: readonly number[] = [], rowLength = 1): void {
    const rows = n / rowLength;
    const parts = splitElements(rows, this.threads, Math.max(1, Math.ceil(32768 / rowLength)));
    const fn = (this.kernels as unknown as Record<string, (...args: number[]) => void>)[name];
    const argsOf = (p: number) => {
      const [s, e] = parts[p];
      const head = rowLength > 1 ? [e - s, rowLength] : [e - s];
      return [...head, ...pointers.map((ptr) => ptr + 4 * s * rowLength), ...scalars];
    };
    if (parts.length === 1) {
      fn(...argsOf(0));
      return;
    }
    this.run(parts.length, argsOf, name, (args) => fn(...args));
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
  private run(parts: number, argsOf: (p: number) => number[], name: string, here: (args: number[]) => void, workArg = -1): void {
    const pool = this.pool!;
    this.splitCalls++;
    const tiles = Array.from({ length: parts }, (_, p) => argsOf(p));
    const error = pool.run(this.threads, name, tiles, here, workArg >= 0 ? { arg: workArg, pointers: this.workspaces } : undefined);
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
