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
  }[];
  getWeights(): ArrayLike<number>[];
}

/** An export's refusal of normalized layers, naming the first (until the format maps them). */
export function refuseNormalization(format: string, net: Exportable): void {
  const i = net.layers.findIndex((l) => l.normalization);
  if (i >= 0) throw new RangeError(`${format}: layer ${i} has ${net.layers[i].normalization!.type} normalization, which this export does not write yet`);
}
