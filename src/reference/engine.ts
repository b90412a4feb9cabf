// The float64 engine: the same math in plain TypeScript, behind ReferenceNetwork — the oracle
// the wasm engine is tested against and the pure-JS baseline it is benchmarked against.
import type { Engine, EngineSpec, Slot } from "../engine/engine.js";
import { type ActivationOp, activationOps, needsInput } from "../activations.js";
import { type LossOp, lossOps, outputDelta } from "../losses.js";
import { optimizerOp } from "../optimizers.js";
import { learningRateAt } from "../schedules.js";
import { dropoutArgs, dropoutHash, dropoutSeed } from "../dropout.js";
import { gatherRows } from "../engine/gather.js";
import { addBias, batchNormBackward, batchNormForward, layerNormBackward, layerNormForward, matmul, sumCols } from "./math.js";

const act = (name: keyof typeof activationOps): ActivationOp["reference"] => activationOps[name].reference;
const loss = (name: keyof typeof lossOps): LossOp => lossOps[name];

interface Batch {
  rows: number;
  x: Float64Array;
  y: Float64Array;
  acts: Float64Array[];
  /** Per layer, from the last forward pass: the activation's input (swish, gelu), x̂ and 1/√(var + ε) of layer normalization. */
  pre: (Float64Array | null)[];
  xhat: (Float64Array | null)[];
  invstd: (Float64Array | null)[];
}

export class ReferenceEngine implements Engine<Float64Array> {
  private readonly inputSize: number;
  private readonly outputSize: number;
  private readonly lossName: EngineSpec["loss"];
  private readonly optimizer: EngineSpec["optimizer"];
  private params: Float64Array[];
  private readonly grads: Float64Array[];
  private readonly states: Float64Array[][];
  private readonly slots: [Batch | null, Batch | null] = [null, null];
  private steps = 0;
  /** Slot 0's per-sample loss weights for the current batch (null: unweighted). */
  private weights: Float64Array | null = null;
  /** Slot 0's last training forward: each dropout layer's dropped outputs (null: not a training pass). */
  private dropped: (Float64Array | null)[] | null = null;
  private alive = true;
  /** Moving mean and variance of each batch-normalized layer (movingSizes order), and the last training batch's. */
  private readonly moving: Float64Array[];
  private readonly batchStats: Float64Array[];
  /** Whether slot 0's last forward was a training pass, and whether its batch statistics await applyStep(). */
  private trainingPass = false;
  private statsPending = false;

  constructor(private readonly spec: EngineSpec) {
    this.inputSize = spec.inputSize;
    this.outputSize = spec.layers[spec.layers.length - 1].units;
    this.lossName = spec.loss;
    this.optimizer = spec.optimizer;
    this.params = spec.tensorSizes.map((n) => new Float64Array(n));
    this.grads = spec.tensorSizes.map((n) => new Float64Array(n));
    const op = optimizerOp(this.optimizer);
    const initial = op.initial?.(this.optimizer) ?? [];
    this.states = Array.from({ length: op.states }, (_, i) => spec.tensorSizes.map((n) => new Float64Array(n).fill(initial[i] ?? 0)));
    this.moving = spec.movingSizes.map((n) => new Float64Array(n));
    this.batchStats = spec.movingSizes.map((n) => new Float64Array(n));
  }

  private inputSizeOf(layer: number): number {
    return this.spec.fanIns[layer];
  }

  /** The live float64 storage of parameter tensor i (W1, b1, W2, …), for gradCheck's perturbations. */
  parameter(i: number): Float64Array {
    return this.params[i];
  }

  newArray(n: number): Float64Array {
    return new Float64Array(n);
  }

  hasRows(slot: Slot, m: number): boolean {
    return (this.slots[slot]?.rows ?? 0) >= m;
  }

