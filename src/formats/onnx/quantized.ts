// Int8 MLPs in ONNX, both ways, without wasm. Written and read as the operator pattern
// onnxruntime's quantize_dynamic makes of a MatMul (its MatMulInteger operator class):
//   DynamicQuantizeLinear(x) → x_q, x_scale, x_zp
//   MatMulInteger(x_q, W_q [inputs × units] int8, x_zp, W_zp) → Cast(to float) → Mul(·, Mul(x_scale, W_scale))
// followed by the float Add of the bias and the activation. The weights' zero point must be 0
// (symmetric, per tensor or per output unit): anything else is an UnsupportedFormatError.
import { MAX_UNITS } from "../../config.js";
import { readerBytes, readerFloat32 } from "../../memory.js";
import { type QuantizedLayer, quantizeWeights } from "../../quantize.js";
import { FormatError, UnsupportedFormatError } from "../errors.js";
import { type Node, type Tensor, FLOAT, encodeModel, num } from "./proto.js";
import { checkOnnxActivations } from "./names.js";
import { appendActivation, bytesOf } from "./write.js";

/** Op type of the fused int8 pattern (not an ONNX operator: the name cannot clash). */
export const QMATMUL_PATTERN = "DynamicQuantizeLinear+MatMulInteger+Cast+Mul (int8 MatMul)";
/** Operators that only appear in quantized graphs (the float reader points at readQuantizedOnnx). */
export const QUANTIZED_OPERATORS: ReadonlySet<string> = new Set([
  "DynamicQuantizeLinear",
  "MatMulInteger",
  "QuantizeLinear",
  "DequantizeLinear",
  "QLinearMatMul",
  "MatMulIntegerToFloat",
  "DynamicQuantizeMatMul",
]);

const UINT8 = 2,
  INT8 = 3;

/** One layer's int8 weights as wasmlp holds them: units × inputs, one scale per unit, zero point 0. */
export interface Int8Weights {
  weights: Int8Array;
  scales: Float32Array;
  units: number;
  inputs: number;
}

/** An int8 tensor's values (raw_data, or int32_data as ONNX stores small integer types). */
function int8s(t: Tensor, where: string): { dims: number[]; data: Int8Array } {
  if (t.dataLocation === 1 || (t.externalData && t.externalData.length > 0))
    throw new FormatError(`onnx: ${where} ("${t.name}") keeps its data in an external file, which wasmlp does not read`);
  if (t.dataType === UINT8)
    throw new UnsupportedFormatError(
      `onnx: ${where} ("${t.name}") is uint8 (onnxruntime's QUInt8 weights, whose zero point is not 0); wasmlp reads int8 weights with zero point 0 (quantize_dynamic's weight_type QInt8)`,
    );
  if (t.dataType !== INT8) throw new FormatError(`onnx: ${where} ("${t.name}") has data type ${t.dataType}; expected int8 (3)`);
  const dims = t.dims.map(num);
  const bad = dims.findIndex((d) => !Number.isSafeInteger(d) || d < 0);
  if (bad >= 0) throw new FormatError(`onnx: ${where} ("${t.name}") has dimension ${bad} of ${dims[bad]}; dimensions are whole numbers ≥ 0`);
  const count = dims.reduce((a, b) => a * b, 1);
  // Nothing is allocated before the stored values are counted: raw_data must hold `count` bytes, int32_data `count` values.
  if (t.rawData && t.rawData.length > 0) {
    if (t.rawData.length !== count)
      throw new FormatError(`onnx: ${where} ("${t.name}") holds ${t.rawData.length} bytes, expected ${count} for shape [${dims.join(", ")}]`);
    const data = readerBytes(count);
    data.set(t.rawData);
    return { dims, data: new Int8Array(data.buffer) };
  }
  const values = (t as Tensor & { int32Data?: number[] }).int32Data ?? [];
  if (values.length !== count)
    throw new FormatError(`onnx: ${where} ("${t.name}") holds ${values.length} values, expected ${count} for shape [${dims.join(", ")}]`);
  const data = new Int8Array(readerBytes(count).buffer);
  for (let i = 0; i < count; i++) {
    const v = values[i];
    if (!Number.isInteger(v) || v < -128 || v > 127) throw new FormatError(`onnx: ${where} ("${t.name}")[${i}] is ${v}, outside int8`);
    data[i] = v;
  }
  return { dims, data };
}

