// The float64 backend: the primitives as plain loops over Float64Arrays (a handle is the array
// itself, a view into a buffer), with the registry entries' float64 references for activations,
// losses and optimizers. Under the one schedule (src/engine/schedule.ts) it is the reference
// network (wasmlp/reference): the oracle the wasm backend is tested against.
import type { ActivationOp } from "../activations.js";
import type { Backend, Buffer, Form } from "../engine/backend.js";
import { dropoutHash } from "../dropout.js";
import { type LossOp, outputDelta } from "../losses.js";
import type { OptimizerSpec } from "../optimizer-spec.js";
import type { OptimizerOp } from "../optimizers.js";
import { batchNormBackward, batchNormForward, layerNormBackward, layerNormForward, matmul, sumCols } from "./math.js";

/** A float64 buffer: its handle is its array. */
class F64Buffer implements Buffer<Float64Array, Float64Array> {
  constructor(readonly view: Float64Array) {}
  get handle(): Float64Array {
    return this.view;
  }
  dispose(): void {}
}

export class F64Backend implements Backend<Float64Array, Float64Array> {
  readonly dtype = "float64";
  readonly threads = 1;

  get idle(): null {
    return null;
  }

  set idle(_work: (() => boolean) | null) {
    // One thread: never waits for another.
  }

  alloc(n: number): Buffer<Float64Array, Float64Array> {
    return new F64Buffer(new Float64Array(n));
  }

  newArray(n: number): Float64Array {
    return new Float64Array(n);
  }

  at(b: Buffer<Float64Array, Float64Array>, start: number, length: number): Float64Array {
    return b.view.subarray(start, start + length);
  }

  fill(b: Buffer<Float64Array, Float64Array>, start: number, n: number, value: number): void {
    b.view.fill(value, start, start + n);
  }

