// QuantizedNetwork: a trained Network's int8 twin (Network.quantize(), QuantizedNetwork.fromJSON).
// Activations are quantized per sample on the fly (dynamic range), sums are int32, and the
// float32 scale + bias + activation come in the store (assembly/quantized.ts). It answers predict
// and evaluate; it does not train.
import { activationOps } from "../activations.js";
import type { Loss } from "../config.js";
import { FeatureSpec, type Prediction, isRowObjects, predictRowObjects } from "../features.js";
import { lossOps } from "../losses.js";
import { type Runtime, runtime } from "../runtime.js";
import { accuracyUnits, checkOutputsFinite, countCorrect } from "../training.js";
import type { Batch, Evaluation, Labels } from "../types.js";
import { assertFinite, checkKeys, checkObject, checkOneOf, checkTargetRange, toMatrix, toTargets } from "../validate.js";
import { type RelaxedKernels, relaxedKernels } from "../wasm.js";
import { type QuantizedModelJSON, parseQuantizedJSON, quantizedModelFile } from "./file.js";
import { ACTIVATION_TYPES, type ActivationType, type QuantizeSource, type QuantizedLayer, activationRange, packQ8, quantizeLayers, rowSums } from "./scheme.js";

/** Options of Network.quantize(): how the activations between layers are quantized. */
export interface QuantizeOptions {
  /** "int16" (default): activations to ±min(32767, ⌊(2³¹−1)/(127·inputs)⌋); "int8": to ±127. */
  activations?: ActivationType;
}

/** Network.quantize(): the quantized twin of a network, built from its public weights. */
export function quantizeNetwork(src: QuantizeSource, options: QuantizeOptions = {}): QuantizedNetwork {
  checkObject("quantize options", options);
  checkKeys("quantize options", options, ["activations"]);
  const activations = options.activations === undefined ? "int16" : checkOneOf("quantize options.activations", options.activations, ACTIVATION_TYPES);
  return new QuantizedNetwork(src.inputSize, src.inputShape, src.lossName, quantizeLayers(src), activations, src.features);
}

const TRAINING_REFUSED = "is not available on a QuantizedNetwork: it is inference-only (predict, evaluate); train the float Network and call quantize() again";

/** An inference-only network with int8 weights (Network.quantize(), QuantizedNetwork.fromJSON). */
export class QuantizedNetwork {
  static readonly className: string = "QuantizedNetwork";
  readonly inputSize: number;
  readonly inputShape: readonly number[] | undefined;
  readonly outputSize: number;
  readonly lossName: Loss;
  readonly activations: ActivationType;
  readonly layers: readonly Readonly<QuantizedLayer>[];
  /** The feature spec of the network it was quantized from, if any: predict takes row objects then. */
  readonly features: FeatureSpec | undefined;
  private readonly rt: Runtime;
  /** Per layer: int8 W packed for the kernels (packQ8), scales, bias (one region each), and W's row sums for the relaxed kernels (0: none). */
  private readonly params: { w: number; sw: number; bias: number; rs: number; range: number; act: number }[];
  /** The relaxed build's 7-bit kernels when init({ simd }) enabled them (docs/inference.md), else null. */
  private readonly relaxed: RelaxedKernels | null;
  private rows = 0;
  private buffers: { x: number; q: number; sx: number; zx: number; acts: number[] } | null = null;
  private disposed = false;

  /** @internal Use Network.quantize() or QuantizedNetwork.fromJSON. */
  constructor(
    inputSize: number,
    inputShape: readonly number[] | undefined,
    loss: Loss,
    layers: QuantizedLayer[],
    activations: ActivationType = "int16",
    features?: FeatureSpec,
  ) {
    this.inputSize = inputSize;
    this.features = features;
    this.inputShape = inputShape === undefined ? undefined : Object.freeze([...inputShape]);
    this.outputSize = layers[layers.length - 1].units;
    this.lossName = loss;
    this.activations = activations;
    this.layers = Object.freeze(layers.map((l) => Object.freeze({ ...l })));
    this.rt = runtime();
    this.relaxed = relaxedKernels();
    const heap = this.rt.heap;
    const made: number[] = [];
    try {
      this.params = layers.map((l) => {
        const padded = packQ8(l.weights, l.units, l.inputs);
        const w = heap.alloc(padded.length);
        made.push(w);
        const sw = heap.alloc(4 * l.units);
        made.push(sw);
        const bias = heap.alloc(4 * l.units);
        made.push(bias);
        let rs = 0;
        if (this.relaxed) {
          rs = heap.alloc(4 * l.units);
          made.push(rs);
        }
        const buf = heap.memory.buffer;
        new Int8Array(buf, w, padded.length).set(padded);
        new Float32Array(buf, sw, l.units).set(l.scales);
        new Float32Array(buf, bias, l.units).set(l.bias);
        if (rs) new Int32Array(buf, rs, l.units).set(rowSums(l.weights, l.units, l.inputs));
        return { w, sw, bias, rs, range: activationRange(activations, l.inputs), act: activationOps[l.activation].epilogue };
      });
    } catch (e) {
      for (const p of made) heap.release(p);
      throw new RangeError(`out of memory: could not allocate the quantized weights (${(e as Error).message}); nothing was changed`);
    }
  }

