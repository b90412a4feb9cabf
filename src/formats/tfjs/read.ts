// A tfjs layers model (model.json and its weight bytes) decoded into layers and float32
// weights: the outer parts first (sizes, JSON, caps), then the topology, then the weights.
// Everything is checked before anything is built; needs no wasm.
import type { ModelJSON } from "../../types.js";
import type { ImportOptions } from "../common.js";
import { type DecodedModel, checkImportOptions, modelJSONOf } from "../decoded.js";
import { type TfjsWeightData, layoutWeights, parseModelText, weightBytes, weightSpecs } from "./manifest.js";
import { readTopology } from "./topology.js";
import { bindWeights } from "./weights.js";

/** Decodes model.json (its object or text, or tfjs's artifacts) and the weight bytes (taken from `modelJson.weightData` when omitted). */
export function decodeTfjs(modelJson: unknown, weightData?: TfjsWeightData): DecodedModel {
  // Both sizes are checked before anything is parsed.
  const given = weightData === undefined ? undefined : weightBytes(weightData);
  const model = parseModelText(modelJson);
  const data = given ?? weightBytes(model.weightData);
  const plan = readTopology(model.modelTopology); // what the model is comes first: an unsupported layer is the clearer error
  const specs = weightSpecs(model);
  const offsets = layoutWeights(specs, data.byteLength);
  const { inputSize, weights } = bindWeights(plan.layers, plan.inputSize, specs, offsets, data);
  return {
    inputSize,
    // An image shape (a Flatten of [28, 28]) is kept, so that images of another layout are refused.
    ...(plan.inputShape && plan.inputShape.length > 1 ? { inputShape: plan.inputShape } : {}),
    layers: plan.layers.map((l) => ({
      units: l.units,
      activation: l.activation,
      alpha: l.alpha,
      useBias: l.useBias,
      ...(l.dropout > 0 ? { dropout: l.dropout } : {}),
      ...(l.kernelRegularizer ? { kernelRegularizer: l.kernelRegularizer } : {}),
      normalization: l.normalization && { type: l.normalization.type, epsilon: l.normalization.epsilon, momentum: l.normalization.momentum },
    })),
    weights,
  };
}

/**
 * A tfjs layers model as a wasmlp model file, without wasm: what fromTfjs would build, as
 * `Network.fromJSON` reads it. `options` are fromTfjs's (the loss, optimizer and seed written
 * into the file; a seed is drawn when none is given, as a new Network draws one).
 */
export function readTfjs(modelJson: unknown, weightData?: TfjsWeightData, options: ImportOptions = {}): ModelJSON {
  checkImportOptions("readTfjs", options);
  return modelJSONOf(decodeTfjs(modelJson, weightData), options, "tfjs model");
}
