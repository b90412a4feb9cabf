// TensorFlow.js layers models in and out: the model.json + binary weights that tfjs-layers'
// model.save() writes and that tensorflowjs_converter makes of a Keras model. Dense stacks
// only; anything else is refused with an error naming the layer, before a network exists.
// Platform-neutral (the directory helpers are in tfjs-node.ts). Network comes in by relative
// path, so the application's `import { Network } from "wasmlp"` is the same module (one runtime).
import type { Activation } from "../config.js";
import { Network } from "../network.js";
import { describe } from "../validate.js";
import { type Exportable, type ImportOptions, layerOptions, normalizationIndices } from "./common.js";

/** Largest model.json text read (the topology is small; the weights live in the binary part). */
export const MAX_TFJS_JSON_BYTES = 16 * 1024 * 1024;
/** Largest weight data read: 256 Mi float32 values, far beyond any network wasmlp trains. */
export const MAX_TFJS_WEIGHT_BYTES = 1024 * 1024 * 1024;

/** One tensor in the weight data, as in tfjs's weightsManifest. */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
  group?: string;
}

/** The model.json file of a tfjs layers model. */
export interface TfjsModelJson {
  format: "layers-model";
  generatedBy: string;
  convertedBy: string | null;
  modelTopology: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: TfjsWeightSpec[] }[];
}

/** Weight bytes: one buffer, or the shards in the order of the manifest's paths. */
export type TfjsWeightData = ArrayBuffer | ArrayBufferView | readonly (ArrayBuffer | ArrayBufferView)[];

/** fromTfjs's options (see formats/common.ts). */
export type FromTfjsOptions = ImportOptions;

/** The parts of a network toTfjs reads (see formats/common.ts). */
export type TfjsExportable = Exportable;

// ---- import --------------------------------------------------------------------------------

/** One Dense layer as read from the file, with what follows it folded in. */
interface DensePlan {
  name: string;
  units: number;
  activation: Activation;
  alpha: number;
  useBias: boolean;
  /** The layer that set the activation (the Dense itself or an Activation layer after it). */
  activationFrom: string | null;
  /** A BatchNormalization or LayerNormalization layer between the Dense and its activation. */
  normalization: NormalizationPlan | null;
}

interface NormalizationPlan {
  name: string;
  type: "batch" | "layer";
  epsilon: number;
  momentum: number;
  /** β and γ are in the weights (Keras's center and scale); when not, β = 0 and γ = 1. */
  center: boolean;
  scale: boolean;
}

interface RawLayer {
  name: string;
  className: string;
  config: Record<string, unknown>;
  inbound: unknown;
}

const SUPPORTED = "InputLayer, Dense, BatchNormalization, LayerNormalization (between a linear Dense and its activation), Activation, ReLU, LeakyReLU, Softmax, Flatten, Dropout, AlphaDropout, GaussianDropout, GaussianNoise";
const NORMALIZATION_KEYS = {
  BatchNormalization: [
    "axis", "momentum", "epsilon", "center", "scale", "beta_initializer", "gamma_initializer", "moving_mean_initializer",
    "moving_variance_initializer", "beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint", "synchronized",
  ],
  LayerNormalization: [
    "axis", "epsilon", "center", "scale", "rms_scaling", "beta_initializer", "gamma_initializer", "beta_regularizer", "gamma_regularizer",
    "beta_constraint", "gamma_constraint",
  ],
} as const;
/** Layers that are the identity at inference. */
const INFERENCE_NO_OPS: Record<string, readonly string[]> = {
  Dropout: ["rate", "noise_shape", "seed"],
  AlphaDropout: ["rate", "noise_shape", "seed"],
  GaussianDropout: ["rate", "seed"],
  GaussianNoise: ["stddev", "stddev_", "seed"],
};
/** Keys every layer may carry that do not change what it computes. */
const COMMON_KEYS = ["name", "trainable", "dtype", "batch_input_shape", "batch_shape", "batch_size", "input_shape", "input_dim"];
const DENSE_KEYS = [
  "units", "activation", "use_bias", "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
  "activity_regularizer", "kernel_constraint", "bias_constraint", "lora_rank", "lora_alpha", "quantization_config",
];
/** Keras / tfjs activation names → wasmlp's. leaky_relu is Keras 3's string form (slope 0.2). */
const ACTIVATION_NAMES: Record<string, { activation: Activation; alpha: number }> = {
  linear: { activation: "linear", alpha: 0 },
  sigmoid: { activation: "sigmoid", alpha: 0 },
  tanh: { activation: "tanh", alpha: 0 },
  relu: { activation: "relu", alpha: 0 },
  softmax: { activation: "softmax", alpha: 0 },
  leaky_relu: { activation: "leaky-relu", alpha: 0.2 },
  elu: { activation: "elu", alpha: 0 }, // alpha 1, as Keras's and tfjs's string form
  selu: { activation: "selu", alpha: 0 },
  softsign: { activation: "softsign", alpha: 0 },
  softplus: { activation: "softplus", alpha: 0 },
  swish: { activation: "swish", alpha: 0 },
  silu: { activation: "swish", alpha: 0 }, // Keras 3's other name for swish
  gelu: { activation: "gelu", alpha: 0 }, // the exact erf form (tfjs's gelu; Keras's default approximate=False)
  // Only Keras 3's relu6(z + 3) / 6 (see activationOf); tfjs and Keras 2 mean 0.2·z + 0.5.
  hard_sigmoid: { activation: "hard-sigmoid", alpha: 0 },
};
/** wasmlp activations → their name in the file; hard-sigmoid has no tfjs-layers equivalent. */
const EXPORT_NAMES: Partial<Record<Activation, string>> = {
  linear: "linear", sigmoid: "sigmoid", tanh: "tanh", relu: "relu", softmax: "softmax", elu: "elu", selu: "selu", softsign: "softsign",
  softplus: "softplus", swish: "swish", gelu: "gelu",
};

