// The one schedule of a network's layers (forward, backward, step; normalization, dropout,
// penalties, clipping, sample weights, learning-rate schedules), written once over a Backend's
// primitives (src/engine/backend.ts): the wasm float32 network and the float64 reference are this
// class over two backends. Parameters, gradients and optimizer state are one flat buffer each
// (W1, b1, W2, …, then each normalized layer's γ, β; src/engine/parameters.ts); batch buffers are
// made once per batch size, so a training step allocates nothing once its batch size has been seen.
import { type ActivationOp, activationOps } from "../activations.js";
import { DENSE_MAX_M } from "../dispatch.js";
import { dropoutArgs, dropoutSeed } from "../dropout.js";
import { type LossOp, lossOps } from "../losses.js";
import type { OptimizerSpec } from "../optimizer-spec.js";
import { type OptimizerOp, optimizerOp } from "../optimizers.js";
import { learningRateAt } from "../schedules.js";
import type { Backend, Buffer } from "./backend.js";
import { allocAll, type Batch, freeBatch, makeBatch, ReadAhead, type Values } from "./batch.js";
import type { Engine, EngineSpec, Slot } from "./engine.js";
import { gatherRows } from "./gather.js";
import { type LayerHandles, Parameters } from "./parameters.js";

/** The largest finite float32. */
const F32_MAX = 3.4028234663852886e38;

export class Schedule<H, A extends Values> implements Engine<A> {
  private readonly inputSize: number;
  private readonly outputSize: number;
  private readonly parameterCount: number;
  private readonly tensorSizes: readonly number[];
  /** Parameters, gradients, optimizer state and statistics, in flat buffers. */
  private readonly store: Parameters<H, A>;
  /** The store's handles of each layer (the passes' loops read them directly). */
  private readonly layerHandles: readonly LayerHandles<H>[];
  private readonly acts: ActivationOp[];
  private readonly loss: LossOp;
  private readonly optimizer: OptimizerOp;
  /** Output layer's dZ comes straight from the loss (sigmoid+BCE, softmax+CCE). */
  private readonly fusedOutput: boolean;
  private readonly slots: [Batch<H, A> | null, Batch<H, A> | null] = [null, null];
  private steps = 0;
  /** Whether slot 0's last forward pass dropped (a training step): backprop then goes through the masks. */
  private dropping = false;
  /** Whether slot 0's last forward pass was a training step (batch statistics for batch normalization). */
  private trainingPass = false;
  /** Whether the batch statistics of slot 0's last forward pass await their fold into the moving ones (applyStep). */
  private statsPending = false;
  /** Whether slot 0's current batch has per-sample loss weights (loadWeights). */
  private weighted = false;
  /** The optimizer settings each update runs with: the spec's, with a schedule's current rate. */
  private readonly stepSpec: OptimizerSpec;
  /** False once release() ran: every method checks it before touching memory or kernels. */
  private alive = true;
  /**
   * Inference (slot 1) keeps each layer's W packed as the backend reads it fastest (wasm: pack_bt),
   * made on the first batch of more than DENSE_MAX_M samples and kept until the weights change:
   * the GEMM then skips packing W on every call (the same bits; bench/LOG.md, "Inference").
   */
  private packed: Buffer<H, A>[] | null = null;
  private packedHandles: H[] = [];
  private packedCurrent = false;
  private readonly ahead: ReadAhead<H, A>;

  constructor(
    private readonly backend: Backend<H, A>,
    private readonly spec: EngineSpec,
  ) {
    this.inputSize = spec.inputSize;
    this.outputSize = spec.layers[spec.layers.length - 1].units;
    this.parameterCount = spec.parameterCount;
    this.tensorSizes = spec.tensorSizes;
    this.acts = spec.layers.map((l) => activationOps[l.activation]);
    this.loss = lossOps[spec.loss];
    this.optimizer = optimizerOp(spec.optimizer);
    this.stepSpec = { ...spec.optimizer };
    this.fusedOutput = this.loss.fused?.activation === spec.layers[spec.layers.length - 1].activation;
    this.store = new Parameters(backend, spec, this.optimizer);
    this.layerHandles = this.store.layers;
    this.ahead = new ReadAhead(backend, spec.inputSize);
  }

  /** The one guard: no kernel runs and no view is written once the engine's memory is released. */
  private live(): void {
    if (!this.alive) throw new Error("this network has been disposed: its memory is released and nothing more runs on it");
  }

  isAlive(): boolean {
    return this.alive;
  }

  newArray(n: number): A {
    return this.backend.newArray(n);
  }

  /** The live storage of parameter tensor i (W1, b1, W2, …): gradCheck perturbs the float64 network's through it. */
  parameter(i: number): A {
    return this.store.tensor(i);
  }