/** A scale or zero-point vector: a scalar (per tensor, repeated for every unit) or `units` values (per unit). */
function perUnit<T extends Float32Array | Int8Array>(data: T, dims: number[], units: number, what: string): T {
  if (data.length === units && (dims.length === 1 || (dims.length === 0 && units === 1))) return data;
  if (data.length === 1 && dims.length <= 1) {
    const out = (data instanceof Float32Array ? readerFloat32(units) : new Int8Array(readerBytes(units).buffer)) as T;
    out.fill(data[0] as never);
    return out;
  }
  throw new FormatError(`onnx: ${what} has shape [${dims.join(", ")}]; expected a scalar (per tensor) or ${units} values (one per output unit)`);
}

/**
 * The graph's nodes with every int8 MatMul pattern replaced by one QMATMUL_PATTERN node of x, and
 * each such node's weights (checked: int8, zero point 0, scales finite and > 0) by its output's name.
 * A DynamicQuantizeLinear that does not start the whole pattern is refused, naming what is missing.
 */
export function fuseQuantized(
  nodes: Node[],
  init: ReadonlyMap<string, Tensor>,
  floats: (t: Tensor, where: string) => { dims: number[]; data: Float32Array },
): { nodes: Node[]; int8: Map<string, Int8Weights> } {
  const used = new Set<number>();
  const int8 = new Map<string, Int8Weights>();
  const replaced = new Map<number, Node>();
  const consumer = (name: string, op: string, from: number): number =>
    nodes.findIndex((n, i) => i !== from && !used.has(i) && n.opType === op && n.input.includes(name));
  nodes.forEach((dql, i) => {
    if (dql.opType !== "DynamicQuantizeLinear" || used.has(i)) return;
    const where = `node ${i} (DynamicQuantizeLinear${dql.name ? ` "${dql.name}"` : ""})`;
    const missing = (what: string): never => {
      throw new UnsupportedFormatError(
        `onnx: ${where} is not followed by ${what}; wasmlp reads quantize_dynamic's pattern DynamicQuantizeLinear → MatMulInteger → Cast → Mul(Mul(x_scale, W_scale)) only`,
      );
    };
    if (dql.input.length !== 1 || dql.output.length !== 3 || dql.attribute.length > 0)
      missing("its three outputs (x_q, x_scale, x_zero_point), one input, no attributes");
    const [xq, xs, xzp] = dql.output;
    const m = consumer(xq, "MatMulInteger", i);
    if (m < 0) missing("a MatMulInteger of its output");
    const mm = nodes[m];
    if (mm.input[0] !== xq || mm.input[2] !== xzp)
      missing(`a MatMulInteger taking x_q as A and x_zero_point as a_zero_point (node ${m} takes ${mm.input.join(", ")})`);
    const wName = mm.input[1],
      zName = mm.input[3];
    if (!init.has(wName)) throw new FormatError(`onnx: node ${m} (MatMulInteger)'s weights "${wName}" are not an initializer`);
    const W = int8s(init.get(wName)!, `node ${m} (MatMulInteger)'s weights`);
    if (W.dims.length !== 2)
      throw new FormatError(`onnx: node ${m} (MatMulInteger)'s weights have shape [${W.dims.join(", ")}]; expected a matrix [inputs, units]`);
    const [inputs, units] = W.dims;
    if (!(inputs >= 1 && units >= 1 && inputs <= MAX_UNITS && units <= MAX_UNITS))
      throw new FormatError(
        `onnx: node ${m} (MatMulInteger)'s weights have shape [${W.dims.join(", ")}]; each side must be 1 to ${MAX_UNITS} (wasmlp's widest layer)`,
      );
    if (zName) {
      if (!init.has(zName)) throw new FormatError(`onnx: node ${m} (MatMulInteger)'s weight zero point "${zName}" is not an initializer`);
      const z = int8s(init.get(zName)!, `node ${m} (MatMulInteger)'s weight zero point`);
      const zeros = perUnit(z.data, z.dims, units, `node ${m} (MatMulInteger)'s weight zero point`);
      const nonzero = zeros.findIndex((v) => v !== 0);
      if (nonzero >= 0)
        throw new UnsupportedFormatError(
          `onnx: node ${m} (MatMulInteger)'s weight zero point is ${zeros[nonzero]} (unit ${nonzero}); wasmlp reads symmetric int8 weights, zero point 0`,
        );
    }
    const c = consumer(mm.output[0], "Cast", m);
    if (c < 0) missing("a Cast of MatMulInteger's int32 output");
    const cast = nodes[c];
    const to = cast.attribute.find((a) => a.name === "to");
    if (cast.attribute.length !== 1 || num(to?.i) !== FLOAT) missing("a Cast to float (to = 1)");
    const o = consumer(cast.output[0], "Mul", c);
    if (o < 0) missing("a Mul of the Cast's output by the scales");
    const out = nodes[o];
    const sName = out.input.length === 2 ? (out.input[0] === cast.output[0] ? out.input[1] : out.input[0]) : "";
    const s = nodes.findIndex((n, k) => !used.has(k) && n.opType === "Mul" && n.output[0] === sName);
    const scaleMul = nodes[s];
    if (s < 0 || scaleMul.input.length !== 2 || !scaleMul.input.includes(xs)) missing("the Mul of x_scale and the weights' scale feeding the output Mul");
    const wsName = scaleMul.input[0] === xs ? scaleMul.input[1] : scaleMul.input[0];
    if (!init.has(wsName)) throw new FormatError(`onnx: node ${s} (Mul)'s weight scale "${wsName}" is not an initializer`);
    const ws = floats(init.get(wsName)!, `node ${s} (Mul)'s weight scale`);
    const scales = perUnit(ws.data, ws.dims, units, `node ${s} (Mul)'s weight scale`);
    const badScale = scales.findIndex((v) => !(v > 0));
    if (badScale >= 0)
      throw new FormatError(`onnx: node ${s} (Mul)'s weight scale [${badScale}] is ${scales[badScale]}; every scale must be finite and greater than 0`);
    for (const k of [m, c, o, s]) {
      if (nodes[k].output.length !== 1 || (nodes[k].domain && nodes[k].domain !== "ai.onnx")) missing(`single-output nodes of the default domain (node ${k})`);
      if (k !== c && nodes[k].attribute.length > 0) missing(`nodes without attributes (node ${k} has ${nodes[k].attribute.map((a) => a.name).join(", ")})`);
    }
    for (const k of [i, m, c, o, s]) used.add(k);
    int8.set(out.output[0], transposeInt8(W.data, inputs, units, scales));
    replaced.set(i, { name: out.name, opType: QMATMUL_PATTERN, input: dql.input, output: out.output, attribute: [] });
  });
  return { nodes: nodes.flatMap((n, i) => (replaced.has(i) ? [replaced.get(i)!] : used.has(i) ? [] : [n])), int8 };
}

