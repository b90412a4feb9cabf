// An ONNX model's bytes decoded into layers and float32 weights. The graph must be a chain:
// [Flatten] then, per layer, Gemm (transA 0, alpha = beta = 1, B an initializer) or MatMul + Add,
// then at most one BatchNormalization (inference mode) or LayerNormalization (over the features),
// then at most one activation (onnx/names.ts), or Identity nodes. Any other node, a branch, a
// second input, a non-float32 tensor or an opset outside 11–21 is refused with an error naming
// it. Needs no wasm.
import { MAX_UNITS } from "../../config.js";
import type { ModelJSON } from "../../types.js";
import type { ImportOptions } from "../common.js";
import { type DecodedModel, checkImportOptions, modelJSONOf } from "../decoded.js";
import { describe } from "../describe.js";
import { FormatError, UnsupportedFormatError } from "../errors.js";
import { fusePatterns, onnxActivation, shortestFloat } from "./names.js";
import { type Int8Weights, QMATMUL_PATTERN, QUANTIZED_OPERATORS, dequantized, fuseQuantized } from "./quantized.js";
import { FLOAT, type Node, type Tensor, decodeModel, num } from "./proto.js";
import type { Activation } from "../../config.js";
import { readerFloat32 } from "../../memory.js";

/** Largest model read: 512 MiB (128 Mi float32 weights, far beyond what wasmlp trains). */
export const MAX_ONNX_BYTES = 512 * 1024 * 1024;
/** Opsets of the default domain read; the export writes ONNX_EXPORT_OPSET. */
export const ONNX_OPSETS = { min: 11, max: 21 } as const;

const nodeName = (n: Node, i: number): string => `node ${i} (${n.opType}${n.name ? ` "${n.name}"` : ""})`;

/** A float32 tensor's values (raw_data little-endian, or float_data). */
export function floats(t: Tensor, where: string): { dims: number[]; data: Float32Array } {
  if (t.dataLocation === 1 || (t.externalData && t.externalData.length > 0))
    throw new FormatError(`onnx: ${where} ("${t.name}") keeps its data in an external file, which wasmlp does not read`);
  if (t.dataType !== FLOAT) throw new FormatError(`onnx: ${where} ("${t.name}") has data type ${t.dataType}; wasmlp reads float32 (1) only`);
  const dims = t.dims.map(num);
  // Checked before any allocation: a negative or huge dimension is the file's error, not a typed array's.
  const bad = dims.findIndex((d) => !Number.isSafeInteger(d) || d < 0);
  if (bad >= 0) throw new FormatError(`onnx: ${where} ("${t.name}") has dimension ${bad} of ${dims[bad]}; dimensions are whole numbers ≥ 0`);
  const count = dims.reduce((a, b) => a * b, 1);
  if (count > MAX_ONNX_BYTES / 4)
    throw new FormatError(`onnx: ${where} ("${t.name}") has shape [${dims.join(", ")}], more values than a model of MAX_ONNX_BYTES holds`);
  let data: Float32Array;
  if (t.rawData && t.rawData.length > 0) {
    if (t.rawData.length !== 4 * count)
      throw new FormatError(`onnx: ${where} ("${t.name}") holds ${t.rawData.length} bytes, expected ${4 * count} for shape [${dims.join(", ")}]`);
    data = readerFloat32(count);
    new Uint8Array(data.buffer).set(t.rawData);
    if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) throw new FormatError("onnx: big-endian hosts are not supported");
  } else {
    const f = t.floatData ?? [];
    if (f.length !== count) throw new FormatError(`onnx: ${where} ("${t.name}") holds ${f.length} values, expected ${count} for shape [${dims.join(", ")}]`);
    data = Float32Array.from(f);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new FormatError(`onnx: ${where} ("${t.name}")[${i}] is ${data[i]}; every weight must be finite`);
  }
  return { dims, data };
}

/** One Dense layer read from the graph. */
interface Dense {
  W: Float32Array;
  b: Float32Array;
  units: number;
  activation: Activation;
  alpha?: number;
  /** false: a Gemm without C, or a MatMul without an Add. */
  useBias: boolean;
  /** The int8 weights of quantize_dynamic's pattern (W holds them dequantized). */
  int8?: Int8Weights;
  /** A BatchNormalization (γ, β, mean, variance) or LayerNormalization (γ, β) between the layer's product and its activation. */
  normalization?:
    | { type: "batch"; epsilon: number; momentum: number; gamma: Float32Array; beta: Float32Array; mean: Float32Array; variance: Float32Array }
    | { type: "layer"; epsilon: number; gamma: Float32Array; beta: Float32Array };
}