class Unsupported extends RangeError {}

/** wasmlp's widest layer and input (config.ts MAX_UNITS; not imported, to keep this file off the engine's modules). */
export const MAX_TFJS_UNITS = 1 << 16;
const OPTION_KEYS = ["loss", "optimizer", "seed"];

/**
 * Builds a Network from a tfjs layers model: `modelJson` is model.json's object or text (or
 * the artifacts tfjs-layers hands a save handler, with `weightSpecs` in place of a manifest),
 * `weightData` its weight bytes (one buffer or the shards in manifest order; taken from
 * `modelJson.weightData` when omitted). Everything is checked before the network is built.
 */
export function fromTfjs(modelJson: unknown, weightData?: TfjsWeightData, options: FromTfjsOptions = {}): Network {
  if (typeof options !== "object" || options === null) throw new TypeError(`fromTfjs options must be an object, received ${describe(options)}`);
  const unknown = Object.keys(options).find((k) => !OPTION_KEYS.includes(k));
  if (unknown !== undefined) throw new TypeError(`fromTfjs options: unknown option "${unknown}"; expected ${OPTION_KEYS.join(", ")}`);
  // Both sizes are checked before anything is parsed.
  const given = weightData === undefined ? undefined : weightBytes(weightData);
  const model = parseModelText(modelJson);
  const data = given ?? weightBytes(model.weightData);
  const plan = readTopology(model.modelTopology); // what the model is comes first: an unsupported layer is the clearer error
  const specs = weightSpecs(model);
  const offsets = layoutWeights(specs, data.byteLength);
  const { inputSize, weights } = bindWeights(plan.layers, plan.inputSize, specs, offsets, data);
  const layers = plan.layers.map(layerOptions);
  const last = layers[layers.length - 1];
  const loss = options.loss ?? (last.activation === "softmax" && last.units < 2 ? "mse" : undefined);
  // An image shape (a Flatten of [28, 28]) is kept, so that images of another layout are refused.
  const inputShape = plan.inputShape && plan.inputShape.length > 1 ? plan.inputShape : undefined;
  const net = new Network({ inputSize, inputShape, layers, loss, optimizer: options.optimizer, seed: options.seed });
  try {
    net.setWeights(weights);
    // Weights that are finite but overflow the network's own outputs are refused, as in fromJSON.
    const probe = new Float32Array(2 * net.inputSize);
    probe.fill(1, net.inputSize);
    net.predict(probe);
  } catch (e) {
    net.dispose();
    if (e instanceof Error && /^predict: /.test(e.message)) {
      throw new RangeError(`tfjs model: the weights overflow float32 on a probe input of zeros or ones (${e.message.replace(/^predict: /, "")})`);
    }
    throw e;
  }
  return net;
}

