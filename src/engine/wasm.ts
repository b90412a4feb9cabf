// The wasm-backed network: parameters, gradients, optimizer state and batch buffers live in
// the module's linear memory, owned through F32Region; each step is a handful of kernel calls
// and allocates nothing once the batch size has been seen.
import { type ActivationOp, activationOps, needsInput } from "../activations.js";
import { type LossOp, lossOps } from "../losses.js";
import { F32Region } from "../memory.js";
import type { OptimizerSpec } from "../config.js";
import { type OptimizerOp, optimizerOp } from "../optimizers.js";
import { learningRateAt } from "../schedules.js";
import { gatherRows } from "./gather.js";
import { DENSE_MAX_M } from "../dispatch.js";
import { dropoutArgs, dropoutSeed } from "../dropout.js";
import { type Runtime, runtime } from "../runtime.js";
import type { Engine, EngineSpec, Slot } from "./engine.js";

/** Buffers for up to `rows` samples: the input, each layer's output, the targets, and for the training slot two gradient buffers. */
interface Batch {
  rows: number;
  x: F32Region;
  y: F32Region;
  acts: F32Region[];
  deltas: [F32Region, F32Region] | null;
  /** Slot 0: each dropout layer's outputs after dropout (the next layer's input in training steps). */
  dropped: (F32Region | null)[];
  /** Slot 0: per-sample loss weights (used while `weighted`). */
  weights: F32Region | null;
  /** Slot 0: the input z of each layer whose activation's derivative reads it (swish, gelu). */
  pre: (F32Region | null)[];
  /** Slot 0: each normalized layer's x̂ (its normalized z, before γ and β). */
  xhat: (F32Region | null)[];
  /** Each layer-normalized layer's 1/√(variance + ε) per sample. */
  invstd: (F32Region | null)[];
  /** Slot 0 on threads: where the next batch's input is copied ahead (made on first use). */
  spare: F32Region | null;
}

const NO_ROWS = new Float32Array(0), NO_ORDER = new Uint32Array(0);

/** Rows of the next batch to copy ahead into slot 0's spare input (loadX), and how many are in. */
interface Ahead {
  active: boolean;
  src: Float32Array;
  order: Uint32Array;
  start: number;
  m: number;
  done: number;
}

export class WasmEngine implements Engine<Float32Array> {
  private readonly inputSize: number;
  private readonly outputSize: number;
  private readonly parameterCount: number;
  private readonly tensorSizes: readonly number[];
  private readonly rt: Runtime;
  private readonly params: F32Region;
  private readonly grads: F32Region;
  private readonly states: F32Region[];
  private readonly statePtrs: number[];
  /** Element offset of each tensor (W1, b1, W2, …) inside params and grads. */
  private readonly offsets: number[];
  private readonly acts: ActivationOp["kernels"][];
  private readonly lossK: LossOp["kernels"];
  private readonly lossFused: LossOp["fused"];
  private readonly optimizerK: OptimizerOp;
  /** Output layer's dZ comes straight from the loss (sigmoid+BCE, softmax+CCE). */
  private readonly fusedOutput: boolean;
  private readonly slots: [Batch | null, Batch | null] = [null, null];
  private steps = 0;
  /** Whether slot 0's last forward pass dropped (a training step): backprop then goes through the masks. */
  private dropping = false;
  /** Whether slot 0's last forward pass was a training step (batch statistics for batch normalization). */
  private trainingPass = false;
  /** Whether the batch statistics of slot 0's last forward pass await their fold into the moving ones (applyStep). */
  private statsPending = false;
  /** Moving mean and variance of each batch-normalized layer (movingSizes), and the last training batch's. */
  private readonly moving: F32Region | null;
  private readonly batchStats: F32Region | null;
  /** Element offset of each moving tensor inside moving and batchStats. */
  private readonly movingOffsets: number[];
  /** Whether slot 0's current batch has per-sample loss weights (loadWeights). */
  private weighted = false;
  /** The optimizer settings each update runs with: the spec's, with a schedule's current rate. */
  private readonly stepSpec: OptimizerSpec;
  /** False once release() ran: every method checks it before touching memory or kernels. */
  private alive = true;
  /**
   * Inference (slot 1) keeps each layer's W packed as the GEMM reads it (pack_bt), made on the
   * first batch of more than DENSE_MAX_M samples and kept until the weights change: the GEMM
   * then skips packing W on every call (the same bits; measured in bench/LOG.md, "Inference").
   */
  private packed: F32Region[] | null = null;
  private packedCurrent = false;

