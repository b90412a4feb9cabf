// One tfjs layer's config, attribute by attribute: the keys a layer may carry, its dtype and
// declared input shape, its activation, kernel regularizer and leaky slope. Each reader throws an
// error naming the layer and the attribute it cannot take.
import type { Activation } from "../../config.js";
import { describe } from "../describe.js";
import { FormatError, FormatTypeError, UnsupportedFormatError } from "../errors.js";
import { tfjsActivation, tfjsActivationNames } from "./names.js";

export const NORMALIZATION_KEYS = {
  BatchNormalization: [
    "axis",
    "momentum",
    "epsilon",
    "center",
    "scale",
    "beta_initializer",
    "gamma_initializer",
    "moving_mean_initializer",
    "moving_variance_initializer",
    "beta_regularizer",
    "gamma_regularizer",
    "beta_constraint",
    "gamma_constraint",
    "synchronized",
  ],
  LayerNormalization: [
    "axis",
    "epsilon",
    "center",
    "scale",
    "rms_scaling",
    "beta_initializer",
    "gamma_initializer",
    "beta_regularizer",
    "gamma_regularizer",
    "beta_constraint",
    "gamma_constraint",
  ],
} as const;
/** Keys every layer may carry that do not change what it computes. */
const COMMON_KEYS = ["name", "trainable", "dtype", "batch_input_shape", "batch_shape", "batch_size", "input_shape", "input_dim"];
export const DENSE_KEYS = [
  "units",
  "activation",
  "use_bias",
  "kernel_initializer",
  "bias_initializer",
  "kernel_regularizer",
  "bias_regularizer",
  "activity_regularizer",
  "kernel_constraint",
  "bias_constraint",
  "lora_rank",
  "lora_alpha",
  "quantization_config",
];

/** A file's value for a message: its JSON, cut at `max` characters. */
export function shown(value: unknown, max = 200): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) return describe(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** Refuses an attribute that is neither common to every layer nor in `allowed`, naming it. */
export function checkKeys(where: string, config: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(config)) {
    if (!COMMON_KEYS.includes(key) && !allowed.includes(key)) {
      throw new UnsupportedFormatError(`${where}: attribute "${key}" (${shown(config[key], 60)}) is not supported`);
    }
  }
}

/** Refuses a layer whose dtype (a string, or Keras 3's DTypePolicy) is not float32. */
export function checkDtype(where: string, dtype: unknown): void {
  if (dtype === undefined || dtype === null || dtype === "float32") return;
  // Keras 3 writes a DTypePolicy object: { class_name: "DTypePolicy", config: { name: "float32" } }
  const policy = (dtype as { config?: { name?: unknown } })?.config?.name;
  if (policy === "float32") return;
  throw new UnsupportedFormatError(`${where} has dtype ${shown(policy ?? dtype)}: only float32 is supported`);
}

/** The declared per-sample shape (batch dimension dropped), or null when the layer declares none. */
export function declaredShape(where: string, config: Record<string, unknown>): number[] | null {
  const batchShape = config.batch_input_shape ?? config.batch_shape;
  let dims: unknown[] | null = null;
  if (batchShape !== undefined && batchShape !== null) {
    if (!Array.isArray(batchShape) || batchShape.length < 2)
      throw new UnsupportedFormatError(`${where}: input shape ${shown(batchShape)} is not supported (expected [batch, features, …])`);
    dims = batchShape.slice(1);
  } else if (Array.isArray(config.input_shape)) {
    dims = config.input_shape;
  } else if (config.input_dim !== undefined && config.input_dim !== null) {
    dims = [config.input_dim];
  }
  if (dims === null) return null;
  if (!dims.every((d) => Number.isInteger(d) && (d as number) > 0)) {
    throw new UnsupportedFormatError(
      `${where}: input shape [${dims.map((d) => shown(d)).join(", ")}] is not supported: every feature dimension must be a fixed size`,
    );
  }
  return dims as number[];
}

/** The activation's name as the file gives it (a string, or Keras 3's function object); "linear" when absent. */
export function activationName(value: unknown): unknown {
  // Keras 3 may serialise an activation as { class_name: "function", config: "relu", … }.
  if (typeof value === "object" && value !== null && typeof (value as { config?: unknown }).config === "string") return (value as { config: string }).config;
  return value ?? "linear";
}

/** wasmlp's activation (and leaky slope) for a layer's activation attribute; refuses a name wasmlp has no exact match for. */
export function activationOf(where: string, value: unknown, kerasVersion: string): { activation: Activation; alpha: number } {
  const name = activationName(value);
  if ((name === "hard_sigmoid" || name === "hardSigmoid") && !/^3\./.test(kerasVersion)) {
    throw new UnsupportedFormatError(
      `${where}: activation "${name}" of ${kerasVersion ? `keras_version "${kerasVersion}"` : "a file without keras_version"} is 0.2·z + 0.5 clipped (Keras 2, tfjs), which wasmlp does not have: its hard-sigmoid is Keras 3's relu6(z + 3) / 6`,
    );
  }
  const known = typeof name === "string" ? tfjsActivation(name) : undefined;
  if (!known) {
    throw new UnsupportedFormatError(
      `${where}: activation ${typeof name === "string" ? `"${name}"` : shown(name)} is not supported; wasmlp has ${tfjsActivationNames().join(", ")} (and LeakyReLU layers)`,
    );
  }
  return known;
}

/** A Dense layer's kernel_regularizer: Keras's L1L2 (tfjs writes only that class), L1 or L2, as wasmlp's { l1, l2 }; null for none. */
export function regularizerOf(where: string, value: unknown): { l1: number; l2: number } | null {
  if (value === undefined || value === null) return null;
  const r = value as { class_name?: unknown; config?: unknown };
  const name = typeof value === "object" ? r.class_name : undefined;
  const kinds = new Map([
    ["L1L2", ["l1", "l2"]],
    ["L1", ["l1"]],
    ["L2", ["l2"]],
  ]);
  const keys = typeof name === "string" ? kinds.get(name) : undefined;
  if (keys === undefined)
    throw new UnsupportedFormatError(`${where}: kernel_regularizer ${shown(value)} is not supported (wasmlp has L1L2, L1 and L2); remove it before converting`);
  const config = r.config ?? {};
  if (typeof config !== "object" || config === null || Array.isArray(config))
    throw new FormatTypeError(`${where}: kernel_regularizer's config must be an object, received ${describe(config)}`);
  const out = { l1: 0, l2: 0 };
  for (const [k, v] of Object.entries(config)) {
    if (!keys.includes(k)) throw new UnsupportedFormatError(`${where}: kernel_regularizer ${name} attribute "${k}" is not supported`);
    if (typeof v !== "number" || !(v >= 0 && Number.isFinite(v)))
      throw new FormatError(`${where}: kernel_regularizer ${k} must be a finite number ≥ 0, received ${describe(v)}`);
    out[k as "l1" | "l2"] = v;
  }
  return out.l1 > 0 || out.l2 > 0 ? out : null;
}

/** A leaky relu's negative slope, refused outside wasmlp's (0, 1). */
export function leakySlope(where: string, key: string, value: unknown): number {
  if (typeof value !== "number" || !(value > 0 && value < 1)) {
    throw new UnsupportedFormatError(`${where}: ${key} ${describe(value)} is not supported; wasmlp's leaky-relu slope lies in (0, 1)`);
  }
  return value;
}
