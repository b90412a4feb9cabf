// ONNX models in and out: the format PyTorch's torch.onnx.export writes and onnxruntime runs.
// A network is a chain of Gemm (or MatMul + Add) nodes, each followed by at most one activation
// node, with an optional Flatten of the input; anything else is refused with an error naming
// the node, before a network exists. The protobuf is read and written by protobufjs with the
// official onnx.proto schema (src/formats/onnx-schema.ts). Network comes in through the
// package's own name, so a bundler gives this file the application's one wasmlp module.
import protobuf from "protobufjs/light.js";
import { type Activation, Network } from "wasmlp";
import { describe } from "../validate.js";
import { type Exportable, type ImportOptions, layerOptions, normalizationIndices } from "./common.js";
import { ONNX_SCHEMA } from "./onnx-schema.js";

/** Largest model read: 512 MiB (128 Mi float32 weights, far beyond what wasmlp trains). */
export const MAX_ONNX_BYTES = 512 * 1024 * 1024;
/** Opsets of the default domain read; the export writes ONNX_EXPORT_OPSET. */
export const ONNX_OPSETS = { min: 11, max: 21 } as const;
/** The opset toOnnx writes (swish and gelu as patterns of primitive operators at this opset). */
export const ONNX_EXPORT_OPSET = 17;

const root = protobuf.Root.fromJSON({ nested: { onnx: ONNX_SCHEMA } } as protobuf.INamespace);
const ModelProto = root.lookupType("onnx.ModelProto");
const FLOAT = 1; // TensorProto.DataType.FLOAT

/** fromOnnx's options (see formats/common.ts). */
export type FromOnnxOptions = ImportOptions;

/** The parts of a network toOnnx reads (see formats/common.ts). */
export type OnnxExportable = Exportable;

// Plain shapes of the decoded messages (protobufjs gives objects with these fields).
interface Attribute { name: string; type?: number; f?: number; i?: number | { toNumber(): number }; s?: Uint8Array; ints?: unknown[]; t?: Tensor }
interface Node { name?: string; opType: string; domain?: string; input: string[]; output: string[]; attribute: Attribute[] }
interface Tensor { name: string; dims: (number | { toNumber(): number })[]; dataType: number; rawData?: Uint8Array; floatData?: number[]; dataLocation?: number; externalData?: unknown[] }
interface ValueInfo { name: string; type?: { tensorType?: { elemType?: number; shape?: { dim: { dimValue?: number | { toNumber(): number }; dimParam?: string }[] } } } }
interface Graph { node: Node[]; initializer: Tensor[]; input: ValueInfo[]; output: ValueInfo[]; sparseInitializer?: unknown[] }
interface Model { irVersion?: unknown; opsetImport: { domain?: string; version?: number | { toNumber(): number } }[]; graph?: Graph }

const num = (v: number | { toNumber(): number } | undefined): number => (v === undefined ? 0 : typeof v === "number" ? v : v.toNumber());
const nodeName = (n: Node, i: number): string => `node ${i} (${n.opType}${n.name ? ` "${n.name}"` : ""})`;

/** Op types of the fused patterns (not ONNX operators: the names cannot clash). */
const SWISH_PATTERN = "Sigmoid+Mul (swish)";
const GELU_PATTERN = "Div+Erf+Add+Mul+Mul (gelu)";

/**
 * The graph's nodes with the patterns of swish (x·Sigmoid(x)) and exact gelu (x·(1 + Erf(x/√2))·0.5,
 * as toOnnx and PyTorch before opset 20 write it) each replaced by one node of x, so that the chain
 * reader sees one activation after each layer.
 */