  ensureRows(slot: Slot, m: number): void {
    const b = this.slots[slot];
    if (b && b.rows >= m) return;
    this.slots[slot] = {
      rows: m,
      x: new Float64Array(m * this.inputSize),
      y: new Float64Array(m * this.outputSize),
      acts: this.spec.layers.map((l) => new Float64Array(m * l.units)),
      pre: this.spec.layers.map(() => null), xhat: this.spec.layers.map(() => null), invstd: this.spec.layers.map(() => null),
    };
  }

  loadX(slot: Slot, src: Float32Array, order: Uint32Array | null, start: number, m: number): void {
    gatherRows(this.slots[slot]!.x, src, this.inputSize, order, start, m);
  }

  loadWeights(src: Float32Array | null, order: Uint32Array | null, start: number, m: number): void {
    this.weights = null;
    if (!src) return;
    this.weights = new Float64Array(m);
    for (let i = 0; i < m; i++) this.weights[i] = src[order ? order[start + i] : start + i];
  }

  loadY(slot: Slot, src: Float32Array, order: Uint32Array | null, start: number, m: number): void {
    gatherRows(this.slots[slot]!.y, src, this.outputSize, order, start, m);
  }

  targets(slot: Slot): Float64Array {
    return this.slots[slot]!.y;
  }

  runForward(slot: Slot, m: number, training = false): Float64Array {
    const b = this.slots[slot]!;
    if (slot === 0) {
      this.dropped = training ? this.spec.layers.map(() => null) : null;
      this.trainingPass = training;
      this.statsPending = training && this.moving.length > 0;
    }
    let prev = b.x;
    this.spec.layers.forEach((layer, l) => {
      const z = b.acts[l];
      matmul(false, true, m, layer.units, this.inputSizeOf(l), prev, this.params[2 * l], z);
      addBias(m, layer.units, this.params[2 * l + 1], z);
      const norm = layer.normalization;
      if (norm) {
        const g = this.params[this.spec.gammaIndex[l]], beta = this.params[this.spec.gammaIndex[l] + 1];
        const xhat = b.xhat[l] = new Float64Array(m * layer.units);
        if (norm.type === "layer") {
          layerNormForward(m, layer.units, z, g, beta, xhat, z, b.invstd[l] = new Float64Array(m), norm.epsilon);
        } else {
          const batch = slot === 0 && training, t = this.spec.movingIndex[l], stats = batch ? this.batchStats : this.moving;
          batchNormForward(m, layer.units, z, g, beta, stats[t], stats[t + 1], xhat, z, norm.epsilon, batch);
        }
      }
      b.pre[l] = needsInput(layer.activation) ? z.slice(0, m * layer.units) : null;
      act(layer.activation).forward(m, layer.units, z, z, layer.alpha);
      prev = z;
      if (training && layer.dropout > 0) {
        // The same keep decisions as the wasm kernel (src/dropout.ts), the scale in float32 as there.
        const { threshold, scale } = dropoutArgs(layer.dropout);
        const seed = dropoutSeed(this.spec.seed, this.steps, l);
        const d = new Float64Array(m * layer.units);
        for (let i = 0; i < d.length; i++) d[i] = dropoutHash(seed, i) >= threshold ? z[i] * scale : 0;
        this.dropped![l] = d;
        prev = d;
      }
    });
    return b.acts[b.acts.length - 1];
  }

  lossSum(slot: Slot, m: number): number {
    const b = this.slots[slot]!;
    const a = b.acts[b.acts.length - 1], n = this.outputSize;
    if (slot !== 0 || !this.weights) return loss(this.lossName).reference.sum(m, n, a, b.y);
    let sum = 0;
    for (let i = 0; i < m; i++) sum += this.weights[i] * loss(this.lossName).reference.sum(1, n, a.subarray(i * n, (i + 1) * n), b.y.subarray(i * n, (i + 1) * n));
    return sum;
  }

