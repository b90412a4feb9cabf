// The public API shared by the wasm Network and the float64 ReferenceNetwork: option parsing,
// validation, fit/evaluate/predict loops, weights in and out, model files. Subclasses supply
// only the math, through the small set of protected "engine" methods at the bottom.
import {
  type Activation, type LayerOptions, type LayerSpec, type Loss, type NetworkSpec, type OptimizerOptions, type OptimizerSpec,
  LOSSES, checkLossFits, defaultLoss, describeOptimizer, parseLayer, parseOptimizer,
} from "./config.js";
import { Random, randomSeed } from "./random.js";
import { decodeFloat32, encodeFloat32 } from "./serialize.js";
import {
  type Batch, type Labels, checkInt, checkKeys, checkObject, checkOneOf, describe, toMatrix, toTargets,
} from "./validate.js";

export type { Batch, Labels };

/** One dense layer: `units` outputs, a = g(W·a_prev + b). Pass it to a Network. */
export class Layer {
  readonly units: number;
  readonly activation: Activation;
  /** Negative slope of leaky-relu (0 for other activations). */
  readonly alpha: number;
  /** @internal */ owner: Model<Float32Array | Float64Array> | null = null;
  /** @internal */ index = -1;

  constructor(options: LayerOptions) {
    const spec = parseLayer(options);
    this.units = spec.units;
    this.activation = spec.activation;
    this.alpha = spec.alpha;
  }

  /** Inputs per sample (units of the layer before); known once the layer is in a network. */
  get inputSize(): number {
    return this.attached().inputSizeOf(this.index);
  }

  /** A copy of W, units × inputSize, row-major (the notes' convention: z = W·a + b). */
  get weights(): Float32Array | Float64Array {
    return this.attached().getWeights()[2 * this.index];
  }

  /** A copy of b, one entry per unit. */
  get bias(): Float32Array | Float64Array {
    return this.attached().getWeights()[2 * this.index + 1];
  }

  toString(): string {
    return `Dense(${this.units}, ${this.activation}${this.activation === "leaky-relu" ? ` α=${this.alpha}` : ""})`;
  }

  private attached(): Model<Float32Array | Float64Array> {
    if (!this.owner) throw new Error(`${this} is not part of a network yet: pass it in new Network({ layers: [...] })`);
    return this.owner;
  }
}

export interface NetworkOptions {
  /** Features per input sample. */
  inputSize: number;
  /** The layers in order; the last one is the output layer. */
  layers: (Layer | LayerOptions)[];
  /** Defaults to the natural pair of the output activation (softmax → categorical-crossentropy, sigmoid → binary-crossentropy, else mse). */
  loss?: Loss;
  /** Defaults to { type: "adam", learningRate: 0.001 }. */
  optimizer?: OptimizerOptions;
  /** Same seed, same weights, same shuffles, bit for bit. Drawn at random when omitted (see `seed`). */
  seed?: number;
}

export interface Gradients<A> {
  /** dL/dW, units × inputSize. */
  dW: A;
  /** dL/db, one per unit. */
  db: A;
}

export interface EpochLogs {
  /** Mean training loss over the epoch's batches (measured before each batch's update). */
  loss: number;
  /** Training accuracy over the epoch, from the same forward passes. */
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  /** Wall-clock seconds the epoch took, validation included. */
  seconds: number;
}

export interface History {
  loss: number[];
  accuracy: number[];
  valLoss: number[];
  valAccuracy: number[];
  seconds: number[];
}

export interface FitOptions {
  /** Passes over the data; default 1. */
  epochs?: number;
  /** Samples per optimizer step; default 32. */
  batchSize?: number;
  /** Reshuffle the samples each epoch (seeded by the network's seed); default true. */
  shuffle?: boolean;
  /** [x, y] evaluated after every epoch. */
  validationData?: [Batch, Labels];
  /** Called after each epoch; return false to stop training early. */
  onEpochEnd?: (epoch: number, logs: EpochLogs) => void | boolean;
  /** Called after each optimizer step with that batch's mean loss. */
  onBatchEnd?: (batch: number, logs: { loss: number; size: number }) => void;
}

