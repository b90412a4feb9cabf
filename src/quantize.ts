// Int8 inference: a trained Network's weights quantized to int8 with one float32 scale per output
// unit (symmetric, per channel), activations quantized per sample on the fly (dynamic range), int32
// sums, float32 scale + bias + activation in the store (assembly/quantized.ts). The network made
// here answers predict and evaluate; it does not train. Its model file ("wasmlp-quantized") keeps
// the int8 weights as base64 bytes beside their scales and the float32 biases.
import { activationOps } from "./activations.js";
import { ACTIVATIONS, type Activation, LOSSES, type Loss } from "./config.js";
import { lossOps } from "./losses.js";
import { checkOutputsFinite } from "./training.js";
import type { Batch, Evaluation, Labels } from "./types.js";
import { type Runtime, runtime } from "./runtime.js";
import { type RelaxedKernels, relaxedKernels } from "./wasm.js";
import { base64ToBytes, decodeFloat32, encodeFloat32 } from "./serialize.js";
import { FeatureSpec, type FeaturesJSON, type Prediction, isRowObjects, predictRowObjects } from "./features.js";
import { type FieldVersions, checkFileFields, checkFileVersion, fileVersionFor } from "./file-version.js";
import { assertFinite, checkInt, checkKeys, checkObject, checkOneOf, checkTargetRange, describe, toMatrix, toTargets } from "./validate.js";

/** The `format` field of a quantized model file ("wasmlp-quantized"); a float model file says "wasmlp-model". */
export const QUANTIZED_FORMAT = "wasmlp-quantized";
/** The newest quantized file version (2 added `features`); fromJSON reads every version up to it. */
export const QUANTIZED_VERSION = 2;
/** How activations are quantized: to ±127 (int8) or to as much of ±32767 as int32 sums allow (int16). */
export const ACTIVATION_TYPES = ["int16", "int8"] as const;
export type ActivationType = (typeof ACTIVATION_TYPES)[number];

/** One quantized dense layer: W (units × inputs) as int8 with a scale per unit, b float32. */
export interface QuantizedLayer {
  units: number;
  inputs: number;
  activation: Activation;
  alpha: number;
  weights: Int8Array;
  scales: Float32Array;
  bias: Float32Array;
}

/** What quantize() takes: the weights of a trained network, read through its public API. */
export interface QuantizeSource {
  inputSize: number;
  inputShape: readonly number[] | undefined;
  lossName: Loss;
  layers: readonly { units: number; activation: Activation; alpha: number; normalization: unknown; weights: ArrayLike<number>; bias: ArrayLike<number> }[];
  /** The float network's feature spec, kept by the quantized copy. */
  features?: FeatureSpec;
}

/** Options of Network.quantize(): how the activations between layers are quantized. */
export interface QuantizeOptions {
  /** "int16" (default): activations to ±min(32767, ⌊(2³¹−1)/(127·inputs)⌋); "int8": to ±127. */
  activations?: ActivationType;
}

/** The file of a quantized network (toJSON / QuantizedNetwork.fromJSON). */
export interface QuantizedModelJSON {
  format: typeof QUANTIZED_FORMAT;
  version: number;
  inputSize: number;
  inputShape?: number[];
  loss: Loss;
  activations: ActivationType;
  layers: { units: number; activation: Activation; alpha?: number; weights: string; scales: string; bias: string }[];
  /** The feature spec (format 2), as in the float model file. */
  features?: FeaturesJSON;
}

/**
 * Quantizes one W (units × inputs) per row: scale = max|row|/127 (float32), q = round(w/scale)
 * half to even, in [−127, 127]. A row of zeros gets scale 1 and q 0 (its outputs are its bias).
 */
export function quantizeWeights(w: ArrayLike<number>, units: number, inputs: number, what: string): { weights: Int8Array; scales: Float32Array } {
  const q = new Int8Array(units * inputs),
    scales = new Float32Array(units);
  let any = false;
  for (let j = 0; j < units; j++) {
    let max = 0;
    for (let p = 0; p < inputs; p++) {
      const v = w[j * inputs + p];
      if (!Number.isFinite(v)) throw new RangeError(`cannot quantize ${what}: W[${j}][${p}] is ${v}; weights must be finite`);
      max = Math.max(max, Math.abs(v));
    }
    if (max === 0) {
      scales[j] = 1;
      continue;
    }
    any = true;
    const s = Math.fround(max / 127);
    scales[j] = s;
    for (let p = 0; p < inputs; p++) q[j * inputs + p] = Math.max(-127, Math.min(127, roundHalfEven(w[j * inputs + p] / s)));
  }
  if (!any) throw new RangeError(`cannot quantize ${what}: all its weights are zero, so no per-unit scale exists (scale 0); train the network first`);
  return { weights: q, scales };
}

/** Round half to even (f32x4.nearest's rule). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The activation range of a layer with `inputs` inputs: the widest that keeps 127·range·inputs within int32. */
export function activationRange(type: ActivationType, inputs: number): number {
  return type === "int8" ? 127 : Math.min(32767, Math.floor(0x7fffffff / (127 * inputs)));
}

