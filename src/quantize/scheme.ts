// The int8 scheme of quantized inference, the parts that do not need the runtime: weights
// quantized per output unit (symmetric, one float32 scale per unit), the activation ranges, and
// the layout the kernels read the weights in (assembly/quantized.ts, assembly/relaxed.ts).
import type { Activation, Loss } from "../config.js";
import type { FeatureSpec } from "../features.js";

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

/**
 * A layer's int8 W (units × inputs) in the layout qmatmul_nt_forward and the relaxed build's
 * qmatmul7_nt_forward read (assembly/quantized.ts): rows in groups of four (the last group
 * padded with zero rows), each group's kp = (inputs + 7) & ~7 columns (zero padded) in blocks of
 * 16, the last block 8 wide when kp is not a multiple of 16, the four rows' runs of a block one
 * after another.
 */
export function packQ8(q: Int8Array, units: number, inputs: number): Int8Array {
  const kp = (inputs + 7) & ~7;
  const out = new Int8Array(Math.ceil(units / 4) * 4 * kp);
  let t = 0;
  for (let g = 0; g < units; g += 4)
    for (let b = 0; b < kp; b += 16) {
      const width = Math.min(16, kp - b);
      for (let r = g; r < g + 4; r++, t += width) if (r < units) out.set(q.subarray(r * inputs + b, r * inputs + Math.min(b + width, inputs)), t);
    }
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
