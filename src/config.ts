// The network's description: names the API accepts, defaults, and the one normalised form
// that both the wasm network and the reference network are built from.
import { ACTIVATION_NAMES, type Activation, activationNamed } from "./activations.js";
import { type Loss, lossOps } from "./losses.js";
import type { OptimizerSpec } from "./optimizer-spec.js";
import { optimizerOps } from "./optimizers.js";
import { learningRateAt, parseSchedule } from "./schedules.js";
import { checkInt, checkKeys, checkNumber, checkObject, checkOneOf, describe, given } from "./validate.js";

export type { Activation, Loss };
export type { OptimizerCommon, OptimizerOptions, OptimizerSpec } from "./optimizer-spec.js";
// The names the API accepts come from the op tables (src/activations.ts, losses.ts, optimizers.ts).
/** Every activation name a layer accepts, in declaration order. */
export const ACTIVATIONS = ACTIVATION_NAMES;
/** Every loss name a network accepts. */
export const LOSSES = Object.freeze(Object.keys(lossOps) as Loss[]);
/** Every optimizer type a network accepts. */
export const OPTIMIZERS = Object.freeze(Object.keys(optimizerOps) as OptimizerSpec["type"][]);

/** Normalization of a layer's z before its activation, with Keras's defaults filled in. */
export type NormalizationSpec = { type: "batch"; momentum: number; epsilon: number } | { type: "layer"; epsilon: number };

/** The normalization option: a type's name (its Keras defaults) or the type with settings. */
export type NormalizationOptions = "batch" | "layer" | { type: "batch"; momentum?: number; epsilon?: number } | { type: "layer"; epsilon?: number };

/** Keras's defaults: BatchNormalization(momentum=0.99, epsilon=1e-3), LayerNormalization(epsilon=1e-3). */
export const NORMALIZATION_DEFAULTS = Object.freeze({ batch: { momentum: 0.99, epsilon: 1e-3 }, layer: { epsilon: 1e-3 } });

export interface LayerSpec {
  units: number;
  activation: Activation;
  /** Slope for z < 0 (leaky-relu only). */
  alpha: number;
  /** Fraction of the layer's outputs dropped in training steps (0: none). */
  dropout: number;
  /** Kernel penalty l1·Σ|W| + l2·ΣW² added to the loss (0, 0: none). */
  l1: number;
  l2: number;
  /** Normalization of z before the activation (null: none). */
  normalization: NormalizationSpec | null;
  /** Whether the layer has a bias (Keras's use_bias); without, b stays 0 and is never trained. */
  useBias: boolean;
}

/**
 * Where a network's tensors are. Trainable (the optimizer's, in this order): W and b of each layer,
 * then γ and β of each normalized layer. Moving statistics (not trained): the mean and variance of
 * each batch-normalized layer. getWeights() lists the trainable tensors, then the moving ones.
 */
export interface TensorLayout {
  /** Inputs per sample of each layer. */
  fanIns: number[];
  tensorSizes: number[];
  /** Per layer: the index of its γ in tensorSizes (β follows), or −1. */
  gammaIndex: number[];
  movingSizes: number[];
  /** Per layer: the index of its moving mean in movingSizes (the variance follows), or −1. */
  movingIndex: number[];
}

export function tensorLayout(inputSize: number, layers: readonly LayerSpec[]): TensorLayout {
  const fanIns = layers.map((_, i) => (i === 0 ? inputSize : layers[i - 1].units));
  const tensorSizes = layers.flatMap((l, i) => [l.units * fanIns[i], l.units]);
  const gammaIndex: number[] = [],
    movingIndex: number[] = [],
    movingSizes: number[] = [];
  for (const l of layers) {
    gammaIndex.push(l.normalization ? tensorSizes.push(l.units, l.units) - 2 : -1);
    movingIndex.push(l.normalization?.type === "batch" ? movingSizes.push(l.units, l.units) - 2 : -1);
  }
  return { fanIns, tensorSizes, gammaIndex, movingSizes, movingIndex };
}

export interface NetworkSpec {
  inputSize: number;
  layers: LayerSpec[];
  loss: Loss;
  optimizer: OptimizerSpec;
  seed: number;
}

