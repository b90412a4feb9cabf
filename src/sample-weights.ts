// fit's per-sample loss weights: sampleWeight × classWeight, validated against the data.
import type { Loss } from "./config.js";
import type { FitOptions } from "./types.js";
import { F32_MAX, checkObject, describe } from "./validate.js";

/**
 * fit's sampleWeight × classWeight per sample (validated), or null when neither is given.
 * `targets` holds m rows of `outputSize` (the class of a row is its largest target).
 */
export function sampleWeights(options: FitOptions, targets: Float32Array, m: number, outputSize: number, loss: Loss): Float32Array | null {
  const { sampleWeight, classWeight } = options;
  if (sampleWeight === undefined && classWeight === undefined) return null;
  const w = new Float32Array(m).fill(1);
  if (sampleWeight !== undefined) {
    if (!ArrayBuffer.isView(sampleWeight) && !Array.isArray(sampleWeight))
      throw new TypeError(`sampleWeight must be an array of ${m} numbers, received ${describe(sampleWeight)}`);
    if (sampleWeight.length !== m) throw new RangeError(`sampleWeight has ${sampleWeight.length} values, expected one per sample (${m})`);
    for (let i = 0; i < m; i++) {
      const v = sampleWeight[i];
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > F32_MAX)
        throw new RangeError(`sampleWeight[${i}] is ${describe(v)}; sample weights must be finite and non-negative`);
      w[i] = v;
    }
  }
  if (classWeight !== undefined) {
    const k = outputSize;
    if (k < 2 || loss === "binary-crossentropy")
      throw new RangeError(
        `classWeight needs a classifier with several softmax outputs (categorical-crossentropy); this network has ${k} ${loss} output${k === 1 ? "" : "s"}`,
      );
    const byClass = new Float32Array(k).fill(1);
    // { class: weight } (classes not named weigh 1), or one weight per class in class order.
    const list = Array.isArray(classWeight) || (ArrayBuffer.isView(classWeight) && !(classWeight instanceof DataView));
    if (list && (classWeight as ArrayLike<unknown>).length !== k) {
      throw new RangeError(
        `classWeight has ${(classWeight as ArrayLike<unknown>).length} values, expected one per class (${k}), or an object { class: weight }`,
      );
    }
    if (!list) checkObject("classWeight", classWeight);
    for (const [key, v] of Object.entries(classWeight)) {
      const c = Number(key);
      if (!Number.isInteger(c) || c < 0 || c >= k) throw new RangeError(`classWeight names class ${key}; classes are 0 to ${k - 1}`);
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0)
        throw new RangeError(`classWeight[${key}] is ${describe(v)}; class weights must be finite and non-negative`);
      byClass[c] = v;
    }
    for (let i = 0; i < m; i++) {
      let best = 0;
      for (let j = 1; j < k; j++) if (targets[i * k + j] > targets[i * k + best]) best = j;
      w[i] *= byClass[best];
    }
  }
  return w;
}
