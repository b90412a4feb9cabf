// The list getWeights() returns and setWeights() takes: what each entry is, and its validation.
import type { EngineSpec } from "./engine/engine.js";
import { F32_MAX, describe } from "./validate.js";

/** What each entry of getWeights() is, for messages: "W of layer 0", "γ of layer 1", "moving mean of layer 1". */
export function tensorNames(spec: EngineSpec): string[] {
  const { layers, gammaIndex, movingIndex } = spec;
  const names = layers.flatMap((_, l) => [`W of layer ${l}`, `b of layer ${l}`]);
  layers.forEach((_, l) => {
    if (gammaIndex[l] >= 0) names.push(`γ of layer ${l}`, `β of layer ${l}`);
  });
  layers.forEach((_, l) => {
    if (movingIndex[l] >= 0) names.push(`moving mean of layer ${l}`, `moving variance of layer ${l}`);
  });
  return names;
}

/** Throws, naming the entry and value, unless `weights` is a list setWeights() can write as it is. */
export function checkWeightList(weights: readonly ArrayLike<number>[], spec: EngineSpec): void {
  const sizes = [...spec.tensorSizes, ...spec.movingSizes];
  const names = tensorNames(spec);
  const layerCount = spec.layers.length;
  if (!Array.isArray(weights) || weights.length !== sizes.length) {
    const extra = sizes.length > 2 * layerCount ? ", then γ and β of each normalized layer and the moving mean and variance of each batch-normalized one" : "";
    throw new RangeError(`setWeights expects ${sizes.length} arrays (W and b for each of ${layerCount} layers${extra}), received ${describe(weights)}`);
  }
  weights.forEach((value, i) => {
    const w = value as ArrayLike<unknown>;
    const what = `(${names[i]})`;
    if (!Array.isArray(w) && !ArrayBuffer.isView(w)) throw new TypeError(`weights[${i}] ${what} is ${describe(w)}; expected an array of numbers`);
    if (w.length !== sizes[i]) throw new RangeError(`weights[${i}] ${what} has ${w.length} values, expected ${sizes[i]}`);
    for (let j = 0; j < w.length; j++) {
      const v = w[j];
      if (typeof v !== "number" || !Number.isFinite(v)) throw new RangeError(`weights[${i}][${j}] ${what} is ${describe(v)}; weights must be finite numbers`);
      if (Math.abs(v) > F32_MAX)
        throw new RangeError(
          `weights[${i}][${j}] ${what} is ${v}, beyond float32's range (±${F32_MAX.toPrecision(5)}); weights must be finite float32 numbers`,
        );
      if (v < 0 && names[i].startsWith("moving variance")) throw new RangeError(`weights[${i}][${j}] ${what} is ${v}; a variance must be non-negative`);
      if (v !== 0 && i < 2 * layerCount && i % 2 === 1 && !spec.layers[i >> 1].useBias) {
        throw new RangeError(`weights[${i}][${j}] ${what} is ${v}, but layer ${i >> 1} has no bias (useBias false): its b must be all zeros`);
      }
    }
  });
}