const FIT_KEYS = ["epochs", "batchSize", "shuffle", "validationData", "onEpochEnd", "onBatchEnd"] as const;
const NETWORK_KEYS = ["inputSize", "layers", "loss", "optimizer", "seed"] as const;
/** Rows per chunk for predict/evaluate, so memory stays bounded on large inputs. */
const INFER_ROWS = 1024;
/** Model file format written by toJSON. */
export const MODEL_FORMAT = "wasmlp-model";
export const MODEL_VERSION = 1;

export interface ModelJSON {
  format: typeof MODEL_FORMAT;
  version: number;
  inputSize: number;
  layers: { units: number; activation: Activation; alpha?: number }[];
  loss: Loss;
  optimizer: OptimizerSpec;
  seed: number;
  /** W then b of each layer, float32 little-endian, base64. */
  weights: string[];
}

/** Slot 0 holds the training batch (and forward()'s state for backward()); slot 1 inference chunks. */
export type Slot = 0 | 1;

export abstract class Model<A extends Float32Array | Float64Array> {
  readonly inputSize: number;
  readonly outputSize: number;
  readonly layers: readonly Layer[];
  /** The loss function's name (loss(x, y) computes it). */
  readonly lossName: Loss;
  readonly optimizer: OptimizerSpec;
  /** The seed weights and shuffles came from (drawn at random when none was given). */
  readonly seed: number;
  readonly parameterCount: number;
  protected readonly spec: NetworkSpec;
  /** Sizes of the parameter tensors, W1, b1, W2, b2, … */
  protected readonly tensorSizes: number[];
  private readonly shuffler: Random;
  /** Samples held by the last forward(), for backward(); 0 when none. */
  private pending = 0;
  private disposed = false;

  protected constructor(options: NetworkOptions) {
    checkObject("Network options", options);
    checkKeys("Network options", options, NETWORK_KEYS);
    const inputSize = checkInt("inputSize", options.inputSize, 1, 1 << 16);
    if (!Array.isArray(options.layers) || options.layers.length === 0) {
      throw new RangeError(`layers must be a non-empty array of Layer, received ${describe(options.layers)}`);
    }
    const layers = options.layers.map((l, i) => {
      if (l instanceof Layer) {
        if (l.owner) throw new Error(`layers[${i}] (${l}) already belongs to a network; create a new Layer for each network`);
        return l;
      }
      parseLayer(l, `layers[${i}]`);
      return new Layer(l);
    });
    const specs: LayerSpec[] = layers.map((l) => ({ units: l.units, activation: l.activation, alpha: l.alpha }));
    const output = specs[specs.length - 1];
    const loss = options.loss === undefined ? defaultLoss(output) : checkOneOf("loss", options.loss, LOSSES);
    checkLossFits(loss, output);
    const optimizer = parseOptimizer(options.optimizer);
    const seed = options.seed === undefined ? randomSeed() : checkInt("seed", options.seed, 0, 0xffffffff);

    this.spec = { inputSize, layers: specs, loss, optimizer, seed };
    this.inputSize = inputSize;
    this.outputSize = output.units;
    this.lossName = loss;
    this.optimizer = optimizer;
    this.seed = seed;
    this.tensorSizes = specs.flatMap((l, i) => [l.units * this.inputSizeOf(i), l.units]);
    this.parameterCount = this.tensorSizes.reduce((a, b) => a + b, 0);
    this.shuffler = new Random(seed ^ 0x5bd1e995);
    layers.forEach((l, i) => { l.owner = this; l.index = i; });
    this.layers = Object.freeze(layers);
  }

  /** @internal */
  inputSizeOf(layer: number): number {
    return layer === 0 ? this.spec.inputSize : this.spec.layers[layer - 1].units;
  }