  /**
   * Outputs (m × outputSize) for a batch, chunked as Network.predict; with a feature spec, one
   * prediction per row object (a class name or the target value(s)), as Network.predict.
   */
  predict(rows: readonly Record<string, unknown>[]): Prediction[];
  predict(x: Batch): Float32Array;
  predict(x: Batch | readonly Record<string, unknown>[]): Float32Array | Prediction[] {
    this.alive();
    if (isRowObjects(x)) return predictRowObjects(this.features, x, (encoded) => this.predict(encoded));
    const { data, m } = toMatrix("x", x, this.inputSize, { finite: false });
    const out = new Float32Array(m * this.outputSize);
    for (let start = 0; start < m; start += CHUNK_ROWS) {
      const rows = Math.min(CHUNK_ROWS, m - start);
      const view = this.forward(x, data, start, rows);
      checkOutputsFinite("predict", view, this.outputSize, start, rows);
      out.set(view, start * this.outputSize);
    }
    return out;
  }

  /** Mean loss and accuracy over a data set (the float network's definitions). */
  evaluate(x: Batch, y: Labels): Evaluation {
    this.alive();
    const { data, m } = toMatrix("x", x, this.inputSize, { finite: false });
    const n = this.outputSize;
    const t = toTargets("y", y, m, n, this.lossName === "categorical-crossentropy");
    checkTargetRange("y", t, n, this.lossName);
    const loss = lossOps[this.lossName].reference;
    const rule = { outputSize: n, loss: this.lossName };
    let sum = 0,
      correct = 0;
    for (let start = 0; start < m; start += CHUNK_ROWS) {
      const rows = Math.min(CHUNK_ROWS, m - start);
      const out = this.forward(x, data, start, rows);
      checkOutputsFinite("evaluate", out, n, start, rows);
      sum += loss.sum(rows, n, out, t.subarray(start * n, (start + rows) * n));
      correct += countCorrect(rule, out, t, null, start, rows);
    }
    return { loss: sum / m, accuracy: correct / (m * accuracyUnits(rule)) };
  }

  /** Mean loss over a batch. */
  loss(x: Batch, y: Labels): number {
    return this.evaluate(x, y).loss;
  }

  /**
   * Rows [start, start + rows) through every layer; a view of the outputs valid until the next
   * call. The input's finiteness is checked on the first layer's per-sample scales (max|x|/range
   * is finite exactly when the row is), which quantize_rows computes anyway.
   */
  private forward(x: Batch, data: Float32Array, start: number, rows: number): Float32Array {
    const b = this.ensureRows(rows);
    const k = this.rt.kernels;
    const buf = this.rt.heap.memory.buffer;
    new Float32Array(buf, b.x, rows * this.inputSize).set(data.subarray(start * this.inputSize, (start + rows) * this.inputSize));
    let prev = b.x;
    const r = this.relaxed;
    for (let l = 0; l < this.layers.length; l++) {
      const layer = this.layers[l],
        p = this.params[l];
      if (r) r.quantize_rows7(rows, layer.inputs, prev, b.q, b.sx, b.zx);
      else k.quantize_rows(rows, layer.inputs, prev, b.q, b.sx, p.range);
      if (l === 0) {
        const sx = new Float32Array(k.memory.buffer, b.sx, rows);
        for (let i = 0; i < rows; i++) if (!Number.isFinite(sx[i])) assertFinite("x", x, data, this.inputSize);
      }
      const out = b.acts[l];
      this.rt.parallel.qforward(r !== null, rows, layer.units, layer.inputs, b.q, b.sx, b.zx, p.w, p.sw, p.rs, p.bias, out, p.act, layer.alpha);
      if (layer.activation === "softmax") activationOps.softmax.kernels.forward(k, rows, layer.units, out, out);
      prev = out;
    }
    return new Float32Array(k.memory.buffer, b.acts[b.acts.length - 1], rows * this.outputSize);
  }

