// The weights of a folded topology: each Dense layer's kernel (transposed to wasmlp's units ×
// inputs) and bias, then the normalization vectors, found by name in the weight specs,
// checked for shape and finiteness, and listed in wasmlp's getWeights() order.
import { FormatError, UnsupportedFormatError } from "../errors.js";
import type { TfjsWeightSpec } from "./manifest.js";
import { type DensePlan, MAX_TFJS_UNITS, type NormalizationPlan } from "./topology.js";
import { readerFloat32 } from "../../memory.js";

function findWeight(specs: TfjsWeightSpec[], layer: string, part: string): number {
  // TensorFlow's variable names may end in an output index ("dense/kernel:0").
  const names = specs.map((s) => s.name.replace(/:\d+$/, ""));
  const exact = names.indexOf(`${layer}/${part}`);
  if (exact >= 0) return exact;
  // Converted Keras models may prefix a scope: "sequential/dense/kernel".
  const scoped = names.flatMap((n, i) => (n.endsWith(`/${layer}/${part}`) ? [i] : []));
  return scoped.length === 1 ? scoped[0] : -1;
}

/** W (out × in, transposed from Keras's in × out kernel) and b for each layer, checked and decoded. */
export function bindWeights(
  layers: DensePlan[],
  declaredInput: number,
  specs: TfjsWeightSpec[],
  offsets: number[],
  data: Uint8Array,
): { inputSize: number; weights: Float32Array[] } {
  const used = new Set<number>();
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: Float32Array[] = [];
  let fanIn = declaredInput;
  layers.forEach((l, li) => {
    const where = `tfjs layer "${l.name}" (Dense)`;
    const k = findWeight(specs, l.name, "kernel");
    if (k < 0) throw new FormatError(`${where}: no weight "${l.name}/kernel" in the weight specs`);
    const kernel = specs[k];
    if (kernel.shape.length !== 2 || kernel.shape[1] !== l.units) {
      throw new FormatError(`${where}: kernel "${kernel.name}" has shape [${kernel.shape.join(", ")}], expected [inputs, ${l.units}]`);
    }
    if (li === 0 && fanIn === 0) fanIn = kernel.shape[0]; // no declared input shape: the kernel tells
    if (li === 0 && fanIn > MAX_TFJS_UNITS)
      throw new UnsupportedFormatError(`${where}: ${fanIn} inputs is more than wasmlp's widest input (${MAX_TFJS_UNITS})`);
    if (kernel.shape[0] !== fanIn) {
      throw new FormatError(
        `${where}: kernel "${kernel.name}" has shape [${kernel.shape.join(", ")}], expected [${fanIn}, ${l.units}] (${li === 0 ? "the declared input size" : `the ${fanIn} units of "${layers[li - 1].name}"`})`,
      );
    }
    used.add(k);
    const w = readerFloat32(l.units * fanIn);
    const base = offsets[k];
    for (let i = 0; i < fanIn; i++) {
      for (let o = 0; o < l.units; o++) w[o * fanIn + i] = readFinite(view, base + 4 * (i * l.units + o), kernel.name, i * l.units + o);
    }
    out.push(w);
    const b = readerFloat32(l.units);
    const bi = findWeight(specs, l.name, "bias");
    if (l.useBias) {
      if (bi < 0) throw new FormatError(`${where}: use_bias is true but there is no weight "${l.name}/bias"`);
      const bias = specs[bi];
      if (bias.shape.length !== 1 || bias.shape[0] !== l.units)
        throw new FormatError(`${where}: bias "${bias.name}" has shape [${bias.shape.join(", ")}], expected [${l.units}]`);
      used.add(bi);
      for (let o = 0; o < l.units; o++) b[o] = readFinite(view, offsets[bi] + 4 * o, bias.name, o);
    } else if (bi >= 0) {
      throw new FormatError(`${where}: use_bias is false but the weights hold "${specs[bi].name}"`);
    }
    out.push(b); // use_bias false: a zero bias computes the same
    fanIn = l.units;
  });
  // Then wasmlp's order: γ and β of each normalized layer, then each batch-normalized layer's moving mean and variance.
  const vector = (n: NormalizationPlan, part: string, units: number, present: boolean, fill: number): Float32Array => {
    const v = readerFloat32(units).fill(fill);
    const i = findWeight(specs, n.name, part);
    if (!present) {
      if (i >= 0) throw new FormatError(`tfjs layer "${n.name}": the weights hold "${specs[i].name}" although the layer's config leaves it out`);
      return v;
    }
    if (i < 0) throw new FormatError(`tfjs layer "${n.name}": no weight "${n.name}/${part}" in the weight specs`);
    const spec = specs[i];
    if (spec.shape.length !== 1 || spec.shape[0] !== units)
      throw new FormatError(`tfjs layer "${n.name}": ${part} "${spec.name}" has shape [${spec.shape.join(", ")}], expected [${units}]`);
    used.add(i);
    for (let o = 0; o < units; o++) v[o] = readFinite(view, offsets[i] + 4 * o, spec.name, o);
    return v;
  };
  for (const l of layers)
    if (l.normalization)
      out.push(vector(l.normalization, "gamma", l.units, l.normalization.scale, 1), vector(l.normalization, "beta", l.units, l.normalization.center, 0));
  for (const l of layers) {
    if (l.normalization?.type !== "batch") continue;
    out.push(vector(l.normalization, "moving_mean", l.units, true, 0));
    const variance = vector(l.normalization, "moving_variance", l.units, true, 1);
    const negative = variance.findIndex((v) => v < 0);
    if (negative >= 0)
      throw new FormatError(`tfjs layer "${l.normalization.name}": moving_variance[${negative}] is ${variance[negative]}; a variance cannot be negative`);
    out.push(variance);
  }
  const stray = specs.findIndex((_, i) => !used.has(i));
  if (stray >= 0) throw new FormatError(`tfjs weight "${specs[stray].name}" belongs to no Dense or normalization layer of the model`);
  return { inputSize: out[0].length / layers[0].units, weights: out };
}

function readFinite(view: DataView, at: number, name: string, index: number): number {
  const v = view.getFloat32(at, true);
  if (!Number.isFinite(v)) throw new FormatError(`tfjs weight "${name}"[${index}] is ${v}; every weight must be finite`);
  return v;
}