  runBackwardLoss(m: number): void {
    const b = this.slots[0]!;
    const last = this.spec.layers[this.spec.layers.length - 1];
    const a = b.acts[b.acts.length - 1];
    const dz = new Float64Array(m * this.outputSize);
    const weigh = (): void => {
      const w = this.weights;
      if (w) for (let i = 0; i < m; i++) for (let j = 0; j < this.outputSize; j++) dz[i * this.outputSize + j] *= w[i];
    };
    if (loss(this.lossName).fused?.activation === last.activation) {
      outputDelta(m, this.outputSize, a, b.y, dz);
      weigh();
    } else {
      loss(this.lossName).reference.grad(m, this.outputSize, a, b.y, dz);
      weigh();
      act(last.activation).backward(m, this.outputSize, this.activationInput(this.spec.layers.length - 1), dz, dz, last.alpha);
    }
    this.backprop(m, dz);
    this.spec.layers.forEach((l, i) => {
      if (l.l1 === 0 && l.l2 === 0) return;
      const w = this.params[2 * i], g = this.grads[2 * i];
      for (let j = 0; j < w.length; j++) g[j] += 2 * l.l2 * w[j] + l.l1 * Math.sign(w[j]);
    });
  }

  penalty(): number {
    let sum = 0;
    this.spec.layers.forEach((l, i) => {
      if (l.l1 === 0 && l.l2 === 0) return;
      for (const v of this.params[2 * i]) sum += l.l1 * Math.abs(v) + l.l2 * v * v;
    });
    return sum;
  }

  runBackwardFrom(dOut: Float32Array, m: number): Float64Array {
    const last = this.spec.layers[this.spec.layers.length - 1];
    const dz = Float64Array.from(dOut.subarray(0, m * this.outputSize));
    act(last.activation).backward(m, this.outputSize, this.activationInput(this.spec.layers.length - 1), dz, dz, last.alpha);
    return this.backprop(m, dz);
  }

  /** What layer l's activation backward reads: its input when the derivative needs it, else its output. */
  private activationInput(l: number): Float64Array {
    const b = this.slots[0]!;
    return b.pre[l] ?? b.acts[l];
  }

  /** dZ of a normalized layer from its dY (in place), and the gradients of its γ and β. */
  private normalizeBackward(l: number, m: number, dz: Float64Array): void {
    const layer = this.spec.layers[l], norm = layer.normalization!, b = this.slots[0]!, t = this.spec.gammaIndex[l];
    if (norm.type === "layer") {
      layerNormBackward(m, layer.units, b.xhat[l]!, b.invstd[l]!, this.params[t], dz, dz, this.grads[t], this.grads[t + 1]);
    } else {
      const v = this.spec.movingIndex[l] + 1;
      const variance = this.trainingPass ? this.batchStats[v] : this.moving[v];
      batchNormBackward(m, layer.units, b.xhat[l]!, variance, this.params[t], dz, dz, this.grads[t], this.grads[t + 1], norm.epsilon, this.trainingPass);
    }
  }

  /** dW = dZᵀ·A_prev, db = Σ dZ, dA_prev = dZ·W, dZ_prev = dA_prev ∘ g′: layer by layer from the last. */
  private backprop(m: number, dz: Float64Array): Float64Array {
    const b = this.slots[0]!;
    for (let l = this.spec.layers.length - 1; l >= 0; l--) {
      const units = this.spec.layers[l].units;
      const fanIn = this.inputSizeOf(l);
      const dropped = l > 0 ? this.dropped?.[l - 1] ?? null : null;
      const prev = l === 0 ? b.x : dropped ?? b.acts[l - 1];
      if (this.spec.layers[l].normalization) this.normalizeBackward(l, m, dz);
      matmul(true, false, units, fanIn, m, dz, prev, this.grads[2 * l]);
      if (!this.spec.layers[l].useBias || (this.trainingPass && this.spec.layers[l].normalization?.type === "batch")) this.grads[2 * l + 1].fill(0); // exactly 0 (see the wasm engine)
      else sumCols(m, units, dz, this.grads[2 * l + 1]);
      const da = new Float64Array(m * fanIn);
      matmul(false, false, m, fanIn, units, dz, this.params[2 * l], da);
      if (l > 0) {
        const below = this.spec.layers[l - 1];
        if (dropped) {
          const { threshold, scale } = dropoutArgs(below.dropout);
          const seed = dropoutSeed(this.spec.seed, this.steps, l - 1);
          for (let i = 0; i < da.length; i++) da[i] = dropoutHash(seed, i) >= threshold ? da[i] * scale : 0;
        }
        act(below.activation).backward(m, fanIn, this.activationInput(l - 1), da, da, below.alpha);
      }
      dz = da;
    }
    return dz;
  }