function fusePatterns(nodes: Node[], scalar: (name: string) => number | null): Node[] {
  const out: Node[] = [];
  const constant = (n: Node, x: string): number | null => {
    if (n.input.length !== 2 || !n.input.includes(x)) return null;
    return scalar(n.input[0] === x ? n.input[1] : n.input[0]);
  };
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i], x = n.input[0];
    const [a, b, c, d] = [nodes[i + 1], nodes[i + 2], nodes[i + 3], nodes[i + 4]];
    if (n.opType === "Sigmoid" && a?.opType === "Mul" && a.input.length === 2 && a.input.includes(x) && a.input.includes(n.output[0]) && x !== n.output[0]) {
      out.push({ name: a.name, opType: SWISH_PATTERN, input: [x], output: a.output, attribute: [] });
      i += 1;
      continue;
    }
    if (n.opType === "Div" && n.input[0] === x && close(scalar(n.input[1]) ?? NaN, Math.SQRT2) && a?.opType === "Erf" && a.input[0] === n.output[0]
      && b?.opType === "Add" && close(constant(b, a.output[0]) ?? NaN, 1) && c?.opType === "Mul" && c.input.includes(x) && c.input.includes(b.output[0])
      && d?.opType === "Mul" && close(constant(d, c.output[0]) ?? NaN, 0.5)) {
      out.push({ name: d.name, opType: GELU_PATTERN, input: [x], output: d.output, attribute: [] });
      i += 4;
      continue;
    }
    out.push(n);
  }
  return out;
}

/** Activation nodes and what they are in wasmlp, given their attributes (null: not representable). */
const ACTIVATION_NODES: Record<string, (attr: (name: string) => number | undefined) => { activation: Activation; alpha?: number } | string> = {
  Relu: () => ({ activation: "relu" }),
  Sigmoid: () => ({ activation: "sigmoid" }),
  Tanh: () => ({ activation: "tanh" }),
  Softsign: () => ({ activation: "softsign" }),
  Softplus: () => ({ activation: "softplus" }),
  LeakyRelu: (a) => {
    const alpha = a("alpha") ?? 0.01;
    return alpha > 0 && alpha < 1 ? { activation: "leaky-relu", alpha } : `alpha ${alpha} (wasmlp's leaky-relu takes a slope in (0, 1))`;
  },
  Elu: (a) => (close(a("alpha") ?? 1, 1) ? { activation: "elu" } : `alpha ${a("alpha")} (wasmlp's elu has alpha 1)`),
  Selu: (a) => (close(a("alpha") ?? 1.67326319217681884765625, 1.6732632423543772) && close(a("gamma") ?? 1.05070102214813232421875, 1.0507009873554805)
    ? { activation: "selu" } : "alpha/gamma other than SELU's constants"),
  HardSigmoid: (a) => (close(a("alpha") ?? 0.2, 1 / 6) && close(a("beta") ?? 0.5, 0.5)
    ? { activation: "hard-sigmoid" } : `alpha ${a("alpha") ?? 0.2}, beta ${a("beta") ?? 0.5} (wasmlp's hard-sigmoid is relu6(x + 3)/6: alpha 1/6, beta 0.5)`),
  Softmax: () => ({ activation: "softmax" }),
  // Opset 20's Gelu (its approximate attribute is checked where it is read), and the node patterns
  // that toOnnx writes for swish and gelu at opset 17 (fused by fusePatterns before the chain is read).
  Gelu: () => ({ activation: "gelu" }),
  [SWISH_PATTERN]: () => ({ activation: "swish" }),
  [GELU_PATTERN]: () => ({ activation: "gelu" }),
};

/** The shortest decimal that is this float32 (attributes are float32: 0.2 arrives as 0.2000000030). */
function shortestFloat(f: number): number {
  for (let digits = 1; digits <= 9; digits++) {
    const v = Number(f.toPrecision(digits));
    if (Math.fround(v) === Math.fround(f)) return v;
  }
  return f;
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
}

