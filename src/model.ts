// The public network API, one façade over an engine (wasm float32 or float64 reference):
// option parsing, input validation, weights in and out, model files. The math lives in the
// engine (src/engine/), the training loop in src/training.ts, model files in src/model-file.ts;
// the options' validation in src/network-options.ts, the weight list's in src/weight-list.ts.
import "./disposable.js";
import { type Loss, type OptimizerSpec, describeOptimizer } from "./config.js";
import type { Engine, EngineSpec, Slot } from "./engine/engine.js";
import { type FeatureSpec, type Prediction, isRowObjects, objectRows } from "./features.js";
import { initialWeights } from "./initial-weights.js";
import type { Layer } from "./layer.js";
import { type DecodedTraining, parseModelJSON, toModelJSON } from "./model-file.js";
import { parseNetworkOptions } from "./network-options.js";
import { Random } from "./random.js";
import { sampleWeights } from "./sample-weights.js";
import { INFER_ROWS, type Trainee, checkOutputsFinite, evaluateRows, fit, forwardLoss, parseFitOptions, step } from "./training.js";
import type { Batch, Evaluation, FitOptions, Gradients, History, Labels, ModelJSON, NetworkOptions, ToJSONOptions, TrainingPlan } from "./types.js";
import { assertFinite, checkKeys, checkTargetRange, describe, toMatrix, toTargets } from "./validate.js";
import { checkWeightList } from "./weight-list.js";

export class Model<A extends Float32Array | Float64Array> {
  readonly inputSize: number;
  /** The shape of one sample, when the options gave one (its product is inputSize). */
  readonly inputShape: readonly number[] | undefined;
  readonly outputSize: number;
  readonly layers: readonly Layer[];
  /** The loss function's name (loss(x, y) computes it). */
  readonly lossName: Loss;
  /** The optimizer's settings: a frozen copy (changing them would bypass validation). */
  readonly optimizer: Readonly<OptimizerSpec>;
  /** The seed weights and shuffles came from (drawn at random when none was given). */
  readonly seed: number;
  readonly parameterCount: number;
  /** How raw rows become inputs and outputs become predictions, when the options gave one (saved in model files). */
  readonly features: FeatureSpec | undefined;
  /** @internal */ protected readonly engine: Engine<A>;
  private readonly spec: EngineSpec;
  private readonly trainee: Trainee<A>;
  private readonly shuffler: Random;
  /** Epochs fit has completed (the next initialEpoch when resuming from a checkpoint). */
  private epochsDone = 0;
  /** The last fit's plan (its epochs and steps per epoch), kept in checkpoints; null before any fit. */
  private plan: TrainingPlan | null = null;
  /** Samples held by the last forward(), for backward(); 0 when none. */
  private pending = 0;
  /** Whether the gradient buffers hold the gradients of the last backward() or gradients(), for applyGradients(). */
  private gradientsReady = false;
  private disposed = false;

  protected constructor(options: NetworkOptions, makeEngine: (spec: EngineSpec) => Engine<A>) {
    const { spec, layers, inputShape, loss, optimizer, features } = parseNetworkOptions(options);
    this.spec = spec;
    this.inputSize = spec.inputSize;
    this.inputShape = inputShape;
    this.outputSize = spec.layers[spec.layers.length - 1].units;
    this.lossName = loss;
    this.optimizer = optimizer;
    this.seed = spec.seed;
    this.features = features;
    this.parameterCount = this.spec.parameterCount;
    this.shuffler = new Random(spec.seed ^ 0x5bd1e995);
    this.engine = makeEngine(this.spec); // a failure here leaves the caller's Layer objects free
    this.engine.writeParams(initialWeights(this.spec));
    this.trainee = { engine: this.engine, outputSize: this.outputSize, loss };
    layers.forEach((l, i) => {
      l.owner = this;
      l.index = i;
    });
    this.layers = Object.freeze(layers);
  }

  /** @internal */
  inputSizeOf(layer: number): number {
    return this.spec.fanIns[layer];
  }

  // ---- inference and training ------------------------------------------------------------

  /** Outputs (m × outputSize) for a batch; keeps what backward() needs. */
  forward(x: Batch): A {
    this.alive();
    const { data, m } = toMatrix("x", x, this.inputSize);
    const e = this.engine;
    e.ensureRows(0, m);
    e.loadX(0, data, null, 0, m);
    const view = e.runForward(0, m);
    const out = e.newArray(m * this.outputSize);
    out.set(view.subarray(0, m * this.outputSize));
    this.pending = m;
    this.gradientsReady = false;
    return out;
  }

