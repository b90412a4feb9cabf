// ONNX models in and out: the format PyTorch's torch.onnx.export writes and onnxruntime runs.
// A network is a chain of Gemm (or MatMul + Add) nodes, each followed by at most one activation
// node, with an optional Flatten of the input (onnx/read.ts says exactly what is read). Two
// levels: readOnnx / writeOnnx convert between ONNX bytes and a wasmlp model file (ModelJSON)
// with no wasm; fromOnnx / toOnnx do the same with a live Network. The protobuf is read and
// written by protobufjs with the official onnx.proto schema (onnx-schema.ts).
import type { Network } from "../network.js";
import type { ModelJSON } from "../types.js";
import { networkOf } from "./build.js";
import type { Exportable, ImportOptions } from "./common.js";
import { checkImportOptions, exportableOf } from "./decoded.js";
import { decodeOnnx } from "./onnx/read.js";
import { onnxOf } from "./onnx/write.js";
import { type ExportOptions, checkExportOptions, planExport } from "./export-plan.js";

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

/**
 * The network as an ONNX model (opset 17, IR 8): input "input" [batch, features] (or a Flatten of
 * [batch, ...inputShape]), one Gemm (transB 1, W as stored), its BatchNormalization (inference) or
 * LayerNormalization when the layer is normalized, and its activation node(s) per layer,
 * output "output". onnxruntime and PyTorch's onnx tools read it.
 *
 * An ONNX inference graph has no place for training settings: a network with dropout or a
 * kernelRegularizer is refused unless `options.omit` names "dropout" / "kernelRegularizer". A
 * feature spec of numeric columns and regression targets is folded into the first and last
 * layers; any other is refused unless `options.omit` names "featureSpec". What is left out is
 * listed in the model's metadata_props under "wasmlp.omitted".
 * @throws ExportOmissionError when the network holds what the file cannot carry and `options.omit` does not name it.
 */
export function toOnnx(net: OnnxExportable, options: ExportOptions = {}): Uint8Array {
  const omit = checkExportOptions("toOnnx", options);
  return onnxOf(planExport("toOnnx", "onnx", net, omit));
}

/**
 * toOnnx of a wasmlp model file (toJSON's object or its JSON text), without wasm.
 * @throws ExportOmissionError as toOnnx.
 */
export function writeOnnx(model: ModelJSON | string, options: ExportOptions = {}): Uint8Array {
  const omit = checkExportOptions("writeOnnx", options);
  return onnxOf(planExport("writeOnnx", "onnx", exportableOf(model), omit));
}
