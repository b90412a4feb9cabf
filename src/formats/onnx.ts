// ONNX models in and out: the format PyTorch's torch.onnx.export writes and onnxruntime runs.
// A network is a chain of Gemm (or MatMul + Add) nodes, each followed by at most one activation
// node, with an optional Flatten of the input (onnx/read.ts says exactly what is read). Two
// levels: readOnnx / writeOnnx convert between ONNX bytes and a wasmlp model file (ModelJSON)
// with no wasm; fromOnnx / toOnnx do the same with a live Network. The protobuf is read and
// written by protobufjs with the official onnx.proto schema (onnx-schema.ts).
import { LOSSES, type Loss } from "../config.js";
import type { Network } from "../network.js";
import {
  ACTIVATION_TYPES,
  type ActivationType,
  QUANTIZED_FORMAT,
  QuantizedNetwork,
  type QuantizedModelJSON,
  bytesToBase64,
  parseQuantizedJSON,
  quantizeWeights,
} from "../quantize.js";
import { encodeFloat32 } from "../serialize.js";
import type { ModelJSON } from "../types.js";
import { checkOneOf } from "../validate.js";
import { networkOf } from "./build.js";
import type { Exportable, ImportOptions } from "./common.js";
import { checkImportOptions, exportableOf, modelJSONOf } from "./decoded.js";
import { describe } from "./describe.js";
import { FormatError, UnsupportedFormatError } from "./errors.js";
import { type QuantizedExportable, quantizedOnnxOf } from "./onnx/quantized.js";
import { decodeOnnx } from "./onnx/read.js";
import { ONNX_EXPORT_OPSET, onnxOf } from "./onnx/write.js";
import { type ExportOptions, checkExportOptions, planExport, planQuantizedExport } from "./export-plan.js";

export { ExportOmissionError, FormatError, FormatSyntaxError, FormatTypeError, UnsupportedFormatError, isFormatError } from "./errors.js";
export { EXPORT_OMISSIONS, type ExportOmission, type ExportOptions } from "./export-plan.js";
export { MAX_PROTO_DEPTH, MAX_PROTO_FIELDS } from "./limits.js";
export { MAX_ONNX_BYTES, ONNX_OPSETS, readOnnx } from "./onnx/read.js";
export { ONNX_EXPORT_OPSET } from "./onnx/write.js";

/** fromOnnx's options (see formats/common.ts). */
export type FromOnnxOptions = ImportOptions;

/** The parts of a network toOnnx reads (see formats/common.ts). */
export type OnnxExportable = Exportable;

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
  checkImportOptions("fromOnnx", options);
  return networkOf(decodeOnnx(bytes), options, "onnx");
}

/** The parts of a QuantizedNetwork toOnnx reads (its inputSize, inputShape and int8 layers). */
export type QuantizedOnnxExportable = QuantizedExportable;

/**
 * The network as an ONNX model (opset 17, IR 8), input "input" [batch, features] (or a Flatten of
 * [batch, ...inputShape]), output "output"; onnxruntime and PyTorch's onnx tools read it.
 *
 * A float network: one Gemm (transB 1, W as stored) per layer, its BatchNormalization (inference)
 * or LayerNormalization when the layer is normalized, and its activation node(s). An ONNX
 * inference graph has no place for training settings: a network with dropout or a
 * kernelRegularizer is refused unless `options.omit` names "dropout" / "kernelRegularizer". A
 * feature spec of numeric columns and regression targets is folded into the first and last
 * layers; any other is refused unless `options.omit` names "featureSpec". What is left out is
 * listed in the model's metadata_props under "wasmlp.omitted".
 *
 * A QuantizedNetwork: per layer the pattern onnxruntime's `quantize_dynamic` writes, which
 * onnxruntime fuses into one int8 GEMM: DynamicQuantizeLinear of the input, MatMulInteger with the
 * int8 weights (zero point 0), Cast, Mul by x_scale·(the unit's scale), then Add of the float32
 * bias and the activation. onnxruntime quantizes activations its own way (uint8, asymmetric, one
 * scale per tensor), so its outputs differ from `predict`'s within the bound in docs/quantization.md.
 * Its feature spec cannot be folded into int8 weights: it is refused unless `options.omit` names
 * "featureSpec" (then listed in metadata_props as for a float network).
 *
 * An activation ONNX has no exact equivalent for is refused with an UnsupportedFormatError naming
 * the layer and the activation (every registry activation has one today).
 *
 * @param net a Network, a ReferenceNetwork or a QuantizedNetwork (anything with their parts).
 * @param options `omit`: the parts of a float network to leave out (see ExportOptions).
 * @returns the model's protobuf bytes.
 * @throws Error when a Network has been disposed; ExportOmissionError when the network holds what
 *   the file cannot carry and `options.omit` does not name it; UnsupportedFormatError for an
 *   activation with no ONNX equivalent.
 */
export function toOnnx(net: OnnxExportable | QuantizedOnnxExportable, options: ExportOptions = {}): Uint8Array {
  const omit = checkExportOptions("toOnnx", options);
  if (isQuantized(net)) return quantizedOnnxOf(net, ONNX_EXPORT_OPSET, "toOnnx", planQuantizedExport("toOnnx", net, omit));
  return onnxOf(planExport("toOnnx", "onnx", net, omit));
}

/**
 * toOnnx of a wasmlp model file, without wasm: a float one (format "wasmlp-model") or a quantized
 * one (format "wasmlp-quantized", QuantizedNetwork's toJSON), as its object or JSON text.
 * @throws RangeError, TypeError or SyntaxError naming the field when the file is not valid;
 *   ExportOmissionError as toOnnx.
 */
