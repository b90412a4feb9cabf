// The primitives a network's schedule (src/engine/schedule.ts) is written over: one interface,
// whose implementations differ in how they compute, never in what. Implementations: float64
// TypeScript (src/reference/backend.ts) and wasm float32 (src/engine/wasm-backend.ts), whose
// matmuls and large passes go through the runtime's dispatcher: the kernels themselves on one
// thread, the threads' dispatcher (src/threads/parallel.ts, the only user of the pool) on several.
// Each call is one layer's worth of work: buffers in, buffers out; nothing is validated here.
import type { ActivationOp } from "../activations.js";
import type { OptimizerSpec } from "../optimizer-spec.js";
import type { Form } from "../dispatch.js";
import type { LossOp } from "../losses.js";
import type { OptimizerOp } from "../optimizers.js";

export type { Form };

/** Memory a backend allocated: its handle for the primitives, its values as a typed array, its release. */
export interface Buffer<H, A extends Float32Array | Float64Array> {
  /** What primitives take: a byte address in linear memory (wasm), or the array itself (float64). */
  readonly handle: H;
  /** The values; on wasm re-read after every call that may grow memory. */
  readonly view: A;
  dispose(): void;
}

/**
 * Primitives over handles H (a region's address, or a float64 array) with arrays A. Sizes come
 * first, then inputs, outputs and scalars, as the kernels of assembly/ take them; matrices are
 * row-major with samples as rows.
 */
export interface Backend<H, A extends Float32Array | Float64Array> {
  readonly dtype: "float32" | "float64";
  /** Threads that share the matmuls and large passes now (1: the calling thread alone). */
  readonly threads: number;
  /** Work for the calling thread while it waits for other threads, or null (ignored on one thread). */
  idle: (() => boolean) | null;
  /** Room for n values, not cleared (every buffer is written before it is read); throws if memory runs out. */
  alloc(n: number): Buffer<H, A>;
  /** A plain array of n values, outside the backend's memory. */
  newArray(n: number): A;
  /** The handle of `length` values from element `start` of a buffer. */
  at(b: Buffer<H, A>, start: number, length: number): H;
  /** b[start .. start + n) = value. */
  fill(b: Buffer<H, A>, start: number, n: number, value: number): void;

  /** Z(m×n) = act(X·Wᵀ + bias), X m×k, W n×k; `packed`: W as pack() left it, or null. */
  denseForward(m: number, n: number, k: number, x: H, w: H, bias: H, z: H, act: ActivationOp, alpha: number, packed: H | null): void;
  /** Values pack() writes for an n×k W, or 0 when this backend does not pack (then packed stays null). */
  packedSize(n: number, k: number): number;
  /** W (n×k) laid out as denseForward reads it fastest. */
  pack(n: number, k: number, w: H, out: H): void;
  /** C = op(A)·op(B): "nn" C(m×n) = A·B, "nt" A·Bᵀ, "tn" Aᵀ·B (A k×m); C is overwritten. */
  matmul(form: Form, m: number, n: number, k: number, a: H, b: H, c: H): void;
  /** out(n) = Σ_rows x(m×n). */
  sumCols(m: number, n: number, x: H, out: H): void;

  /** a = g(z) over m×n (in place allowed; row-wise activations per row). */
  activationForward(act: ActivationOp, m: number, n: number, z: H, a: H, alpha: number): void;
  /** dz = da ∘ g′, read through x: the output a, or the input z for fromInput activations (in place allowed). */
  activationBackward(act: ActivationOp, m: number, n: number, x: H, da: H, dz: H, alpha: number): void;

  /** Σ over m samples of the per-sample loss; with `weights` (m values), Σ wᵢ·Lᵢ, rows of weight 0 skipped. */
  lossSum(loss: LossOp, m: number, n: number, a: H, y: H, weights: A | null): number;
  /** dA of the batch-mean loss. */
  lossGrad(loss: LossOp, m: number, n: number, a: H, y: H, da: H): void;
  /** dZ of the batch-mean loss through its fused output activation: (A − Y)/m. */
  lossFusedGrad(loss: LossOp, m: number, n: number, a: H, y: H, dz: H): void;
  /** x(m×n) row i ·= w[i]. */
  scaleRows(m: number, n: number, x: H, w: H): void;

  /** Per row: invstd = 1/√(var + ε), xhat = (z − mean)·invstd, y = γ∘xhat + β (xhat may be z). */
  layerNormForward(m: number, n: number, z: H, gamma: H, beta: H, xhat: H, y: H, invstd: H, epsilon: number): void;
  /** dz from dy (in place allowed), dγ, dβ. */
  layerNormBackward(m: number, n: number, xhat: H, invstd: H, gamma: H, dy: H, dz: H, dgamma: H, dbeta: H): void;
  /** Per unit; `training`: the batch's mean and variance are computed into mean, variance, else read. */
  batchNormForward(m: number, n: number, z: H, gamma: H, beta: H, mean: H, variance: H, xhat: H, y: H, epsilon: number, training: boolean): void;
  batchNormBackward(m: number, n: number, xhat: H, variance: H, gamma: H, dy: H, dz: H, dgamma: H, dbeta: H, epsilon: number, training: boolean): void;
  /** moving = moving·momentum + batch·(1 − momentum). */
  movingAverage(n: number, batch: H, moving: H, momentum: number): void;

  /** out = x·scale where the mask hash of (seed, i) keeps i, else 0 (src/dropout.ts). */
  dropoutForward(n: number, x: H, out: H, threshold: number, scale: number, seed: number): void;
  /** d through the same mask, in place. */
  dropoutBackward(n: number, d: H, threshold: number, scale: number, seed: number): void;
  /** Σ l1·|w| + l2·w². */
  penaltyValue(n: number, w: H, l1: number, l2: number): number;
  /** g += l1·sign(w) + 2·l2·w. */
  penaltyGrad(n: number, w: H, g: H, l1: number, l2: number): void;

  /** g = clamp(g, −c, c). */
  clipValues(n: number, g: H, c: number): void;
  /** Σ g². */
  sumSquares(n: number, g: H): number;
  /** x ·= s. */
  scale(n: number, x: H, s: number): void;
  /** One update of w (n values) from g with the optimizer's state vectors; t counts from 1. */
  optimizerStep(op: OptimizerOp, spec: OptimizerSpec, t: number, n: number, g: H, w: H, states: readonly H[]): void;
  /** max |x| over n values; NaN if one is NaN. */
  maxAbs(n: number, x: H): number;
}
