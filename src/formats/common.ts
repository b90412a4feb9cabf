// What the model formats share: the options an import takes for later training, and the parts
// of a network an export reads (Network and ReferenceNetwork both have them).
import type { Activation, Loss, OptimizerOptions } from "wasmlp";

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
    readonly units: number; readonly activation: Activation; readonly alpha: number;
    readonly normalization?: Readonly<{ type: "batch" | "layer"; epsilon: number; momentum?: number }> | null;
    /** false: the layer has no bias (exported without one). */
    readonly useBias?: boolean;
  }[];
  getWeights(): ArrayLike<number>[];
}
