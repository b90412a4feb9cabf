// The public types of the network API: options, gradients, training logs, model files.
import type { Activation, LayerOptions, Loss, OptimizerOptions, OptimizerSpec } from "./config.js";
import type { Layer } from "./layer.js";
import type { Batch, Labels } from "./validate.js";

export type { Batch, Labels };

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
}

export interface Gradients<A> {
  /** dL/dW, units × inputSize. */
  dW: A;
  /** dL/db, one per unit. */
  db: A;
}

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

export interface History {
  loss: number[];
  accuracy: number[];
  valLoss: number[];
  valAccuracy: number[];
  seconds: number[];
}

export interface FitOptions {
  /** Passes over the data; default 1. */
  epochs?: number;
  /** Samples per optimizer step; default 32. */
  batchSize?: number;
  /** Reshuffle the samples each epoch (seeded by the network's seed); default true. */
  shuffle?: boolean;
  /** [x, y] evaluated after every epoch. */
  validationData?: [Batch, Labels];
  /** Called after each epoch; return false to stop training early. */
  onEpochEnd?: (epoch: number, logs: EpochLogs) => void | boolean;
  /** Called after each optimizer step with that batch's mean loss. */
  onBatchEnd?: (batch: number, logs: { loss: number; size: number }) => void;
}

export interface ModelJSON {
  format: "wasmlp-model";
  version: number;
  inputSize: number;
  /** Present when the network was given one (NetworkOptions.inputShape). */
  inputShape?: number[];
  layers: { units: number; activation: Activation; alpha?: number }[];
  loss: Loss;
  optimizer: OptimizerSpec;
  seed: number;
  /** W then b of each layer, float32 little-endian, base64. */
  weights: string[];
}
