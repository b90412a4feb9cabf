// --standardize: train on (x − μ)/σ, with μ and σ the mean and standard deviation of every
// training pixel (zero-centred, unit-variance inputs suit Adam and relu better than [0, 1]),
// then fold the scaling into the first layer, W·(x − μ)/σ + b = (W/σ)·x + (b − (μ/σ)·Σ W), so
// that the saved model takes raw pixels like any other and eval, predict and export need nothing.
import type { Network } from "../network.js";

export interface Standardization {
  mean: number;
  std: number;
}

/** Mean and standard deviation of all values (float64 sums). */
export function standardization(x: Float32Array): Standardization {
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i];
  const mean = sum / x.length;
  let squares = 0;
  for (let i = 0; i < x.length; i++) squares += (x[i] - mean) ** 2;
  const std = Math.sqrt(squares / x.length);
  return { mean, std: std > 0 ? std : 1 };
}

/** (x − μ)/σ, as a new array. */
export function standardize(x: Float32Array, { mean, std }: Standardization): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - mean) / std;
  return out;
}

/** Rewrites the first layer so that the network on raw x computes what it computed on (x − μ)/σ. */
export function foldIntoFirstLayer(net: Network, { mean, std }: Standardization): void {
  const weights = net.getWeights();
  const [w, b] = weights;
  const inputs = net.inputSize;
  for (let i = 0; i < b.length; i++) {
    let rowSum = 0;
    for (let j = 0; j < inputs; j++) rowSum += w[i * inputs + j];
    b[i] -= (mean / std) * rowSum;
    for (let j = 0; j < inputs; j++) w[i * inputs + j] /= std;
  }
  net.setWeights(weights);
}