function parseModelText(modelJson: unknown): Record<string, unknown> {
  let value = modelJson;
  if (typeof value === "string") {
    // Checked before parsing: a length in UTF-16 units is at least the UTF-8 length / 3.
    if (value.length > MAX_TFJS_JSON_BYTES) throw new RangeError(`tfjs model.json is ${value.length} characters, over the cap MAX_TFJS_JSON_BYTES (${MAX_TFJS_JSON_BYTES})`);
    try {
      value = JSON.parse(value);
    } catch (e) {
      throw new SyntaxError(`tfjs model.json is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new TypeError(`tfjs model.json must be an object or its JSON text, received ${describe(value)}`);
  const model = value as Record<string, unknown>;
  if (model.format !== undefined && model.format !== "layers-model") {
    throw new Unsupported(`tfjs model format ${describe(model.format)} is not supported: wasmlp reads "layers-model" (a graph model from a SavedModel has no layers to map)`);
  }
  if (typeof model.modelTopology !== "object" || model.modelTopology === null) {
    throw new RangeError(`tfjs model.json has no modelTopology object (received ${describe(model.modelTopology)}): not a layers model`);
  }
  return model;
}

function weightBytes(data: unknown): Uint8Array {
  if (data === undefined || data === null) throw new TypeError("tfjs weight data is missing: pass the weight bytes (an ArrayBuffer, a typed array, or the shards in order)");
  const parts = Array.isArray(data) ? data : [data];
  const views = parts.map((p, i) => {
    if (p instanceof ArrayBuffer) return new Uint8Array(p);
    if (ArrayBuffer.isView(p)) return new Uint8Array(p.buffer, p.byteOffset, p.byteLength);
    throw new TypeError(`tfjs weight data${Array.isArray(data) ? `[${i}]` : ""} must be an ArrayBuffer or a typed array, received ${describe(p)}`);
  });
  const total = views.reduce((n, v) => n + v.byteLength, 0);
  if (total > MAX_TFJS_WEIGHT_BYTES) throw new RangeError(`tfjs weight data is ${total} bytes, over the cap MAX_TFJS_WEIGHT_BYTES (${MAX_TFJS_WEIGHT_BYTES})`);
  if (views.length === 1) return views[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const v of views) { out.set(v, at); at += v.byteLength; }
  return out;
}

function weightSpecs(model: Record<string, unknown>): TfjsWeightSpec[] {
  let specs: unknown[];
  if (model.weightsManifest !== undefined) {
    const manifest = model.weightsManifest;
    if (!Array.isArray(manifest)) throw new TypeError(`tfjs model.json weightsManifest must be an array of groups, received ${describe(manifest)}`);
    specs = manifest.flatMap((group, g) => {
      if (typeof group !== "object" || group === null || !Array.isArray((group as { weights?: unknown }).weights)) {
        throw new TypeError(`tfjs weightsManifest[${g}] must be { paths, weights: [...] }, received ${describe(group)}`);
      }
      return (group as { weights: unknown[] }).weights;
    });
  } else if (model.weightSpecs !== undefined) {
    if (!Array.isArray(model.weightSpecs)) throw new TypeError(`tfjs weightSpecs must be an array, received ${describe(model.weightSpecs)}`);
    specs = model.weightSpecs;
  } else {
    throw new RangeError("tfjs model.json has neither weightsManifest nor weightSpecs: it describes no weights");
  }
  return specs.map((s, i) => {
    if (typeof s !== "object" || s === null) throw new TypeError(`tfjs weight spec ${i} must be an object, received ${describe(s)}`);
    const spec = s as Record<string, unknown>;
    const name = typeof spec.name === "string" ? spec.name : `#${i}`;
    if (typeof spec.name !== "string") throw new TypeError(`tfjs weight spec ${i} has no name`);
    if (!Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new RangeError(`tfjs weight "${name}": shape must be a list of whole numbers, received ${JSON.stringify(spec.shape)}`);
    }
    if (spec.quantization !== undefined && spec.quantization !== null) {
      throw new Unsupported(`tfjs weight "${name}" is quantized (${JSON.stringify(spec.quantization)}): not supported; convert without --quantize_* options`);
    }
    if (spec.dtype !== "float32") throw new Unsupported(`tfjs weight "${name}" has dtype ${describe(spec.dtype)}: only float32 is supported`);
    return { name, shape: spec.shape as number[], dtype: "float32" };
  });
}

/** Byte offset of each weight in the data; the data must hold exactly what the specs describe. */
function layoutWeights(specs: TfjsWeightSpec[], available: number): number[] {
  const offsets: number[] = [];
  let at = 0;
  for (const s of specs) {
    offsets.push(at);
    const count = s.shape.reduce((a, b) => a * b, 1);
    at += 4 * count;
    if (at > MAX_TFJS_WEIGHT_BYTES) throw new RangeError(`tfjs weight specs describe more than MAX_TFJS_WEIGHT_BYTES (${MAX_TFJS_WEIGHT_BYTES}) bytes of weights (at "${s.name}")`);
  }
  if (at !== available) {
    const why = available < at ? "the weight data is truncated or a shard is missing" : "the weight data has bytes no weight spec describes";
    throw new RangeError(`tfjs weight data has ${available} bytes, but the weight specs describe ${at} (${specs.length} float32 tensors): ${why}`);
  }
  return offsets;
}

// ---- topology ------------------------------------------------------------------------------

function readTopology(topology: unknown): { inputSize: number; inputShape: number[] | null; layers: DensePlan[] } {
  let top = topology as Record<string, unknown>;
  const kerasVersion = typeof top.keras_version === "string" ? top.keras_version : "";
  if (typeof top.model_config === "object" && top.model_config !== null) top = top.model_config as Record<string, unknown>; // tensorflowjs_converter's Keras wrapper
  const className = top.class_name;
  const config = top.config as Record<string, unknown> | unknown[] | undefined;
  let raw: RawLayer[];
  if (className === "Sequential") {
    const list = Array.isArray(config) ? config : config?.layers; // Keras ≤ 2.1 wrote the layer list as the config itself
    raw = rawLayers(list);
  } else if (className === "Model" || className === "Functional") {
    if (typeof config !== "object" || config === null || Array.isArray(config)) throw new RangeError(`tfjs modelTopology: ${className} has no config object`);
    raw = chainOrder(rawLayers(config.layers), config.input_layers, config.output_layers);
  } else {
    throw new Unsupported(`tfjs modelTopology class ${describe(className)} is not supported: wasmlp reads Sequential models and linear functional models (Model / Functional)`);
  }
  return plan(raw, kerasVersion);
}

function rawLayers(list: unknown): RawLayer[] {
  if (!Array.isArray(list)) throw new RangeError(`tfjs modelTopology has no layer list (received ${describe(list)})`);
  return list.map((l, i) => {
    if (typeof l !== "object" || l === null) throw new TypeError(`tfjs layer ${i} must be an object, received ${describe(l)}`);
    const layer = l as Record<string, unknown>;
    const config = (layer.config ?? {}) as Record<string, unknown>;
    if (typeof config !== "object" || Array.isArray(config)) throw new TypeError(`tfjs layer ${i}: config must be an object`);
    const name = typeof layer.name === "string" ? layer.name : typeof config.name === "string" ? config.name : `#${i}`;
    if (typeof layer.class_name !== "string") throw new TypeError(`tfjs layer "${name}" has no class_name`);
    return { name, className: layer.class_name, config, inbound: layer.inbound_nodes };
  });
}

/** A reference to a layer's output: [name, node, tensor, …] (Keras 2, tfjs) or Keras 3's __keras_tensor__. */
function tensorSource(ref: unknown): string | null {
  if (Array.isArray(ref) && typeof ref[0] === "string") return ref[0];
  if (typeof ref === "object" && ref !== null) {
    const history = ((ref as { config?: { keras_history?: unknown } }).config?.keras_history);
    if (Array.isArray(history) && typeof history[0] === "string") return history[0];
  }
  return null;
}

/** The layers a node's call reads, in either serialisation. */
function nodeInputs(node: unknown): unknown[] {
  if (Array.isArray(node)) return node; // [[name, 0, 0, {}], …]
  if (typeof node === "object" && node !== null && Array.isArray((node as { args?: unknown }).args)) {
    return (node as { args: unknown[] }).args.flatMap((a) => (Array.isArray(a) && a.length > 0 && typeof a[0] !== "string" ? a : [a]));
  }
  return [node];
}

/** Orders a functional model's layers from its one input to its one output; refuses anything but a chain. */
function chainOrder(layers: RawLayer[], inputs: unknown, outputs: unknown): RawLayer[] {
  const ends = (what: string, refs: unknown): string => {
    const list = Array.isArray(refs) && typeof refs[0] === "string" ? [refs] : refs; // Keras 3 writes a single [name, 0, 0]
    if (!Array.isArray(list) || list.length !== 1) {
      throw new Unsupported(`tfjs model has ${Array.isArray(list) ? list.length : "no"} ${what} layers: only models with one input and one output are supported`);
    }
    const name = tensorSource(list[0]);
    if (name === null) throw new RangeError(`tfjs model: ${what}_layers[0] is not a layer reference`);
    return name;
  };
  const input = ends("input", inputs);
  const output = ends("output", outputs);
  const byName = new Map(layers.map((l) => [l.name, l]));
  const consumers = new Map<string, RawLayer[]>();
  for (const l of layers) {
    if (l.name === input) continue;
    const nodes = l.inbound;
    if (!Array.isArray(nodes) || nodes.length === 0) throw new Unsupported(`tfjs layer "${l.name}" (${l.className}) is not connected to anything: only a chain from one input to one output is supported`);
    if (nodes.length > 1) throw new Unsupported(`tfjs layer "${l.name}" (${l.className}) is applied ${nodes.length} times (a shared layer): not supported`);
    const sources = nodeInputs(nodes[0]).map(tensorSource);
    if (sources.length !== 1 || sources[0] === null) {
      throw new Unsupported(`tfjs layer "${l.name}" (${l.className}) takes ${sources.length} inputs: residual and multi-input graphs are not supported`);
    }
    const from = sources[0];
    if (!byName.has(from)) throw new RangeError(`tfjs layer "${l.name}" reads from "${from}", which is not a layer of the model`);
    consumers.set(from, [...(consumers.get(from) ?? []), l]);
  }
  const inputLayer = byName.get(input);
  if (!inputLayer) throw new RangeError(`tfjs model: the input layer "${input}" is not in the layer list`);
  const order = [inputLayer];
  for (let at = inputLayer; at.name !== output;) {
    const next = consumers.get(at.name) ?? [];
    if (next.length !== 1) {
      throw new Unsupported(next.length === 0
        ? `tfjs model: nothing reads layer "${at.name}", so the output "${output}" is not reached from the input`
        : `tfjs layer "${at.name}" feeds ${next.length} layers (${next.map((n) => `"${n.name}"`).join(", ")}): branching and residual graphs are not supported`);
    }
    at = next[0];
    order.push(at);
  }
  if (order.length !== layers.length) {
    const off = layers.find((l) => !order.includes(l));
    throw new Unsupported(`tfjs layer "${off?.name}" (${off?.className}) is not on the path from the input to the output: only a chain is supported`);
  }
  return order;
}

/** Walks the layers in order and folds them into Dense layers with one activation each. */
function plan(raw: RawLayer[], kerasVersion: string): { inputSize: number; inputShape: number[] | null; layers: DensePlan[] } {
  const dense: DensePlan[] = [];
  let shape: number[] | null = null; // feature dims of the data at this point, when declared
  let flattened = false;
  raw.forEach((l, i) => {
    const where = `tfjs layer "${l.name}" (${l.className})`;
    checkDtype(where, l.config.dtype);
    const declared = declaredShape(where, l.config);
    if (declared) {
      if (i !== 0) throw new Unsupported(`${where} declares an input shape but is not the first layer`);
      shape = declared;
    }
    const last = dense[dense.length - 1];
    const setActivation = (name: string, activation: Activation, alpha: number): void => {
      if (activation === "linear") return; // the identity: nothing to fold
      if (!last) throw new Unsupported(`${where} applies ${name} to the input, before any Dense layer: wasmlp activations belong to a Dense layer`);
      if (last.activation !== "linear") {
        throw new Unsupported(`${where} applies ${name} after "${last.activationFrom}" already applied ${last.activation}: a wasmlp layer has one activation`);
      }
      last.activation = activation;
      last.alpha = alpha;
      last.activationFrom = l.name;
    };
    switch (l.className) {
      case "InputLayer": {
        if (i !== 0) throw new Unsupported(`${where} is not the first layer`);
        checkKeys(where, l.config, ["sparse", "ragged", "optional"]);
        if (l.config.sparse === true || l.config.ragged === true) throw new Unsupported(`${where} takes sparse or ragged input: not supported`);
        if (!declared) throw new RangeError(`${where} has no batch_input_shape / batch_shape`);
        break;
      }
      case "Dense": {
        checkKeys(where, l.config, DENSE_KEYS);
        if (shape && shape.length > 1 && !flattened) {
          throw new Unsupported(`${where} is applied to a ${shape.length}-d input [${shape.join(", ")}] (it would act on the last axis only): add a Flatten before it`);
        }
        for (const key of ["kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint", "lora_rank", "quantization_config"]) {
          const v = l.config[key];
          if (v !== undefined && v !== null) throw new Unsupported(`${where}: ${key} ${JSON.stringify(v)} is not supported (wasmlp has no ${key.replace(/_/g, " ")}); remove it before converting`);
        }
        const units = l.config.units;
        if (!Number.isInteger(units) || (units as number) < 1) throw new RangeError(`${where}: units must be a positive whole number, received ${describe(units)}`);
        if ((units as number) > MAX_TFJS_UNITS) throw new Unsupported(`${where}: ${units} units is more than wasmlp's widest layer (${MAX_TFJS_UNITS})`);
        const useBias = l.config.use_bias ?? true;
        if (typeof useBias !== "boolean") throw new TypeError(`${where}: use_bias must be true or false, received ${describe(useBias)}`);
        const act = activationOf(where, l.config.activation, kerasVersion);
        dense.push({ name: l.name, units: units as number, activation: act.activation, alpha: act.alpha, useBias, activationFrom: l.name, normalization: null });
        break;
      }
      case "BatchNormalization":
      case "LayerNormalization": {
        const type = l.className === "BatchNormalization" ? "batch" : "layer";
        checkKeys(where, l.config, NORMALIZATION_KEYS[l.className]);
        if (!last) throw new Unsupported(`${where} normalizes the input, before any Dense layer: wasmlp normalizes a Dense layer's z before its activation`);
        if (last.normalization) throw new Unsupported(`${where} follows "${last.normalization.name}": a wasmlp layer has one normalization`);
        if (last.activation !== "linear") {
          throw new Unsupported(`${where} comes after "${last.activationFrom}" applied ${last.activation}: wasmlp normalizes z before the activation (Dense without activation, then ${l.className}, then Activation)`);
        }
        const axis = l.config.axis ?? -1;
        const lastAxis = (a: unknown): boolean => a === -1 || a === 1;
        if (!(lastAxis(axis) || (Array.isArray(axis) && axis.length === 1 && lastAxis(axis[0])))) {
          throw new Unsupported(`${where}: axis ${JSON.stringify(axis)} is not supported (only the features, -1)`);
        }
        for (const key of ["beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"]) {
          const v = l.config[key];
          if (v !== undefined && v !== null) throw new Unsupported(`${where}: ${key} ${JSON.stringify(v)} is not supported; remove it before converting`);
        }
        if (l.config.rms_scaling === true) throw new Unsupported(`${where}: rms_scaling is not supported`);
        if (l.config.synchronized === true) throw new Unsupported(`${where}: synchronized batch normalization is not supported`);
        const flag = (key: string): boolean => {
          const v = l.config[key] ?? true;
          if (typeof v !== "boolean") throw new TypeError(`${where}: ${key} must be true or false, received ${describe(v)}`);
          return v;
        };
        const number = (key: string, fallback: number, min: number, max: number): number => {
          const v = l.config[key] ?? fallback;
          if (typeof v !== "number" || !(v > min && v < max)) throw new RangeError(`${where}: ${key} must be a number in (${min}, ${max}), received ${describe(v)}`);
          return v;
        };
        last.normalization = {
          name: l.name, type, epsilon: number("epsilon", 1e-3, 0, 1), momentum: type === "batch" ? number("momentum", 0.99, 0, 1) : 0.99,
          center: flag("center"), scale: flag("scale"),
        };
        break;
      }
      case "Activation": {
        checkKeys(where, l.config, ["activation"]);
        const act = activationOf(where, l.config.activation, kerasVersion);
        setActivation(String(activationName(l.config.activation)), act.activation, act.alpha);
        break;
      }
      case "ReLU": {
        checkKeys(where, l.config, ["max_value", "maxValue", "negative_slope", "threshold"]);
        const max = l.config.max_value ?? l.config.maxValue ?? null;
        if (max !== null) throw new Unsupported(`${where}: max_value ${describe(max)} (a capped relu) is not supported`);
        const threshold = l.config.threshold ?? 0;
        if (threshold !== 0) throw new Unsupported(`${where}: threshold ${describe(threshold)} is not supported (only 0)`);
        const slope = l.config.negative_slope ?? 0;
        if (slope === 0) setActivation("relu", "relu", 0);
        else setActivation("leaky relu", "leaky-relu", leakySlope(where, "negative_slope", slope));
        break;
      }
      case "LeakyReLU": {
        checkKeys(where, l.config, ["alpha", "negative_slope"]);
        const key = l.config.negative_slope !== undefined ? "negative_slope" : "alpha";
        setActivation("leaky relu", "leaky-relu", leakySlope(where, key, l.config[key] ?? 0.3));
        break;
      }
      case "Softmax": {
        checkKeys(where, l.config, ["axis"]);
        const axis = l.config.axis ?? -1;
        const ok = axis === -1 || axis === 1 || (Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === 1));
        if (!ok) throw new Unsupported(`${where}: softmax over axis ${JSON.stringify(axis)} is not supported (only the last axis)`);
        setActivation("softmax", "softmax", 0);
        break;
      }
      case "Flatten": {
        checkKeys(where, l.config, ["data_format"]);
        if (dense.length > 0 || flattened) break; // Dense outputs are already flat: the identity
        if (shape && shape.length > 1 && l.config.data_format === "channels_first") {
          throw new Unsupported(`${where}: data_format "channels_first" reorders a ${shape.length}-d input: not supported (use channels_last)`);
        }
        flattened = true;
        break;
      }
      default: {
        const keys = INFERENCE_NO_OPS[l.className];
        if (keys) { checkKeys(where, l.config, keys); break; } // dropout and noise: the identity at inference
        if (l.className === "Sequential" || l.className === "Model" || l.className === "Functional") {
          throw new Unsupported(`${where} is a nested model: not supported (flatten it into one Sequential model)`);
        }
        throw new Unsupported(`${where} is not supported: wasmlp imports ${SUPPORTED}`);
      }
    }
  });
  if (dense.length === 0) throw new Unsupported("tfjs model has no Dense layer: nothing for wasmlp to import");
  const inputShape = shape as number[] | null;
  const size = inputShape === null ? 0 : inputShape.reduce((a, b) => a * b, 1);
  if (size > MAX_TFJS_UNITS) throw new Unsupported(`tfjs layer "${raw[0].name}" (${raw[0].className}): an input of ${size} values ([${(inputShape as number[]).join(", ")}]) is more than wasmlp's widest input (${MAX_TFJS_UNITS})`);
  return { inputSize: inputShape === null ? 0 : inputShape.reduce((a, b) => a * b, 1), inputShape, layers: dense };
}

