// The quantized model file ("wasmlp-quantized"): the int8 weights as base64 bytes beside their
// float32 scales and biases; written by QuantizedNetwork.toJSON, validated field by field here.
import { ACTIVATIONS, type Activation, LOSSES, type Loss } from "../config.js";
import { FeatureSpec, type FeaturesJSON } from "../features.js";
import { type FieldVersions, checkFileFields, checkFileVersion, fileVersionFor } from "../file-version.js";
import { base64ToBytes, encodeFloat32, decodeFloat32 } from "../serialize.js";
import { checkInt, checkKeys, checkObject, checkOneOf, describe } from "../validate.js";
import { ACTIVATION_TYPES, type ActivationType, type QuantizedLayer } from "./scheme.js";

/** The `format` field of a quantized model file ("wasmlp-quantized"); a float model file says "wasmlp-model". */
export const QUANTIZED_FORMAT = "wasmlp-quantized";
/** The newest quantized file version (2 added `features`); fromJSON reads every version up to it. */
export const QUANTIZED_VERSION = 2;
/** The file of a quantized network (toJSON / QuantizedNetwork.fromJSON). */
export interface QuantizedModelJSON {
  format: typeof QUANTIZED_FORMAT;
  version: number;
  inputSize: number;
  inputShape?: number[];
  loss: Loss;
  activations: ActivationType;
  layers: { units: number; activation: Activation; alpha?: number; weights: string; scales: string; bias: string }[];
  /** The feature spec (format 2), as in the float model file. */
  features?: FeaturesJSON;
}

/** The model file of a quantized network's parts (QuantizedNetwork.toJSON). */
export function quantizedModelFile(
  inputSize: number,
  inputShape: readonly number[] | undefined,
  loss: Loss,
  activations: ActivationType,
  layers: readonly Readonly<QuantizedLayer>[],
  features: FeatureSpec | undefined,
): QuantizedModelJSON {
  const file: QuantizedModelJSON = {
    format: QUANTIZED_FORMAT,
    version: 1,
    inputSize,
    ...(inputShape === undefined ? {} : { inputShape: [...inputShape] }),
    loss,
    activations,
    layers: layers.map((l) => ({
      units: l.units,
      activation: l.activation,
      ...(l.activation === "leaky-relu" ? { alpha: l.alpha } : {}),
      weights: bytesToBase64(new Uint8Array(l.weights.buffer, l.weights.byteOffset, l.weights.byteLength)),
      scales: encodeFloat32(l.scales),
      bias: encodeFloat32(l.bias),
    })),
    ...(features === undefined ? {} : { features: features.toJSON() }),
  };
  // The lowest version that holds its fields, so files without a spec stay readable by format-1 readers.
  file.version = fileVersionFor(file, QUANTIZED_FIELDS);
  return file;
}

/** Base64 of bytes (the model file's int8 weights). */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Every field a quantized model file may hold, with the version that introduced it (src/file-version.ts). */
const QUANTIZED_FIELDS: FieldVersions = new Map([
  ...["format", "version", "inputSize", "inputShape", "loss", "activations", "layers"].map((k): [string, number] => [k, 1]),
  ["features", 2],
]);
const LAYER_KEYS = ["units", "activation", "alpha", "weights", "scales", "bias"] as const;