  constructor(private readonly spec: EngineSpec) {
    this.rt = runtime();
    this.inputSize = spec.inputSize;
    this.outputSize = spec.layers[spec.layers.length - 1].units;
    this.parameterCount = spec.parameterCount;
    this.tensorSizes = spec.tensorSizes;
    this.acts = this.spec.layers.map((l) => activationOps[l.activation].kernels);
    const loss: LossOp = lossOps[spec.loss];
    this.lossK = loss.kernels;
    this.lossFused = loss.fused;
    this.optimizerK = optimizerOp(spec.optimizer);
    this.stepSpec = { ...spec.optimizer };
    this.fusedOutput = this.lossFused?.activation === this.spec.layers[this.spec.layers.length - 1].activation;
    this.offsets = [];
    let offset = 0;
    for (const size of this.tensorSizes) { this.offsets.push(offset); offset += size; }
    this.movingOffsets = [];
    let movingCount = 0;
    for (const size of spec.movingSizes) { this.movingOffsets.push(movingCount); movingCount += size; }
    const regions = allocAll(this.rt, [this.parameterCount, this.parameterCount, ...Array(this.optimizerK.states).fill(this.parameterCount),
      ...(movingCount > 0 ? [movingCount, movingCount] : [])],
      `the ${this.parameterCount.toLocaleString("en-US")} parameters, their gradients and ${this.optimizerK.states} optimizer state buffers`);
    [this.moving, this.batchStats] = movingCount > 0 ? regions.splice(-2) : [null, null];
    [this.params, this.grads, ...this.states] = regions;
    const initial = this.optimizerK.initial?.(spec.optimizer) ?? [];
    this.states.forEach((s, i) => s.view.fill(initial[i] ?? 0));
    this.statePtrs = this.states.map((s) => s.ptr);
  }

  private inputSizeOf(layer: number): number {
    return this.spec.fanIns[layer];
  }

  /** The one guard: no kernel runs and no view is written once the engine's memory is released. */
  private live(): void {
    if (!this.alive) throw new Error("this network has been disposed: its memory is released and nothing more runs on it");
  }

  isAlive(): boolean {
    return this.alive;
  }

  newArray(n: number): Float32Array {
    return new Float32Array(n);
  }

  hasRows(slot: Slot, m: number): boolean {
    return (this.slots[slot]?.rows ?? 0) >= m;
  }

  ensureRows(slot: Slot, m: number): void {
    this.live();
    const current = this.slots[slot];
    if (current && current.rows >= m) return;
    // Allocate the new buffers first and release the old ones only then: if allocation fails,
    // the network keeps its old buffers and the heap is exactly as before.
    const widths = this.spec.layers.map((l) => l.units);
    const widest = Math.max(this.inputSize, ...widths);
    const sizes: number[] = [];
    const take = (n: number): number => sizes.push(n) - 1;
    const perLayer = (want: (l: EngineSpec["layers"][number]) => boolean, n: (w: number) => number): number[] =>
      this.spec.layers.map((l, i) => (want(l) ? take(n(widths[i])) : -1));
    const x = take(m * this.inputSize), y = take(m * this.outputSize);
    const acts = widths.map((w) => take(m * w));
    const deltas = slot === 0 ? [take(m * widest), take(m * widest)] : [];
    const dropped = perLayer((l) => slot === 0 && l.dropout > 0, (w) => m * w);
    const weights = slot === 0 ? take(m) : -1;
    const pre = perLayer((l) => slot === 0 && needsInput(l.activation), (w) => m * w);
    const xhat = perLayer((l) => slot === 0 && l.normalization !== null, (w) => m * w);
    const invstd = perLayer((l) => l.normalization?.type === "layer", () => m);
    const r = allocAll(this.rt, sizes, `the buffers of a batch of ${m.toLocaleString("en-US")} samples`);
    if (current) {
      if (slot === 0) this.dropAhead();
      this.freeBatch(current);
    }
    const at = (i: number): F32Region | null => (i < 0 ? null : r[i]);
    this.slots[slot] = {
      rows: m, x: r[x], y: r[y], acts: acts.map((i) => r[i]),
      deltas: slot === 0 ? [r[deltas[0]], r[deltas[1]]] : null,
      dropped: dropped.map(at), weights: at(weights), pre: pre.map(at), xhat: xhat.map(at), invstd: invstd.map(at), spare: null,
    };
  }