function checkKeys(where: string, config: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(config)) {
    if (!COMMON_KEYS.includes(key) && !allowed.includes(key)) {
      throw new Unsupported(`${where}: attribute "${key}" (${JSON.stringify(config[key])?.slice(0, 60)}) is not supported`);
    }
  }
}

function checkDtype(where: string, dtype: unknown): void {
  if (dtype === undefined || dtype === null || dtype === "float32") return;
  // Keras 3 writes a DTypePolicy object: { class_name: "DTypePolicy", config: { name: "float32" } }
  const policy = (dtype as { config?: { name?: unknown } })?.config?.name;
  if (policy === "float32") return;
  throw new Unsupported(`${where} has dtype ${JSON.stringify(policy ?? dtype)}: only float32 is supported`);
}

/** The declared per-sample shape (batch dimension dropped), or null when the layer declares none. */
function declaredShape(where: string, config: Record<string, unknown>): number[] | null {
  const batchShape = config.batch_input_shape ?? config.batch_shape;
  let dims: unknown[] | null = null;
  if (batchShape !== undefined && batchShape !== null) {
    if (!Array.isArray(batchShape) || batchShape.length < 2) throw new Unsupported(`${where}: input shape ${JSON.stringify(batchShape)} is not supported (expected [batch, features, …])`);
    dims = batchShape.slice(1);
  } else if (Array.isArray(config.input_shape)) {
    dims = config.input_shape;
  } else if (config.input_dim !== undefined && config.input_dim !== null) {
    dims = [config.input_dim];
  }
  if (dims === null) return null;
  if (!dims.every((d) => Number.isInteger(d) && (d as number) > 0)) {
    throw new Unsupported(`${where}: input shape [${dims.map((d) => JSON.stringify(d)).join(", ")}] is not supported: every feature dimension must be a fixed size`);
  }
  return dims as number[];
}