  /** Weights drawn from the seed: uniform with variance 1/fan_in (Xavier/LeCun), 2/fan_in for relu (He); biases 0. */
  protected initialWeights(): Float32Array[] {
    const rng = new Random(this.seed);
    return this.spec.layers.flatMap((layer, i) => {
      const fanIn = this.inputSizeOf(i);
      const he = layer.activation === "relu" || layer.activation === "leaky-relu";
      const limit = Math.sqrt((he ? 6 : 3) / fanIn);
      const w = new Float32Array(layer.units * fanIn);
      for (let j = 0; j < w.length; j++) w[j] = rng.symmetric(limit);
      return [w, new Float32Array(layer.units)];
    });
  }

  // ---- inference and training ------------------------------------------------------------

  /** Outputs (m × outputSize) for a batch; keeps what backward() needs. */
  forward(x: Batch): A {
    this.alive();
    const { data, m } = toMatrix("x", x, this.inputSize);
    this.ensureRows(0, m);
    this.loadX(0, data, null, 0, m);
    const out = this.copyOut(this.runForward(0, m), m * this.outputSize);
    this.pending = m;
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
    const dInput = this.runBackwardFrom(data, m);
    return { dInput, grads: this.gradientPairs() };
  }

  /** Outputs for a batch, without keeping backprop state (chunked for large inputs). */
  predict(x: Batch): A {
    this.alive();
    const { data, m } = toMatrix("x", x, this.inputSize);
    const out = this.newArray(m * this.outputSize);
    for (let start = 0; start < m; start += INFER_ROWS) {
      const rows = Math.min(INFER_ROWS, m - start);
      this.ensureRows(1, rows);
      this.loadX(1, data, null, start, rows);
      const view = this.runForward(1, rows);
      out.set(view.subarray(0, rows * this.outputSize), start * this.outputSize);
    }
    return out;
  }

  /** Mean loss and accuracy over a data set. */
  evaluate(x: Batch, y: Labels): { loss: number; accuracy: number } {
    this.alive();
    const { data, m } = toMatrix("x", x, this.inputSize);
    const targets = this.targets("y", y, m);
    return this.evaluateChecked(data, targets, m);
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
    const loss = this.forwardLoss(data, targets, null, 0, m);
    this.runBackwardLoss(m);
    return { loss, grads: this.gradientPairs() };
  }

  /** One optimizer step on one batch; returns the batch's mean loss before the step. */
  trainBatch(x: Batch, y: Labels): number {
    this.alive();
    const { data, m } = toMatrix("x", x, this.inputSize);
    const targets = this.targets("y", y, m);
    return this.step(data, targets, null, 0, m, "trainBatch");
  }

