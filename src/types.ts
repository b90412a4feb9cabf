// The public types of the network API: options, gradients, training logs, model files.
import type { Activation, LayerOptions, Loss, OptimizerOptions, OptimizerSpec } from "./config.js";
import type { FeatureSpec, FeaturesJSON } from "./features.js";
import type { Layer } from "./layer.js";
import type { Batch, Labels } from "./validate.js";

export type { Batch, Labels };

/** Options of `new Network(…)` (and of ReferenceNetwork). */
export interface NetworkOptions {
  /** Features per input sample. */
  inputSize: number;
  /**
   * The shape of one sample as the data has it (e.g. [28, 28] for images), kept in model files so
   * that tools can check data against the model; its product must equal inputSize. Optional.
   */
  inputShape?: readonly number[];
  /** The layers in order; the last one is the output layer. */
  layers: (Layer | LayerOptions)[];
  /** Defaults to the natural pair of the output activation (softmax → categorical-crossentropy, sigmoid → binary-crossentropy, else mse). */
  loss?: Loss;
  /** Defaults to { type: "adam", learningRate: 0.001 }. */
  optimizer?: OptimizerOptions;
  /** Same seed, same weights, same shuffles, bit for bit. Drawn at random when omitted (see `seed`). */
  seed?: number;
  /**
   * How raw table rows become inputs and outputs become class names or numbers (wasmlp/data's
   * fitFeatures); saved in model files. With it, predict also takes row objects.
   */
  features?: FeatureSpec | FeaturesJSON;
}

/** One layer's gradients, as backward() and gradients() return them (A: Float32Array, or Float64Array for the reference). */
export interface Gradients<A> {
  /** dL/dW, units × inputSize. */
  dW: A;
  /** dL/db, one per unit. */
  db: A;
  /** Normalized layers: dL/dγ and dL/dβ, one per unit. */
  dGamma?: A;
  dBeta?: A;
}

/** What onEpochEnd receives after each epoch of fit(). */
export interface EpochLogs {
  /** Mean training loss over the epoch's batches (measured before each batch's update). */
  loss: number;
  /** Training accuracy over the epoch, from the same forward passes. */
  accuracy: number;
  valLoss?: number;
  valAccuracy?: number;
  /** Wall-clock seconds the epoch took, validation included. */
  seconds: number;
}

/** fit()'s result: one entry per trained epoch in each array (valLoss and valAccuracy only with validation data). */
export interface History {
  /** The index of each epoch trained (from initialEpoch), as Keras's history.epoch. */
  epoch: number[];
  loss: number[];
  accuracy: number[];
  valLoss: number[];
  valAccuracy: number[];
  seconds: number[];
  /** With earlyStopping: the epoch whose monitored value was best (its weights are kept when restoreBestWeights). */
  bestEpoch?: number;
  /** With earlyStopping: the epoch after which it stopped training, when it did. */
  stoppedEpoch?: number;
}

/** What earlyStopping watches: an EpochLogs field. */
export type Monitor = "loss" | "accuracy" | "valLoss" | "valAccuracy";

/** Keras's EarlyStopping callback, as fit's `earlyStopping` option. */
export interface EarlyStoppingOptions {
  /** The value watched; default "valLoss" when there is validation data, else "loss". Losses should fall, accuracies rise. */
  monitor?: Monitor;
  /** Epochs without improvement before training stops; default 0 (stop at the first epoch that does not improve). */
  patience?: number;
  /** Smallest change that counts as an improvement; default 0. */
  minDelta?: number;
  /** At the end, put back the weights of the best epoch; default false (as Keras). */
  restoreBestWeights?: boolean;
}

/** evaluate()'s result. Classification metrics come for classifiers with several outputs (argmax). */
export interface Evaluation {
  loss: number;
  accuracy: number;
  /** counts[true class][predicted class], classes × classes. */
  confusionMatrix?: number[][];
  /** Per class: of the samples predicted as the class, the fraction that are (0 when none is predicted). */
  precision?: number[];
  /** Per class: of the samples of the class, the fraction predicted as it (0 when the class is absent). */
  recall?: number[];
  /** Per class: the harmonic mean of precision and recall (0 when both are 0). */
  f1?: number[];
  /** Unweighted means over the classes of precision, recall and f1. */
  macro?: { precision: number; recall: number; f1: number };
}