function activationName(value: unknown): unknown {
  // Keras 3 may serialise an activation as { class_name: "function", config: "relu", … }.
  if (typeof value === "object" && value !== null && typeof (value as { config?: unknown }).config === "string") return (value as { config: string }).config;
  return value ?? "linear";
}

function activationOf(where: string, value: unknown, kerasVersion: string): { activation: Activation; alpha: number } {
  const name = activationName(value);
  if ((name === "hard_sigmoid" || name === "hardSigmoid") && !/^3\./.test(kerasVersion)) {
    throw new Unsupported(`${where}: activation "${name}" of ${kerasVersion ? `keras_version "${kerasVersion}"` : "a file without keras_version"} is 0.2·z + 0.5 clipped (Keras 2, tfjs), which wasmlp does not have: its hard-sigmoid is Keras 3's relu6(z + 3) / 6`);
  }
  const known = typeof name === "string" ? ACTIVATION_NAMES[name] : undefined;
  if (!known) {
    throw new Unsupported(`${where}: activation ${typeof name === "string" ? `"${name}"` : JSON.stringify(name)} is not supported; wasmlp has ${Object.keys(ACTIVATION_NAMES).join(", ")} (and LeakyReLU layers)`);
  }
  return known;
}

function leakySlope(where: string, key: string, value: unknown): number {
  if (typeof value !== "number" || !(value > 0 && value < 1)) {
    throw new Unsupported(`${where}: ${key} ${describe(value)} is not supported; wasmlp's leaky-relu slope lies in (0, 1)`);
  }
  return value;
}