  /** Trains for some epochs of minibatches; returns the per-epoch history. */
  fit(x: Batch, y: Labels, options: FitOptions = {}): History {
    this.alive();
    checkObject("fit options", options as unknown);
    checkKeys("fit options", options, FIT_KEYS);
    const epochs = checkInt("epochs", options.epochs ?? 1, 1);
    const batchSize = checkInt("batchSize", options.batchSize ?? 32, 1, 1 << 16);
    const shuffle = options.shuffle ?? true;
    if (typeof shuffle !== "boolean") throw new TypeError(`shuffle must be true or false, received ${describe(shuffle)}`);
    for (const name of ["onEpochEnd", "onBatchEnd"] as const) {
      if (options[name] !== undefined && typeof options[name] !== "function") {
        throw new TypeError(`${name} must be a function, received ${describe(options[name])}`);
      }
    }
    const { data, m } = toMatrix("x", x, this.inputSize);
    const targets = this.targets("y", y, m);
    let validation: { data: Float32Array; targets: Float32Array; m: number } | null = null;
    if (options.validationData !== undefined) {
      const v = options.validationData;
      if (!Array.isArray(v) || v.length !== 2) throw new TypeError(`validationData must be [x, y], received ${describe(v)}`);
      const vx = toMatrix("validationData x", v[0], this.inputSize);
      validation = { data: vx.data, m: vx.m, targets: this.targets("validationData y", v[1], vx.m) };
    }

    const history: History = { loss: [], accuracy: [], valLoss: [], valAccuracy: [], seconds: [] };
    const order = new Uint32Array(m);
    for (let i = 0; i < m; i++) order[i] = i;
    const rows = Math.min(batchSize, m);
    this.ensureRows(0, rows);
    let batchIndex = 0;
    for (let epoch = 0; epoch < epochs; epoch++) {
      const t0 = performance.now();
      if (shuffle) this.shuffler.shuffle(order);
      let lossSum = 0;
      let correct = 0;
      for (let start = 0; start < m; start += rows) {
        const count = Math.min(rows, m - start);
        const loss = this.step(data, targets, order, start, count, `fit (epoch ${epoch + 1}, batch ${batchIndex + 1})`);
        correct += this.lastCorrect;
        lossSum += loss * count;
        options.onBatchEnd?.(batchIndex++, { loss, size: count });
      }
      const logs: EpochLogs = { loss: lossSum / m, accuracy: correct / (m * this.accuracyUnits()), seconds: 0 };
      history.loss.push(logs.loss);
      history.accuracy.push(logs.accuracy);
      if (validation) {
        const v = this.evaluateChecked(validation.data, validation.targets, validation.m);
        logs.valLoss = v.loss;
        logs.valAccuracy = v.accuracy;
        history.valLoss.push(v.loss);
        history.valAccuracy.push(v.accuracy);
      }
      logs.seconds = (performance.now() - t0) / 1000;
      history.seconds.push(logs.seconds);
      if (options.onEpochEnd?.(epoch, logs) === false) break;
    }
    return history;
  }

  // ---- weights and files -----------------------------------------------------------------

  /** Copies of W1, b1, W2, b2, … (W of layer l is units_l × units_(l−1), row-major). */
  getWeights(): A[] {
    this.alive();
    return this.readParams();
  }

  /** Replaces every weight; takes the same list getWeights() returns. Validated before any write. */
  setWeights(weights: readonly ArrayLike<number>[]): void {
    this.alive();
    if (!Array.isArray(weights) || weights.length !== this.tensorSizes.length) {
      throw new RangeError(`setWeights expects ${this.tensorSizes.length} arrays (W and b for each of ${this.layers.length} layers), received ${describe(weights)}`);
    }
    weights.forEach((value, i) => {
      const w = value as ArrayLike<unknown>;
      const what = `(${i % 2 ? "b" : "W"} of layer ${i >> 1})`;
      if (!Array.isArray(w) && !ArrayBuffer.isView(w)) throw new TypeError(`weights[${i}] ${what} is ${describe(w)}; expected an array of numbers`);
      if (w.length !== this.tensorSizes[i]) throw new RangeError(`weights[${i}] ${what} has ${w.length} values, expected ${this.tensorSizes[i]}`);
      for (let j = 0; j < w.length; j++) {
        if (typeof w[j] !== "number" || !Number.isFinite(w[j])) throw new RangeError(`weights[${i}][${j}] ${what} is ${describe(w[j])}; weights must be finite numbers`);
      }
    });
    this.writeParams(weights);
    this.pending = 0;
  }

  /** A plain object that JSON.stringify writes and fromJSON reads back exactly. */
  toJSON(): ModelJSON {
    this.alive();
    return {
      format: MODEL_FORMAT,
      version: MODEL_VERSION,
      inputSize: this.inputSize,
      layers: this.spec.layers.map((l) => (l.activation === "leaky-relu" ? { ...l } : { units: l.units, activation: l.activation })),
      loss: this.lossName,
      optimizer: this.optimizer,
      seed: this.seed,
      weights: this.readParams().map((w) => encodeFloat32(w)),
    };
  }

