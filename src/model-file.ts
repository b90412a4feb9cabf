// Model files: the object toJSON writes and fromJSON reads, and its validation.
import { type LayerOptions, type Loss, type NetworkSpec, OPTIMIZERS, type OptimizerOptions, parseLayer, tensorLayout } from "./config.js";
import { Layer } from "./layer.js";
import { decodeFloat32, encodeFloat32 } from "./serialize.js";
import { optimizerOp } from "./optimizers.js";
import { FeatureSpec } from "./features.js";
import type { ModelJSON, NetworkOptions, TrainingPlan, TrainingState } from "./types.js";
import { checkInt, checkKeys, checkObject, describe } from "./validate.js";
import { type FieldVersions, checkFileFields, checkFileVersion } from "./file-version.js";

/** A checkpoint's training state, decoded. */
export interface DecodedTraining {
  epoch: number;
  steps: number;
  states: Float32Array[];
  shuffle: number[];
  plan?: TrainingPlan;
}

/** Model file format written by toJSON. */
export const MODEL_FORMAT = "wasmlp-model";
/**
 * The newest model file version: fromJSON reads every version up to it and refuses a newer one
 * (docs/model-files.md has the rule).
 */
export const MODEL_VERSION = 1;

const MODEL_KEYS = ["format", "version", "inputSize", "layers", "loss", "optimizer", "seed", "weights"] as const;
/** Every field a model file may hold, with the version that introduced it. */
const MODEL_FIELDS: FieldVersions = new Map([...MODEL_KEYS, "inputShape", "training", "features"].map((k) => [k, 1]));
const TRAINING_KEYS = ["epoch", "steps", "optimizerState", "shuffle"] as const;
const PLAN_KEYS = ["epochs", "stepsPerEpoch"] as const;

/** The model file of a network with this spec and these weights (W1, b1, W2, …). */
export function toModelJSON(
  spec: NetworkSpec,
  weights: readonly ArrayLike<number>[],
  inputShape?: readonly number[],
  training?: { epoch: number; steps: number; states: readonly ArrayLike<number>[]; shuffle: number[]; plan?: TrainingPlan | null },
  features?: FeatureSpec,
): ModelJSON {
  const file: ModelJSON = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    inputSize: spec.inputSize,
    ...(inputShape === undefined ? {} : { inputShape: [...inputShape] }),
    layers: spec.layers.map((l) => ({
      units: l.units,
      activation: l.activation,
      ...(l.activation === "leaky-relu" ? { alpha: l.alpha } : {}),
      ...(l.dropout > 0 ? { dropout: l.dropout } : {}),
      ...(l.l1 > 0 || l.l2 > 0 ? { kernelRegularizer: { ...(l.l1 > 0 ? { l1: l.l1 } : {}), ...(l.l2 > 0 ? { l2: l.l2 } : {}) } } : {}),
      ...(l.normalization ? { normalization: { ...l.normalization } } : {}),
      ...(l.useBias ? {} : { useBias: false }),
    })),
    loss: spec.loss,
    optimizer: { ...spec.optimizer },
    seed: spec.seed,
    weights: weights.map((w) => encodeFloat32(w)),
    ...(features === undefined ? {} : { features: features.toJSON() }),
  };
  if (training) {
    const state: TrainingState = {
      epoch: training.epoch,
      steps: training.steps,
      optimizerState: training.states.map((s) => encodeFloat32(s)),
      shuffle: [...training.shuffle],
      ...(training.plan ? { plan: { ...training.plan } } : {}),
    };
    file.training = state;
  }
  return file;
}