  /**
   * Copies rows into the slot's input. In slot 0, on threads, a shuffled minibatch's rows (fit)
   * were most likely copied during the last step already: its loadX guessed that the rows after
   * its own come next, and the calling thread copied them into a spare input while it waited for
   * the workers' last tiles (Pool.idle). If the guess was right, the spare becomes the input (the
   * same bytes, as long as the data does not change while fit runs); if not, nothing is lost but
   * some idle time.
   */
  loadX(slot: Slot, src: Float32Array, order: Uint32Array | null, start: number, m: number): void {
    this.live();
    const b = this.slots[slot]!;
    const a = this.ahead;
    if (slot === 0 && a.active && b.spare && a.src === src && a.order === order && a.start === start && a.m === m) {
      this.copyAhead(m); // the rows not copied yet
      const x = b.x;
      b.x = b.spare;
      b.spare = x;
    } else {
      gatherRows(b.x.view, src, this.inputSize, order, start, m);
    }
    if (slot !== 0) return;
    this.dropAhead();
    const next = start + m;
    if (order && next < order.length && this.rt.parallel.threads > 1) this.readAhead(b, src, order, next, Math.min(m, order.length - next));
  }

  /** The next batch's rows being copied ahead into slot 0's spare input, while active (loadX). */
  private readonly ahead: Ahead = { active: false, src: NO_ROWS, order: NO_ORDER, start: 0, m: 0, done: 0 };
  /** Copies up to `rows` more rows ahead; whether some are left (Pool.idle calls it with 2). */
  private readonly copyAhead = (rows = 2): boolean => {
    const a = this.ahead, spare = this.slots[0]?.spare;
    if (!a.active || !spare || !this.alive) return false;
    const end = Math.min(a.m, a.done + rows);
    gatherRows(spare.view, a.src, this.inputSize, a.order, a.start + a.done, end - a.done, a.done);
    a.done = end;
    return end < a.m;
  };

  private readAhead(b: Batch, src: Float32Array, order: Uint32Array, start: number, m: number): void {
    if (!b.spare) {
      try {
        [b.spare] = allocAll(this.rt, [b.rows * this.inputSize], "a spare input");
      } catch {
        return; // reading ahead is only an optimisation
      }
    }
    const a = this.ahead;
    a.active = true;
    a.src = src;
    a.order = order;
    a.start = start;
    a.m = m;
    a.done = 0;
    this.rt.parallel.idle = this.copyAhead;
  }

  private dropAhead(): void {
    const a = this.ahead;
    a.active = false;
    a.src = NO_ROWS; // the user's data is not kept alive by this network
    a.order = NO_ORDER;
    if (this.rt.parallel.idle === this.copyAhead) this.rt.parallel.idle = null;
  }

  loadWeights(src: Float32Array | null, order: Uint32Array | null, start: number, m: number): void {
    this.live();
    this.weighted = src !== null;
    if (src) gatherRows(this.slots[0]!.weights!.view, src, 1, order, start, m);
  }

  loadY(slot: Slot, src: Float32Array, order: Uint32Array | null, start: number, m: number): void {
    this.live();
    gatherRows(this.slots[slot]!.y.view, src, this.outputSize, order, start, m);
  }

