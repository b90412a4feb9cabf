// Optimizer type → how many state vectors it keeps and its in-place update over the flat
// parameter vector. See assembly/optim.ts.
import type { OptimizerSpec } from "./config.js";
import type { Kernels } from "./wasm.js";

export interface OptimizerKernels {
  /** State vectors of the parameters' size (velocity; Adam's m and v). */
  states: number;
  /** One update; t counts steps from 1. */
  step(k: Kernels, n: number, g: number, w: number, states: number[], spec: OptimizerSpec, t: number): void;
}

export const optimizerKernels: Record<OptimizerSpec["type"], OptimizerKernels> = {
  sgd: {
    states: 0,
    step: (k, n, g, w, _s, o) => k.sgd_step(n, g, w, o.learningRate),
  },
  momentum: {
    states: 1,
    step: (k, n, g, w, s, o) => k.momentum_step(n, g, w, s[0], o.learningRate, (o as { momentum: number }).momentum),
  },
  adam: {
    states: 2,
    step: (k, n, g, w, s, o, t) => {
      const { learningRate, beta1, beta2, epsilon } = o as Extract<OptimizerSpec, { type: "adam" }>;
      k.adam_step(n, g, w, s[0], s[1], learningRate, 1 - beta1, 1 - beta2, epsilon, 1 / (1 - beta1 ** t), 1 / (1 - beta2 ** t));
    },
  },
};