/** Options of `new Layer(…)` (or a layer given as a plain object to `new Network`). */
export interface LayerOptions {
  /** Number of units (outputs) of the layer. */
  units: number;
  /** Activation g in a = g(W·a_prev + b); "linear" when omitted, as in tfjs-layers. "silu" is read as "swish". */
  activation?: Activation | "silu";
  /** Negative slope of "leaky-relu", in (0, 1); default 0.01. */
  alpha?: number;
  /**
   * Inverted dropout on the layer's outputs, in [0, 1): in training steps (trainBatch, fit) that
   * fraction of them is zeroed at random (seeded) and the rest scaled by 1/(1 − rate); forward,
   * predict and evaluate use every output. Keras's Dense followed by Dropout(rate). Default 0.
   */
  dropout?: number;
  /**
   * Keras's kernel_regularizer L1L2: adds l1·Σ|W| + l2·ΣW² of this layer's weights (not its
   * biases) to the loss that training minimises and reports. Default none.
   */
  kernelRegularizer?: { l1?: number; l2?: number };
  /**
   * Normalizes z = W·a_prev + b before the activation, then scales and shifts it by learnable γ
   * (starting at 1) and β (starting at 0): "batch" (Keras's BatchNormalization: each unit over the
   * batch in training steps, over moving statistics otherwise; momentum 0.99, epsilon 1e-3) or
   * "layer" (LayerNormalization: each sample over its units; epsilon 1e-3), or
   * { type, momentum?, epsilon? } with other settings. Default none.
   */
  normalization?: NormalizationOptions;
  /**
   * Keras's use_bias (default true). false: the layer computes W·a_prev with no bias; its b in
   * getWeights() stays 0, no optimizer moves it, and setWeights refuses another value.
   */
  useBias?: boolean;
}

const LAYER_KEYS = ["units", "activation", "alpha", "dropout", "kernelRegularizer", "normalization", "useBias"] as const;

/** Largest layer width accepted: keeps m·width products and pointers well inside 32 bits. */
export const MAX_UNITS = 1 << 16;

export function parseLayer(options: unknown, where = "Layer options"): LayerSpec {
  checkObject(where, options);
  checkKeys(where, options, LAYER_KEYS);
  const units = checkInt(`${where}.units`, options.units, 1, MAX_UNITS);
  const named = typeof options.activation === "string" ? (activationNamed(options.activation)?.name ?? options.activation) : options.activation;
  const activation = named === undefined ? "linear" : checkOneOf(`${where}.activation`, named, ACTIVATIONS);
  if (options.alpha !== undefined && activation !== "leaky-relu") {
    throw new TypeError(`${where}.alpha applies to "leaky-relu" only, but the activation is "${activation}"`);
  }
  const alpha = options.alpha === undefined ? (activation === "leaky-relu" ? 0.01 : 0) : checkNumber(`${where}.alpha`, options.alpha, 0, 1, true, true);
  const dropout = options.dropout === undefined ? 0 : checkNumber(`${where}.dropout`, options.dropout, 0, 1, false, true);
  let l1 = 0,
    l2 = 0;
  if (options.kernelRegularizer !== undefined) {
    const r = options.kernelRegularizer;
    checkObject(`${where}.kernelRegularizer`, r);
    checkKeys(`${where}.kernelRegularizer`, r, ["l1", "l2"]);
    l1 = r.l1 === undefined ? 0 : checkNumber(`${where}.kernelRegularizer.l1`, r.l1, 0, Infinity);
    l2 = r.l2 === undefined ? 0 : checkNumber(`${where}.kernelRegularizer.l2`, r.l2, 0, Infinity);
  }
  const normalization = options.normalization === undefined ? null : parseNormalization(`${where}.normalization`, options.normalization);
  const useBias = given(options.useBias, true);
  if (typeof useBias !== "boolean") throw new TypeError(`${where}.useBias must be true or false, received ${describe(useBias)}`);
  return { units, activation, alpha, dropout, l1, l2, normalization, useBias };
}

export function parseNormalization(where: string, value: unknown): NormalizationSpec {
  const opts = typeof value === "string" ? { type: value } : value;
  if (typeof opts !== "object" || opts === null)
    throw new TypeError(`${where} must be "batch", "layer" or { type, momentum?, epsilon? }, received ${describe(value)}`);
  checkObject(where, opts);
  const type = checkOneOf(`${where}.type`, opts.type, ["batch", "layer"] as const);
  checkKeys(`${where} (${type})`, opts, type === "batch" ? ["type", "momentum", "epsilon"] : ["type", "epsilon"]);
  const d = NORMALIZATION_DEFAULTS[type];
  // epsilon > 0 keeps 1/√(variance + ε) finite for a constant unit (and for a batch of one).
  const epsilon = checkNumber(`${where}.epsilon`, given(opts.epsilon, d.epsilon), 0, 1, true);
  if (type === "layer") return { type, epsilon };
  const momentum = checkNumber(`${where}.momentum`, given(opts.momentum, NORMALIZATION_DEFAULTS.batch.momentum), 0, 1, false, true);
  return { type, momentum, epsilon };
}