  targets(slot: Slot): Float32Array {
    this.live();
    return this.slots[slot]!.y.view;
  }

  runForward(slot: Slot, m: number, training = false): Float32Array {
    this.live();
    const k = this.rt.parallel.kernelsShared; // large elementwise passes shared with threads
    const b = this.slots[slot]!;
    const w = this.params.ptr;
    if (slot === 0) {
      this.dropping = this.trainingPass = training;
      this.statsPending = training && this.moving !== null;
    }
    let prev = b.x.ptr;
    const packed = slot === 1 && m > DENSE_MAX_M ? this.packedWeights() : null;
    for (let l = 0; l < this.spec.layers.length; l++) {
      const layer = this.spec.layers[l];
      const out = b.acts[l].ptr;
      const keepZ = b.pre[l] !== null; // slot 0, an activation whose derivative reads z
      if (layer.normalization || keepZ) {
        // z (or its normalization y) kept where backprop reads it, then a = g(·) as a pass.
        const z = layer.normalization ? b.xhat[l]?.ptr ?? out : b.pre[l]!.ptr;
        this.rt.parallel.forwardNT(m, layer.units, this.inputSizeOf(l), prev, w + 4 * this.offsets[2 * l], w + 4 * this.offsets[2 * l + 1], z,
          activationOps.linear.epilogue, 0, packed?.[l].ptr ?? 0);
        const y = keepZ ? b.pre[l]!.ptr : out;
        if (layer.normalization) this.normalizeForward(slot, l, m, z, y);
        this.acts[l].forward(k, m, layer.units, y, out, layer.alpha);
      } else {
        // z = a_prev·Wᵀ + b (samples as rows), then a = g(z) in place.
        // Row-wise activations (softmax) are not in the fused store: its epilogue is the identity
        // for them, and their pass follows.
        const rowwise = layer.activation === "softmax";
        this.rt.parallel.forwardNT(m, layer.units, this.inputSizeOf(l), prev, w + 4 * this.offsets[2 * l], w + 4 * this.offsets[2 * l + 1], out,
          activationOps[layer.activation].epilogue, layer.alpha, packed?.[l].ptr ?? 0);
        if (rowwise) this.acts[l].forward(k, m, layer.units, out, out, layer.alpha);
      }
      prev = out;
      const dropped = b.dropped[l];
      if (training && dropped) {
        // The activations stay in acts (g′ reads them); the next layer reads the dropped copy.
        const { threshold, scale } = dropoutArgs(layer.dropout);
        this.rt.kernels.dropout_forward(m * layer.units, out, dropped.ptr, threshold, scale, dropoutSeed(this.spec.seed, this.steps, l));
        prev = dropped.ptr;
      }
    }
    return b.acts[b.acts.length - 1].view;
  }

  /** Every layer's W packed for the GEMM, current with the weights; null when memory for them ran out (then each call packs). */
  private packedWeights(): F32Region[] | null {
    if (!this.packed) {
      const k = this.rt.kernels;
      try {
        this.packed = allocAll(this.rt, this.spec.layers.map((l, i) => k.packed_bt_floats(l.units, this.inputSizeOf(i))), "packed weights");
      } catch {
        return null; // an optimisation only: inference goes on packing per call
      }
      this.packedCurrent = false;
    }
    if (!this.packedCurrent) {
      this.spec.layers.forEach((l, i) => this.rt.kernels.pack_bt(l.units, this.inputSizeOf(i), this.params.ptr + 4 * this.offsets[2 * i], this.packed![i].ptr));
      this.packedCurrent = true;
    }
    return this.packed;
  }

  /** γ and β of layer l (a normalized one) in params, or their gradients in grads. */
  private gammaBeta(base: F32Region, l: number): [number, number] {
    const t = this.spec.gammaIndex[l];
    return [base.ptr + 4 * this.offsets[t], base.ptr + 4 * this.offsets[t + 1]];
  }