/** A float32 tensor's values (raw_data little-endian, or float_data). */
function floats(t: Tensor, where: string): { dims: number[]; data: Float32Array } {
  if (t.dataLocation === 1 || (t.externalData && t.externalData.length > 0)) throw new RangeError(`onnx: ${where} ("${t.name}") keeps its data in an external file, which wasmlp does not read`);
  if (t.dataType !== FLOAT) throw new RangeError(`onnx: ${where} ("${t.name}") has data type ${t.dataType}; wasmlp reads float32 (1) only`);
  const dims = t.dims.map(num);
  const count = dims.reduce((a, b) => a * b, 1);
  let data: Float32Array;
  if (t.rawData && t.rawData.length > 0) {
    if (t.rawData.length !== 4 * count) throw new RangeError(`onnx: ${where} ("${t.name}") holds ${t.rawData.length} bytes, expected ${4 * count} for shape [${dims.join(", ")}]`);
    data = new Float32Array(count);
    new Uint8Array(data.buffer).set(t.rawData);
    if (new Uint8Array(Uint16Array.of(1).buffer)[0] !== 1) throw new Error("onnx: big-endian hosts are not supported");
  } else {
    const f = t.floatData ?? [];
    if (f.length !== count) throw new RangeError(`onnx: ${where} ("${t.name}") holds ${f.length} values, expected ${count} for shape [${dims.join(", ")}]`);
    data = Float32Array.from(f);
  }
  return { dims, data };
}

/** One Dense layer read from the graph. */
interface Dense {
  W: Float32Array; b: Float32Array; units: number; activation: Activation; alpha?: number;
  /** false: a Gemm without C, or a MatMul without an Add. */
  useBias: boolean;
  /** A BatchNormalization (γ, β, mean, variance) or LayerNormalization (γ, β) between the layer's product and its activation. */
  normalization?: { type: "batch"; epsilon: number; momentum: number; gamma: Float32Array; beta: Float32Array; mean: Float32Array; variance: Float32Array }
    | { type: "layer"; epsilon: number; gamma: Float32Array; beta: Float32Array };
}

/**
 * A network from ONNX bytes. The graph must be a chain: [Flatten] then, per layer, Gemm
 * (transA 0, alpha = beta = 1, B an initializer) or MatMul + Add, then at most one
 * BatchNormalization (inference mode) or LayerNormalization (over the features), then at most one activation
 * (Relu, Sigmoid, Tanh, LeakyRelu, Elu, Selu, Softsign, Softplus, HardSigmoid, Gelu, Softmax on the
 * last axis, or the Sigmoid·Mul and Div/Erf/Add/Mul/Mul patterns of swish and exact gelu)
 * or Identity nodes. Any other node, a branch, a second input, a non-float32 tensor or an opset
 * outside 11–21 is refused with an error naming it.
 */