  denseForward(m: number, n: number, k: number, x: Float64Array, w: Float64Array, bias: Float64Array, z: Float64Array, act: ActivationOp, alpha: number): void {
    matmul(false, true, m, n, k, x, w, z);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) z[i * n + j] += bias[j];
    act.reference.forward(m, n, z, z, alpha);
  }

  packedSize(): number {
    return 0;
  }

  pack(): void {}

  matmul(form: Form, m: number, n: number, k: number, a: Float64Array, b: Float64Array, c: Float64Array): void {
    matmul(form === "tn", form === "nt", m, n, k, a, b, c);
  }

  sumCols(m: number, n: number, x: Float64Array, out: Float64Array): void {
    sumCols(m, n, x, out);
  }

  activationForward(act: ActivationOp, m: number, n: number, z: Float64Array, a: Float64Array, alpha: number): void {
    act.reference.forward(m, n, z, a, alpha);
  }

  activationBackward(act: ActivationOp, m: number, n: number, x: Float64Array, da: Float64Array, dz: Float64Array, alpha: number): void {
    act.reference.backward(m, n, x, da, dz, alpha);
  }

  lossSum(loss: LossOp, m: number, n: number, a: Float64Array, y: Float64Array, weights: Float64Array | null): number {
    if (!weights) return loss.reference.sum(m, n, a, y);
    let sum = 0;
    for (let i = 0; i < m; i++)
      if (weights[i] !== 0) sum += weights[i] * loss.reference.sum(1, n, a.subarray(i * n, (i + 1) * n), y.subarray(i * n, (i + 1) * n));
    return sum;
  }

  lossGrad(loss: LossOp, m: number, n: number, a: Float64Array, y: Float64Array, da: Float64Array): void {
    loss.reference.grad(m, n, a, y, da);
  }

  lossFusedGrad(_loss: LossOp, m: number, n: number, a: Float64Array, y: Float64Array, dz: Float64Array): void {
    outputDelta(m, n, a, y, dz);
  }

  scaleRows(m: number, n: number, x: Float64Array, w: Float64Array): void {
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) x[i * n + j] *= w[i];
  }

  layerNormForward(
    m: number,
    n: number,
    z: Float64Array,
    gamma: Float64Array,
    beta: Float64Array,
    xhat: Float64Array,
    y: Float64Array,
    invstd: Float64Array,
    epsilon: number,
  ): void {
    layerNormForward(m, n, z, gamma, beta, xhat, y, invstd, epsilon);
  }

  layerNormBackward(
    m: number,
    n: number,
    xhat: Float64Array,
    invstd: Float64Array,
    gamma: Float64Array,
    dy: Float64Array,
    dz: Float64Array,
    dgamma: Float64Array,
    dbeta: Float64Array,
  ): void {
    layerNormBackward(m, n, xhat, invstd, gamma, dy, dz, dgamma, dbeta);
  }

  batchNormForward(
    m: number,
    n: number,
    z: Float64Array,
    gamma: Float64Array,
    beta: Float64Array,
    mean: Float64Array,
    variance: Float64Array,
    xhat: Float64Array,
    y: Float64Array,
    epsilon: number,
    training: boolean,
  ): void {
    batchNormForward(m, n, z, gamma, beta, mean, variance, xhat, y, epsilon, training);
  }

  batchNormBackward(
    m: number,
    n: number,
    xhat: Float64Array,
    variance: Float64Array,
    gamma: Float64Array,
    dy: Float64Array,
    dz: Float64Array,
    dgamma: Float64Array,
    dbeta: Float64Array,
    epsilon: number,
    training: boolean,
  ): void {
    batchNormBackward(m, n, xhat, variance, gamma, dy, dz, dgamma, dbeta, epsilon, training);
  }

  movingAverage(n: number, batch: Float64Array, moving: Float64Array, momentum: number): void {
    for (let j = 0; j < n; j++) moving[j] = moving[j] * momentum + batch[j] * (1 - momentum);
  }

  dropoutForward(n: number, x: Float64Array, out: Float64Array, threshold: number, scale: number, seed: number): void {
    // The wasm kernel's keep decisions (src/dropout.ts), its scale rounded to float32 as there.
    for (let i = 0; i < n; i++) out[i] = dropoutHash(seed, i) >= threshold ? x[i] * scale : 0;
  }

  dropoutBackward(n: number, d: Float64Array, threshold: number, scale: number, seed: number): void {
    for (let i = 0; i < n; i++) d[i] = dropoutHash(seed, i) >= threshold ? d[i] * scale : 0;
  }

  penaltyValue(n: number, w: Float64Array, l1: number, l2: number): number {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += l1 * Math.abs(w[j]) + l2 * w[j] * w[j];
    return sum;
  }

  penaltyGrad(n: number, w: Float64Array, g: Float64Array, l1: number, l2: number): void {
    for (let j = 0; j < n; j++) g[j] += 2 * l2 * w[j] + l1 * Math.sign(w[j]);
  }

  clipValues(n: number, g: Float64Array, c: number): void {
    for (let j = 0; j < n; j++) g[j] = Math.min(Math.max(g[j], -c), c);
  }

  sumSquares(n: number, g: Float64Array): number {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += g[j] * g[j];
    return sum;
  }

  scale(n: number, x: Float64Array, s: number): void {
    for (let j = 0; j < n; j++) x[j] *= s;
  }

  optimizerStep(op: OptimizerOp, spec: OptimizerSpec, t: number, _n: number, g: Float64Array, w: Float64Array, states: readonly Float64Array[]): void {
    op.reference.step(w, g, states as Float64Array[], spec, t);
  }

  maxAbs(n: number, x: Float64Array): number {
    let max = 0;
    for (let j = 0; j < n; j++) {
      const v = Math.abs(x[j]);
      if (v > max) max = v;
      else if (Number.isNaN(v)) return NaN;
    }
    return max;
  }
}

/** The float64 backend (stateless: one serves every network). */
export const f64Backend = new F64Backend();
