// The one table of tfjs / Keras names: activation strings in both directions, and the layer
// classes that are the identity at inference. Lookups go through Maps, so a name from a file
// such as "constructor" or "__proto__" is unknown, never a property of Object.prototype.
import { ACTIVATION_REGISTRY, type Activation } from "../../activations.js";

/** What an activation string in a file is in wasmlp; `writes`: toTfjs writes this name for the activation. */
interface TfjsName {
  activation: Activation;
  alpha: number;
  writes: boolean;
}

/** What the tfjs format adds to the registry's names: facts about files, not about the activations. */
const FORMAT_RULES: ReadonlyMap<string, Partial<TfjsName>> = new Map<string, Partial<TfjsName>>([
  // Keras 3's string form has slope 0.2; toTfjs writes a LeakyReLU layer, which keeps any slope.
  ["leaky_relu", { alpha: 0.2, writes: false }],
]);

/**
 * The registry's tfjs names (src/activations.ts) and aliases, then hard_sigmoid: the registry has
 * no tfjs name for hard-sigmoid because tfjs-layers and Keras 2 mean 0.2·z + 0.5 by it; only a
 * Keras 3 file (keras_version 3.x, checked in topology.ts) means ours, relu6(z + 3) / 6, so it is
 * read from such files and never written.
 */
const ACTIVATIONS: ReadonlyMap<string, TfjsName> = new Map<string, TfjsName>([
  ...[...ACTIVATION_REGISTRY.values()].flatMap((a) =>
    a.tfjs === null
      ? []
      : [
          [a.tfjs, { activation: a.name, alpha: 0, writes: true, ...FORMAT_RULES.get(a.tfjs) }] as const,
          ...(a.aliases ?? []).map((alias) => [alias, { activation: a.name, alpha: 0, writes: false }] as const),
        ],
  ),
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

/**
 * Registry activations a tfjs layers model cannot hold exactly, each with the reason toTfjs gives.
 * Every other activation must have a tfjs name in the registry (test/formats/tfjs.test.ts
 * exports each one): a new activation with neither fails that test by name.
 */
export const TFJS_UNWRITABLE: ReadonlyMap<Activation, string> = new Map<Activation, string>([
  ["hard-sigmoid", "tfjs's hard_sigmoid is 0.2·z + 0.5, wasmlp's is Keras 3's relu6(z + 3) / 6"],
]);

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

export const SUPPORTED_LAYERS =
  "InputLayer, Dense, BatchNormalization, LayerNormalization (between a linear Dense and its activation), Activation, ReLU, LeakyReLU, Softmax, Flatten, Dropout, AlphaDropout, GaussianDropout, GaussianNoise";
