// A tfjs layers model's topology: the layer list (Sequential, or a functional model's chain)
// folded into wasmlp's Dense layers, each with one activation and at most one normalization.
// Anything else is refused with an error naming the layer, before a weight is read. The layer
// list's order is layer-chain.ts's, each attribute's reading layer-config.ts's.
import type { Activation } from "../../config.js";
import { describe } from "../describe.js";
import { FormatError, FormatTypeError, UnsupportedFormatError } from "../errors.js";
import { type RawLayer, chainOrder, rawLayers } from "./layer-chain.js";
import {
  DENSE_KEYS,
  NORMALIZATION_KEYS,
  activationName,
  activationOf,
  checkDtype,
  checkKeys,
  declaredShape,
  leakySlope,
  regularizerOf,
  shown,
} from "./layer-config.js";
import { SUPPORTED_LAYERS, inferenceNoOpKeys } from "./names.js";

/** One Dense layer as read from the file, with what follows it folded in. */
export interface DensePlan {
  name: string;
  units: number;
  activation: Activation;
  alpha: number;
  useBias: boolean;
  /** The layer that set the activation (the Dense itself or an Activation layer after it). */
  activationFrom: string | null;
  /** A BatchNormalization or LayerNormalization layer between the Dense and its activation. */
  normalization: NormalizationPlan | null;
  /** The rate of a Dropout layer right after the layer's activation (wasmlp's dropout), else 0. */
  dropout: number;
  /** The Dense layer's kernel_regularizer (L1L2, L1 or L2), when it has one. */
  kernelRegularizer: { l1: number; l2: number } | null;
}

export interface NormalizationPlan {
  name: string;
  type: "batch" | "layer";
  epsilon: number;
  momentum: number;
  /** β and γ are in the weights (Keras's center and scale); when not, β = 0 and γ = 1. */
  center: boolean;
  scale: boolean;
}

/** wasmlp's widest layer and input (config.ts MAX_UNITS; not imported, to keep this file off the engine's modules). */
export const MAX_TFJS_UNITS = 1 << 16;