  /**
   * Backpropagates dOut = dL/d(outputs) (m × outputSize, the batch of the last forward()).
   * Returns dL/dx and the parameter gradients, summed over the batch.
   */
  backward(dOut: Batch): { dInput: A; grads: Gradients<A>[] } {
    this.alive();
    if (this.pending === 0) throw new Error("backward() needs a forward() first: it backpropagates through the last forward pass");
    const { data, m } = toMatrix("dOut", dOut, this.outputSize);
    if (m !== this.pending) throw new RangeError(`dOut has ${m} samples, expected ${this.pending} (the batch of the last forward())`);
    const dInput = this.engine.runBackwardFrom(data, m);
    this.gradientsReady = true;
    return { dInput, grads: this.gradientPairs() };
  }

  /**
   * One optimizer update from the gradients of the last backward() or gradients() (as tfjs's
   * optimizer.applyGradients): for losses computed outside the network, e.g. with wasmlp/graph.
   * Refused when a gradient is not finite (the weights are unchanged). kernelRegularizer
   * penalties are not added to backward()'s gradients; gradients() includes them.
   */
  applyGradients(): void {
    this.alive();
    if (!this.gradientsReady)
      throw new Error("applyGradients() needs gradients first: call backward() (after forward()) or gradients(); each set is applied once");
    if (!this.engine.gradientsFinite()) {
      this.gradientsReady = false;
      throw new Error(
        "applyGradients(): a gradient is not finite, so no update was applied (the weights are unchanged); check the loss for log(0) or a division by zero",
      );
    }
    this.engine.applyStep();
    this.gradientsReady = false;
  }

  /**
   * Outputs for a batch, without keeping backprop state (chunked for large inputs). A network
   * with a feature spec also takes row objects ({ column: value, … }) and returns one prediction
   * per row: a class name (a number for integer classes) or the target value(s) in their units.
   */
  predict(rows: readonly Record<string, unknown>[]): Prediction[];
  predict(x: Batch): A;
  predict(x: Batch | readonly Record<string, unknown>[]): A | Prediction[] {
    this.alive();
    if (isRowObjects(x)) {
      if (!this.features)
        throw new TypeError(
          "predict received row objects, but this network has no feature spec to encode them (create it with features from wasmlp/data's fitFeatures)",
        );
      const { x: encoded, kept } = this.features.encode(objectRows(x));
      if (kept.length < x.length) {
        const dropped = kept.findIndex((r, i) => r !== i);
        throw new RangeError(
          `predict: row ${dropped < 0 ? kept.length : dropped} has a missing value; a spec fitted with onMissing "drop" cannot predict it (fit with onMissing "fill")`,
        );
      }
      return this.features.decode(this.predict(encoded));
    }
    return this.predictBatch(x as Batch);
  }

  private predictBatch(x: Batch): A {
    // Finiteness is checked on each chunk's copy in the inference slot (max_abs, several times
    // faster than a scan in JS; the slot holds nothing between calls), or in JS first where the
    // slot must grow, so a rejected input never allocates. Training checks in JS, before its slot is touched.
    const { data, m } = toMatrix("x", x, this.inputSize, { finite: false });
    const e = this.engine;
    if (!e.hasRows(1, Math.min(INFER_ROWS, m))) assertFinite("x", x, data, this.inputSize);
    const out = e.newArray(m * this.outputSize);
    for (let start = 0; start < m; start += INFER_ROWS) {
      const rows = Math.min(INFER_ROWS, m - start);
      e.ensureRows(1, rows);
      this.loadFinite(1, x, data, start, rows);
      const view = e.runForward(1, rows);
      checkOutputsFinite("predict", view, this.outputSize, start, rows);
      out.set(view.subarray(0, rows * this.outputSize), start * this.outputSize);
    }
    return out;
  }

  /** Mean loss and accuracy over a data set. */
  evaluate(x: Batch, y: Labels): Evaluation {
    this.alive();
    const { data, m } = toMatrix("x", x, this.inputSize);
    const targets = this.targets("y", y, m);
    return evaluateRows(this.trainee, data, targets, m, true);
  }

  /** Mean loss over a batch. */
  loss(x: Batch, y: Labels): number {
    return this.evaluate(x, y).loss;
  }

  /** The mean loss over the batch and its gradients with respect to every parameter. */
  gradients(x: Batch, y: Labels): { loss: number; grads: Gradients<A>[] } {
    this.alive();
    const { data, m } = toMatrix("x", x, this.inputSize);
    const targets = this.targets("y", y, m);
    this.pending = 0;
    const { loss } = forwardLoss(this.trainee, data, targets, null, 0, m);
    this.engine.runBackwardLoss(m);
    this.gradientsReady = true;
    return { loss, grads: this.gradientPairs() };
  }