/**
 * W [inputs × units] as wasmlp's units × inputs. A unit holding −128 (outside the symmetric range
 * wasmlp's int32 sums are sized for) is quantized again in wasmlp's scheme from q·scale.
 */
function transposeInt8(data: Int8Array, inputs: number, units: number, scales: Float32Array): Int8Weights {
  const weights = new Int8Array(readerBytes(units * inputs).buffer);
  const out = readerFloat32(units);
  out.set(scales);
  for (let j = 0; j < units; j++) {
    let wide = false;
    for (let p = 0; p < inputs; p++) {
      const v = data[p * units + j];
      weights[j * inputs + p] = v;
      if (v === -128) wide = true;
    }
    if (wide) {
      const row = Array.from(weights.subarray(j * inputs, (j + 1) * inputs), (v) => v * scales[j]);
      const again = quantizeWeights(row, 1, inputs, `unit ${j}`);
      weights.set(again.weights, j * inputs);
      out[j] = again.scales[0];
    }
  }
  return { weights, scales: out, units, inputs };
}

/** The float32 weights (units × inputs) an int8 layer stands for: q·scale. */
export function dequantized(w: Int8Weights): Float32Array {
  const out = readerFloat32(w.weights.length);
  for (let j = 0; j < w.units; j++) for (let p = 0; p < w.inputs; p++) out[j * w.inputs + p] = w.weights[j * w.inputs + p] * w.scales[j];
  return out;
}