  gradientsFinite(): boolean {
    return this.grads.every((g) => g.every(Number.isFinite));
  }

  batchStatsFinite(): boolean {
    // The moving statistics are float32 in a model file: a batch variance beyond float32's range would not fit.
    return !this.statsPending || this.batchStats.every((s) => s.every((v) => Math.abs(v) <= 3.4028234663852886e38));
  }

  inputFinite(slot: Slot, m: number): boolean {
    return this.slots[slot]!.x.subarray(0, m * this.inputSize).every(Number.isFinite);
  }

  applyStep(): void {
    const t = ++this.steps;
    const step = optimizerOp(this.optimizer).reference.step;
    // The settings of this update: a schedule's rate for it (Keras counts updates from 0).
    const o = this.optimizer.schedule ? { ...this.optimizer, learningRate: learningRateAt(this.optimizer.schedule, t - 1) } : this.optimizer;
    if (o.clipValue !== undefined) for (const g of this.grads) for (let j = 0; j < g.length; j++) g[j] = Math.min(Math.max(g[j], -o.clipValue), o.clipValue);
    if (o.clipNorm !== undefined) {
      const norm = Math.sqrt(this.grads.reduce((s, g) => s + g.reduce((t, v) => t + v * v, 0), 0));
      if (norm > o.clipNorm) for (const g of this.grads) for (let j = 0; j < g.length; j++) g[j] *= o.clipNorm / norm;
    }
    this.params.forEach((w, i) => step(w, this.grads[i], this.states.map((s) => s[i]), o, t));
    if (this.statsPending) {
      this.spec.layers.forEach((l, i) => {
        if (l.normalization?.type !== "batch") return;
        const mom = l.normalization.momentum, k = this.spec.movingIndex[i];
        for (const s of [k, k + 1]) for (let j = 0; j < l.units; j++) this.moving[s][j] = this.moving[s][j] * mom + this.batchStats[s][j] * (1 - mom);
      });
      this.statsPending = false;
    }
  }

  readOptimizerState(): { steps: number; states: Float64Array[] } {
    const flat = (tensors: Float64Array[]): Float64Array => {
      const out = new Float64Array(tensors.reduce((n, t) => n + t.length, 0));
      let at = 0;
      for (const t of tensors) { out.set(t, at); at += t.length; }
      return out;
    };
    return { steps: this.steps, states: this.states.map(flat) };
  }

  writeOptimizerState(steps: number, states: readonly ArrayLike<number>[]): void {
    this.steps = steps;
    states.forEach((flat, i) => {
      let at = 0;
      for (const t of this.states[i]) { for (let j = 0; j < t.length; j++) t[j] = flat[at + j]; at += t.length; }
    });
  }

  readParams(): Float64Array[] {
    return [...this.params, ...this.moving].map((p) => p.slice());
  }

  readGrads(): Float64Array[] {
    return this.grads.map((g) => g.slice());
  }

  writeParams(weights: readonly ArrayLike<number>[]): void {
    weights.forEach((w, i) => (i < this.params.length ? this.params[i] : this.moving[i - this.params.length]).set(w));
  }

  isAlive(): boolean {
    return this.alive;
  }

  release(): void {
    this.alive = false;
    this.slots[0] = this.slots[1] = null;
  }
}