  /** The mean and variance layer l normalizes with: the batch's in a training pass, else the moving ones. */
  private statsOf(l: number, batch: boolean): [number, number] {
    const region = batch ? this.batchStats! : this.moving!;
    const t = this.spec.movingIndex[l];
    return [region.ptr + 4 * this.movingOffsets[t], region.ptr + 4 * this.movingOffsets[t + 1]];
  }

  /** y = γ∘x̂ + β of layer l's z (m rows), x̂ written over z. One thread: the statistics are reductions. */
  private normalizeForward(slot: Slot, l: number, m: number, z: number, y: number): void {
    const layer = this.spec.layers[l], norm = layer.normalization!, kr = this.rt.kernels;
    const [gamma, beta] = this.gammaBeta(this.params, l);
    if (norm.type === "layer") {
      kr.layer_norm_forward(m, layer.units, z, gamma, beta, z, y, this.slots[slot]!.invstd[l]!.ptr, norm.epsilon);
    } else {
      const batch = slot === 0 && this.trainingPass;
      const [mean, variance] = this.statsOf(l, batch);
      kr.batch_norm_forward(m, layer.units, z, gamma, beta, mean, variance, z, y, norm.epsilon, batch ? 1 : 0);
    }
  }

  /** dZ of layer l from its dY (m rows of slot 0, in place at d), and the gradients of γ and β. */
  private normalizeBackward(l: number, m: number, d: number): void {
    const layer = this.spec.layers[l], norm = layer.normalization!, kr = this.rt.kernels, b = this.slots[0]!;
    const [gamma] = this.gammaBeta(this.params, l);
    const [dGamma, dBeta] = this.gammaBeta(this.grads, l);
    if (norm.type === "layer") {
      kr.layer_norm_backward(m, layer.units, b.xhat[l]!.ptr, b.invstd[l]!.ptr, gamma, d, d, dGamma, dBeta);
    } else {
      const [, variance] = this.statsOf(l, this.trainingPass);
      kr.batch_norm_backward(m, layer.units, b.xhat[l]!.ptr, variance, gamma, d, d, dGamma, dBeta, norm.epsilon, this.trainingPass ? 1 : 0);
    }
  }

  /** What layer l's activation backward reads: its input z when the derivative needs it, else its output. */
  private activationInput(l: number): number {
    const b = this.slots[0]!;
    return (b.pre[l] ?? b.acts[l]).ptr;
  }

  lossSum(slot: Slot, m: number): number {
    this.live();
    const b = this.slots[slot]!;
    const out = b.acts[b.acts.length - 1].ptr, n = this.outputSize;
    if (slot !== 0 || !this.weighted) return this.lossK.sum(this.rt.kernels, m, n, out, b.y.ptr);
    // Weighted: Σ wᵢ·Lᵢ, one row at a time (a batch has few rows; the kernels sum whole arrays).
    const w = b.weights!.view;
    let sum = 0;
    for (let i = 0; i < m; i++) if (w[i] !== 0) sum += w[i] * this.lossK.sum(this.rt.kernels, 1, n, out + 4 * i * n, b.y.ptr + 4 * i * n);
    return sum;
  }

  runBackwardLoss(m: number): void {
    this.live();
    const k = this.rt.parallel.kernelsShared;
    const b = this.slots[0]!;
    const last = this.spec.layers.length - 1;
    const out = b.acts[last].ptr;
    const d = b.deltas![0].ptr;
    if (this.fusedOutput) {
      this.lossFused!.grad(k, m, this.outputSize, out, b.y.ptr, d);
      if (this.weighted) this.rt.kernels.scale_rows(m, this.outputSize, d, b.weights!.ptr);
    } else {
      this.lossK.grad(k, m, this.outputSize, out, b.y.ptr, d);
      if (this.weighted) this.rt.kernels.scale_rows(m, this.outputSize, d, b.weights!.ptr);
      this.acts[last].backward(k, m, this.outputSize, this.activationInput(last), d, d, this.spec.layers[last].alpha);
    }
    this.backpropLayers(m, false);
    this.spec.layers.forEach((l, i) => {
      if (l.l1 > 0 || l.l2 > 0) {
        const at = 4 * this.offsets[2 * i];
        this.rt.kernels.penalty_grad(this.tensorSizes[2 * i], this.params.ptr + at, this.grads.ptr + at, l.l1, l.l2);
      }
    });
  }