// ---- weights -------------------------------------------------------------------------------

function findWeight(specs: TfjsWeightSpec[], layer: string, part: string): number {
  // TensorFlow's variable names may end in an output index ("dense/kernel:0").
  const names = specs.map((s) => s.name.replace(/:\d+$/, ""));
  const exact = names.indexOf(`${layer}/${part}`);
  if (exact >= 0) return exact;
  // Converted Keras models may prefix a scope: "sequential/dense/kernel".
  const scoped = names.flatMap((n, i) => (n.endsWith(`/${layer}/${part}`) ? [i] : []));
  return scoped.length === 1 ? scoped[0] : -1;
}

/** W (out × in, transposed from Keras's in × out kernel) and b for each layer, checked and decoded. */
function bindWeights(layers: DensePlan[], declaredInput: number, specs: TfjsWeightSpec[], offsets: number[], data: Uint8Array): { inputSize: number; weights: Float32Array[] } {
  const used = new Set<number>();
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out: Float32Array[] = [];
  let fanIn = declaredInput;
  layers.forEach((l, li) => {
    const where = `tfjs layer "${l.name}" (Dense)`;
    const k = findWeight(specs, l.name, "kernel");
    if (k < 0) throw new RangeError(`${where}: no weight "${l.name}/kernel" in the weight specs`);
    const kernel = specs[k];
    if (kernel.shape.length !== 2 || kernel.shape[1] !== l.units) {
      throw new RangeError(`${where}: kernel "${kernel.name}" has shape [${kernel.shape.join(", ")}], expected [inputs, ${l.units}]`);
    }
    if (li === 0 && fanIn === 0) fanIn = kernel.shape[0]; // no declared input shape: the kernel tells
    if (li === 0 && fanIn > MAX_TFJS_UNITS) throw new Unsupported(`${where}: ${fanIn} inputs is more than wasmlp's widest input (${MAX_TFJS_UNITS})`);
    if (kernel.shape[0] !== fanIn) {
      throw new RangeError(`${where}: kernel "${kernel.name}" has shape [${kernel.shape.join(", ")}], expected [${fanIn}, ${l.units}] (${li === 0 ? "the declared input size" : `the ${fanIn} units of "${layers[li - 1].name}"`})`);
    }
    used.add(k);
    const w = new Float32Array(l.units * fanIn);
    const base = offsets[k];
    for (let i = 0; i < fanIn; i++) {
      for (let o = 0; o < l.units; o++) w[o * fanIn + i] = readFinite(view, base + 4 * (i * l.units + o), kernel.name, i * l.units + o);
    }
    out.push(w);
    const b = new Float32Array(l.units);
    const bi = findWeight(specs, l.name, "bias");
    if (l.useBias) {
      if (bi < 0) throw new RangeError(`${where}: use_bias is true but there is no weight "${l.name}/bias"`);
      const bias = specs[bi];
      if (bias.shape.length !== 1 || bias.shape[0] !== l.units) throw new RangeError(`${where}: bias "${bias.name}" has shape [${bias.shape.join(", ")}], expected [${l.units}]`);
      used.add(bi);
      for (let o = 0; o < l.units; o++) b[o] = readFinite(view, offsets[bi] + 4 * o, bias.name, o);
    } else if (bi >= 0) {
      throw new RangeError(`${where}: use_bias is false but the weights hold "${specs[bi].name}"`);
    }
    out.push(b); // use_bias false: a zero bias computes the same
    fanIn = l.units;
  });
  // Then wasmlp's order: γ and β of each normalized layer, then each batch-normalized layer's moving mean and variance.
  const vector = (n: NormalizationPlan, part: string, units: number, present: boolean, fill: number): Float32Array => {
    const v = new Float32Array(units).fill(fill);
    const i = findWeight(specs, n.name, part);
    if (!present) {
      if (i >= 0) throw new RangeError(`tfjs layer "${n.name}": the weights hold "${specs[i].name}" although the layer's config leaves it out`);
      return v;
    }
    if (i < 0) throw new RangeError(`tfjs layer "${n.name}": no weight "${n.name}/${part}" in the weight specs`);
    const spec = specs[i];
    if (spec.shape.length !== 1 || spec.shape[0] !== units) throw new RangeError(`tfjs layer "${n.name}": ${part} "${spec.name}" has shape [${spec.shape.join(", ")}], expected [${units}]`);
    used.add(i);
    for (let o = 0; o < units; o++) v[o] = readFinite(view, offsets[i] + 4 * o, spec.name, o);
    return v;
  };
  for (const l of layers) if (l.normalization) out.push(vector(l.normalization, "gamma", l.units, l.normalization.scale, 1), vector(l.normalization, "beta", l.units, l.normalization.center, 0));
  for (const l of layers) {
    if (l.normalization?.type !== "batch") continue;
    out.push(vector(l.normalization, "moving_mean", l.units, true, 0));
    const variance = vector(l.normalization, "moving_variance", l.units, true, 1);
    const negative = variance.findIndex((v) => v < 0);
    if (negative >= 0) throw new RangeError(`tfjs layer "${l.normalization.name}": moving_variance[${negative}] is ${variance[negative]}; a variance cannot be negative`);
    out.push(variance);
  }
  const stray = specs.findIndex((_, i) => !used.has(i));
  if (stray >= 0) throw new RangeError(`tfjs weight "${specs[stray].name}" belongs to no Dense or normalization layer of the model`);
  return { inputSize: out[0].length / layers[0].units, weights: out };
}

