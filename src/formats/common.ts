// What the model formats share: the options an import takes for later training, and the parts
// of a network an export reads (Network and ReferenceNetwork both have them).
import type { Activation, LayerOptions, Loss, OptimizerOptions } from "../config.js";
import type { FeaturesJSON } from "../features.js";

export interface ImportOptions {
  /** The loss for later training; defaults to the output activation's natural pair. */
  loss?: Loss;
  /** The optimizer for later training (default Adam); the file's training settings are not read. */
  optimizer?: OptimizerOptions;
  /** Seed for fit's shuffling (the weights come from the file). */
  seed?: number;
}

export interface Exportable {
  readonly inputSize: number;
  /** Exported as a Flatten of this shape when it has more than one dimension. */
  readonly inputShape?: readonly number[];
  readonly layers: readonly {
    readonly units: number;
    readonly activation: Activation;
    readonly alpha: number;
    readonly normalization?: Readonly<{ type: "batch" | "layer"; epsilon: number; momentum?: number }> | null;
    /** false: the layer has no bias (exported without one). */
    readonly useBias?: boolean;
    /** Dropout on the layer's outputs in training (a tfjs Dropout layer after it). */
    readonly dropout?: number;
    /** The L1L2 penalty on the layer's kernel (tfjs kernel_regularizer). */
    readonly kernelRegularizer?: Readonly<{ l1: number; l2: number }>;
  }[];
  /** The feature spec, folded into the weights where exact (see ExportOptions). */
  readonly features?: { toJSON(): FeaturesJSON } | undefined;
  getWeights(): ArrayLike<number>[];
}

/** A layer as an import reads it: what a file can say about one wasmlp layer. */
export interface ImportedLayer {
  units: number;
  activation: Activation;
  alpha?: number;
  useBias: boolean;
  normalization?: { type: "batch" | "layer"; epsilon: number; momentum?: number } | null;
  /** A tfjs Dropout layer after it. */
  dropout?: number;
  /** A tfjs kernel_regularizer. */
  kernelRegularizer?: { l1: number; l2: number };
}

/** The Layer options of an imported layer (alpha for leaky-relu only, momentum for batch normalization only). */
export function layerOptions(l: ImportedLayer): LayerOptions {
  const n = l.normalization;
  return {
    units: l.units,
    activation: l.activation,
    ...(l.activation === "leaky-relu" ? { alpha: l.alpha } : {}),
    ...(l.useBias ? {} : { useBias: false }),
    ...(n ? { normalization: n.type === "batch" ? { type: "batch", epsilon: n.epsilon, momentum: n.momentum } : { type: "layer", epsilon: n.epsilon } } : {}),
    ...(l.dropout ? { dropout: l.dropout } : {}),
    ...(l.kernelRegularizer ? { kernelRegularizer: { ...l.kernelRegularizer } } : {}),
  };
}

/**
 * Per layer, where getWeights() holds its γ (β next) and its moving mean (variance next), or −1:
 * W and b of every layer, then γ, β of each normalized layer, then each batch-normalized layer's
 * moving statistics (src/config.ts tensorLayout).
 */
export function normalizationIndices(net: Exportable): { gamma: number[]; moving: number[] } {
  let next = 2 * net.layers.length;
  const gamma = net.layers.map((l) => (l.normalization ? (next += 2) - 2 : -1));
  const moving = net.layers.map((l) => (l.normalization?.type === "batch" ? (next += 2) - 2 : -1));
  return { gamma, moving };
}