  /**
   * Copies rows [start, start + rows) of `data` (toMatrix's float32 form of the input `x`) into
   * the slot and checks the copy for non-finite values (max_abs, shared with the threads), throwing
   * toMatrix's error for `x` if there is one.
   */
  private loadFinite(slot: Slot, x: Batch, data: Float32Array, start: number, rows: number): void {
    this.engine.loadX(slot, data, null, start, rows);
    if (!this.engine.inputFinite(slot, rows)) assertFinite("x", x, data, this.inputSize);
  }

  /** One optimizer step on one batch; returns the batch's mean loss before the step. */
  trainBatch(x: Batch, y: Labels): number {
    this.alive();
    const { data, m } = toMatrix("x", x, this.inputSize, { finite: false });
    // When no forward() awaits its backward(), the training slot holds nothing another call
    // needs: x is copied there and checked for finiteness on the copy (max_abs, shared with the
    // threads; the step then uses the copy), where the slot already has room, so a rejected input
    // never allocates. Otherwise it is checked in JS first.
    const scanCopy = this.pending === 0 && this.engine.hasRows(0, m);
    if (scanCopy) this.loadFinite(0, x, data, 0, m);
    else assertFinite("x", x, data, this.inputSize);
    const targets = this.targets("y", y, m);
    this.pending = 0;
    this.gradientsReady = false;
    return step(this.trainee, data, targets, null, 0, m, "trainBatch", null, scanCopy).loss;
  }

  /**
   * Trains for some epochs of minibatches; returns the per-epoch history. Calling dispose()
   * inside onBatchEnd or onEpochEnd stops training at once: no later batch runs, and fit
   * returns the history of the epochs completed so far.
   */
  fit(x: Batch, y: Labels, options: FitOptions = {}): History {
    this.alive();
    const settings = parseFitOptions(options);
    let { data, m } = toMatrix("x", x, this.inputSize);
    let targets = this.targets("y", y, m);
    let weights = sampleWeights(options, targets, m, this.outputSize, this.lossName);
    let validation: { x: Float32Array; y: Float32Array; m: number } | null = null;
    if (settings.validationSplit > 0) {
      // The last samples, before any shuffling (as Keras).
      const keep = Math.floor(m * (1 - settings.validationSplit));
      if (keep < 1 || keep === m) {
        throw new RangeError(
          `validationSplit ${settings.validationSplit} of ${m} samples leaves ${keep} to train on and ${m - keep} to validate; both must be at least 1`,
        );
      }
      const [n, o] = [this.inputSize, this.outputSize];
      validation = { x: data.subarray(keep * n, m * n), y: targets.subarray(keep * o, m * o), m: m - keep };
      [data, targets, m] = [data.subarray(0, keep * n), targets.subarray(0, keep * o), keep];
      weights = weights?.subarray(0, keep) ?? null;
    }
    if (options.validationData !== undefined) {
      const v = options.validationData;
      if (!Array.isArray(v) || v.length !== 2) throw new TypeError(`validationData must be [x, y], received ${describe(v)}`);
      const vx = toMatrix("validationData x", v[0], this.inputSize);
      validation = { x: vx.data, m: vx.m, y: this.targets("validationData y", v[1], vx.m) };
    }
    this.pending = 0;
    this.gradientsReady = false;
    this.plan = { epochs: settings.epochs, stepsPerEpoch: Math.ceil(m / settings.batchSize) };
    const history = fit(this.trainee, this.shuffler, { x: data, y: targets, m, validation, weights }, settings);
    if (history.epoch.length > 0) this.epochsDone = history.epoch[history.epoch.length - 1] + 1;
    return history;
  }

  // ---- weights and files -----------------------------------------------------------------

  /**
   * Copies of W1, b1, W2, b2, … (W of layer l is units_l × units_(l−1), row-major); then γ and β of
   * each normalized layer, in layer order; then the moving mean and moving variance of each
   * batch-normalized layer, in layer order (not trained: training steps update them).
   */
  getWeights(): A[] {
    this.alive();
    return this.engine.readParams();
  }

  /** Replaces every weight; takes the same list getWeights() returns. Validated before any write. */
  setWeights(weights: readonly ArrayLike<number>[]): void {
    this.alive();
    checkWeightList(weights, this.spec);
    this.engine.writeParams(weights);
    this.pending = 0;
    this.gradientsReady = false;
  }

