// Network: the façade (src/model.ts) over the wasm float32 engine (src/engine/wasm.ts).
import { WasmEngine } from "./engine/wasm.js";
import { Model } from "./model.js";
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
    super(options, (spec) => new WasmEngine(spec));
  }

  /** Rebuilds a network from toJSON()'s object (or its JSON text), validating every field. */
  static fromJSON(json: ModelJSON | string): Network {
    const { options, weights, training } = Model.parseJSON(json);
    return Model.load(new Network(options), weights, training);
  }
}
