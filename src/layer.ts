// One dense layer, as the user builds it; it reads its weights through the network it joins.
import { type Activation, type LayerOptions, type LayerSpec, type NormalizationSpec, parseLayer } from "./config.js";

/** What a Layer needs from the network that owns it. */
export interface LayerOwner {
  inputSizeOf(layer: number): number;
  getWeights(): (Float32Array | Float64Array)[];
}

/** One dense layer: `units` outputs, a = g(W·a_prev + b). Pass it to a Network. */
export class Layer {
  readonly units: number;
  readonly activation: Activation;
  /** Negative slope of leaky-relu (0 for other activations). */
  readonly alpha: number;
  /** Fraction of the outputs dropped in training steps (0: no dropout). */
  readonly dropout: number;
  /** The kernel penalty l1·Σ|W| + l2·ΣW² (zeros: none). */
  readonly kernelRegularizer: Readonly<{ l1: number; l2: number }>;
  /** Normalization of z before the activation, with its settings (null: none). */
  readonly normalization: Readonly<NormalizationSpec> | null;
  /** Whether the layer has a bias (false: b stays 0). */
  readonly useBias: boolean;
  /** @internal The validated options the network is built from. */
  readonly spec: Readonly<LayerSpec>;
  /** @internal */ owner: LayerOwner | null = null;
  /** @internal */ index = -1;

  /**
   * @param options units (1–65,536), activation (default "linear"), and the optional alpha,
   * dropout, kernelRegularizer, normalization and useBias; see {@link LayerOptions}.
   * @throws TypeError or RangeError for invalid options.
   */
  constructor(options: LayerOptions) {
    const spec = parseLayer(options);
    this.units = spec.units;
    this.activation = spec.activation;
    this.alpha = spec.alpha;
    this.dropout = spec.dropout;
    this.kernelRegularizer = Object.freeze({ l1: spec.l1, l2: spec.l2 });
    this.normalization = spec.normalization && Object.freeze({ ...spec.normalization });
    this.useBias = spec.useBias;
    this.spec = Object.freeze({ ...spec, normalization: this.normalization });
  }

  /** Inputs per sample (units of the layer before); known once the layer is in a network. */
  get inputSize(): number {
    return this.attached().inputSizeOf(this.index);
  }

  /** A copy of W, units × inputSize, row-major (the notes' convention: z = W·a + b). */
  get weights(): Float32Array | Float64Array {
    return this.attached().getWeights()[2 * this.index];
  }

  /** A copy of b, one entry per unit. */
  get bias(): Float32Array | Float64Array {
    return this.attached().getWeights()[2 * this.index + 1];
  }

  /** A short summary such as "Dense(128, relu, dropout 0.2)". */
  toString(): string {
    const norm = this.normalization ? `, ${this.normalization.type} norm` : "";
    return `Dense(${this.units}${norm}, ${this.activation}${this.activation === "leaky-relu" ? ` α=${this.alpha}` : ""}${this.dropout > 0 ? `, dropout ${this.dropout}` : ""}${this.useBias ? "" : ", no bias"})`;
  }

  private attached(): LayerOwner {
    if (!this.owner) throw new Error(`${this} is not part of a network yet: pass it in new Network({ layers: [...] })`);
    return this.owner;
  }
}
