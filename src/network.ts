// Network: the façade (src/model.ts) over the one schedule (src/engine/schedule.ts) on the wasm
// float32 backend (src/engine/wasm-backend.ts).
import { Schedule } from "./engine/schedule.js";
import { wasmBackend } from "./engine/wasm-backend.js";
import { Model } from "./model.js";
import { type QuantizeOptions, type QuantizeSource, type QuantizedNetwork, quantizeNetwork } from "./quantize.js";
import type { ModelJSON, NetworkOptions } from "./types.js";

/**
 * A multilayer perceptron on the wasm float32 kernels: layers, a loss, an optimizer and a seed.
 * Build it after `await init()`; free it with `dispose()` (or `using`). Every method validates
 * its arguments before it changes anything and throws a `TypeError` (wrong kind of value) or a
 * `RangeError` (wrong size or range) naming what it expected and what it received.
 * See docs/networks-and-training.md for every option and its default.
 */
export class Network extends Model<Float32Array> {
  /** The name toString() and errors use (a minifier renames classes). */
  static readonly className: string = "Network";

  /**
   * @param options The input size, the layers (Layer objects or their options), and optionally
   * the loss, optimizer and seed; see {@link NetworkOptions}.
   * @throws Error when init() has not run; TypeError or RangeError for invalid options; RangeError
   * when memory for the parameters cannot be allocated (nothing is kept).
   */
  constructor(options: NetworkOptions) {
    super(options, (spec) => new Schedule(wasmBackend(), spec));
  }

  /**
   * An inference-only copy with int8 weights (one float32 scale per unit) and activations
   * quantized per sample (docs/quantization.md); this network is unchanged.
   */
  quantize(options?: QuantizeOptions): QuantizedNetwork {
    return quantizeNetwork(
      { inputSize: this.inputSize, inputShape: this.inputShape, lossName: this.lossName, layers: foldedLayers(this), features: this.features },
      options,
    );
  }

  /** Rebuilds a network from toJSON()'s object (or its JSON text), validating every field. */
  static fromJSON(json: ModelJSON | string): Network {
    const { options, weights, training } = Model.parseJSON(json);
    return Model.load(new Network(options), weights, training);
  }
}

/**
 * Each layer's W and b for inference, with batch normalization folded in (its moving statistics:
 * W' = s·W, b' = s·(b − mean) + β per unit, s = γ/√(variance + ε), in float64). Layer
 * normalization depends on each sample and stays as it is (quantize refuses it).
 */
function foldedLayers(net: Network): QuantizeSource["layers"] {
  const w = net.getWeights();
  let t = 2 * net.layers.length;
  const gammaBeta = net.layers.map((l) => (l.normalization ? [w[t++], w[t++]] : null));
  const moving = net.layers.map((l) => (l.normalization?.type === "batch" ? [w[t++], w[t++]] : null));
  return net.layers.map((l, i) => {
    const base = { units: l.units, activation: l.activation, alpha: l.alpha, normalization: l.normalization, weights: w[2 * i], bias: w[2 * i + 1] };
    const stats = moving[i];
    if (!stats || !l.normalization) return base;
    const [gamma, beta] = gammaBeta[i]!,
      [mean, variance] = stats;
    const inputs = net.inputSizeOf(i),
      W = new Float64Array(l.units * inputs),
      b = new Float64Array(l.units);
    for (let j = 0; j < l.units; j++) {
      const scale = gamma[j] / Math.sqrt(variance[j] + l.normalization.epsilon);
      for (let p = 0; p < inputs; p++) W[j * inputs + p] = scale * base.weights[j * inputs + p];
      b[j] = scale * (base.bias[j] - mean[j]) + beta[j];
    }
    return { ...base, normalization: null, weights: W, bias: b };
  });
}