/** Options of fit() (Keras's names and defaults). */
export interface FitOptions {
  /** Passes over the data; default 1. */
  epochs?: number;
  /** Samples per optimizer step; default 32. */
  batchSize?: number;
  /** Reshuffle the samples each epoch (seeded by the network's seed); default true. */
  shuffle?: boolean;
  /** [x, y] evaluated after every epoch. */
  validationData?: [Batch, Labels];
  /**
   * Fraction in [0, 1) of the samples held out for validation: the last ones, taken before any
   * shuffling (as Keras). Not with validationData.
   */
  validationSplit?: number;
  /** A non-negative weight per sample (Keras's sample_weight): the loss becomes Σ wᵢ·Lᵢ / m. */
  sampleWeight?: ArrayLike<number>;
  /**
   * A weight per class (Keras's class_weight), for classifiers: each sample's loss is scaled by
   * the weight of its class (its target's argmax); { 0: 1, 1: 5 } or [1, 5]. Classes not named weigh 1.
   */
  classWeight?: Record<number, number> | readonly number[];
  /** The epoch to start at (resuming a run): epochs initialEpoch … epochs − 1 are trained, as Keras. Default 0. */
  initialEpoch?: number;
  /** Stop when a monitored value stops improving (Keras's EarlyStopping); `true` takes the defaults. */
  earlyStopping?: boolean | EarlyStoppingOptions;
  /** Called after each epoch; return false to stop training early. */
  onEpochEnd?: (epoch: number, logs: EpochLogs) => void | boolean;
  /** Called after each optimizer step: the batch's index within its epoch (from 0), and its mean loss. */
  onBatchEnd?: (batch: number, logs: { loss: number; size: number; epoch: number }) => void;
}

/** A model file as toJSON() writes it and fromJSON() reads it (format "wasmlp-model"). */
export interface ModelJSON {
  format: "wasmlp-model";
  version: number;
  inputSize: number;
  /** Present when the network was given one (NetworkOptions.inputShape). */
  inputShape?: number[];
  layers: { units: number; activation: Activation; alpha?: number; dropout?: number; kernelRegularizer?: { l1?: number; l2?: number } }[];
  loss: Loss;
  optimizer: OptimizerSpec;
  seed: number;
  /** W then b of each layer, float32 little-endian, base64. */
  weights: string[];
  /** A checkpoint's training state: present when written by toJSON({ includeOptimizerState: true }). */
  training?: TrainingState;
  /** The feature spec (NetworkOptions.features), when the network has one. */
  features?: FeaturesJSON;
}

/** What resuming needs beyond the weights, so that it continues bit for bit. */
export interface TrainingState {
  /** Epochs completed: fit's next initialEpoch. */
  epoch: number;
  /** Optimizer steps taken (Adam's bias correction counts them). */
  steps: number;
  /** The optimizer's state vectors (velocity; Adam's m and v), float32 base64, each as long as all the parameters. */
  optimizerState: string[];
  /** The shuffling generator's four state words. */
  shuffle: number[];
  /**
   * The plan of the last fit: the epoch it was to end at (its `epochs`) and its optimizer steps
   * per epoch. With `epoch` and `steps` (the progress) it says where a stopped run stands in its
   * plan; the command line's --resume uses it to re-plan a schedule (docs/checkpoints.md).
   * Absent when the network never ran fit.
   */
  plan?: TrainingPlan;
}

/** What fit was asked to do: train up to epoch `epochs`, `stepsPerEpoch` optimizer steps each. */
export interface TrainingPlan {
  epochs: number;
  stepsPerEpoch: number;
}

export interface ToJSONOptions {
  /** Also write the training state (optimizer state, step and epoch counts, shuffle state): a checkpoint. Default false. */
  includeOptimizerState?: boolean;
}