/** What the quantized writer reads: a QuantizedNetwork or a validated quantized model file. */
export interface QuantizedExportable {
  readonly inputSize: number;
  readonly inputShape?: readonly number[];
  readonly layers: readonly Pick<QuantizedLayer, "units" | "inputs" | "activation" | "alpha" | "weights" | "scales" | "bias">[];
  /** A feature spec: never written (planQuantizedExport refuses it unless omitted). */
  readonly features?: unknown;
}

/**
 * An int8 network as ONNX (opset 17, IR 8): per layer quantize_dynamic's pattern (per-unit weight
 * scales, zero point 0), the float Add of the bias and the activation; input "input", output "output".
 * `fn` names the caller in messages; `omitted` (planQuantizedExport's) goes in metadata_props.
 */
export function quantizedOnnxOf(net: QuantizedExportable, opset: number, fn: string, omitted: readonly string[]): Uint8Array {
  checkOnnxActivations(fn, net.layers);
  const shape = net.inputShape && net.inputShape.length > 1 ? [...net.inputShape] : [net.inputSize];
  const nodes: object[] = [];
  const initializer: object[] = [];
  let current = "input";
  if (shape.length > 1) {
    nodes.push({ name: "flatten", opType: "Flatten", input: [current], output: ["flat"], attribute: [{ name: "axis", type: 2, i: 1 }] });
    current = "flat";
  }
  net.layers.forEach((layer, l) => {
    const d = `dense_${l}`,
      k = layer.inputs,
      n = layer.units;
    const wt = new Int8Array(k * n);
    for (let j = 0; j < n; j++) for (let p = 0; p < k; p++) wt[p * n + j] = layer.weights[j * k + p];
    initializer.push(
      { name: `${d}.weight_quantized`, dims: [k, n], dataType: INT8, rawData: new Uint8Array(wt.buffer) },
      { name: `${d}.weight_zero_point`, dims: [n], dataType: INT8, rawData: new Uint8Array(n) },
      { name: `${d}.weight_scale`, dims: [n], dataType: FLOAT, rawData: bytesOf(layer.scales) },
      { name: `${d}.bias`, dims: [n], dataType: FLOAT, rawData: bytesOf(layer.bias) },
    );
    const node = (opType: string, input: string[], output: string[], attribute: object[] = []) =>
      nodes.push({ name: `${d}.${output[0].slice(d.length + 1)}`, opType, input, output, attribute });
    node("DynamicQuantizeLinear", [current], [`${d}.x_quantized`, `${d}.x_scale`, `${d}.x_zero_point`]);
    node("MatMulInteger", [`${d}.x_quantized`, `${d}.weight_quantized`, `${d}.x_zero_point`, `${d}.weight_zero_point`], [`${d}.sums`]);
    node("Cast", [`${d}.sums`], [`${d}.sums_float`], [{ name: "to", type: 2, i: FLOAT }]);
    node("Mul", [`${d}.x_scale`, `${d}.weight_scale`], [`${d}.scales`]);
    node("Mul", [`${d}.sums_float`, `${d}.scales`], [`${d}.product`]);
    node("Add", [`${d}.product`, `${d}.bias`], [`${d}.z`]);
    current = appendActivation(layer, d, `${d}.z`, nodes, initializer);
  });
  nodes.push({ name: "output", opType: "Identity", input: [current], output: ["output"], attribute: [] });
  const dim = (v: number) => ({ dimValue: v });
  const units = net.layers[net.layers.length - 1].units;
  return encodeModel({
    irVersion: 8,
    producerName: "wasmlp",
    ...(omitted.length > 0 ? { metadataProps: [{ key: "wasmlp.omitted", value: omitted.join("\n") }] } : {}),
    opsetImport: [{ domain: "", version: opset }],
    graph: {
      name: "wasmlp-int8",
      node: nodes,
      initializer,
      input: [{ name: "input", type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: "batch" }, ...shape.map(dim)] } } } }],
      output: [{ name: "output", type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: "batch" }, dim(units)] } } } }],
    },
  });
}
