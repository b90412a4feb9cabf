// The wasm float32 backend: buffers are regions of the one heap, handles their addresses, and
// every primitive is a kernel call. Matmuls, dense forward passes, max|x| and the large
// elementwise passes go through the runtime's dispatcher, which splits them across threads after
// init({ threads }) (src/threads/parallel.ts) and is the kernels themselves otherwise.
import type { ActivationOp } from "../activations.js";
import type { Form } from "../dispatch.js";
import type { LossOp } from "../losses.js";
import { F32Region } from "../memory.js";
import type { OptimizerSpec } from "../optimizer-spec.js";
import type { OptimizerOp } from "../optimizers.js";
import { type Runtime, runtime } from "../runtime.js";
import type { Backend, Buffer } from "./backend.js";

/** A heap region whose handle is its address. */
export class WasmBuffer extends F32Region implements Buffer<number, Float32Array> {
  get handle(): number {
    return this.ptr;
  }
}

export class WasmBackend implements Backend<number, Float32Array> {
  readonly dtype = "float32";
  private readonly rt: Runtime = runtime();

  get threads(): number {
    return this.rt.parallel.threads;
  }

  get idle(): (() => boolean) | null {
    return this.rt.parallel.idle;
  }

  set idle(work: (() => boolean) | null) {
    this.rt.parallel.idle = work;
  }

  alloc(n: number): WasmBuffer {
    return new WasmBuffer(this.rt.heap, n);
  }

  newArray(n: number): Float32Array {
    return new Float32Array(n);
  }

  at(b: Buffer<number, Float32Array>, start: number): number {
    return b.handle + 4 * start;
  }

  fill(b: Buffer<number, Float32Array>, start: number, n: number, value: number): void {
    b.view.fill(value, start, start + n);
  }

  denseForward(m: number, n: number, k: number, x: number, w: number, bias: number, z: number, act: ActivationOp, alpha: number, packed: number | null): void {
    this.rt.parallel.forwardNT(m, n, k, x, w, bias, z, act.epilogue, alpha, packed ?? 0);
    // Row-wise activations (softmax) are not in the fused store (their code is the identity's): a pass follows.
    if (act.rows) act.kernels.forward(this.rt.parallel.kernelsShared, m, n, z, z, alpha);
  }

  packedSize(n: number, k: number): number {
    return this.rt.kernels.packed_bt_floats(n, k);
  }

  pack(n: number, k: number, w: number, out: number): void {
    this.rt.kernels.pack_bt(n, k, w, out);
  }

  matmul(form: Form, m: number, n: number, k: number, a: number, b: number, c: number): void {
    this.rt.parallel.matmul(form, m, n, k, a, b, c, false);
  }

  sumCols(m: number, n: number, x: number, out: number): void {
    this.rt.parallel.kernelsShared.sum_cols(m, n, x, out, 1, 0);
  }

  activationForward(act: ActivationOp, m: number, n: number, z: number, a: number, alpha: number): void {
    act.kernels.forward(this.rt.parallel.kernelsShared, m, n, z, a, alpha);
  }

  activationBackward(act: ActivationOp, m: number, n: number, x: number, da: number, dz: number, alpha: number): void {
    act.kernels.backward(this.rt.parallel.kernelsShared, m, n, x, da, dz, alpha);
  }

  lossSum(loss: LossOp, m: number, n: number, a: number, y: number, weights: Float32Array | null): number {
    const k = this.rt.kernels;
    if (!weights) return loss.kernels.sum(k, m, n, a, y);
    // Σ wᵢ·Lᵢ one row at a time (a batch has few rows; the kernels sum whole arrays).
    let sum = 0;
    for (let i = 0; i < m; i++) if (weights[i] !== 0) sum += weights[i] * loss.kernels.sum(k, 1, n, a + 4 * i * n, y + 4 * i * n);
    return sum;
  }

  lossGrad(loss: LossOp, m: number, n: number, a: number, y: number, da: number): void {
    loss.kernels.grad(this.rt.parallel.kernelsShared, m, n, a, y, da);
  }

  lossFusedGrad(loss: LossOp, m: number, n: number, a: number, y: number, dz: number): void {
    loss.fused!.grad(this.rt.parallel.kernelsShared, m, n, a, y, dz);
  }

  scaleRows(m: number, n: number, x: number, w: number): void {
    this.rt.kernels.scale_rows(m, n, x, w);
  }

  layerNormForward(m: number, n: number, z: number, gamma: number, beta: number, xhat: number, y: number, invstd: number, epsilon: number): void {
    this.rt.kernels.layer_norm_forward(m, n, z, gamma, beta, xhat, y, invstd, epsilon);
  }

  layerNormBackward(m: number, n: number, xhat: number, invstd: number, gamma: number, dy: number, dz: number, dgamma: number, dbeta: number): void {
    this.rt.kernels.layer_norm_backward(m, n, xhat, invstd, gamma, dy, dz, dgamma, dbeta);
  }

  batchNormForward(
    m: number,
    n: number,
    z: number,
    gamma: number,
    beta: number,
    mean: number,
    variance: number,
    xhat: number,
    y: number,
    epsilon: number,
    training: boolean,
  ): void {
    this.rt.kernels.batch_norm_forward(m, n, z, gamma, beta, mean, variance, xhat, y, epsilon, training ? 1 : 0);
  }

  batchNormBackward(
    m: number,
    n: number,
    xhat: number,
    variance: number,
    gamma: number,
    dy: number,
    dz: number,
    dgamma: number,
    dbeta: number,
    epsilon: number,
    training: boolean,
  ): void {
    this.rt.kernels.batch_norm_backward(m, n, xhat, variance, gamma, dy, dz, dgamma, dbeta, epsilon, training ? 1 : 0);
  }

  movingAverage(n: number, batch: number, moving: number, momentum: number): void {
    this.rt.kernels.moving_average_step(n, batch, moving, momentum);
  }

  dropoutForward(n: number, x: number, out: number, threshold: number, scale: number, seed: number): void {
    this.rt.kernels.dropout_forward(n, x, out, threshold, scale, seed);
  }

  dropoutBackward(n: number, d: number, threshold: number, scale: number, seed: number): void {
    this.rt.kernels.dropout_backward(n, d, threshold, scale, seed);
  }

  penaltyValue(n: number, w: number, l1: number, l2: number): number {
    return this.rt.kernels.penalty_value(n, w, l1, l2);
  }

  penaltyGrad(n: number, w: number, g: number, l1: number, l2: number): void {
    this.rt.kernels.penalty_grad(n, w, g, l1, l2);
  }

  clipValues(n: number, g: number, c: number): void {
    this.rt.parallel.kernelsShared.clip_values(n, g, c);
  }

  sumSquares(n: number, g: number): number {
    return this.rt.kernels.sum_squares(n, g);
  }

  scale(n: number, x: number, s: number): void {
    this.rt.parallel.kernelsShared.scale_step(n, x, s);
  }

  optimizerStep(op: OptimizerOp, spec: OptimizerSpec, t: number, n: number, g: number, w: number, states: readonly number[]): void {
    op.kernels.step(this.rt.parallel.kernelsShared, n, g, w, states as number[], spec, t);
  }

  maxAbs(n: number, x: number): number {
    return this.rt.parallel.maxAbs(n, x);
  }
}

let shared: WasmBackend | null = null;

/** The one wasm backend of the process (it holds nothing but the runtime). */
export function wasmBackend(): WasmBackend {
  return (shared ??= new WasmBackend());
}