/** Validates a quantized model file: sizes, scales finite and > 0, int8 in [−127, 127], biases finite. */
export function parseQuantizedJSON(json: unknown): {
  inputSize: number;
  inputShape: number[] | undefined;
  loss: Loss;
  activations: ActivationType;
  layers: QuantizedLayer[];
  features: FeatureSpec | undefined;
} {
  let data = json;
  if (typeof json === "string") {
    try {
      data = JSON.parse(json);
    } catch (e) {
      throw new SyntaxError(`quantized model file is not valid JSON: ${(e as Error).message}`);
    }
  }
  checkObject("model", data);
  if (data.format !== QUANTIZED_FORMAT)
    throw new RangeError(
      `not a wasmlp quantized model: format is ${describe(data.format)}, expected "${QUANTIZED_FORMAT}"${data.format === "wasmlp-model" ? " (a float model: load it with Network.fromJSON)" : ""}`,
    );
  checkFileFields("model", data, QUANTIZED_FIELDS, checkFileVersion("model", data.version, QUANTIZED_VERSION));
  const inputSize = checkInt("model.inputSize", data.inputSize, 1, 1 << 16);
  let inputShape: number[] | undefined;
  if (data.inputShape !== undefined) {
    if (!Array.isArray(data.inputShape)) throw new TypeError(`model.inputShape must be an array of integers, received ${describe(data.inputShape)}`);
    inputShape = data.inputShape.map((d, i) => checkInt(`model.inputShape[${i}]`, d, 1));
    if (inputShape.reduce((a, b) => a * b, 1) !== inputSize)
      throw new RangeError(
        `model.inputShape ${JSON.stringify(inputShape)} has ${inputShape.reduce((a, b) => a * b, 1)} values, expected inputSize ${inputSize}`,
      );
  }
  const loss = checkOneOf("model.loss", data.loss, LOSSES);
  const activations = checkOneOf("model.activations", data.activations, ACTIVATION_TYPES);
  if (!Array.isArray(data.layers) || data.layers.length === 0)
    throw new RangeError(`model.layers must be a non-empty array, received ${describe(data.layers)}`);
  let inputs = inputSize;
  const count = data.layers.length;
  const layers = data.layers.map((raw: unknown, i: number): QuantizedLayer => {
    const at = `model.layers[${i}]`;
    checkObject(at, raw);
    checkKeys(at, raw, LAYER_KEYS);
    const units = checkInt(`${at}.units`, raw.units, 1, 1 << 16);
    const activation = checkOneOf(`${at}.activation`, raw.activation, ACTIVATIONS);
    if (activation === "softmax" && i !== count - 1) throw new RangeError(`${at}.activation is softmax, which only the output layer may have`);
    if (raw.alpha !== undefined && activation !== "leaky-relu")
      throw new TypeError(`${at}.alpha applies to "leaky-relu" only, but the activation is "${activation}"`);
    const alpha = activation === "leaky-relu" ? checkAlpha(`${at}.alpha`, raw.alpha) : 0;
    const bytes = decodeBytes(`${at}.weights`, raw.weights, units * inputs);
    const weights = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    for (let p = 0; p < weights.length; p++) {
      if (weights[p] === -128) throw new RangeError(`${at}.weights[${p}] is -128, outside the symmetric int8 range [-127, 127] quantize() writes`);
    }
    const scales = decodeFloat32(`${at}.scales`, raw.scales, units);
    for (let j = 0; j < units; j++)
      if (!(scales[j] > 0)) throw new RangeError(`${at}.scales[${j}] is ${scales[j]}; every scale must be finite and greater than 0`);
    const bias = decodeFloat32(`${at}.bias`, raw.bias, units);
    const layer: QuantizedLayer = { units, inputs, activation, alpha, weights, scales, bias };
    inputs = units;
    return layer;
  });
  const features = data.features === undefined ? undefined : new FeatureSpec(data.features, "model.features");
  const outputs = layers[layers.length - 1].units;
  if (features && (features.inputSize !== inputSize || features.outputSize !== outputs)) {
    throw new RangeError(
      `model.features encode ${features.inputSize} inputs and ${features.outputSize} outputs, but the network has ${inputSize} inputs and ${outputs} outputs`,
    );
  }
  return { inputSize, inputShape, loss, activations, layers, features };
}

function checkAlpha(name: string, v: unknown): number {
  if (typeof v !== "number" || !Number.isFinite(v) || v <= 0 || v >= 1) throw new RangeError(`${name} must be a number in (0, 1), received ${describe(v)}`);
  return v;
}

function decodeBytes(name: string, text: unknown, expected: number): Uint8Array {
  if (typeof text !== "string") throw new TypeError(`${name} must be a base64 string, received ${describe(text)}`);
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(text);
  } catch {
    throw new RangeError(`${name} is not valid base64`);
  }
  if (bytes.length !== expected)
    throw new RangeError(`${name} holds ${bytes.length.toLocaleString("en-US")} int8 values, expected ${expected.toLocaleString("en-US")} (units × inputs)`);
  return bytes;
}