/** The topology of model.json folded into Dense layers, with the declared input. */
export function readTopology(topology: unknown): { inputSize: number; inputShape: number[] | null; layers: DensePlan[] } {
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
    if (typeof config !== "object" || config === null || Array.isArray(config)) throw new FormatError(`tfjs modelTopology: ${className} has no config object`);
    raw = chainOrder(rawLayers(config.layers), config.input_layers, config.output_layers);
  } else {
    throw new UnsupportedFormatError(
      `tfjs modelTopology class ${describe(className)} is not supported: wasmlp reads Sequential models and linear functional models (Model / Functional)`,
    );
  }
  return plan(raw, kerasVersion);
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
      if (i !== 0) throw new UnsupportedFormatError(`${where} declares an input shape but is not the first layer`);
      shape = declared;
    }
    const last = dense[dense.length - 1];
    // A layer after a Dropout that changes its layer's output moves the dropout before it: not wasmlp's place, so the identity (inference is the same).
    if (last && last.dropout > 0 && l.className !== "Dropout" && l.className !== "Dense" && !inferenceNoOpKeys(l.className)) last.dropout = 0;
    const setActivation = (name: string, activation: Activation, alpha: number): void => {
      if (activation === "linear") return; // the identity: nothing to fold
      if (!last) throw new UnsupportedFormatError(`${where} applies ${name} to the input, before any Dense layer: wasmlp activations belong to a Dense layer`);
      if (last.activation !== "linear") {
        throw new UnsupportedFormatError(
          `${where} applies ${name} after "${last.activationFrom}" already applied ${last.activation}: a wasmlp layer has one activation`,
        );
      }
      last.activation = activation;
      last.alpha = alpha;
      last.activationFrom = l.name;
    };
    switch (l.className) {
      case "InputLayer": {
        if (i !== 0) throw new UnsupportedFormatError(`${where} is not the first layer`);
        checkKeys(where, l.config, ["sparse", "ragged", "optional"]);
        if (l.config.sparse === true || l.config.ragged === true) throw new UnsupportedFormatError(`${where} takes sparse or ragged input: not supported`);
        if (!declared) throw new FormatError(`${where} has no batch_input_shape / batch_shape`);
        break;
      }
      case "Dense": {
        checkKeys(where, l.config, DENSE_KEYS);
        if (shape && shape.length > 1 && !flattened) {
          throw new UnsupportedFormatError(
            `${where} is applied to a ${shape.length}-d input [${shape.join(", ")}] (it would act on the last axis only): add a Flatten before it`,
          );
        }
        for (const key of ["bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint", "lora_rank", "quantization_config"]) {
          const v = l.config[key];
          if (v !== undefined && v !== null)
            throw new UnsupportedFormatError(
              `${where}: ${key} ${shown(v)} is not supported (wasmlp has no ${key.replace(/_/g, " ")}); remove it before converting`,
            );
        }
        const units = l.config.units;
        if (!Number.isInteger(units) || (units as number) < 1)
          throw new FormatError(`${where}: units must be a positive whole number, received ${describe(units)}`);
        if ((units as number) > MAX_TFJS_UNITS)
          throw new UnsupportedFormatError(`${where}: ${units} units is more than wasmlp's widest layer (${MAX_TFJS_UNITS})`);
        const useBias = l.config.use_bias ?? true;
        if (typeof useBias !== "boolean") throw new FormatTypeError(`${where}: use_bias must be true or false, received ${describe(useBias)}`);
        const act = activationOf(where, l.config.activation, kerasVersion);
        const kernelRegularizer = regularizerOf(where, l.config.kernel_regularizer);
        dense.push({
          name: l.name,
          units: units as number,
          activation: act.activation,
          alpha: act.alpha,
          useBias,
          activationFrom: l.name,
          normalization: null,
          dropout: 0,
          kernelRegularizer,
        });
        break;
      }
      case "BatchNormalization":
      case "LayerNormalization": {
        const type = l.className === "BatchNormalization" ? "batch" : "layer";
        checkKeys(where, l.config, NORMALIZATION_KEYS[l.className]);
        if (!last)
          throw new UnsupportedFormatError(`${where} normalizes the input, before any Dense layer: wasmlp normalizes a Dense layer's z before its activation`);
        if (last.normalization) throw new UnsupportedFormatError(`${where} follows "${last.normalization.name}": a wasmlp layer has one normalization`);
        if (last.activation !== "linear") {
          throw new UnsupportedFormatError(
            `${where} comes after "${last.activationFrom}" applied ${last.activation}: wasmlp normalizes z before the activation (Dense without activation, then ${l.className}, then Activation)`,
          );
        }
        const axis = l.config.axis ?? -1;
        const lastAxis = (a: unknown): boolean => a === -1 || a === 1;
        if (!(lastAxis(axis) || (Array.isArray(axis) && axis.length === 1 && lastAxis(axis[0])))) {
          throw new UnsupportedFormatError(`${where}: axis ${shown(axis)} is not supported (only the features, -1)`);
        }
        for (const key of ["beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"]) {
          const v = l.config[key];
          if (v !== undefined && v !== null) throw new UnsupportedFormatError(`${where}: ${key} ${shown(v)} is not supported; remove it before converting`);
        }
        if (l.config.rms_scaling === true) throw new UnsupportedFormatError(`${where}: rms_scaling is not supported`);
        if (l.config.synchronized === true) throw new UnsupportedFormatError(`${where}: synchronized batch normalization is not supported`);
        const flag = (key: string): boolean => {
          const v = l.config[key] ?? true;
          if (typeof v !== "boolean") throw new FormatTypeError(`${where}: ${key} must be true or false, received ${describe(v)}`);
          return v;
        };
        const number = (key: string, fallback: number, min: number, max: number): number => {
          const v = l.config[key] ?? fallback;
          if (typeof v !== "number" || !(v > min && v < max))
            throw new FormatError(`${where}: ${key} must be a number in (${min}, ${max}), received ${describe(v)}`);
          return v;
        };
        last.normalization = {
          name: l.name,
          type,
          epsilon: number("epsilon", 1e-3, 0, 1),
          momentum: type === "batch" ? number("momentum", 0.99, 0, 1) : 0.99,
          center: flag("center"),
          scale: flag("scale"),
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
        if (max !== null) throw new UnsupportedFormatError(`${where}: max_value ${describe(max)} (a capped relu) is not supported`);
        const threshold = l.config.threshold ?? 0;
        if (threshold !== 0) throw new UnsupportedFormatError(`${where}: threshold ${describe(threshold)} is not supported (only 0)`);
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
        if (!ok) throw new UnsupportedFormatError(`${where}: softmax over axis ${shown(axis)} is not supported (only the last axis)`);
        setActivation("softmax", "softmax", 0);
        break;
      }
      case "Flatten": {
        checkKeys(where, l.config, ["data_format"]);
        if (dense.length > 0 || flattened) break; // Dense outputs are already flat: the identity
        if (shape && shape.length > 1 && l.config.data_format === "channels_first") {
          throw new UnsupportedFormatError(`${where}: data_format "channels_first" reorders a ${shape.length}-d input: not supported (use channels_last)`);
        }
        flattened = true;
        break;
      }
      case "Dropout": {
        checkKeys(where, l.config, ["rate", "noise_shape", "seed"]);
        const rate = l.config.rate;
        if (typeof rate !== "number" || !(rate >= 0 && rate < 1))
          throw new FormatError(`${where}: rate must be a number in [0, 1), received ${describe(rate)}`);
        const shape = l.config.noise_shape ?? null;
        if (shape !== null) throw new UnsupportedFormatError(`${where}: noise_shape ${shown(shape)} is not supported (wasmlp drops each output on its own)`);
        // wasmlp's dropout: after a Dense layer's activation, once. Elsewhere (before any Dense, a second one) it stays the identity it is at inference.
        if (last && last.dropout === 0) last.dropout = rate;
        break;
      }
      default: {
        const keys = inferenceNoOpKeys(l.className);
        if (keys) {
          checkKeys(where, l.config, keys);
          break;
        } // dropout and noise: the identity at inference
        if (l.className === "Sequential" || l.className === "Model" || l.className === "Functional") {
          throw new UnsupportedFormatError(`${where} is a nested model: not supported (flatten it into one Sequential model)`);
        }
        throw new UnsupportedFormatError(`${where} is not supported: wasmlp imports ${SUPPORTED_LAYERS}`);
      }
    }
  });
  if (dense.length === 0) throw new UnsupportedFormatError("tfjs model has no Dense layer: nothing for wasmlp to import");
  dense[dense.length - 1].dropout = 0; // a Dropout after the output layer: wasmlp does not drop outputs (the identity at inference)
  const inputShape = shape as number[] | null;
  const size = inputShape === null ? 0 : inputShape.reduce((a, b) => a * b, 1);
  if (size > MAX_TFJS_UNITS)
    throw new UnsupportedFormatError(
      `tfjs layer "${raw[0].name}" (${raw[0].className}): an input of ${size} values ([${(inputShape as number[]).join(", ")}]) is more than wasmlp's widest input (${MAX_TFJS_UNITS})`,
    );
  return { inputSize: inputShape === null ? 0 : inputShape.reduce((a, b) => a * b, 1), inputShape, layers: dense };
}
