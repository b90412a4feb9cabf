// The one table of tfjs / Keras names: activation strings in both directions, and the layer
// classes that are the identity at inference. Lookups go through Maps, so a name from a file
// such as "constructor" or "__proto__" is unknown, never a property of Object.prototype.
import type { Activation } from "../../config.js";

/** What an activation string in a file is in wasmlp; `writes`: toTfjs writes this name for the activation. */
interface TfjsName {
  activation: Activation;
  alpha: number;
  writes: boolean;
}

/** Keras / tfjs activation names → wasmlp's, and back where `writes`. */
const ACTIVATIONS: ReadonlyMap<string, TfjsName> = new Map<string, TfjsName>([
  ["linear", { activation: "linear", alpha: 0, writes: true }],
  ["sigmoid", { activation: "sigmoid", alpha: 0, writes: true }],
  ["tanh", { activation: "tanh", alpha: 0, writes: true }],
  ["relu", { activation: "relu", alpha: 0, writes: true }],
  ["softmax", { activation: "softmax", alpha: 0, writes: true }],
  // Keras 3's string form (slope 0.2); toTfjs writes a LeakyReLU layer, which keeps the slope.
  ["leaky_relu", { activation: "leaky-relu", alpha: 0.2, writes: false }],
  ["elu", { activation: "elu", alpha: 0, writes: true }], // alpha 1, as Keras's and tfjs's string form
  ["selu", { activation: "selu", alpha: 0, writes: true }],
  ["softsign", { activation: "softsign", alpha: 0, writes: true }],
  ["softplus", { activation: "softplus", alpha: 0, writes: true }],
  ["swish", { activation: "swish", alpha: 0, writes: true }],
  ["silu", { activation: "swish", alpha: 0, writes: false }], // Keras 3's other name for swish
  ["gelu", { activation: "gelu", alpha: 0, writes: true }], // the exact erf form (tfjs's gelu; Keras's default approximate=False)
  // Only Keras 3's relu6(z + 3) / 6 (see topology.ts activationOf); tfjs and Keras 2 mean 0.2·z + 0.5,
  // so it is never written: tfjs-layers would read it as the other function.
  ["hard_sigmoid", { activation: "hard-sigmoid", alpha: 0, writes: false }],
]);

/** The activation an activation string of a file names, or undefined. */
export function tfjsActivation(name: string): { activation: Activation; alpha: number } | undefined {
  const known = ACTIVATIONS.get(name);
  return known && { activation: known.activation, alpha: known.alpha };
}

/** Every activation string read, for messages. */
export function tfjsActivationNames(): string[] {
  return [...ACTIVATIONS.keys()];
}

const WRITTEN: ReadonlyMap<Activation, string> = new Map([...ACTIVATIONS].filter(([, v]) => v.writes).map(([name, v]) => [v.activation, name]));

/** The string toTfjs writes for a wasmlp activation, or undefined (leaky-relu is a layer of its own; hard-sigmoid has no tfjs equivalent). */
export function tfjsNameOf(activation: Activation): string | undefined {
  return WRITTEN.get(activation);
}

/** Layers that are the identity at inference, and the config keys each may carry. */
const INFERENCE_NO_OPS: ReadonlyMap<string, readonly string[]> = new Map([
  ["Dropout", ["rate", "noise_shape", "seed"]],
  ["AlphaDropout", ["rate", "noise_shape", "seed"]],
  ["GaussianDropout", ["rate", "seed"]],
  ["GaussianNoise", ["stddev", "stddev_", "seed"]],
]);

/** The config keys of an inference no-op layer class, or undefined when the class is not one. */
export function inferenceNoOpKeys(className: string): readonly string[] | undefined {
  return INFERENCE_NO_OPS.get(className);
}

export const SUPPORTED_LAYERS = "InputLayer, Dense, BatchNormalization, LayerNormalization (between a linear Dense and its activation), Activation, ReLU, LeakyReLU, Softmax, Flatten, Dropout, AlphaDropout, GaussianDropout, GaussianNoise";