function readFinite(view: DataView, at: number, name: string, index: number): number {
  const v = view.getFloat32(at, true);
  if (!Number.isFinite(v)) throw new RangeError(`tfjs weight "${name}"[${index}] is ${v}; every weight must be finite`);
  return v;
}

// ---- export --------------------------------------------------------------------------------

/** The shard name toTfjs writes in the manifest (the directory helper splits larger data). */
export const TFJS_WEIGHTS_FILE = "group1-shard1of1.bin";

const INITIALIZERS = {
  kernel_initializer: { class_name: "VarianceScaling", config: { scale: 1, mode: "fan_avg", distribution: "normal", seed: null } },
  bias_initializer: { class_name: "Zeros", config: {} },
};

/**
 * A network as a tfjs layers model: model.json's object (a Sequential of Dense layers, after a
 * Flatten when the network has an image inputShape; a leaky-relu layer becomes a linear Dense
 * and a LeakyReLU layer; a normalized layer a linear Dense, its BatchNormalization or
 * LayerNormalization, then its activation) and the float32 weights,
 * kernels transposed to Keras's inputs × units. Load it with
 * `tf.loadLayersModel(tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData }))`.
 */
export function toTfjs(net: TfjsExportable): { modelJson: TfjsModelJson; weightData: ArrayBuffer } {
  const params = net.getWeights(); // throws on a disposed network, before anything is built
  const layers: Record<string, unknown>[] = [];
  const specs: TfjsWeightSpec[] = [];
  const total = params.reduce((n, p) => n + p.length, 0);
  const data = new Float32Array(total);
  // Where each normalized layer's γ (β next) and moving mean (variance next) are in getWeights().
  const { gamma, moving } = normalizationIndices(net);
  const put = (values: ArrayLike<number>, name: string): void => {
    for (let o = 0; o < values.length; o++) data[at++] = values[o];
    specs.push({ name, shape: [values.length], dtype: "float32" });
  };
  let activationLayers = 0;
  let at = 0;
  let fanIn = net.inputSize;
  const shape = net.inputShape !== undefined && net.inputShape.length > 1 ? [...net.inputShape] : null;
  if (shape) layers.push({ class_name: "Flatten", config: { name: "flatten", trainable: true, batch_input_shape: [null, ...shape], dtype: "float32", data_format: "channels_last" } });
  net.layers.forEach((layer, li) => {
    const name = li === 0 ? "dense" : `dense_${li}`;
    const leaky = layer.activation === "leaky-relu";
    const exported = leaky ? "linear" : EXPORT_NAMES[layer.activation];
    if (exported === undefined) {
      throw new RangeError(`toTfjs: layer ${li} (${layer.activation}) has no tfjs-layers equivalent: tfjs's hard_sigmoid is 0.2·z + 0.5, wasmlp's is Keras 3's relu6(z + 3) / 6`);
    }
    const norm = layer.normalization ?? null;
    layers.push({
      class_name: "Dense",
      config: {
        units: layer.units,
        // A normalized layer's activation comes after its normalization, as a layer of its own.
        activation: norm ? "linear" : exported,
        use_bias: layer.useBias !== false,
        ...INITIALIZERS,
        kernel_regularizer: null, bias_regularizer: null, activity_regularizer: null, kernel_constraint: null, bias_constraint: null,
        name,
        trainable: true,
        ...(li === 0 && !shape ? { batch_input_shape: [null, net.inputSize] } : {}),
        dtype: "float32",
      },
    });
    const w = params[2 * li];
    const b = params[2 * li + 1];
    // Keras's kernel is inputs × units; wasmlp's W is units × inputs.
    for (let i = 0; i < fanIn; i++) for (let o = 0; o < layer.units; o++) data[at++] = w[o * fanIn + i];
    specs.push({ name: `${name}/kernel`, shape: [fanIn, layer.units], dtype: "float32" });
    if (layer.useBias !== false) put(b, `${name}/bias`);
    if (norm) {
      const batch = norm.type === "batch";
      const normName = `${batch ? "batch" : "layer"}_normalization${li === 0 ? "" : `_${li}`}`;
      layers.push({
        class_name: batch ? "BatchNormalization" : "LayerNormalization",
        config: { axis: -1, ...(batch ? { momentum: norm.momentum } : {}), epsilon: norm.epsilon, center: true, scale: true, name: normName, trainable: true, dtype: "float32" },
      });
      put(params[gamma[li]], `${normName}/gamma`);
      put(params[gamma[li] + 1], `${normName}/beta`);
      if (batch) {
        put(params[moving[li]], `${normName}/moving_mean`);
        put(params[moving[li] + 1], `${normName}/moving_variance`);
      }
      if (!leaky && exported !== "linear") {
        layers.push({ class_name: "Activation", config: { activation: exported, name: `activation${activationLayers ? `_${activationLayers}` : ""}`, trainable: true, dtype: "float32" } });
        activationLayers++;
      }
    }
    if (leaky) layers.push({ class_name: "LeakyReLU", config: { alpha: layer.alpha, name: li === 0 ? "leaky_re_lu" : `leaky_re_lu_${li}`, trainable: true, dtype: "float32" } });
    fanIn = layer.units;
  });
  return {
    modelJson: {
      format: "layers-model",
      generatedBy: "wasmlp",
      convertedBy: null,
      // The topology exactly as tfjs-layers 4.22 writes its own Sequential models.
      modelTopology: { class_name: "Sequential", config: { name: "sequential", layers }, keras_version: "tfjs-layers 4.22.0", backend: "tensor_flow.js" },
      weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: specs }],
    },
    weightData: at === data.length ? data.buffer : data.slice(0, at).buffer, // no-bias layers write no bias
  };
}