  /** Validates a model file's object and returns the options and weights it describes. */
  protected static parseJSON(json: unknown): { options: NetworkOptions; weights: Float32Array[] } {
    const data = typeof json === "string" ? parseText(json) : json;
    checkObject("model", data);
    if (data.format !== MODEL_FORMAT) throw new RangeError(`not a wasmlp model: format is ${describe(data.format)}, expected "${MODEL_FORMAT}"`);
    if (data.version !== MODEL_VERSION) throw new RangeError(`model version ${describe(data.version)} is not supported; this wasmlp reads version ${MODEL_VERSION}`);
    checkKeys("model", data, ["format", "version", "inputSize", "layers", "loss", "optimizer", "seed", "weights"]);
    if (!Array.isArray(data.layers)) throw new TypeError(`model.layers must be an array, received ${describe(data.layers)}`);
    const options: NetworkOptions = {
      inputSize: data.inputSize as number,
      layers: data.layers.map((l, i) => { parseLayer(l, `model.layers[${i}]`); return new Layer(l as LayerOptions); }),
      loss: data.loss as Loss,
      optimizer: data.optimizer as OptimizerOptions,
      seed: data.seed as number,
    };
    const layers = options.layers as Layer[];
    const sizes = layers.flatMap((l, i) => [l.units * (i === 0 ? (options.inputSize as number) : layers[i - 1].units), l.units]);
    if (!Array.isArray(data.weights) || data.weights.length !== sizes.length) {
      throw new RangeError(`model.weights must hold ${sizes.length} tensors (W and b per layer), received ${describe(data.weights)}`);
    }
    const weights = sizes.map((n, i) => decodeFloat32(`model.weights[${i}]`, (data.weights as unknown[])[i], n));
    return { options, weights };
  }

  /** Frees the network's memory; every later call throws. */
  dispose(): void {
    if (this.disposed) return;
    this.releaseAll();
    this.disposed = true;
    this.detachLayers();
  }

  /** Lets the Layer objects join another network (after dispose, or when construction fails). */
  protected detachLayers(): void {
    for (const l of this.layers) l.owner = null;
  }

  toString(): string {
    const sizes = [String(this.inputSize), ...this.layers.map((l) => `${l.units} ${l.activation}`)].join(" → ");
    return `${this.constructor.name}(${sizes}; loss ${this.lossName}; ${describeOptimizer(this.optimizer)}; ${this.parameterCount.toLocaleString("en-US")} parameters)`;
  }

  // ---- shared internals ------------------------------------------------------------------

  /** Correct predictions in the last step()'s batch, counted in accuracyUnits(). */
  private lastCorrect = 0;

  private targets(name: string, y: unknown, m: number): Float32Array {
    return toTargets(name, y, m, this.outputSize, this.lossName === "categorical-crossentropy");
  }

  /** Forward a batch already validated (rows of `order` from `start`, or contiguous) and return its mean loss. */
  private forwardLoss(x: Float32Array, y: Float32Array, order: Uint32Array | null, start: number, m: number): number {
    this.ensureRows(0, m);
    this.loadX(0, x, order, start, m);
    this.loadY(0, y, order, start, m);
    const out = this.runForward(0, m);
    this.lastCorrect = this.countCorrect(out, y, order, start, m);
    this.pending = 0;
    return this.lossSum(0, m) / m;
  }

  private step(x: Float32Array, y: Float32Array, order: Uint32Array | null, start: number, m: number, where: string): number {
    const loss = this.forwardLoss(x, y, order, start, m);
    if (!Number.isFinite(loss)) {
      throw new Error(`${where}: the loss became ${loss}, so no update was applied (the weights are those from before this batch); try a smaller learning rate`);
    }
    this.runBackwardLoss(m);
    if (!this.gradientsFinite()) {
      throw new Error(`${where}: the gradients became non-finite (the loss was ${loss}), so no update was applied (the weights are those from before this batch); try a smaller learning rate`);
    }
    this.applyStep();
    return loss;
  }