export function fromOnnx(bytes: ArrayBuffer | ArrayBufferView, options: FromOnnxOptions = {}): Network {
  const view = ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    : bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : null;
  if (!view) throw new TypeError(`onnx: fromOnnx expects the model's bytes (a Uint8Array or ArrayBuffer), received ${describe(bytes)}`);
  if (view.length > MAX_ONNX_BYTES) throw new RangeError(`onnx: the model is ${view.length.toLocaleString("en-US")} bytes; the limit is ${MAX_ONNX_BYTES.toLocaleString("en-US")}`);
  if (view.length === 0) throw new RangeError("onnx: the model is empty (0 bytes)");
  let model: Model;
  try {
    model = ModelProto.toObject(ModelProto.decode(view), { defaults: true, arrays: true }) as unknown as Model;
  } catch (e) {
    throw new RangeError(`onnx: not a readable ONNX model (${(e as Error).message}); the file is truncated or not ONNX`);
  }
  const opset = model.opsetImport.find((o) => !o.domain || o.domain === "ai.onnx");
  const version = num(opset?.version);
  if (!opset || version < ONNX_OPSETS.min || version > ONNX_OPSETS.max) {
    throw new RangeError(`onnx: opset ${opset ? version : "(none)"} of the default domain; wasmlp reads opsets ${ONNX_OPSETS.min}–${ONNX_OPSETS.max}`);
  }
  const graph = model.graph;
  if (!graph || graph.node.length === 0) throw new RangeError("onnx: the model has no graph (or an empty one)");
  if (graph.sparseInitializer && graph.sparseInitializer.length > 0) throw new RangeError("onnx: sparse initializers are not supported");
  const init = new Map(graph.initializer.map((t) => [t.name, t]));
  const inputs = graph.input.filter((v) => !init.has(v.name));
  if (inputs.length !== 1) throw new RangeError(`onnx: the graph has ${inputs.length} inputs (${inputs.map((v) => v.name).join(", ")}); wasmlp networks take one`);
  if (graph.output.length !== 1) throw new RangeError(`onnx: the graph has ${graph.output.length} outputs; wasmlp networks give one`);
  const input = inputs[0];
  const tensorType = input.type?.tensorType;
  if (tensorType?.elemType !== FLOAT) throw new RangeError(`onnx: input "${input.name}" has element type ${tensorType?.elemType}; wasmlp takes float32 (1)`);
  const dims = tensorType.shape?.dim ?? [];
  // The first dimension is the batch (fixed or named); the rest is one sample.
  const sample = dims.slice(1).map((d) => num(d.dimValue));
  if (dims.length < 2 || sample.some((d) => !(d > 0))) throw new RangeError(`onnx: input "${input.name}" must be [batch, features...] with fixed feature sizes, received rank ${dims.length}`);

  let current = input.name;
  let flattened = false;
  const layers: Dense[] = [];
  let pendingMatMul: { W: Float32Array; units: number; out: string } | null = null;
  const finishMatMul = (b: Float32Array | null): void => {
    layers.push({ W: pendingMatMul!.W, b: b ?? new Float32Array(pendingMatMul!.units), units: pendingMatMul!.units, activation: "linear", useBias: b !== null });
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
      throw new RangeError(`onnx: ${nodeName(n, i)} is not a float constant (attributes ${n.attribute.map((x) => x.name).join(", ") || "none"}); wasmlp reads value or value_float`);
    }
    init.set(n.output[0], a.name === "value" ? { ...a.t!, name: n.output[0] } : { name: n.output[0], dims: [], dataType: FLOAT, floatData: [a.f ?? 0] });
    return false;
  });
  fusePatterns(nodes, scalar).forEach((node, i) => {
    const where = nodeName(node, i);
    if (node.domain && node.domain !== "ai.onnx") throw new RangeError(`onnx: ${where} is in domain "${node.domain}", which wasmlp does not read`);
    const dataInputs = node.input.filter((n) => n !== "" && !init.has(n));
    if (dataInputs.length !== 1 || dataInputs[0] !== current) {
      throw new RangeError(`onnx: ${where} reads ${dataInputs.map((n) => `"${n}"`).join(", ") || "no tensor"}, not just the previous node's output "${current}": only chains of layers (no branches, residual or multi-input graphs) are supported`);
    }
    if (node.output.length !== 1) throw new RangeError(`onnx: ${where} has ${node.output.length} outputs; wasmlp reads single-output nodes`);
    const attrs = new Map(node.attribute.map((a) => [a.name, a]));
    const attr = (name: string): number | undefined => {
      const a = attrs.get(name);
      return a === undefined ? undefined : a.type === 2 ? num(a.i) : shortestFloat(a.f ?? 0);
    };
    const known = (names: string[]): void => {
      for (const a of node.attribute) if (!names.includes(a.name)) throw new RangeError(`onnx: ${where} has attribute "${a.name}", which wasmlp does not support`);
    };
    const param = (name: string): { dims: number[]; data: Float32Array } => floats(init.get(name)!, `${where}'s input`);
    if (pendingMatMul && node.opType !== "Add") finishMatMul(null);
    switch (node.opType) {
      case "Flatten": {
        known(["axis"]);
        if ((attr("axis") ?? 1) !== 1) throw new RangeError(`onnx: ${where} flattens from axis ${attr("axis")}; wasmlp reads axis 1 only`);
        if (layers.length > 0 || flattened) throw new RangeError(`onnx: ${where} is not at the input; wasmlp reads a Flatten of the input only`);
        flattened = true;
        break;
      }
      case "Identity":
        known([]);
        break;
      case "Gemm": {
        known(["alpha", "beta", "transA", "transB"]);
        if ((attr("transA") ?? 0) !== 0 || (attr("alpha") ?? 1) !== 1 || (attr("beta") ?? 1) !== 1) {
          throw new RangeError(`onnx: ${where} has transA ${attr("transA") ?? 0}, alpha ${attr("alpha") ?? 1}, beta ${attr("beta") ?? 1}; wasmlp reads transA 0, alpha 1, beta 1`);
        }
        const bName = node.input[1], cName = node.input[2];
        if (!init.has(bName)) throw new RangeError(`onnx: ${where}'s weights "${bName}" are not an initializer`);
        const B = param(bName);
        if (B.dims.length !== 2) throw new RangeError(`onnx: ${where}'s weights have shape [${B.dims.join(", ")}]; expected a matrix`);
        const transB = (attr("transB") ?? 0) === 1;
        const units = transB ? B.dims[0] : B.dims[1], fanIn = transB ? B.dims[1] : B.dims[0];
        const W = transB ? B.data : transpose(B.data, fanIn, units);
        let b: Float32Array = new Float32Array(units);
        if (cName) {
          if (!init.has(cName)) throw new RangeError(`onnx: ${where}'s bias "${cName}" is not an initializer`);
          const C = param(cName);
          if (C.data.length !== units) throw new RangeError(`onnx: ${where}'s bias has ${C.data.length} values, expected ${units}`);
          b = C.data;
        }
        layers.push({ W, b, units, activation: "linear", useBias: Boolean(cName) });
        break;
      }
      case "MatMul": {
        known([]);
        const bName = node.input[1];
        if (!init.has(bName)) throw new RangeError(`onnx: ${where}'s weights "${bName}" are not an initializer`);
        const B = param(bName);
        if (B.dims.length !== 2) throw new RangeError(`onnx: ${where}'s weights have shape [${B.dims.join(", ")}]; expected a matrix`);
        pendingMatMul = { W: transpose(B.data, B.dims[0], B.dims[1]), units: B.dims[1], out: node.output[0] };
        break;
      }
      case "Add": {
        known([]);
        if (!pendingMatMul) throw new RangeError(`onnx: ${where} adds to something other than a MatMul's output; wasmlp reads Add as a MatMul's bias only`);
        const cName = node.input.find((n) => init.has(n));
        const C = cName ? param(cName) : null;
        if (!C || C.data.length !== pendingMatMul.units) throw new RangeError(`onnx: ${where}'s bias must be an initializer of ${pendingMatMul.units} values`);
        finishMatMul(C.data);
        break;
      }
      case "BatchNormalization":
      case "LayerNormalization": {
        const batch = node.opType === "BatchNormalization";
        known(batch ? ["epsilon", "momentum", "training_mode", "spatial"] : ["axis", "epsilon", "stash_type"]);
        const last = layers[layers.length - 1];
        if (!last || last.activation !== "linear" || last.normalization) {
          throw new RangeError(`onnx: ${where} is not right after a Gemm or MatMul + Add; wasmlp normalizes a layer's product before its activation, once`);
        }
        if (batch && (attr("training_mode") ?? 0) !== 0) throw new RangeError(`onnx: ${where} is in training mode; wasmlp reads inference BatchNormalization`);
        if (batch && (attr("spatial") ?? 1) !== 1) throw new RangeError(`onnx: ${where} has spatial 0, which wasmlp does not read`);
        if (!batch && (attr("axis") ?? -1) !== -1 && attr("axis") !== 1) throw new RangeError(`onnx: ${where} normalizes from axis ${attr("axis")}; wasmlp normalizes over the features (axis -1)`);
        const vector = (k: number, what: string, fill: number | null): Float32Array => {
          const name = node.input[k];
          if (!name) {
            if (fill === null) throw new RangeError(`onnx: ${where} has no ${what}`);
            return new Float32Array(last.units).fill(fill);
          }
          if (!init.has(name)) throw new RangeError(`onnx: ${where}'s ${what} "${name}" is not an initializer`);
          const t = param(name);
          if (t.data.length !== last.units) throw new RangeError(`onnx: ${where}'s ${what} has ${t.data.length} values, expected ${last.units}`);
          return t.data;
        };
        const epsilon = attr("epsilon") ?? 1e-5;
        if (!(epsilon > 0 && epsilon < 1)) throw new RangeError(`onnx: ${where} has epsilon ${epsilon}; wasmlp takes 0 < epsilon < 1`);
        if (batch) {
          const momentum = attr("momentum") ?? 0.9;
          if (!(momentum > 0 && momentum < 1)) throw new RangeError(`onnx: ${where} has momentum ${momentum}; wasmlp takes 0 < momentum < 1`);
          const variance = vector(4, "variance", null);
          const negative = variance.findIndex((v) => v < 0);
          if (negative >= 0) throw new RangeError(`onnx: ${where}'s variance[${negative}] is ${variance[negative]}; a variance cannot be negative`);
          last.normalization = { type: "batch", epsilon, momentum, gamma: vector(1, "scale", null), beta: vector(2, "bias", null), mean: vector(3, "mean", null), variance };
        } else {
          last.normalization = { type: "layer", epsilon, gamma: vector(1, "scale", null), beta: vector(2, "bias", 0) };
        }
        break;
      }
      default: {
        const read = ACTIVATION_NODES[node.opType];
        if (!read) throw new RangeError(`onnx: ${where}: operator ${node.opType} is not supported (wasmlp reads Gemm, MatMul, Add, Flatten, Identity and activations)`);
        const last = layers[layers.length - 1];
        if (!last || last.activation !== "linear") throw new RangeError(`onnx: ${where} is not right after a Gemm or MatMul + Add (or its normalization); wasmlp puts one activation on each layer`);
        if (node.opType === "Gelu") {
          const approximate = attrs.get("approximate")?.s;
          const mode = approximate ? new TextDecoder().decode(approximate) : "none";
          known(["approximate"]);
          if (mode !== "none") throw new RangeError(`onnx: ${where} has approximate "${mode}"; wasmlp's gelu is the exact erf form (approximate "none")`);
        } else if (node.opType === "Softmax") {
          known(["axis"]);
          const axis = attr("axis") ?? (version < 13 ? 1 : -1);
          if (axis !== -1 && axis !== 1) throw new RangeError(`onnx: ${where} takes softmax over axis ${axis}; wasmlp's is over the features (axis 1 or -1)`);
        } else known(["alpha", "beta", "gamma"]);
        const got = read(attr);
        if (typeof got === "string") throw new RangeError(`onnx: ${where} has ${got}`);
        last.activation = got.activation;
        last.alpha = got.alpha;
      }
    }
    current = node.output[0];
  });
  if (pendingMatMul) finishMatMul(null);
  if (current !== graph.output[0].name) throw new RangeError(`onnx: the chain ends at "${current}", but the graph's output is "${graph.output[0].name}"`);
  if (layers.length === 0) throw new RangeError("onnx: the graph has no Gemm or MatMul layer");
  const inputSize = sample.reduce((a, b) => a * b, 1);
  if (sample.length > 1 && !flattened) throw new RangeError(`onnx: input "${input.name}" has shape [batch, ${sample.join(", ")}] and no Flatten; wasmlp layers take flat samples`);
  let fanIn = inputSize;
  layers.forEach((l, i) => {
    if (l.W.length !== l.units * fanIn) throw new RangeError(`onnx: layer ${i} has weights for ${l.W.length / l.units} inputs, but it receives ${fanIn}`);
    fanIn = l.units;
  });
  const net = new Network({
    inputSize,
    ...(sample.length > 1 ? { inputShape: sample } : {}),
    layers: layers.map(layerOptions),
    ...(options.loss === undefined ? {} : { loss: options.loss }),
    ...(options.optimizer === undefined ? {} : { optimizer: options.optimizer }),
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  try {
    // wasmlp's order: W and b of each layer, γ and β of each normalized one, then the moving statistics.
    net.setWeights([
      ...layers.flatMap((l) => [l.W, l.b]),
      ...layers.flatMap((l) => (l.normalization ? [l.normalization.gamma, l.normalization.beta] : [])),
      ...layers.flatMap((l) => (l.normalization?.type === "batch" ? [l.normalization.mean, l.normalization.variance] : [])),
    ]);
  } catch (e) {
    net.dispose();
    throw new RangeError(`onnx: ${(e as Error).message}`);
  }
  return net;
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

// ---- export ----------------------------------------------------------------------------------

const EXPORT_NODES: Record<Activation, ((alpha: number) => { opType: string; attribute: object[] }) | null> = {
  linear: null,
  sigmoid: () => ({ opType: "Sigmoid", attribute: [] }),
  tanh: () => ({ opType: "Tanh", attribute: [] }),
  relu: () => ({ opType: "Relu", attribute: [] }),
  "leaky-relu": (alpha) => ({ opType: "LeakyRelu", attribute: [{ name: "alpha", type: 1, f: alpha }] }),
  elu: () => ({ opType: "Elu", attribute: [{ name: "alpha", type: 1, f: 1 }] }),
  selu: () => ({ opType: "Selu", attribute: [] }),
  softsign: () => ({ opType: "Softsign", attribute: [] }),
  softplus: () => ({ opType: "Softplus", attribute: [] }),
  swish: null, // written as Sigmoid and Mul (see activationNodes): no Swish operator before opset 24
  gelu: null, // written as Div, Erf, Add, Mul, Mul: Gelu is an opset 20 operator
  "hard-sigmoid": () => ({ opType: "HardSigmoid", attribute: [{ name: "alpha", type: 1, f: 1 / 6 }, { name: "beta", type: 1, f: 0.5 }] }),
  softmax: () => ({ opType: "Softmax", attribute: [{ name: "axis", type: 2, i: -1 }] }),
};

/**
 * The network as an ONNX model (opset 17, IR 8): input "input" [batch, features] (or a Flatten of
 * [batch, ...inputShape]), one Gemm (transB 1, W as stored), its BatchNormalization (inference) or
 * LayerNormalization when the layer is normalized, and its activation node(s) per layer,
 * output "output". onnxruntime and PyTorch's onnx tools read it.
 */
export function toOnnx(net: OnnxExportable): Uint8Array {
  const params = net.getWeights(); // throws on a disposed network, before anything is built
  // Where each normalized layer's γ (β next) and moving mean (variance next) are in getWeights().
  const { gamma, moving } = normalizationIndices(net);
  const shape = net.inputShape && net.inputShape.length > 1 ? [...net.inputShape] : [net.inputSize];
  const dim = (d: number) => ({ dimValue: d });
  const nodes: object[] = [];
  const initializer: object[] = [];
  let current = "input";
  if (shape.length > 1) {
    nodes.push({ name: "flatten", opType: "Flatten", input: [current], output: ["flat"], attribute: [{ name: "axis", type: 2, i: 1 }] });
    current = "flat";
  }
  net.layers.forEach((layer, l) => {
    const fanIn = l === 0 ? net.inputSize : net.layers[l - 1].units;
    const w = `dense_${l}.weight`, b = `dense_${l}.bias`;
    initializer.push({ name: w, dims: [layer.units, fanIn], dataType: FLOAT, rawData: bytesOf(params[2 * l]) });
    const biased = layer.useBias !== false;
    if (biased) initializer.push({ name: b, dims: [layer.units], dataType: FLOAT, rawData: bytesOf(params[2 * l + 1]) });
    const gemm = `dense_${l}`;
    nodes.push({ name: gemm, opType: "Gemm", input: biased ? [current, w, b] : [current, w], output: [`${gemm}.z`], attribute: [{ name: "transB", type: 2, i: 1 }] });
    current = `${gemm}.z`;
    const norm = layer.normalization;
    if (norm) {
      const vector = (name: string, values: ArrayLike<number>): string => {
        initializer.push({ name: `${gemm}.${name}`, dims: [layer.units], dataType: FLOAT, rawData: bytesOf(values) });
        return `${gemm}.${name}`;
      };
      const inputs = [current, vector("gamma", params[gamma[l]]), vector("beta", params[gamma[l] + 1])];
      const batch = norm.type === "batch";
      if (batch) inputs.push(vector("moving_mean", params[moving[l]]), vector("moving_variance", params[moving[l] + 1]));
      nodes.push({
        name: `${gemm}.${batch ? "batch" : "layer"}_norm`, opType: batch ? "BatchNormalization" : "LayerNormalization", input: inputs, output: [`${gemm}.y`],
        attribute: [{ name: "epsilon", type: 1, f: norm.epsilon }, ...(batch ? [{ name: "momentum", type: 1, f: norm.momentum ?? 0.99 }] : [{ name: "axis", type: 2, i: -1 }])],
      });
      current = `${gemm}.y`;
    }
    const act = EXPORT_NODES[layer.activation]?.(layer.alpha);
    if (act) {
      nodes.push({ name: `${gemm}.${act.opType.toLowerCase()}`, ...act, input: [current], output: [`${gemm}.a`] });
      current = `${gemm}.a`;
    } else if (layer.activation === "swish" || layer.activation === "gelu") {
      current = activationNodes(layer.activation, gemm, current, nodes, initializer);
    }
  });
  nodes.push({ name: "output", opType: "Identity", input: [current], output: ["output"], attribute: [] });
  const units = net.layers[net.layers.length - 1].units;
  const model = {
    irVersion: 8,
    producerName: "wasmlp",
    opsetImport: [{ domain: "", version: ONNX_EXPORT_OPSET }],
    graph: {
      name: "wasmlp",
      node: nodes,
      initializer,
      input: [{ name: "input", type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: "batch" }, ...shape.map(dim)] } } } }],
      output: [{ name: "output", type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: "batch" }, dim(units)] } } } }],
    },
  };
  return ModelProto.encode(ModelProto.fromObject(model)).finish();
}