  /**
   * A plain object that JSON.stringify writes and fromJSON reads back exactly. With
   * `{ includeOptimizerState: true }` it is a checkpoint: it also holds the optimizer's state and
   * step count, the epochs done and the shuffling state, so that fromJSON(…).fit(x, y,
   * { initialEpoch: training.epoch, … }) continues bit for bit as if training had never stopped.
   */
  toJSON(options?: ToJSONOptions | string): ModelJSON {
    this.alive();
    // JSON.stringify calls toJSON(key) with a string: that is the plain model file.
    const o = typeof options === "object" && options !== null ? options : {};
    checkKeys("toJSON options", o, ["includeOptimizerState"]);
    if (o.includeOptimizerState !== undefined && typeof o.includeOptimizerState !== "boolean") {
      throw new TypeError(`includeOptimizerState must be true or false, received ${describe(o.includeOptimizerState)}`);
    }
    const training = o.includeOptimizerState
      ? { epoch: this.epochsDone, ...this.engine.readOptimizerState(), shuffle: this.shuffler.state, plan: this.plan }
      : undefined;
    return toModelJSON(this.spec, this.engine.readParams(), this.inputShape, training, this.features);
  }

  /** Validates a model file's object and returns the options, weights and (checkpoints) training state it describes. */
  protected static parseJSON(json: unknown): { options: NetworkOptions; weights: Float32Array[]; training?: DecodedTraining } {
    return parseModelJSON(json);
  }

  /** @internal Puts a checkpoint's training state back (see toJSON). */
  restoreTraining(t: DecodedTraining): void {
    this.alive();
    this.engine.writeOptimizerState(t.steps, t.states);
    this.shuffler.state = t.shuffle;
    this.epochsDone = t.epoch;
    this.plan = t.plan ?? null;
  }

  /** Epochs fit has completed on this network (restored from a checkpoint): the next initialEpoch. */
  get epochsTrained(): number {
    return this.epochsDone;
  }

  /**
   * Builds a network from a model file's weights, and rejects weights that are finite but so
   * large that the network's own outputs overflow: forward passes on an all-zero input (the
   * bias path) and an all-ones input must stay finite. On failure nothing is kept.
   */
  protected static load<N extends Model<Float32Array | Float64Array>>(net: N, weights: Float32Array[], training?: DecodedTraining): N {
    try {
      net.setWeights(weights);
      if (training) net.restoreTraining(training);
      const probe = new Float32Array(2 * net.inputSize);
      probe.fill(1, net.inputSize);
      net.predict(probe);
      return net;
    } catch (e) {
      net.dispose();
      if (e instanceof Error && /^predict: /.test(e.message)) {
        throw new RangeError(`model weights overflow float32: ${e.message.replace(/^predict: /, "on a probe input of zeros (sample 0) or ones (sample 1), ")}`);
      }
      throw e;
    }
  }

  /** Frees the network's memory; every later call throws. */
  dispose(): void {
    if (this.disposed) return;
    this.engine.release();
    this.disposed = true;
    for (const l of this.layers) l.owner = null;
  }

  /** The class's name as written, "Network" or "ReferenceNetwork" (constructor.name is minified in the browser bundle). */
  private get className(): string {
    return (this.constructor as { className?: string }).className ?? this.constructor.name;
  }

  /** `using net = new Network(…)` frees it when the block ends (where the runtime has Symbol.dispose). */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** A one-line summary: "Network(784 → 128 relu → 10 softmax; loss …; optimizer; N parameters)". */
  toString(): string {
    const sizes = [
      String(this.inputSize),
      ...this.layers.map(
        (l) =>
          `${l.units}${l.normalization ? ` ${l.normalization.type}-norm` : ""} ${l.activation}${l.dropout > 0 ? ` (dropout ${l.dropout})` : ""}${l.useBias ? "" : " (no bias)"}`,
      ),
    ].join(" → ");
    return `${this.className}(${sizes}; loss ${this.lossName}; ${describeOptimizer(this.optimizer)}; ${this.parameterCount.toLocaleString("en-US")} parameters)`;
  }

  // ---- internals -------------------------------------------------------------------------

  private targets(name: string, y: unknown, m: number): Float32Array {
    const t = toTargets(name, y, m, this.outputSize, this.lossName === "categorical-crossentropy");
    checkTargetRange(name, t, this.outputSize, this.lossName);
    return t;
  }

  private gradientPairs(): Gradients<A>[] {
    const g = this.engine.readGrads();
    const gi = this.spec.gammaIndex;
    return this.layers.map((_, i) => ({ dW: g[2 * i], db: g[2 * i + 1], ...(gi[i] >= 0 ? { dGamma: g[gi[i]], dBeta: g[gi[i] + 1] } : {}) }));
  }

  private alive(): void {
    if (this.disposed) throw new Error(`this ${this.className} has been disposed; create a new one`);
  }
}
