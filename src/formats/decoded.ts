// The data level beneath the format functions: a model as a reader decodes it (layers and
// float32 weights), and the conversions between it and wasmlp's model file (ModelJSON).
// Needs no wasm: readTfjs, readOnnx and the writers run before init(), or without it.
import { LOSSES, type Loss, type NetworkSpec, checkHiddenLayers, checkLossFits, defaultLoss, parseLayer, parseOptimizer } from "../config.js";
import type { Layer } from "../layer.js";
import { parseModelJSON, toModelJSON } from "../model-file.js";
import { randomSeed } from "../random.js";
import type { ModelJSON } from "../types.js";
import type { FeaturesJSON } from "../features.js";
import { checkInt, checkOneOf } from "../validate.js";
import { type Exportable, type ImportOptions, type ImportedLayer, layerOptions } from "./common.js";
import { describe } from "./describe.js";
import { FormatError } from "./errors.js";

/** A model as a reader decoded it, before any network exists. */
export interface DecodedModel {
  inputSize: number;
  /** The per-sample shape, when it has more than one dimension (an image a Flatten takes). */
  inputShape?: number[];
  layers: ImportedLayer[];
  /** In getWeights() order: W and b of each layer, γ and β of each normalized one, then the moving mean and variance of each batch-normalized one. */
  weights: Float32Array[];
}

const OPTION_KEYS = ["loss", "optimizer", "seed"];

/** Checks an import's options object (its values are checked where the network or file is made). */
export function checkImportOptions(name: string, options: unknown): asserts options is ImportOptions {
  if (typeof options !== "object" || options === null) throw new TypeError(`${name} options must be an object, received ${describe(options)}`);
  const unknown = Object.keys(options).find((k) => !OPTION_KEYS.includes(k));
  if (unknown !== undefined) throw new TypeError(`${name} options: unknown option "${unknown}"; expected ${OPTION_KEYS.join(", ")}`);
}

/**
 * The loss an imported network gets: the caller's, else none (the network picks the output's
 * natural pair), except that a 1-unit softmax, which has no pair (categorical cross-entropy needs
 * two classes), gets mse, so that every network wasmlp exports reads back.
 */
export function importedLoss(decoded: DecodedModel, options: ImportOptions): Loss | undefined {
  const last = decoded.layers[decoded.layers.length - 1];
  return options.loss ?? (last.activation === "softmax" && last.units < 2 ? "mse" : undefined);
}

/** The decoded model as a wasmlp model file, with the import options (`prefix` starts messages: "tfjs model", "onnx"). */
export function modelJSONOf(decoded: DecodedModel, options: ImportOptions, prefix: string): ModelJSON {
  let spec: NetworkSpec;
  try {
    const layers = decoded.layers.map((l, i) => parseLayer(layerOptions(l), `layers[${i}]`));
    checkHiddenLayers(layers);
    const output = layers[layers.length - 1];
    const given = importedLoss(decoded, options);
    const loss = given === undefined ? defaultLoss(output) : checkOneOf("loss", given, LOSSES);
    checkLossFits(loss, output);
    const seed = options.seed === undefined ? randomSeed() : checkInt("seed", options.seed, 0, 0xffffffff);
    spec = { inputSize: decoded.inputSize, layers, loss, optimizer: parseOptimizer(options.optimizer), seed } as NetworkSpec;
  } catch (e) {
    throw new FormatError(`${prefix}: ${(e as Error).message}`);
  }
  return toModelJSON(spec, decoded.weights, decoded.inputShape);
}

/** What the writers read, from a wasmlp model file (its object or JSON text), validated as Network.fromJSON validates it. */
export function exportableOf(model: ModelJSON | string): Exportable {
  const { options, weights } = parseModelJSON(model);
  const inputSize = options.inputSize;
  checkInt("model.inputSize", inputSize, 1, 1 << 16);
  const shape = options.inputShape;
  if (shape !== undefined) {
    if (!Array.isArray(shape) || shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d > 0) || shape.reduce((a, b) => a * b, 1) !== inputSize) {
      throw new RangeError(`model.inputShape must be whole positive dimensions whose product is inputSize ${inputSize}, received ${describe(shape)}`);
    }
  }
  const layers = options.layers as Layer[];
  const features = options.features as FeaturesJSON | { toJSON(): FeaturesJSON } | undefined;
  return {
    inputSize,
    ...(shape === undefined ? {} : { inputShape: shape }),
    layers,
    getWeights: () => weights,
    ...(features === undefined ? {} : { features: "toJSON" in features ? features : { toJSON: () => features } }),
  };
}
