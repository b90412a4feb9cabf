// A new network's weights, drawn from its seed.
import type { EngineSpec } from "./engine/engine.js";
import { Random } from "./random.js";

/**
 * Weights drawn from the seed: uniform with variance 1/fan_in (Xavier/LeCun), 2/fan_in for relu (He);
 * biases 0; γ 1, β 0; moving means 0 and variances 1 (Keras's initializers).
 */
export function initialWeights(spec: EngineSpec): Float32Array[] {
  const rng = new Random(spec.seed);
  const dense = spec.layers.flatMap((layer, i) => {
    const fanIn = spec.fanIns[i];
    const he = layer.activation === "relu" || layer.activation === "leaky-relu";
    const limit = Math.sqrt((he ? 6 : 3) / fanIn);
    const w = new Float32Array(layer.units * fanIn);
    for (let j = 0; j < w.length; j++) w[j] = rng.symmetric(limit);
    return [w, new Float32Array(layer.units)];
  });
  const norms = spec.layers.flatMap((l) => (l.normalization ? [new Float32Array(l.units).fill(1), new Float32Array(l.units)] : []));
  const moving = spec.layers.flatMap((l) => (l.normalization?.type === "batch" ? [new Float32Array(l.units), new Float32Array(l.units).fill(1)] : []));
  return [...dense, ...norms, ...moving];
}