  penalty(): number {
    this.live();
    let sum = 0;
    this.spec.layers.forEach((l, i) => {
      if (l.l1 > 0 || l.l2 > 0) sum += this.rt.kernels.penalty_value(this.tensorSizes[2 * i], this.params.ptr + 4 * this.offsets[2 * i], l.l1, l.l2);
    });
    return sum;
  }

  runBackwardFrom(dOut: Float32Array, m: number): Float32Array {
    this.live();
    const k = this.rt.parallel.kernelsShared;
    const b = this.slots[0]!;
    const last = this.spec.layers.length - 1;
    b.deltas![0].view.set(dOut);
    const d = b.deltas![0].ptr;
    this.acts[last].backward(k, m, this.outputSize, this.activationInput(last), d, d, this.spec.layers[last].alpha);
    return this.backpropLayers(m, true)!.copy(m * this.inputSize);
  }

  /** From dZ of the last layer in deltas[0]: dW, db of every layer; dA_prev → dZ_prev on the way down. */
  private backpropLayers(m: number, wantInput: boolean): F32Region | null {
    const k = this.rt.parallel.kernelsShared;
    const b = this.slots[0]!;
    let [cur, next] = b.deltas!;
    for (let l = this.spec.layers.length - 1; l >= 0; l--) {
      const units = this.spec.layers[l].units;
      const fanIn = this.inputSizeOf(l);
      const dropped = l > 0 && this.dropping ? b.dropped[l - 1] : null;
      const prev = l === 0 ? b.x : dropped ?? b.acts[l - 1];
      if (this.spec.layers[l].normalization) this.normalizeBackward(l, m, cur.ptr);
      // dW = dZᵀ·A_prev (n_l × n_(l−1)), db = Σ_rows dZ, dA_prev = dZ·W.
      this.rt.parallel.matmul("tn", units, fanIn, m, cur.ptr, prev.ptr, this.grads.ptr + 4 * this.offsets[2 * l], false);
      // Batch statistics cancel any per-unit shift, so b's gradient is 0: set exactly, not left as the
      // rounding noise of Σ dZ (which Adam would scale up into steps).
      // No bias (useBias false), or batch normalization in a training step (whose batch mean removes any shift): db is exactly 0.
      if (!this.spec.layers[l].useBias || (this.trainingPass && this.spec.layers[l].normalization?.type === "batch")) this.grads.view.fill(0, this.offsets[2 * l + 1], this.offsets[2 * l + 1] + units);
      else k.sum_cols(m, units, cur.ptr, this.grads.ptr + 4 * this.offsets[2 * l + 1], 1, 0);
      if (l === 0 && !wantInput) return null;
      this.rt.parallel.matmul("nn", m, fanIn, units, cur.ptr, this.params.ptr + 4 * this.offsets[2 * l], next.ptr, false);
      if (dropped) {
        // dA through the dropout: the same mask, recomputed from the same seed.
        const { threshold, scale } = dropoutArgs(this.spec.layers[l - 1].dropout);
        this.rt.kernels.dropout_backward(m * fanIn, next.ptr, threshold, scale, dropoutSeed(this.spec.seed, this.steps, l - 1));
      }
      if (l > 0) this.acts[l - 1].backward(k, m, fanIn, this.activationInput(l - 1), next.ptr, next.ptr, this.spec.layers[l - 1].alpha);
      [cur, next] = [next, cur];
    }
    return cur;
  }

  gradientsFinite(): boolean {
    this.live();
    return Number.isFinite(this.rt.parallel.maxAbs(this.parameterCount, this.grads.ptr));
  }

  batchStatsFinite(): boolean {
    this.live();
    return !this.statsPending || Number.isFinite(this.rt.parallel.maxAbs(this.batchStats!.length, this.batchStats!.ptr));
  }