export function parseOptimizer(options: unknown): OptimizerSpec {
  if (options === undefined) return { type: "adam", ...optimizerOps.adam.defaults };
  const opts = typeof options === "string" ? { type: options } : options;
  checkObject("optimizer", opts);
  const type = checkOneOf("optimizer.type", opts.type, OPTIMIZERS);
  const defaults = optimizerOps[type].defaults as Record<string, number>;
  checkKeys(`optimizer (${type})`, opts, ["type", ...Object.keys(defaults), "clipNorm", "clipValue", "schedule"]);
  const spec: Record<string, unknown> = { type };
  // A schedule may come as learningRate (the API, as Keras) or as schedule (model files, where
  // learningRate holds its first rate).
  const rate = opts.learningRate;
  if (rate === null) throw new RangeError("optimizer.learningRate must be a finite number in (0, ∞) or a schedule, received null");
  if (typeof rate === "object" && opts.schedule !== undefined) throw new TypeError("optimizer: give the schedule as learningRate or as schedule, not both");
  const scheduleValue = typeof rate === "object" ? rate : opts.schedule;
  const schedule = scheduleValue === undefined ? undefined : parseSchedule(scheduleValue);
  for (const [key, fallback] of Object.entries(defaults)) {
    if (key === "learningRate" && schedule) {
      spec.learningRate = learningRateAt(schedule, 0);
      continue;
    }
    const value = given(opts[key], fallback);
    spec[key] =
      key === "learningRate" || key === "epsilon"
        ? checkNumber(`optimizer.${key}`, value, 0, Infinity, true)
        : key === "initialAccumulatorValue"
          ? checkNumber(`optimizer.${key}`, value, 0, Infinity)
          : checkNumber(`optimizer.${key}`, value, 0, 1, false, true);
  }
  if (opts.clipNorm !== undefined && opts.clipValue !== undefined) {
    throw new TypeError("optimizer: give clipNorm or clipValue, not both (as Keras)");
  }
  for (const key of ["clipNorm", "clipValue"] as const) {
    if (opts[key] !== undefined) spec[key] = checkNumber(`optimizer.${key}`, opts[key], 0, Infinity, true);
  }
  if (schedule) spec.schedule = schedule;
  return spec as unknown as OptimizerSpec;
}

/** Which losses fit an output activation, so a mismatch is an error and not a silent bug. */
export function checkLossFits(loss: Loss, output: LayerSpec): void {
  if (loss === "binary-crossentropy" && output.activation !== "sigmoid") {
    throw new RangeError(
      `loss "binary-crossentropy" needs a "sigmoid" output layer (probabilities in (0, 1)), but the last layer's activation is "${output.activation}"`,
    );
  }
  if (loss === "categorical-crossentropy") {
    if (output.activation !== "softmax") {
      throw new RangeError(`loss "categorical-crossentropy" needs a "softmax" output layer, but the last layer's activation is "${output.activation}"`);
    }
    if (output.units < 2) throw new RangeError(`loss "categorical-crossentropy" needs at least 2 output units, received ${output.units}`);
  }
  if (output.activation === "softmax" && output.units < 2) {
    // Softmax over one value is 1 whatever the input: nothing could be learned.
    throw new RangeError(
      `a "softmax" output layer needs at least 2 units, received 1 (softmax over one unit is always 1, nothing to train); use "sigmoid" for one output`,
    );
  }
}

/**
 * Refuses a hidden "softmax" layer of one unit: softmax over one value is 1 whatever the input,
 * so every layer after it would see a constant (the output layer's case is checkLossFits's).
 */
export function checkHiddenLayers(layers: readonly Pick<LayerSpec, "activation" | "units">[]): void {
  layers.forEach((l, i) => {
    if (i < layers.length - 1 && l.activation === "softmax" && l.units < 2) {
      throw new RangeError(
        `layers[${i}]: a "softmax" layer needs at least 2 units, received 1 (softmax over one unit is always 1, so the layers after it would see a constant)`,
      );
    }
  });
}

/** The loss a network gets when none is named: the natural pair of its output activation. */
export function defaultLoss(output: LayerSpec): Loss {
  if (output.activation === "softmax") return "categorical-crossentropy";
  if (output.activation === "sigmoid") return "binary-crossentropy";
  return "mse";
}

export function describeOptimizer(o: OptimizerSpec): string {
  const rest = Object.entries(o)
    .filter(([k]) => k !== "type" && k !== "schedule")
    .map(([k, v]) => `${k === "learningRate" ? "lr" : k}=${v}`);
  if (o.schedule) rest.push(`schedule=${o.schedule.type}`);
  return `${o.type}(${rest.join(", ")})`;
}

export { describe };