export function writeOnnx(model: ModelJSON | QuantizedModelJSON | string, options: ExportOptions = {}): Uint8Array {
  const omit = checkExportOptions("writeOnnx", options);
  const parsed = typeof model === "string" ? parseJSONText(model) : model;
  if (typeof parsed === "object" && parsed !== null && (parsed as { format?: unknown }).format === QUANTIZED_FORMAT) {
    const q = parseQuantizedJSON(parsed);
    return quantizedOnnxOf(q, ONNX_EXPORT_OPSET, "writeOnnx", planQuantizedExport("writeOnnx", q, omit));
  }
  return onnxOf(planExport("writeOnnx", "onnx", exportableOf(parsed as ModelJSON), omit));
}

function isQuantized(net: OnnxExportable | QuantizedOnnxExportable): net is QuantizedOnnxExportable {
  return (
    net.layers.length > 0 && net.layers.every((l) => "scales" in l && l.scales instanceof Float32Array && "weights" in l && l.weights instanceof Int8Array)
  );
}

function parseJSONText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`model file is not valid JSON: ${(e as Error).message}`);
  }
}

/** readQuantizedOnnx's and fromQuantizedOnnx's options. */
export interface QuantizedOnnxOptions {
  /** The loss evaluate() reports; defaults to the output activation's natural pair. */
  loss?: Loss;
  /** How activations are quantized when the network runs: "int16" (default) or "int8" (docs/quantization.md). */
  activations?: ActivationType;
}

/**
 * An int8 MLP from ONNX as a wasmlp quantized model file (what QuantizedNetwork.fromJSON reads),
 * without wasm. Reads the graph onnxruntime's `quantize_dynamic` makes of an MLP of MatMul + Add
 * layers (weight_type QInt8, per tensor or per channel): per layer DynamicQuantizeLinear →
 * MatMulInteger → Cast → Mul(x_scale·W_scale), then Add of the bias and one activation, in the
 * chain fromOnnx reads. Float Gemm or MatMul layers in the same chain (quantize_dynamic leaves
 * Gemm and excluded nodes float) are quantized in wasmlp's scheme (one scale per unit).
 *
 * The network then runs in wasmlp's scheme (activations symmetric, per sample), not onnxruntime's
 * (uint8, asymmetric, per tensor): docs/quantization.md says how far apart they can be.
 *
 * @param bytes the model's protobuf bytes (at most MAX_ONNX_BYTES).
 * @param options `loss` (default: the output activation's pair), `activations` (default "int16").
 * @throws UnsupportedFormatError for a weight zero point other than 0, uint8 weights, a normalized
 *   layer, or any other operator or pattern; FormatError for damaged or inconsistent files (every
 *   message starts with "onnx"); TypeError or RangeError for bad options.
 */
export function readQuantizedOnnx(bytes: ArrayBuffer | ArrayBufferView, options: QuantizedOnnxOptions = {}): QuantizedModelJSON {
  if (typeof options !== "object" || options === null) throw new TypeError(`readQuantizedOnnx options must be an object, received ${describe(options)}`);
  const unknown = Object.keys(options).find((k) => k !== "loss" && k !== "activations");
  if (unknown !== undefined) throw new TypeError(`readQuantizedOnnx options: unknown option "${unknown}"; expected loss, activations`);
  const activations = options.activations === undefined ? "int16" : checkOneOf("readQuantizedOnnx options.activations", options.activations, ACTIVATION_TYPES);
  const loss = options.loss === undefined ? undefined : checkOneOf("readQuantizedOnnx options.loss", options.loss, LOSSES);
  const decoded = decodeOnnx(bytes, true);
  const file = modelJSONOf(decoded, { ...(loss ? { loss } : {}), seed: 0 }, "onnx"); // checks the layers and picks the loss
  let inputs = decoded.inputSize;
  const layers = decoded.layers.map((l, i) => {
    if (l.normalization)
      throw new UnsupportedFormatError(
        `onnx: layer ${i} is ${l.normalization.type}-normalized; wasmlp's int8 layers take no normalization node (fold it into the weights before quantizing)`,
      );
    let q = decoded.int8[i];
    if (!q) {
      try {
        q = { ...quantizeWeights(decoded.weights[2 * i], l.units, inputs, `layer ${i}`), units: l.units, inputs };
      } catch (e) {
        throw new FormatError(`onnx: ${(e as Error).message}`);
      }
    }
    inputs = l.units;
    return {
      units: l.units,
      activation: l.activation,
      ...(l.activation === "leaky-relu" ? { alpha: l.alpha } : {}),
      weights: bytesToBase64(new Uint8Array(q.weights.buffer, q.weights.byteOffset, q.weights.byteLength)),
      scales: encodeFloat32(q.scales),
      bias: encodeFloat32(decoded.weights[2 * i + 1]),
    };
  });
  return {
    // Format 1: an ONNX file brings no feature spec, the one field format 2 added (src/file-version.ts).
    format: QUANTIZED_FORMAT,
    version: 1,
    inputSize: decoded.inputSize,
    ...(decoded.inputShape ? { inputShape: decoded.inputShape } : {}),
    loss: file.loss as Loss,
    activations,
    layers,
  };
}

/**
 * readQuantizedOnnx as a QuantizedNetwork (after init()). Same graph, options and errors.
 * @throws what readQuantizedOnnx throws; Error when init() has not run.
 */
export function fromQuantizedOnnx(bytes: ArrayBuffer | ArrayBufferView, options: QuantizedOnnxOptions = {}): QuantizedNetwork {
  return QuantizedNetwork.fromJSON(readQuantizedOnnx(bytes, options));
}
