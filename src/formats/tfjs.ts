// TensorFlow.js layers models in and out: the model.json + binary weights that tfjs-layers'
// model.save() writes and that tensorflowjs_converter makes of a Keras model. Dense stacks
// only; anything else is refused with an error naming the layer, before a network exists.
// Two levels: readTfjs / writeTfjs convert between the files and a wasmlp model file
// (ModelJSON) with no wasm; fromTfjs / toTfjs do the same with a live Network. Platform-neutral
// (the folder helpers are in tfjs-node.ts).
import type { Network } from "../network.js";
import type { ModelJSON } from "../types.js";
import { networkOf } from "./build.js";
import { type Exportable, type ImportOptions } from "./common.js";
import { checkImportOptions, exportableOf } from "./decoded.js";
import type { TfjsModelJson, TfjsWeightData } from "./tfjs/manifest.js";
import { decodeTfjs } from "./tfjs/read.js";
import { tfjsOf } from "./tfjs/write.js";
import { type ExportOptions, checkExportOptions, planExport } from "./export-plan.js";

export { ExportOmissionError, FormatError, FormatSyntaxError, FormatTypeError, UnsupportedFormatError, isFormatError } from "./errors.js";
export { EXPORT_OMISSIONS, type ExportOmission, type ExportOptions } from "./export-plan.js";
export { MAX_JSON_DEPTH, MAX_JSON_VALUES } from "./limits.js";
export { MAX_TFJS_JSON_BYTES, MAX_TFJS_WEIGHT_BYTES, type TfjsModelJson, type TfjsWeightData, type TfjsWeightSpec } from "./tfjs/manifest.js";
export { readTfjs } from "./tfjs/read.js";
export { MAX_TFJS_UNITS } from "./tfjs/topology.js";
export { TFJS_WEIGHTS_FILE } from "./tfjs/write.js";

/** fromTfjs's options (see formats/common.ts). */
export type FromTfjsOptions = ImportOptions;

/** The parts of a network toTfjs reads (see formats/common.ts). */
export type TfjsExportable = Exportable;

/** What toTfjs and writeTfjs return: model.json's object, the weight bytes, and what the file leaves out. */
export interface TfjsExport {
  modelJson: TfjsModelJson;
  weightData: ArrayBuffer;
  /** What the file leaves out because `options.omit` named it, one line each ("layer 0 dropout 0.25"); empty when nothing. */
  omitted: string[];
}

/**
 * Builds a Network from a tfjs layers model: `modelJson` is model.json's object or text (or
 * the artifacts tfjs-layers hands a save handler, with `weightSpecs` in place of a manifest),
 * `weightData` its weight bytes (one buffer or the shards in manifest order; taken from
 * `modelJson.weightData` when omitted). Everything is checked before the network is built.
 */
export function fromTfjs(modelJson: unknown, weightData?: TfjsWeightData, options: FromTfjsOptions = {}): Network {
  checkImportOptions("fromTfjs", options);
  return networkOf(decodeTfjs(modelJson, weightData), options, "tfjs model");
}

/**
 * A network as a tfjs layers model: model.json's object (a Sequential of Dense layers, after a
 * Flatten when the network has an image inputShape; a leaky-relu layer becomes a linear Dense
 * and a LeakyReLU layer; a normalized layer a linear Dense, its BatchNormalization or
 * LayerNormalization, then its activation) and the float32 weights,
 * kernels transposed to Keras's inputs × units. Load it with
 * `tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData }))`.
 *
 * Everything the network holds travels or is named: a layer's dropout becomes a Dropout layer
 * after it and its kernelRegularizer a Keras L1L2 `kernel_regularizer`; a feature spec of numeric
 * columns and regression targets is folded into the first and last layers (the file takes the
 * raw columns in the spec's order and gives the targets in their units). A feature spec that
 * cannot be folded (a category column, class names, a fill policy) is refused unless
 * `options.omit` names "featureSpec"; `omitted` lists what the file leaves out.
 * @throws ExportOmissionError when the network holds what the file cannot carry and `options.omit` does not name it.
 */
export function toTfjs(net: TfjsExportable, options: ExportOptions = {}): TfjsExport {
  const omit = checkExportOptions("toTfjs", options);
  // A QuantizedNetwork (int8 layers, no getWeights) passed from JavaScript: say so, not "getWeights is not a function".
  // ("scales" in: a Layer's weights is a getter that reads the network, even a disposed one.)
  if (Array.isArray(net?.layers) && net.layers.some((l) => typeof l === "object" && l !== null && "scales" in l))
    throw new TypeError("toTfjs: a QuantizedNetwork's int8 layers have no tfjs-layers equivalent; export the float network, or this one with toOnnx (int8)");
  return tfjsOf(planExport("toTfjs", "tfjs", net, omit));
}

/**
 * toTfjs of a wasmlp model file (toJSON's object or its JSON text), without wasm.
 * @throws ExportOmissionError as toTfjs.
 */
export function writeTfjs(model: ModelJSON | string, options: ExportOptions = {}): TfjsExport {
  const omit = checkExportOptions("writeTfjs", options);
  return tfjsOf(planExport("writeTfjs", "tfjs", exportableOf(model), omit));
}