/** Rows of a layer's int8 W padded with zeros to a multiple of 8 inputs, as qmatmul_nt_forward reads them. */
function padRows(q: Int8Array, units: number, inputs: number): Int8Array {
  const kp = (inputs + 7) & ~7;
  const out = new Int8Array(units * kp);
  for (let j = 0; j < units; j++) out.set(q.subarray(j * inputs, (j + 1) * inputs), j * kp);
  return out;
}

/** Σ_p W[j][p] per unit: the relaxed kernels take the activations' zero point out of the sums with them. */
export function rowSums(q: Int8Array, units: number, inputs: number): Int32Array {
  const out = new Int32Array(units);
  for (let j = 0; j < units; j++) {
    let s = 0;
    for (let p = 0; p < inputs; p++) s += q[j * inputs + p];
    out[j] = s;
  }
  return out;
}

/** Network.quantize(): the quantized twin of a network, built from its public weights. */
export function quantizeNetwork(src: QuantizeSource, options: QuantizeOptions = {}): QuantizedNetwork {
  checkObject("quantize options", options);
  checkKeys("quantize options", options, ["activations"]);
  const activations = options.activations === undefined ? "int16" : checkOneOf("quantize options.activations", options.activations, ACTIVATION_TYPES);
  return new QuantizedNetwork(src.inputSize, src.inputShape, src.lossName, quantizeLayers(src), activations, src.features);
}

/** Builds the quantized layers of a network (validated: dense layers without normalization). */
export function quantizeLayers(src: QuantizeSource): QuantizedLayer[] {
  let inputs = src.inputSize;
  return src.layers.map((l, i) => {
    if (l.normalization)
      throw new RangeError(
        `cannot quantize layers[${i}]: it is ${describeNorm(l.normalization)}-normalized, which depends on each sample; int8 inference supports dense layers, batch-normalized ones folded in`,
      );
    const { weights, scales } = quantizeWeights(l.weights, l.units, inputs, `layers[${i}]`);
    const bias = Float32Array.from(l.bias);
    for (let j = 0; j < bias.length; j++)
      if (!Number.isFinite(bias[j])) throw new RangeError(`cannot quantize layers[${i}]: b[${j}] is ${bias[j]}; biases must be finite`);
    const layer: QuantizedLayer = { units: l.units, inputs, activation: l.activation, alpha: l.alpha, weights, scales, bias };
    inputs = l.units;
    return layer;
  });
}