  private evaluateChecked(x: Float32Array, y: Float32Array, m: number): { loss: number; accuracy: number } {
    let loss = 0;
    let correct = 0;
    for (let start = 0; start < m; start += INFER_ROWS) {
      const rows = Math.min(INFER_ROWS, m - start);
      this.ensureRows(1, rows);
      this.loadX(1, x, null, start, rows);
      this.loadY(1, y, null, start, rows);
      const out = this.runForward(1, rows);
      correct += this.countCorrect(out, y, null, start, rows);
      loss += this.lossSum(1, rows);
    }
    return { loss: loss / m, accuracy: correct / (m * this.accuracyUnits()) };
  }

  /** Accuracy is per sample (argmax) for several outputs, per output (threshold 0.5) for binary ones. */
  private accuracyUnits(): number {
    return this.elementwiseAccuracy() ? this.outputSize : 1;
  }

  private elementwiseAccuracy(): boolean {
    return this.lossName === "binary-crossentropy" || this.outputSize === 1;
  }

  private countCorrect(out: ArrayLike<number>, y: Float32Array, order: Uint32Array | null, start: number, m: number): number {
    const n = this.outputSize;
    let correct = 0;
    for (let i = 0; i < m; i++) {
      const row = order ? order[start + i] : start + i;
      if (this.elementwiseAccuracy()) {
        for (let j = 0; j < n; j++) if ((out[i * n + j] >= 0.5) === (y[row * n + j] >= 0.5)) correct++;
      } else {
        let best = 0, want = 0;
        for (let j = 1; j < n; j++) {
          if (out[i * n + j] > out[i * n + best]) best = j;
          if (y[row * n + j] > y[row * n + want]) want = j;
        }
        if (best === want) correct++;
      }
    }
    return correct;
  }

  private gradientPairs(): Gradients<A>[] {
    const g = this.readGrads();
    return this.layers.map((_, i) => ({ dW: g[2 * i], db: g[2 * i + 1] }));
  }

  private copyOut(view: A, n: number): A {
    const out = this.newArray(n);
    out.set(view.subarray(0, n));
    return out;
  }

  private alive(): void {
    if (this.disposed) throw new Error(`this ${this.constructor.name} has been disposed; create a new one`);
  }

  // ---- the engine: what a subclass implements ----------------------------------------------

  protected abstract newArray(n: number): A;
  /** Makes room in a slot for m samples (allocating only when m exceeds every earlier batch). */
  protected abstract ensureRows(slot: Slot, m: number): void;
  /** Copies m samples (rows order[start..] or start.. of src) into the slot's input. */
  protected abstract loadX(slot: Slot, src: Float32Array, order: Uint32Array | null, start: number, m: number): void;
  /** Same for the targets. */
  protected abstract loadY(slot: Slot, src: Float32Array, order: Uint32Array | null, start: number, m: number): void;
  /** Runs the layers; returns a view of the outputs valid until the next engine call. */
  protected abstract runForward(slot: Slot, m: number): A;
  /** Sum over the batch of the per-sample loss of the slot's outputs and targets. */
  protected abstract lossSum(slot: Slot, m: number): number;
  /** Gradients of the mean loss of slot 0 into the gradient buffers. */
  protected abstract runBackwardLoss(m: number): void;
  /** Gradients (summed over the batch) from a given dL/d(outputs) of slot 0; returns dL/dx. */
  protected abstract runBackwardFrom(dOut: Float32Array, m: number): A;
  /** Whether every gradient entry is finite (checked before each update). */
  protected abstract gradientsFinite(): boolean;
  /** One optimizer update from the gradient buffers. */
  protected abstract applyStep(): void;
  protected abstract readParams(): A[];
  protected abstract readGrads(): A[];
  protected abstract writeParams(weights: readonly ArrayLike<number>[]): void;
  protected abstract releaseAll(): void;
}

function parseText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`model file is not valid JSON: ${(e as Error).message}`);
  }
}
