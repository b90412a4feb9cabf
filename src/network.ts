// Network: the façade (src/model.ts) over the wasm float32 engine (src/engine/wasm.ts).
import { WasmEngine } from "./engine/wasm.js";
import { Model } from "./model.js";
import type { ModelJSON, NetworkOptions } from "./types.js";

export class Network extends Model<Float32Array> {
  /** The name toString() and errors use (a minifier renames classes). */
  static readonly className: string = "Network";

  constructor(options: NetworkOptions) {
    super(options, (spec) => new WasmEngine(spec));
  }

  /** Rebuilds a network from toJSON()'s object (or its JSON text), validating every field. */
  static fromJSON(json: ModelJSON | string): Network {
    const { options, weights, training } = Model.parseJSON(json);
    return Model.load(new Network(options), weights, training);
  }
}