function describeNorm(n: unknown): string {
  return typeof n === "object" && n !== null && "type" in n ? String((n as { type: unknown }).type) : "batch";
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
  /** Per layer: padded int8 W, scales, bias (one region each), and W's row sums for the relaxed kernels (0: none). */
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
        const padded = padRows(l.weights, l.units, l.inputs);
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
    const elementwise = this.lossName === "binary-crossentropy" || n === 1;
    let sum = 0,
      correct = 0;
    for (let start = 0; start < m; start += CHUNK_ROWS) {
      const rows = Math.min(CHUNK_ROWS, m - start);
      const out = this.forward(x, data, start, rows);
      checkOutputsFinite("evaluate", out, n, start, rows);
      const yt = t.subarray(start * n, (start + rows) * n);
      sum += loss.sum(rows, n, out, yt);
      for (let i = 0; i < rows; i++) {
        if (elementwise) {
          for (let j = 0; j < n; j++) if (out[i * n + j] >= 0.5 === yt[i * n + j] >= 0.5) correct++;
        } else {
          let best = 0,
            want = 0;
          for (let j = 1; j < n; j++) {
            if (out[i * n + j] > out[i * n + best]) best = j;
            if (yt[i * n + j] > yt[i * n + want]) want = j;
          }
          if (best === want) correct++;
        }
      }
    }
    return { loss: sum / m, accuracy: correct / (elementwise ? m * n : m) };
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
    const file: QuantizedModelJSON = {
      format: QUANTIZED_FORMAT,
      version: 1,
      inputSize: this.inputSize,
      ...(this.inputShape === undefined ? {} : { inputShape: [...this.inputShape] }),
      loss: this.lossName,
      activations: this.activations,
      layers: this.layers.map((l) => ({
        units: l.units,
        activation: l.activation,
        ...(l.activation === "leaky-relu" ? { alpha: l.alpha } : {}),
        weights: bytesToBase64(new Uint8Array(l.weights.buffer, l.weights.byteOffset, l.weights.byteLength)),
        scales: encodeFloat32(l.scales),
        bias: encodeFloat32(l.bias),
      })),
      ...(this.features === undefined ? {} : { features: this.features.toJSON() }),
    };
    // The lowest version that holds its fields, so files without a spec stay readable by format-1 readers.
    file.version = fileVersionFor(file, QUANTIZED_FIELDS);
    return file;
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

/** Base64 of bytes (the model file's int8 weights). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Every field a quantized model file may hold, with the version that introduced it (src/file-version.ts). */
const QUANTIZED_FIELDS: FieldVersions = new Map([
  ...["format", "version", "inputSize", "inputShape", "loss", "activations", "layers"].map((k): [string, number] => [k, 1]),
  ["features", 2],
]);
const LAYER_KEYS = ["units", "activation", "alpha", "weights", "scales", "bias"] as const;

/** Validates a quantized model file: sizes, scales finite and > 0, int8 in [−127, 127], biases finite. */
export function parseQuantizedJSON(json: unknown): {
  inputSize: number;
  inputShape: number[] | undefined;
  loss: Loss;
  activations: ActivationType;
  layers: QuantizedLayer[];
  features: FeatureSpec | undefined;
} {
  let data = json;
  if (typeof json === "string") {
    try {
      data = JSON.parse(json);
    } catch (e) {
      throw new SyntaxError(`quantized model file is not valid JSON: ${(e as Error).message}`);
    }
  }
  checkObject("model", data);
  if (data.format !== QUANTIZED_FORMAT)
    throw new RangeError(
      `not a wasmlp quantized model: format is ${describe(data.format)}, expected "${QUANTIZED_FORMAT}"${data.format === "wasmlp-model" ? " (a float model: load it with Network.fromJSON)" : ""}`,
    );
  checkFileFields("model", data, QUANTIZED_FIELDS, checkFileVersion("model", data.version, QUANTIZED_VERSION));
  const inputSize = checkInt("model.inputSize", data.inputSize, 1, 1 << 16);
  let inputShape: number[] | undefined;
  if (data.inputShape !== undefined) {
    if (!Array.isArray(data.inputShape)) throw new TypeError(`model.inputShape must be an array of integers, received ${describe(data.inputShape)}`);
    inputShape = data.inputShape.map((d, i) => checkInt(`model.inputShape[${i}]`, d, 1));
    if (inputShape.reduce((a, b) => a * b, 1) !== inputSize)
      throw new RangeError(
        `model.inputShape ${JSON.stringify(inputShape)} has ${inputShape.reduce((a, b) => a * b, 1)} values, expected inputSize ${inputSize}`,
      );
  }
  const loss = checkOneOf("model.loss", data.loss, LOSSES);
  const activations = checkOneOf("model.activations", data.activations, ACTIVATION_TYPES);
  if (!Array.isArray(data.layers) || data.layers.length === 0)
    throw new RangeError(`model.layers must be a non-empty array, received ${describe(data.layers)}`);
  let inputs = inputSize;
  const count = data.layers.length;
  const layers = data.layers.map((raw: unknown, i: number): QuantizedLayer => {
    const at = `model.layers[${i}]`;
    checkObject(at, raw);
    checkKeys(at, raw, LAYER_KEYS);
    const units = checkInt(`${at}.units`, raw.units, 1, 1 << 16);
    const activation = checkOneOf(`${at}.activation`, raw.activation, ACTIVATIONS);
    if (activation === "softmax" && i !== count - 1) throw new RangeError(`${at}.activation is softmax, which only the output layer may have`);
    if (raw.alpha !== undefined && activation !== "leaky-relu")
      throw new TypeError(`${at}.alpha applies to "leaky-relu" only, but the activation is "${activation}"`);
    const alpha = activation === "leaky-relu" ? checkAlpha(`${at}.alpha`, raw.alpha) : 0;
    const bytes = decodeBytes(`${at}.weights`, raw.weights, units * inputs);
    const weights = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    for (let p = 0; p < weights.length; p++) {
      if (weights[p] === -128) throw new RangeError(`${at}.weights[${p}] is -128, outside the symmetric int8 range [-127, 127] quantize() writes`);
    }
    const scales = decodeFloat32(`${at}.scales`, raw.scales, units);
    for (let j = 0; j < units; j++)
      if (!(scales[j] > 0)) throw new RangeError(`${at}.scales[${j}] is ${scales[j]}; every scale must be finite and greater than 0`);
    const bias = decodeFloat32(`${at}.bias`, raw.bias, units);
    const layer: QuantizedLayer = { units, inputs, activation, alpha, weights, scales, bias };
    inputs = units;
    return layer;
  });
  const features = data.features === undefined ? undefined : new FeatureSpec(data.features, "model.features");
  const outputs = layers[layers.length - 1].units;
  if (features && (features.inputSize !== inputSize || features.outputSize !== outputs)) {
    throw new RangeError(
      `model.features encode ${features.inputSize} inputs and ${features.outputSize} outputs, but the network has ${inputSize} inputs and ${outputs} outputs`,
    );
  }
  return { inputSize, inputShape, loss, activations, layers, features };
}

function checkAlpha(name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || v >= 1) throw new RangeError(`${name} must be a number in (0, 1), received ${describe(v)}`);
  return v;
}

function decodeBytes(name: string, text: unknown, expected: number): Uint8Array {
  if (typeof text !== "string") throw new TypeError(`${name} must be a base64 string, received ${describe(text)}`);
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(text);
  } catch {
    throw new RangeError(`${name} is not valid base64`);
  }
  if (bytes.length !== expected)
    throw new RangeError(`${name} holds ${bytes.length.toLocaleString("en-US")} int8 values, expected ${expected.toLocaleString("en-US")} (units × inputs)`);
  return bytes;
}