  hasRows(slot: Slot, m: number): boolean {
    return (this.slots[slot]?.rows ?? 0) >= m;
  }

  ensureRows(slot: Slot, m: number): void {
    this.live();
    const current = this.slots[slot];
    if (current && current.rows >= m) return;
    // The new buffers first, the old ones released only then: if allocation fails, the network
    // keeps its old buffers and memory is exactly as before.
    const made = makeBatch(this.backend, this.spec, slot, m);
    if (current) {
      if (slot === 0) this.ahead.stop();
      freeBatch(current);
    }
    this.slots[slot] = made;
  }

  /**
   * Copies rows into the slot's input. In slot 0, on threads, a shuffled minibatch's rows (fit)
   * were most likely copied during the last step already: its loadX guessed that the rows after
   * its own come next, and the calling thread copied them into a spare input while it waited for
   * the workers' last tiles (the backend's idle work). If the guess was right, the spare becomes
   * the input (the same bytes, as long as the data does not change while fit runs); if not,
   * nothing is lost but some idle time.
   */
  loadX(slot: Slot, src: Float32Array, order: Uint32Array | null, start: number, m: number): void {
    this.live();
    const b = this.slots[slot]!;
    if (slot !== 0 || !this.ahead.take(b, src, order, start, m)) gatherRows(b.x.view, src, this.inputSize, order, start, m);
    if (slot !== 0) return;
    this.ahead.stop();
    const next = start + m;
    if (order && next < order.length && this.backend.threads > 1) this.ahead.start(b, src, order, next, Math.min(m, order.length - next));
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

  targets(slot: Slot): A {
    this.live();
    return this.slots[slot]!.y.view;
  }

  runForward(slot: Slot, m: number, training = false): A {
    this.live();
    const be = this.backend,
      b = this.slots[slot]!,
      layers = this.spec.layers;
    if (slot === 0) {
      this.dropping = this.trainingPass = training;
      this.statsPending = training && this.store.moving !== null;
    }
    let prev = b.x.handle;
    const packed = slot === 1 && m > DENSE_MAX_M ? this.packedWeights() : null;
    for (let l = 0; l < layers.length; l++) {
      const layer = layers[l],
        h = this.layerHandles[l],
        fanIn = this.spec.fanIns[l];
      const out = b.acts[l].handle,
        pre = b.pre[l]; // pre: slot 0, an activation whose derivative reads z
      const pw = packed ? packed[l] : null;
      if (layer.normalization || pre) {
        // z (or its normalization y) kept where backprop reads it, then a = g(·) as a pass.
        const z = layer.normalization ? (b.xhat[l] ?? b.acts[l]).handle : pre!.handle;
        be.denseForward(m, layer.units, fanIn, prev, h.w, h.b, z, activationOps.linear, 0, pw);
        const y = pre ? pre.handle : out;
        if (layer.normalization) this.normalizeForward(slot, l, m, z, y);
        be.activationForward(this.acts[l], m, layer.units, y, out, layer.alpha);
      } else {
        // z = a_prev·Wᵀ + b (samples as rows), then a = g(z), fused where the backend can.
        be.denseForward(m, layer.units, fanIn, prev, h.w, h.b, out, this.acts[l], layer.alpha, pw);
      }
      prev = out;
      const dropped = b.dropped[l];
      if (training && dropped) {
        // The activations stay in acts (g′ reads them); the next layer reads the dropped copy.
        const { threshold, scale } = dropoutArgs(layer.dropout);
        be.dropoutForward(m * layer.units, out, dropped.handle, threshold, scale, dropoutSeed(this.spec.seed, this.steps, l));
        prev = dropped.handle;
      }
    }
    return b.acts[b.acts.length - 1].view;
  }

  /** Every layer's W packed for the backend, current with the weights; null when it does not pack or memory ran out (then each call packs). */
  private packedWeights(): H[] | null {
    const be = this.backend,
      layers = this.spec.layers;
    if (!this.packed) {
      const sizes = layers.map((l, i) => be.packedSize(l.units, this.spec.fanIns[i]));
      if (sizes.some((n) => n === 0)) return null;
      try {
        this.packed = allocAll(be, sizes, "packed weights");
      } catch {
        return null; // an optimisation only: inference goes on packing per call
      }
      this.packedHandles = this.packed.map((p) => p.handle);
      this.packedCurrent = false;
    }
    if (!this.packedCurrent) {
      for (let l = 0; l < layers.length; l++) be.pack(layers[l].units, this.spec.fanIns[l], this.layerHandles[l].w, this.packedHandles[l]);
      this.packedCurrent = true;
    }
    return this.packedHandles;
  }

  /** y = γ∘x̂ + β of layer l's z (m rows), x̂ written over z. */
  private normalizeForward(slot: Slot, l: number, m: number, z: H, y: H): void {
    const layer = this.spec.layers[l],
      norm = layer.normalization!,
      h = this.layerHandles[l];
    if (norm.type === "layer") {
      this.backend.layerNormForward(m, layer.units, z, h.gamma!, h.beta!, z, y, this.slots[slot]!.invstd[l]!.handle, norm.epsilon);
    } else {
      const batch = slot === 0 && this.trainingPass;
      this.backend.batchNormForward(
        m,
        layer.units,
        z,
        h.gamma!,
        h.beta!,
        batch ? h.batchMean! : h.mean!,
        batch ? h.batchVariance! : h.variance!,
        z,
        y,
        norm.epsilon,
        batch,
      );
    }
  }

  /** dZ of layer l from its dY (m rows of slot 0, in place at d), and the gradients of γ and β. */
  private normalizeBackward(l: number, m: number, d: H): void {
    const layer = this.spec.layers[l],
      norm = layer.normalization!,
      h = this.layerHandles[l],
      b = this.slots[0]!;
    if (norm.type === "layer") {
      this.backend.layerNormBackward(m, layer.units, b.xhat[l]!.handle, b.invstd[l]!.handle, h.gamma!, d, d, h.dgamma!, h.dbeta!);
    } else {
      const variance = this.trainingPass ? h.batchVariance! : h.variance!;
      this.backend.batchNormBackward(m, layer.units, b.xhat[l]!.handle, variance, h.gamma!, d, d, h.dgamma!, h.dbeta!, norm.epsilon, this.trainingPass);
    }
  }

  /** What layer l's activation backward reads: its input z when the derivative needs it, else its output. */
  private activationInput(l: number): H {
    const b = this.slots[0]!;
    return (b.pre[l] ?? b.acts[l]).handle;
  }

  lossSum(slot: Slot, m: number): number {
    this.live();
    const b = this.slots[slot]!;
    const weights = slot === 0 && this.weighted ? b.weights!.view : null;
    return this.backend.lossSum(this.loss, m, this.outputSize, b.acts[b.acts.length - 1].handle, b.y.handle, weights);
  }

  runBackwardLoss(m: number): void {
    this.live();
    const be = this.backend,
      b = this.slots[0]!,
      layers = this.spec.layers;
    const last = layers.length - 1,
      n = this.outputSize;
    const out = b.acts[last].handle,
      d = b.deltas![0].handle;
    if (this.fusedOutput) {
      be.lossFusedGrad(this.loss, m, n, out, b.y.handle, d);
      if (this.weighted) be.scaleRows(m, n, d, b.weights!.handle);
    } else {
      be.lossGrad(this.loss, m, n, out, b.y.handle, d);
      if (this.weighted) be.scaleRows(m, n, d, b.weights!.handle);
      be.activationBackward(this.acts[last], m, n, this.activationInput(last), d, d, layers[last].alpha);
    }
    this.backpropLayers(m, false);
    for (let l = 0; l < layers.length; l++) {
      const { l1, l2 } = layers[l];
      if (l1 > 0 || l2 > 0) be.penaltyGrad(this.tensorSizes[2 * l], this.layerHandles[l].w, this.layerHandles[l].dw, l1, l2);
    }
  }

  penalty(): number {
    this.live();
    let sum = 0;
    const layers = this.spec.layers;
    for (let l = 0; l < layers.length; l++) {
      const { l1, l2 } = layers[l];
      if (l1 > 0 || l2 > 0) sum += this.backend.penaltyValue(this.tensorSizes[2 * l], this.layerHandles[l].w, l1, l2);
    }
    return sum;
  }

  runBackwardFrom(dOut: Float32Array, m: number): A {
    this.live();
    const b = this.slots[0]!,
      last = this.spec.layers.length - 1;
    b.deltas![0].view.set(dOut.subarray(0, m * this.outputSize));
    const d = b.deltas![0].handle;
    this.backend.activationBackward(this.acts[last], m, this.outputSize, this.activationInput(last), d, d, this.spec.layers[last].alpha);
    return this.backpropLayers(m, true)!.view.slice(0, m * this.inputSize) as A;
  }

  /** From dZ of the last layer in deltas[0]: dW, db of every layer; dA_prev → dZ_prev on the way down. */
  private backpropLayers(m: number, wantInput: boolean): Buffer<H, A> | null {
    const be = this.backend,
      b = this.slots[0]!,
      layers = this.spec.layers,
      { grads, offsets } = this.store;
    let [cur, next] = b.deltas!;
    for (let l = layers.length - 1; l >= 0; l--) {
      const layer = layers[l],
        units = layer.units,
        fanIn = this.spec.fanIns[l],
        h = this.layerHandles[l];
      const dropped = l > 0 && this.dropping ? b.dropped[l - 1] : null;
      const prev = l === 0 ? b.x : (dropped ?? b.acts[l - 1]);
      if (layer.normalization) this.normalizeBackward(l, m, cur.handle);
      // dW = dZᵀ·A_prev (n_l × n_(l−1)), db = Σ_rows dZ, dA_prev = dZ·W.
      be.matmul("tn", units, fanIn, m, cur.handle, prev.handle, h.dw);
      // No bias (useBias false), or batch normalization in a training step (whose batch mean
      // removes any shift): db is exactly 0, not the rounding noise of Σ dZ (which Adam would scale up into steps).
      if (!layer.useBias || (this.trainingPass && layer.normalization?.type === "batch")) be.fill(grads, offsets[2 * l + 1], units, 0);
      else be.sumCols(m, units, cur.handle, h.db);
      if (l === 0 && !wantInput) return null;
      be.matmul("nn", m, fanIn, units, cur.handle, h.w, next.handle);
      if (dropped) {
        // dA through the dropout: the same mask, recomputed from the same seed.
        const { threshold, scale } = dropoutArgs(layers[l - 1].dropout);
        be.dropoutBackward(m * fanIn, next.handle, threshold, scale, dropoutSeed(this.spec.seed, this.steps, l - 1));
      }
      if (l > 0) be.activationBackward(this.acts[l - 1], m, fanIn, this.activationInput(l - 1), next.handle, next.handle, layers[l - 1].alpha);
      [cur, next] = [next, cur];
    }
    return cur;
  }

  gradientsFinite(): boolean {
    this.live();
    return Number.isFinite(this.backend.maxAbs(this.parameterCount, this.store.grads.handle));
  }

  batchStatsFinite(): boolean {
    this.live();
    // The moving statistics are float32 in a model file: a batch variance beyond its range would not fit.
    const stats = this.store.batchStats;
    return !this.statsPending || this.backend.maxAbs(stats!.view.length, stats!.handle) <= F32_MAX;
  }

  inputFinite(slot: Slot, m: number): boolean {
    this.live();
    return Number.isFinite(this.backend.maxAbs(m * this.inputSize, this.slots[slot]!.x.handle));
  }

  applyStep(): void {
    this.live();
    this.steps++;
    const be = this.backend,
      o = this.stepSpec,
      n = this.parameterCount,
      store = this.store,
      g = store.grads.handle;
    // A schedule's rate for this update (Keras counts updates from 0).
    if (o.schedule) o.learningRate = learningRateAt(o.schedule, this.steps - 1);
    if (o.clipValue !== undefined) be.clipValues(n, g, o.clipValue);
    if (o.clipNorm !== undefined) {
      const norm = Math.sqrt(be.sumSquares(n, g));
      if (norm > o.clipNorm) be.scale(n, g, o.clipNorm / norm);
    }
    be.optimizerStep(this.optimizer, o, this.steps, n, g, store.params.handle, store.stateHandles);
    this.packedCurrent = false;
    if (this.statsPending) {
      // The training batch's statistics join the moving ones (Keras: moving·momentum + batch·(1 − momentum)).
      const layers = this.spec.layers;
      for (let l = 0; l < layers.length; l++) {
        const norm = layers[l].normalization,
          h = this.layerHandles[l];
        if (norm?.type !== "batch") continue;
        be.movingAverage(layers[l].units, h.batchMean!, h.mean!, norm.momentum);
        be.movingAverage(layers[l].units, h.batchVariance!, h.variance!, norm.momentum);
      }
      this.statsPending = false;
    }
  }

  readParams(): A[] {
    this.live();
    return this.store.read();
  }

  readGrads(): A[] {
    this.live();
    return this.store.readGrads();
  }

  writeParams(weights: readonly ArrayLike<number>[]): void {
    this.live();
    this.store.write(weights);
    this.packedCurrent = false;
  }

  readOptimizerState(): { steps: number; states: A[] } {
    this.live();
    return { steps: this.steps, states: this.store.readStates() };
  }

  writeOptimizerState(steps: number, states: readonly ArrayLike<number>[]): void {
    this.live();
    this.steps = steps;
    this.store.writeStates(states);
  }

  release(): void {
    if (!this.alive) return;
    this.ahead.stop();
    this.alive = false;
    for (const b of this.slots) if (b) freeBatch(b);
    this.slots[0] = this.slots[1] = null;
    this.store.dispose();
    for (const r of this.packed ?? []) r.dispose();
    this.packed = null;
  }
}