  inputFinite(slot: Slot, m: number): boolean {
    this.live();
    return Number.isFinite(this.rt.parallel.maxAbs(m * this.inputSize, this.slots[slot]!.x.ptr));
  }

  applyStep(): void {
    this.live();
    this.steps++;
    const o = this.stepSpec, n = this.parameterCount, g = this.grads.ptr, k = this.rt.parallel.kernelsShared;
    if (o.schedule) o.learningRate = learningRateAt(o.schedule, this.steps - 1);
    if (o.clipValue !== undefined) k.clip_values(n, g, o.clipValue);
    if (o.clipNorm !== undefined) {
      const norm = Math.sqrt(this.rt.kernels.sum_squares(n, g));
      if (norm > o.clipNorm) k.scale_step(n, g, o.clipNorm / norm);
    }
    this.optimizerK.kernels.step(k, n, g, this.params.ptr, this.statePtrs, o, this.steps);
    this.packedCurrent = false;
    if (this.statsPending) {
      // The training batch's statistics join the moving ones (Keras: moving·momentum + batch·(1 − momentum)).
      this.spec.layers.forEach((l, i) => {
        if (l.normalization?.type !== "batch") return;
        const [bm, bv] = this.statsOf(i, true), [mm, mv] = this.statsOf(i, false);
        this.rt.kernels.moving_average_step(l.units, bm, mm, l.normalization.momentum);
        this.rt.kernels.moving_average_step(l.units, bv, mv, l.normalization.momentum);
      });
      this.statsPending = false;
    }
  }

  readParams(): Float32Array[] {
    this.live();
    const moving = this.moving?.view;
    return [...this.split(this.params.view), ...this.spec.movingSizes.map((n, i) => moving!.slice(this.movingOffsets[i], this.movingOffsets[i] + n))];
  }

  readGrads(): Float32Array[] {
    this.live();
    return this.split(this.grads.view);
  }

  writeParams(weights: readonly ArrayLike<number>[]): void {
    this.live();
    const view = this.params.view, trainable = this.tensorSizes.length;
    weights.forEach((w, i) => (i < trainable ? view.set(w, this.offsets[i]) : this.moving!.view.set(w, this.movingOffsets[i - trainable])));
    this.packedCurrent = false;
  }

  readOptimizerState(): { steps: number; states: Float32Array[] } {
    this.live();
    return { steps: this.steps, states: this.states.map((s) => s.view.slice()) };
  }

  writeOptimizerState(steps: number, states: readonly ArrayLike<number>[]): void {
    this.live();
    this.steps = steps;
    states.forEach((s, i) => this.states[i].view.set(s));
  }

  release(): void {
    if (!this.alive) return;
    this.dropAhead();
    this.alive = false;
    for (const b of this.slots) if (b) this.freeBatch(b);
    this.slots[0] = this.slots[1] = null;
    for (const r of [this.params, this.grads, ...this.states, ...(this.packed ?? [])]) r.dispose();
    this.packed = null;
    for (const r of [this.params, this.grads, ...this.states, this.moving, this.batchStats]) r?.dispose();
  }

  private split(view: Float32Array): Float32Array[] {
    return this.tensorSizes.map((n, i) => view.slice(this.offsets[i], this.offsets[i] + n));
  }

  private freeBatch(b: Batch): void {
    for (const r of [b.x, b.y, ...b.acts, ...(b.deltas ?? []), ...b.dropped, b.weights, ...b.pre, ...b.xhat, ...b.invstd, b.spare]) r?.dispose();
  }
}

/** Regions of the given float counts, all or none: on failure the ones made are released and a RangeError names what was asked for. */
function allocAll(rt: Runtime, counts: number[], what: string): F32Region[] {
  const made: F32Region[] = [];
  try {
    for (const n of counts) made.push(new F32Region(rt.heap, n));
    return made;
  } catch (e) {
    for (const r of made) r.dispose();
    const bytes = counts.reduce((a, n) => a + 4 * n, 0);
    throw new RangeError(`out of memory: could not allocate ${what} (${bytes.toLocaleString("en-US")} bytes requested; ${(e as Error).message}); nothing was changed`);
  }
}