/** swish as x·Sigmoid(x); exact gelu as x·(1 + Erf(x/√2))·0.5 (PyTorch's export before opset 20). Returns the output's name. */
function activationNodes(act: "swish" | "gelu", gemm: string, x: string, nodes: object[], initializer: object[]): string {
  const node = (op: string, input: string[], output: string) => nodes.push({ name: `${gemm}.${output.slice(gemm.length + 1)}`, opType: op, input, output: [output], attribute: [] });
  const constant = (name: string, v: number): string => {
    initializer.push({ name: `${gemm}.${name}`, dims: [], dataType: FLOAT, rawData: bytesOf([v]) });
    return `${gemm}.${name}`;
  };
  if (act === "swish") {
    node("Sigmoid", [x], `${gemm}.sigmoid`);
    node("Mul", [x, `${gemm}.sigmoid`], `${gemm}.a`);
  } else {
    node("Div", [x, constant("sqrt2", Math.SQRT2)], `${gemm}.scaled`);
    node("Erf", [`${gemm}.scaled`], `${gemm}.erf`);
    node("Add", [`${gemm}.erf`, constant("one", 1)], `${gemm}.erf1`);
    node("Mul", [x, `${gemm}.erf1`], `${gemm}.twice`);
    node("Mul", [`${gemm}.twice`, constant("half", 0.5)], `${gemm}.a`);
  }
  return `${gemm}.a`;
}

function bytesOf(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}
