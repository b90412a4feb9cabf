// A network (or what exportableOf makes of a model file) as ONNX bytes. Needs no wasm.
import type { Activation } from "../../config.js";
import { type Exportable, normalizationIndices } from "../common.js";
import type { ExportPlan } from "../export-plan.js";
import { checkOnnxActivations, onnxNodeOf, onnxOpsetOf } from "./names.js";
import { FLOAT, encodeModel } from "./proto.js";

/** The opset toOnnx writes, unless an activation's operator is newer (swish and gelu as patterns of primitive operators at this opset). */
export const ONNX_EXPORT_OPSET = 17;

/**
 * The network as an ONNX model (opset 17, IR 8): input "input" [batch, features] (or a Flatten of
 * [batch, ...inputShape]), one Gemm (transB 1, W as stored), its BatchNormalization (inference) or
 * LayerNormalization when the layer is normalized, and its activation node(s) per layer,
 * output "output". onnxruntime and PyTorch's onnx tools read it.
 */
export function onnxOf(plan: ExportPlan): Uint8Array {
  const net: Exportable = plan.net;
  checkOnnxActivations(plan.fn, net.layers);
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
    const w = `dense_${l}.weight`,
      b = `dense_${l}.bias`;
    initializer.push({ name: w, dims: [layer.units, fanIn], dataType: FLOAT, rawData: bytesOf(params[2 * l]) });
    const biased = layer.useBias !== false;
    if (biased) initializer.push({ name: b, dims: [layer.units], dataType: FLOAT, rawData: bytesOf(params[2 * l + 1]) });
    const gemm = `dense_${l}`;
    nodes.push({
      name: gemm,
      opType: "Gemm",
      input: biased ? [current, w, b] : [current, w],
      output: [`${gemm}.z`],
      attribute: [{ name: "transB", type: 2, i: 1 }],
    });
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
        name: `${gemm}.${batch ? "batch" : "layer"}_norm`,
        opType: batch ? "BatchNormalization" : "LayerNormalization",
        input: inputs,
        output: [`${gemm}.y`],
        attribute: [
          { name: "epsilon", type: 1, f: norm.epsilon },
          ...(batch ? [{ name: "momentum", type: 1, f: norm.momentum ?? 0.99 }] : [{ name: "axis", type: 2, i: -1 }]),
        ],
      });
      current = `${gemm}.y`;
    }
    current = appendActivation(layer, gemm, current, nodes, initializer);
  });
  nodes.push({ name: "output", opType: "Identity", input: [current], output: ["output"], attribute: [] });
  const units = net.layers[net.layers.length - 1].units;
  const model = {
    irVersion: 8,
    producerName: "wasmlp",
    // What the caller chose to leave out (ExportOptions.omit), one line each: the file says it too.
    ...(plan.omitted.length > 0 ? { metadataProps: [{ key: "wasmlp.omitted", value: plan.omitted.join("\n") }] } : {}),
    opsetImport: [{ domain: "", version: Math.max(ONNX_EXPORT_OPSET, ...net.layers.map((l) => onnxOpsetOf(l.activation))) }],
    graph: {
      name: "wasmlp",
      node: nodes,
      initializer,
      input: [{ name: "input", type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: "batch" }, ...shape.map(dim)] } } } }],
      output: [{ name: "output", type: { tensorType: { elemType: FLOAT, shape: { dim: [{ dimParam: "batch" }, dim(units)] } } } }],
    },
  };
  return encodeModel(model);
}

/** Appends a layer's activation node(s) after `current` (none for the identity); returns the output's name. Callers ran checkOnnxActivations. */
export function appendActivation(
  layer: { activation: Activation; alpha: number },
  gemm: string,
  current: string,
  nodes: object[],
  initializer: object[],
): string {
  const written = onnxNodeOf(layer.activation);
  const act = typeof written === "function" ? written(layer.alpha) : null;
  if (act) {
    nodes.push({ name: `${gemm}.${act.opType.toLowerCase()}`, ...act, input: [current], output: [`${gemm}.a`] });
    return `${gemm}.a`;
  }
  if (written === "pattern") return activationNodes(layer.activation as "swish" | "gelu", gemm, current, nodes, initializer);
  if (written === "identity") return current;
  throw new Error(`wasmlp internal error: ${layer.activation} reached the ONNX writer without a node (checkOnnxActivations runs first)`);
}

/** swish as x·Sigmoid(x); exact gelu as x·(1 + Erf(x/√2))·0.5 (PyTorch's export before opset 20). Returns the output's name. */
function activationNodes(act: "swish" | "gelu", gemm: string, x: string, nodes: object[], initializer: object[]): string {
  const node = (op: string, input: string[], output: string) =>
    nodes.push({ name: `${gemm}.${output.slice(gemm.length + 1)}`, opType: op, input, output: [output], attribute: [] });
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

export function bytesOf(values: ArrayLike<number>): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}
