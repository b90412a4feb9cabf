// ReferenceNetwork: the same façade (src/model.ts) over the one schedule (src/engine/schedule.ts)
// on the float64 backend (src/reference/backend.ts). Same API, same seed → same initial weights
// (drawn as float32, held as float64).
import { Model } from "../model.js";
import type { ModelJSON, NetworkOptions } from "../types.js";
import { Schedule } from "../engine/schedule.js";
import { f64Backend } from "./backend.js";

/**
 * The float64 network in plain TypeScript, with Network's API and no wasm: the oracle of the
 * tests and the pure-JS baseline of the benchmarks. Slow; meant for checks and small models.
 */
export class ReferenceNetwork extends Model<Float64Array> {
  static readonly className: string = "ReferenceNetwork";

  /**
   * @param options As for Network; see {@link NetworkOptions}.
   * @throws TypeError or RangeError for invalid options.
   */
  constructor(options: NetworkOptions) {
    super(options, (spec) => new Schedule(f64Backend, spec));
  }

  /**
   * A network from a model file (object or JSON text), validated as Network.fromJSON does.
   * @throws TypeError or RangeError naming the first field that is missing or invalid.
   */
  static fromJSON(json: ModelJSON | string): ReferenceNetwork {
    const { options, weights, training } = Model.parseJSON(json);
    return Model.load(new ReferenceNetwork(options), weights, training);
  }

  /** @internal The live float64 storage of parameter tensor i (W1, b1, W2, …), for gradCheck's perturbations. */
  parameter(i: number): Float64Array {
    return (this.engine as Schedule<Float64Array, Float64Array>).parameter(i);
  }
}