  private ensureRows(rows: number): { x: number; q: number; sx: number; zx: number; acts: number[] } {
    if (this.buffers && this.rows >= rows) return this.buffers;
    const heap = this.rt.heap;
    const widest = Math.max(this.inputSize, ...this.layers.map((l) => l.inputs));
    const sizes = [4 * rows * this.inputSize, 2 * rows * ((widest + 7) & ~7), 4 * rows, 4 * rows, ...this.layers.map((l) => 4 * rows * l.units)];
    const made: number[] = [];
    try {
      for (const s of sizes) made.push(heap.alloc(s));
    } catch (e) {
      for (const p of made) heap.release(p);
      throw new RangeError(`out of memory: could not allocate the buffers of ${rows} samples (${(e as Error).message}); nothing was changed`);
    }
    this.freeBuffers();
    const [x, q, sx, zx, ...acts] = made;
    this.buffers = { x, q, sx, zx, acts };
    this.rows = rows;
    return this.buffers;
  }

  private freeBuffers(): void {
    const b = this.buffers;
    if (!b) return;
    for (const p of [b.x, b.q, b.sx, b.zx, ...b.acts]) this.rt.heap.release(p);
    this.buffers = null;
    this.rows = 0;
  }

  /** The model file: int8 weights and float32 scales and biases as base64 (QuantizedNetwork.fromJSON reads it). */
  toJSON(): QuantizedModelJSON {
    this.alive();
    return quantizedModelFile(this.inputSize, this.inputShape, this.lossName, this.activations, this.layers, this.features);
  }

  /** Rebuilds a quantized network from toJSON()'s object or its JSON text, validating every field. */
  static fromJSON(json: QuantizedModelJSON | string): QuantizedNetwork {
    const { inputSize, inputShape, loss, activations, layers, features } = parseQuantizedJSON(json);
    return new QuantizedNetwork(inputSize, inputShape, loss, layers, activations, features);
  }

  /** Bytes of the int8 weights, scales and biases (what the model file encodes). */
  get byteLength(): number {
    return this.layers.reduce((s, l) => s + l.weights.length + 4 * (l.scales.length + l.bias.length), 0);
  }

  /** Always throws: a quantized network is inference-only; train the float Network and quantize it again. @throws {Error} Always. */
  fit(): never {
    throw new Error(`fit() ${TRAINING_REFUSED}`);
  }
  /** Always throws: a quantized network is inference-only. @throws {Error} Always. */
  trainBatch(): never {
    throw new Error(`trainBatch() ${TRAINING_REFUSED}`);
  }
  /** Always throws: a quantized network is inference-only (predict() runs it). @throws {Error} Always. */
  forwardPass(): never {
    throw new Error(`forward() ${TRAINING_REFUSED}`);
  }
  /** Always throws: a quantized network is inference-only. @throws {Error} Always. */
  backward(): never {
    throw new Error(`backward() ${TRAINING_REFUSED}`);
  }
  /** Always throws: a quantized network is inference-only. @throws {Error} Always. */
  gradients(): never {
    throw new Error(`gradients() ${TRAINING_REFUSED}`);
  }
  /** Always throws: a quantized network is inference-only. @throws {Error} Always. */
  applyGradients(): never {
    throw new Error(`applyGradients() ${TRAINING_REFUSED}`);
  }
  /** Always throws: its weights are fixed; set them on the float Network and quantize it again. @throws {Error} Always. */
  setWeights(): never {
    throw new Error(`setWeights() ${TRAINING_REFUSED}`);
  }
  /** Always throws: the network is quantized already. @throws {Error} Always. */
  quantize(): never {
    throw new Error("quantize(): this network is quantized already");
  }

  /** Frees its memory; every later call throws. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.freeBuffers();
    for (const p of this.params) for (const r of [p.w, p.sw, p.bias, p.rs]) if (r) this.rt.heap.release(r);
  }

  /** `using q = net.quantize()` frees q when the block ends (as dispose()). */
  [Symbol.dispose](): void {
    this.dispose();
  }

  /** "QuantizedNetwork(784 → 128 relu → 10 softmax; int8 weights, int16 activations; loss …; N bytes)". */
  toString(): string {
    const sizes = [String(this.inputSize), ...this.layers.map((l) => `${l.units} ${l.activation}`)].join(" → ");
    return `QuantizedNetwork(${sizes}; int8 weights, ${this.activations} activations; loss ${this.lossName}; ${this.byteLength.toLocaleString("en-US")} bytes)`;
  }

  private alive(): void {
    if (this.disposed) throw new Error("this network has been disposed: its memory is released and nothing more runs on it");
  }
}

/** Samples per pass through the layers (the buffers hold this many at most). */
const CHUNK_ROWS = 1024;