/**
 * Decodes ONNX bytes into layers and weights; everything is checked, nothing is built. With `int8`,
 * quantize_dynamic's int8 MatMul patterns are read too (their weights dequantized in `weights`,
 * and as they are in `int8`); without it they are refused, pointing at readQuantizedOnnx.
 */
export function decodeOnnx(bytes: ArrayBuffer | ArrayBufferView, int8 = false): DecodedModel & { int8: (Int8Weights | null)[] } {
  const view = ArrayBuffer.isView(bytes)
    ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    : bytes instanceof ArrayBuffer
      ? new Uint8Array(bytes)
      : null;
  if (!view) throw new TypeError(`onnx: fromOnnx expects the model's bytes (a Uint8Array or ArrayBuffer), received ${describe(bytes)}`);
  if (view.length > MAX_ONNX_BYTES)
    throw new FormatError(`onnx: the model is ${view.length.toLocaleString("en-US")} bytes; the limit is ${MAX_ONNX_BYTES.toLocaleString("en-US")}`);
  if (view.length === 0) throw new FormatError("onnx: the model is empty (0 bytes)");
  const model = decodeModel(view);
  const opset = model.opsetImport.find((o) => !o.domain || o.domain === "ai.onnx");
  const version = num(opset?.version);
  if (!opset || version < ONNX_OPSETS.min || version > ONNX_OPSETS.max) {
    throw new FormatError(`onnx: opset ${opset ? version : "(none)"} of the default domain; wasmlp reads opsets ${ONNX_OPSETS.min}–${ONNX_OPSETS.max}`);
  }
  const graph = model.graph;
  if (!graph || graph.node.length === 0) throw new FormatError("onnx: the model has no graph (or an empty one)");
  if (graph.sparseInitializer && graph.sparseInitializer.length > 0) throw new FormatError("onnx: sparse initializers are not supported");
  const init = new Map(graph.initializer.map((t) => [t.name, t]));
  const inputs = graph.input.filter((v) => !init.has(v.name));
  if (inputs.length !== 1)
    throw new FormatError(`onnx: the graph has ${inputs.length} inputs (${inputs.map((v) => v.name).join(", ")}); wasmlp networks take one`);
  if (graph.output.length !== 1) throw new FormatError(`onnx: the graph has ${graph.output.length} outputs; wasmlp networks give one`);
  const input = inputs[0];
  const tensorType = input.type?.tensorType;
  if (tensorType?.elemType !== FLOAT) throw new FormatError(`onnx: input "${input.name}" has element type ${tensorType?.elemType}; wasmlp takes float32 (1)`);
  const dims = tensorType.shape?.dim ?? [];
  // The first dimension is the batch (fixed or named); the rest is one sample.
  const sample = dims.slice(1).map((d) => num(d.dimValue));
  if (sample.some((d) => !Number.isSafeInteger(d) || d > MAX_UNITS))
    throw new UnsupportedFormatError(`onnx: input "${input.name}" has shape [batch, ${sample.join(", ")}]; wasmlp's widest input is ${MAX_UNITS}`);
  if (dims.length < 2 || sample.some((d) => !(d > 0)))
    throw new FormatError(`onnx: input "${input.name}" must be [batch, features...] with fixed feature sizes, received rank ${dims.length}`);

  let current = input.name;
  let flattened = false;
  const layers: Dense[] = [];
  let pendingMatMul: { W: Float32Array; units: number; out: string; int8?: Int8Weights } | null = null;
  const finishMatMul = (b: Float32Array | null): void => {
    layers.push({
      W: pendingMatMul!.W,
      b: b ?? readerFloat32(pendingMatMul!.units),
      units: pendingMatMul!.units,
      activation: "linear",
      useBias: b !== null,
      int8: pendingMatMul!.int8,
    });
    pendingMatMul = null;
  };
  const scalar = (name: string): number | null => {
    const t = init.get(name);
    if (!t) return null;
    const { data } = floats(t, "a constant");
    return data.length === 1 ? data[0] : null;
  };
  // PyTorch writes some constants (gelu's √2, 1 and 0.5) as Constant nodes: they read as initializers.
  const nodes = graph.node.filter((n, i) => {
    if (n.opType !== "Constant" || (n.domain && n.domain !== "ai.onnx")) return true;
    const [a] = n.attribute;
    if (n.attribute.length !== 1 || n.output.length !== 1 || !((a.name === "value" && a.t) || a.name === "value_float")) {
      throw new FormatError(
        `onnx: ${nodeName(n, i)} is not a float constant (attributes ${n.attribute.map((x) => x.name).join(", ") || "none"}); wasmlp reads value or value_float`,
      );
    }
    init.set(n.output[0], a.name === "value" ? { ...a.t!, name: n.output[0] } : { name: n.output[0], dims: [], dataType: FLOAT, floatData: [a.f ?? 0] });
    return false;
  });
  const quantized = int8 ? fuseQuantized(nodes, init, floats) : { nodes, int8: new Map<string, Int8Weights>() };
  fusePatterns(quantized.nodes, scalar).forEach((node, i) => {
    const where = nodeName(node, i);
    if (node.domain && node.domain !== "ai.onnx") throw new FormatError(`onnx: ${where} is in domain "${node.domain}", which wasmlp does not read`);
    if (QUANTIZED_OPERATORS.has(node.opType)) {
      throw new UnsupportedFormatError(
        int8
          ? `onnx: ${where}: operator ${node.opType} outside quantize_dynamic's int8 MatMul pattern is not supported (wasmlp reads DynamicQuantizeLinear → MatMulInteger → Cast → Mul)`
          : `onnx: ${where}: operator ${node.opType} belongs to a quantized model; read int8 models with readQuantizedOnnx or fromQuantizedOnnx`,
      );
    }
    const dataInputs = node.input.filter((n) => n !== "" && !init.has(n));
    if (dataInputs.length !== 1 || dataInputs[0] !== current) {
      throw new FormatError(
        `onnx: ${where} reads ${dataInputs.map((n) => `"${n}"`).join(", ") || "no tensor"}, not just the previous node's output "${current}": only chains of layers (no branches, residual or multi-input graphs) are supported`,
      );
    }
    if (node.output.length !== 1) throw new FormatError(`onnx: ${where} has ${node.output.length} outputs; wasmlp reads single-output nodes`);
    const attrs = new Map(node.attribute.map((a) => [a.name, a]));
    const attr = (name: string): number | undefined => {
      const a = attrs.get(name);
      return a === undefined ? undefined : a.type === 2 ? num(a.i) : shortestFloat(a.f ?? 0);
    };
    const known = (names: string[]): void => {
      for (const a of node.attribute)
        if (!names.includes(a.name)) throw new FormatError(`onnx: ${where} has attribute "${a.name}", which wasmlp does not support`);
    };
    const param = (name: string): { dims: number[]; data: Float32Array } => floats(init.get(name)!, `${where}'s input`);
    if (pendingMatMul && node.opType !== "Add") finishMatMul(null);
    switch (node.opType) {
      case "Flatten": {
        known(["axis"]);
        if ((attr("axis") ?? 1) !== 1) throw new FormatError(`onnx: ${where} flattens from axis ${attr("axis")}; wasmlp reads axis 1 only`);
        if (layers.length > 0 || flattened) throw new FormatError(`onnx: ${where} is not at the input; wasmlp reads a Flatten of the input only`);
        flattened = true;
        break;
      }
      case "Identity":
        known([]);
        break;
      case "Gemm": {
        known(["alpha", "beta", "transA", "transB"]);
        if ((attr("transA") ?? 0) !== 0 || (attr("alpha") ?? 1) !== 1 || (attr("beta") ?? 1) !== 1) {
          throw new FormatError(
            `onnx: ${where} has transA ${attr("transA") ?? 0}, alpha ${attr("alpha") ?? 1}, beta ${attr("beta") ?? 1}; wasmlp reads transA 0, alpha 1, beta 1`,
          );
        }
        const bName = node.input[1],
          cName = node.input[2];
        if (!init.has(bName)) throw new FormatError(`onnx: ${where}'s weights "${bName}" are not an initializer`);
        const B = param(bName);
        if (B.dims.length !== 2) throw new FormatError(`onnx: ${where}'s weights have shape [${B.dims.join(", ")}]; expected a matrix`);
        const transB = (attr("transB") ?? 0) === 1;
        const units = transB ? B.dims[0] : B.dims[1],
          fanIn = transB ? B.dims[1] : B.dims[0];
        const W = transB ? B.data : transpose(B.data, fanIn, units);
        let b: Float32Array = readerFloat32(units);
        if (cName) {
          if (!init.has(cName)) throw new FormatError(`onnx: ${where}'s bias "${cName}" is not an initializer`);
          const C = param(cName);
          if (C.data.length !== units) throw new FormatError(`onnx: ${where}'s bias has ${C.data.length} values, expected ${units}`);
          b = C.data;
        }
        layers.push({ W, b, units, activation: "linear", useBias: Boolean(cName) });
        break;
      }
      case "MatMul": {
        known([]);
        const bName = node.input[1];
        if (!init.has(bName)) throw new FormatError(`onnx: ${where}'s weights "${bName}" are not an initializer`);
        const B = param(bName);
        if (B.dims.length !== 2) throw new FormatError(`onnx: ${where}'s weights have shape [${B.dims.join(", ")}]; expected a matrix`);
        pendingMatMul = { W: transpose(B.data, B.dims[0], B.dims[1]), units: B.dims[1], out: node.output[0] };
        break;
      }
      case QMATMUL_PATTERN: {
        const q = quantized.int8.get(node.output[0])!;
        pendingMatMul = { W: dequantized(q), units: q.units, out: node.output[0], int8: q };
        break;
      }
      case "Add": {
        known([]);
        if (!pendingMatMul) throw new FormatError(`onnx: ${where} adds to something other than a MatMul's output; wasmlp reads Add as a MatMul's bias only`);
        const cName = node.input.find((n) => init.has(n));
        const C = cName ? param(cName) : null;
        if (!C || C.data.length !== pendingMatMul.units) throw new FormatError(`onnx: ${where}'s bias must be an initializer of ${pendingMatMul.units} values`);
        finishMatMul(C.data);
        break;
      }
      case "BatchNormalization":
      case "LayerNormalization": {
        const batch = node.opType === "BatchNormalization";
        known(batch ? ["epsilon", "momentum", "training_mode", "spatial"] : ["axis", "epsilon", "stash_type"]);
        const last = layers[layers.length - 1];
        if (!last || last.activation !== "linear" || last.normalization) {
          throw new FormatError(`onnx: ${where} is not right after a Gemm or MatMul + Add; wasmlp normalizes a layer's product before its activation, once`);
        }
        if (batch && (attr("training_mode") ?? 0) !== 0) throw new FormatError(`onnx: ${where} is in training mode; wasmlp reads inference BatchNormalization`);
        if (batch && (attr("spatial") ?? 1) !== 1) throw new FormatError(`onnx: ${where} has spatial 0, which wasmlp does not read`);
        if (!batch && (attr("axis") ?? -1) !== -1 && attr("axis") !== 1)
          throw new FormatError(`onnx: ${where} normalizes from axis ${attr("axis")}; wasmlp normalizes over the features (axis -1)`);
        const vector = (k: number, what: string, fill: number | null): Float32Array => {
          const name = node.input[k];
          if (!name) {
            if (fill === null) throw new FormatError(`onnx: ${where} has no ${what}`);
            return readerFloat32(last.units).fill(fill);
          }
          if (!init.has(name)) throw new FormatError(`onnx: ${where}'s ${what} "${name}" is not an initializer`);
          const t = param(name);
          if (t.data.length !== last.units) throw new FormatError(`onnx: ${where}'s ${what} has ${t.data.length} values, expected ${last.units}`);
          return t.data;
        };
        const epsilon = attr("epsilon") ?? 1e-5;
        if (!(epsilon > 0 && epsilon < 1)) throw new FormatError(`onnx: ${where} has epsilon ${epsilon}; wasmlp takes 0 < epsilon < 1`);
        if (batch) {
          const momentum = attr("momentum") ?? 0.9;
          if (!(momentum > 0 && momentum < 1)) throw new FormatError(`onnx: ${where} has momentum ${momentum}; wasmlp takes 0 < momentum < 1`);
          const variance = vector(4, "variance", null);
          const negative = variance.findIndex((v) => v < 0);
          if (negative >= 0) throw new FormatError(`onnx: ${where}'s variance[${negative}] is ${variance[negative]}; a variance cannot be negative`);
          last.normalization = {
            type: "batch",
            epsilon,
            momentum,
            gamma: vector(1, "scale", null),
            beta: vector(2, "bias", null),
            mean: vector(3, "mean", null),
            variance,
          };
        } else {
          last.normalization = { type: "layer", epsilon, gamma: vector(1, "scale", null), beta: vector(2, "bias", 0) };
        }
        break;
      }
      default: {
        const read = onnxActivation(node.opType);
        if (!read)
          throw new UnsupportedFormatError(
            `onnx: ${where}: operator ${node.opType} is not supported (wasmlp reads Gemm, MatMul, Add, Flatten, Identity and activations)`,
          );
        const last = layers[layers.length - 1];
        if (!last || last.activation !== "linear")
          throw new FormatError(`onnx: ${where} is not right after a Gemm or MatMul + Add (or its normalization); wasmlp puts one activation on each layer`);
        if (node.opType === "Gelu") {
          const approximate = attrs.get("approximate")?.s;
          const mode = approximate ? new TextDecoder().decode(approximate) : "none";
          known(["approximate"]);
          if (mode !== "none") throw new FormatError(`onnx: ${where} has approximate "${mode}"; wasmlp's gelu is the exact erf form (approximate "none")`);
        } else if (node.opType === "Softmax") {
          known(["axis"]);
          const axis = attr("axis") ?? (version < 13 ? 1 : -1);
          if (axis !== -1 && axis !== 1) throw new FormatError(`onnx: ${where} takes softmax over axis ${axis}; wasmlp's is over the features (axis 1 or -1)`);
        } else known(["alpha", "beta", "gamma"]);
        const got = read.check(attr);
        if (typeof got === "string") throw new UnsupportedFormatError(`onnx: ${where} has ${got}`);
        last.activation = read.activation;
        last.alpha = got.alpha;
      }
    }
    current = node.output[0];
  });
  if (pendingMatMul) finishMatMul(null);
  if (current !== graph.output[0].name) throw new FormatError(`onnx: the chain ends at "${current}", but the graph's output is "${graph.output[0].name}"`);
  if (layers.length === 0) throw new FormatError("onnx: the graph has no Gemm or MatMul layer");
  const inputSize = sample.reduce((a, b) => a * b, 1);
  if (inputSize > MAX_UNITS)
    throw new UnsupportedFormatError(
      `onnx: input "${input.name}" has ${inputSize} values per sample ([${sample.join(", ")}]); wasmlp's widest input is ${MAX_UNITS}`,
    );
  if (sample.length > 1 && !flattened)
    throw new FormatError(`onnx: input "${input.name}" has shape [batch, ${sample.join(", ")}] and no Flatten; wasmlp layers take flat samples`);
  let fanIn = inputSize;
  layers.forEach((l, i) => {
    if (l.W.length !== l.units * fanIn) throw new FormatError(`onnx: layer ${i} has weights for ${l.W.length / l.units} inputs, but it receives ${fanIn}`);
    fanIn = l.units;
  });
  return {
    inputSize,
    ...(sample.length > 1 ? { inputShape: sample } : {}),
    int8: layers.map((l) => l.int8 ?? null),
    layers: layers.map((l) => ({
      units: l.units,
      activation: l.activation,
      alpha: l.alpha,
      useBias: l.useBias,
      normalization: l.normalization
        ? { type: l.normalization.type, epsilon: l.normalization.epsilon, ...(l.normalization.type === "batch" ? { momentum: l.normalization.momentum } : {}) }
        : null,
    })),
    // wasmlp's order: W and b of each layer, γ and β of each normalized one, then the moving statistics.
    weights: [
      ...layers.flatMap((l) => [l.W, l.b]),
      ...layers.flatMap((l) => (l.normalization ? [l.normalization.gamma, l.normalization.beta] : [])),
      ...layers.flatMap((l) => (l.normalization?.type === "batch" ? [l.normalization.mean, l.normalization.variance] : [])),
    ],
  };
}

/** ONNX bytes as a wasmlp model file, without wasm: what fromOnnx would build, as Network.fromJSON reads it (`options` as fromOnnx's). */
export function readOnnx(bytes: ArrayBuffer | ArrayBufferView, options: ImportOptions = {}): ModelJSON {
  checkImportOptions("readOnnx", options);
  return modelJSONOf(decodeOnnx(bytes), options, "onnx");
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = readerFloat32(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}