/** Validates a model file's object (or its JSON text) and returns the options and weights it describes. */
export function parseModelJSON(json: unknown): { options: NetworkOptions; weights: Float32Array[]; training?: DecodedTraining } {
  const data = typeof json === "string" ? parseText(json) : json;
  checkObject("model", data);
  if (data.format !== MODEL_FORMAT) throw new RangeError(`not a wasmlp model: format is ${describe(data.format)}, expected "${MODEL_FORMAT}"`);
  const version = checkFileVersion("model", data.version, MODEL_VERSION);
  checkFileFields("model", data, MODEL_FIELDS, version);
  for (const key of MODEL_KEYS) {
    // toJSON always writes every field; a file without one is damaged or hand-made, and
    // guessing a loss, optimizer or seed would silently change what training does next.
    if (data[key] === undefined) throw new RangeError(`model.${key} is missing; a model file written by toJSON always has it`);
  }
  if (!Array.isArray(data.layers)) throw new TypeError(`model.layers must be an array, received ${describe(data.layers)}`);
  const options: NetworkOptions = {
    inputSize: data.inputSize as number,
    ...(data.inputShape === undefined ? {} : { inputShape: data.inputShape as number[] }),
    layers: data.layers.map((l, i) => {
      parseLayer(l, `model.layers[${i}]`);
      return new Layer(l as LayerOptions);
    }),
    loss: data.loss as Loss,
    optimizer: data.optimizer as OptimizerOptions,
    seed: data.seed as number,
    // The feature spec is validated like the weights (finite means, positive deviations, size caps).
    ...(data.features === undefined ? {} : { features: new FeatureSpec(data.features, "model.features") }),
  };
  const layers = options.layers as Layer[];
  const layout = tensorLayout(
    options.inputSize as number,
    layers.map((l) => l.spec),
  );
  // The trainable tensors, then the moving statistics (as getWeights()).
  const sizes = [...layout.tensorSizes, ...layout.movingSizes];
  if (!Array.isArray(data.weights) || data.weights.length !== sizes.length) {
    const extra = sizes.length > 2 * layers.length ? ", then γ, β per normalized layer and moving mean, variance per batch-normalized layer" : "";
    throw new RangeError(`model.weights must hold ${sizes.length} tensors (W and b per layer${extra}), received ${describe(data.weights)}`);
  }
  const weights = sizes.map((n, i) => decodeFloat32(`model.weights[${i}]`, (data.weights as unknown[])[i], n));
  if (data.training === undefined) return { options, weights };
  const parameters = layout.tensorSizes.reduce((a, b) => a + b, 0);
  return { options, weights, training: parseTraining(data.training, options, parameters) };
}

/** A checkpoint's training block: counts, one state vector per optimizer state, four shuffle words. */
function parseTraining(t: unknown, options: NetworkOptions, parameters: number): DecodedTraining {
  checkObject("model.training", t);
  checkKeys("model.training", t, [...TRAINING_KEYS, "plan"]);
  for (const key of TRAINING_KEYS) if (t[key] === undefined) throw new RangeError(`model.training.${key} is missing`);
  const epoch = checkInt("model.training.epoch", t.epoch, 0);
  const steps = checkInt("model.training.steps", t.steps, 0);
  // The optimizer named in the file decides how many state vectors it keeps (parseOptimizer
  // has not run yet: the network's constructor validates the settings themselves).
  const type = options.optimizer as { type?: string } | string | undefined;
  const name = typeof type === "string" ? type : type?.type;
  const op = typeof name === "string" && OPTIMIZERS.includes(name as never) ? optimizerOp({ type: name } as never) : null;
  const expected = op?.states ?? null;
  const states = t.optimizerState;
  if (!Array.isArray(states) || (expected !== null && states.length !== expected)) {
    const which = op && op.states > 0 ? ` (${name} keeps its ${op.stateVectors.map((s) => s.name).join(" and ")})` : "";
    throw new RangeError(`model.training.optimizerState must hold ${expected ?? "the optimizer's"} state vectors, received ${describe(states)}${which}`);
  }
  const decoded = states.map((s, i) => {
    const where = `model.training.optimizerState[${i}]`;
    const values = decodeFloat32(where, s, parameters);
    const vector = op?.stateVectors[i];
    // Checked like weights: a negative sum of squares would put NaN into every weight it updates.
    if (vector?.nonNegative) {
      const bad = values.findIndex((v) => !(v >= 0));
      if (bad >= 0) throw new RangeError(`${where}[${bad}] (${name}'s ${vector.name}) is ${values[bad]}; expected a value ≥ 0, as a sum of squared gradients`);
    }
    return values;
  });
  const shuffle = t.shuffle;
  if (!Array.isArray(shuffle) || shuffle.length !== 4) throw new RangeError(`model.training.shuffle must be 4 words, received ${describe(shuffle)}`);
  shuffle.forEach((w, i) => checkInt(`model.training.shuffle[${i}]`, w, 0, 0xffffffff));
  if (t.plan === undefined) return { epoch, steps, states: decoded, shuffle: shuffle as number[] };
  const p = t.plan;
  checkObject("model.training.plan", p);
  checkKeys("model.training.plan", p, PLAN_KEYS);
  const plan = {
    epochs: checkInt("model.training.plan.epochs", p.epochs, 1),
    stepsPerEpoch: checkInt("model.training.plan.stepsPerEpoch", p.stepsPerEpoch, 1),
  };
  if (plan.epochs < epoch)
    throw new RangeError(
      `model.training.plan.epochs is ${plan.epochs}, below the ${epoch} epochs done (model.training.epoch); a run ends at or after the epochs it has done`,
    );
  return { epoch, steps, states: decoded, shuffle: shuffle as number[], plan };
}

function parseText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new SyntaxError(`model file is not valid JSON: ${(e as Error).message}`);
  }
}
