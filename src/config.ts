// The network's description: names the API accepts, defaults, and the one normalised form
// that both the wasm network and the reference network are built from.
import { type Activation, activationOps } from "./activations.js";
import { type Loss, lossOps } from "./losses.js";
import { optimizerOps } from "./optimizers.js";
import { type Schedule, learningRateAt, parseSchedule } from "./schedules.js";
import { checkInt, checkKeys, checkNumber, checkObject, checkOneOf, describe } from "./validate.js";

export type { Activation, Loss };
// The names the API accepts come from the op tables (src/activations.ts, losses.ts, optimizers.ts).
export const ACTIVATIONS = Object.freeze(Object.keys(activationOps) as Activation[]);
export const LOSSES = Object.freeze(Object.keys(lossOps) as Loss[]);
export const OPTIMIZERS = Object.freeze(Object.keys(optimizerOps) as OptimizerSpec["type"][]);

/** Settings every optimizer takes: a learning-rate schedule, and gradient clipping (one kind at a time, as Keras). */
export interface OptimizerCommon {
  /** A learning-rate schedule (src/schedules.ts); learningRate is then its first rate. */
  schedule?: Schedule;
  /** Scale all gradients together so that their global L2 norm is at most this (Keras's global_clipnorm). */
  clipNorm?: number;
  /** Clip every gradient entry to [−clipValue, clipValue] (Keras's clipvalue). */
  clipValue?: number;
}

export type OptimizerSpec = (
  | { type: "sgd"; learningRate: number }
  | { type: "momentum"; learningRate: number; momentum: number }
  | { type: "nesterov"; learningRate: number; momentum: number }
  | { type: "adam"; learningRate: number; beta1: number; beta2: number; epsilon: number }
  | { type: "adamw"; learningRate: number; beta1: number; beta2: number; epsilon: number; weightDecay: number }
  | { type: "rmsprop"; learningRate: number; rho: number; epsilon: number }
  | { type: "adagrad"; learningRate: number; initialAccumulatorValue: number; epsilon: number }
) & OptimizerCommon;

type SpecOf<T extends OptimizerSpec["type"]> = Extract<OptimizerSpec, { type: T }>;

/** An optimizer's name (its defaults), or its type with any of its settings; learningRate may be a schedule. */
export type OptimizerOptions =
  | OptimizerSpec["type"]
  | { [T in OptimizerSpec["type"]]: { type: T } & Partial<Omit<SpecOf<T>, "type" | "learningRate">> & { learningRate?: number | Schedule } }[OptimizerSpec["type"]];

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
}

export interface NetworkSpec {
  inputSize: number;
  layers: LayerSpec[];
  loss: Loss;
  optimizer: OptimizerSpec;
  seed: number;
}

export interface LayerOptions {
  /** Number of units (outputs) of the layer. */
  units: number;
  /** Activation g in a = g(W·a_prev + b); "linear" when omitted, as in tfjs-layers. */
  activation?: Activation;
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
}

const LAYER_KEYS = ["units", "activation", "alpha", "dropout", "kernelRegularizer"] as const;

/** Largest layer width accepted: keeps m·width products and pointers well inside 32 bits. */
export const MAX_UNITS = 1 << 16;

export function parseLayer(options: unknown, where = "Layer options"): LayerSpec {
  checkObject(where, options);
  checkKeys(where, options, LAYER_KEYS);
  const units = checkInt(`${where}.units`, options.units, 1, MAX_UNITS);
  const activation = options.activation === undefined ? "linear" : checkOneOf(`${where}.activation`, options.activation, ACTIVATIONS);
  if (options.alpha !== undefined && activation !== "leaky-relu") {
    throw new TypeError(`${where}.alpha applies to "leaky-relu" only, but the activation is "${activation}"`);
  }
  const alpha = options.alpha === undefined ? (activation === "leaky-relu" ? 0.01 : 0) : checkNumber(`${where}.alpha`, options.alpha, 0, 1, true, true);
  const dropout = options.dropout === undefined ? 0 : checkNumber(`${where}.dropout`, options.dropout, 0, 1, false, true);
  let l1 = 0, l2 = 0;
  if (options.kernelRegularizer !== undefined) {
    const r = options.kernelRegularizer;
    checkObject(`${where}.kernelRegularizer`, r);
    checkKeys(`${where}.kernelRegularizer`, r, ["l1", "l2"]);
    l1 = r.l1 === undefined ? 0 : checkNumber(`${where}.kernelRegularizer.l1`, r.l1, 0, Infinity);
    l2 = r.l2 === undefined ? 0 : checkNumber(`${where}.kernelRegularizer.l2`, r.l2, 0, Infinity);
  }
  return { units, activation, alpha, dropout, l1, l2 };
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
  const given = opts.learningRate;
  if (typeof given === "object" && given !== null && opts.schedule !== undefined) throw new TypeError("optimizer: give the schedule as learningRate or as schedule, not both");
  const scheduleValue = typeof given === "object" && given !== null ? given : opts.schedule;
  const schedule = scheduleValue === undefined ? undefined : parseSchedule(scheduleValue);
  for (const [key, fallback] of Object.entries(defaults)) {
    if (key === "learningRate" && schedule) { spec.learningRate = learningRateAt(schedule, 0); continue; }
    const value = opts[key] ?? fallback;
    spec[key] = key === "learningRate" || key === "epsilon"
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
    throw new RangeError(`loss "binary-crossentropy" needs a "sigmoid" output layer (probabilities in (0, 1)), but the last layer's activation is "${output.activation}"`);
  }
  if (loss === "categorical-crossentropy") {
    if (output.activation !== "softmax") {
      throw new RangeError(`loss "categorical-crossentropy" needs a "softmax" output layer, but the last layer's activation is "${output.activation}"`);
    }
    if (output.units < 2) throw new RangeError(`loss "categorical-crossentropy" needs at least 2 output units, received ${output.units}`);
  }
}

/** The loss a network gets when none is named: the natural pair of its output activation. */
export function defaultLoss(output: LayerSpec): Loss {
  if (output.activation === "softmax") return "categorical-crossentropy";
  if (output.activation === "sigmoid") return "binary-crossentropy";
  return "mse";
}

export function describeOptimizer(o: OptimizerSpec): string {
  const rest = Object.entries(o).filter(([k]) => k !== "type" && k !== "schedule").map(([k, v]) => `${k === "learningRate" ? "lr" : k}=${v}`);
  if (o.schedule) rest.push(`schedule=${o.schedule.type}`);
  return `${o.type}(${rest.join(", ")})`;
}

export { describe };
