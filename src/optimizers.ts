// The optimizer table: for each optimizer, its settings with their defaults (Keras's), how many
// state vectors of the parameters' size it keeps, its wasm update over the flat parameter
// vector and its float64 reference. Kernels: assembly/optim.ts. t counts steps from 1.
import type { CostClass } from "./activations.js";
import type { OptimizerSpec } from "./optimizer-spec.js";
import type { Kernels } from "./kernels.js";

export interface OptimizerOp<S extends OptimizerSpec = OptimizerSpec> {
  /** Every setting besides `type` (and clipping and schedule, common to all), with its default. */
  defaults: Omit<S, "type" | "clipNorm" | "clipValue" | "schedule">;
  /** State vectors of the parameters' size (velocity; Adam's m and v). */
  states: number;
  /**
   * Each state vector's name (for messages) and domain: `nonNegative` for sums of squared
   * gradients, which each update takes the square root of (checkpoints are checked against it).
   */
  stateVectors: readonly { name: string; nonNegative?: true }[];
  /** The value each state vector starts at (default 0). */
  initial?: (spec: S) => number[];
  /** Its own update kernel (sizes and pointers first, as assembly/optim.ts declares it) and that pass's thread cost class; adamw reuses adam's. */
  kernel?: { name: string; signature: string; cost: CostClass };
  kernels: { step(k: Kernels, n: number, g: number, w: number, states: number[], spec: S, t: number): void };
  reference: { step(w: Float64Array, g: ArrayLike<number>, states: Float64Array[], spec: S, t: number): void };
}

type Spec<T extends OptimizerSpec["type"]> = Extract<OptimizerSpec, { type: T }>;

const sgd: OptimizerOp<Spec<"sgd">> = {
  defaults: { learningRate: 0.01 },
  states: 0,
  stateVectors: [],
  kernel: { name: "sgd_step", signature: "sppf", cost: "cheap" },
  kernels: { step: (k, n, g, w, _s, o) => k.sgd_step(n, g, w, o.learningRate) },
  reference: {
    step(w, g, _s, o) {
      for (let j = 0; j < w.length; j++) w[j] -= o.learningRate * g[j];
    },
  },
};

const momentum: OptimizerOp<Spec<"momentum">> = {
  defaults: { learningRate: 0.01, momentum: 0.9 },
  states: 1,
  stateVectors: [{ name: "velocity" }],
  kernel: { name: "momentum_step", signature: "spppff", cost: "cheap" },
  kernels: { step: (k, n, g, w, s, o) => k.momentum_step(n, g, w, s[0], o.learningRate, o.momentum) },
  reference: {
    step(w, g, [v], o) {
      for (let j = 0; j < w.length; j++) {
        v[j] = o.momentum * v[j] - o.learningRate * g[j];
        w[j] += v[j];
      }
    },
  },
};

const adam: OptimizerOp<Spec<"adam">> = {
  defaults: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 },
  states: 2,
  stateVectors: [{ name: "first moment m" }, { name: "second moment v", nonNegative: true }],
  kernel: { name: "adam_step", signature: "sppppffffff", cost: "divides" },
  kernels: {
    step: (k, n, g, w, s, { learningRate, beta1, beta2, epsilon }, t) =>
      k.adam_step(n, g, w, s[0], s[1], learningRate, 1 - beta1, 1 - beta2, epsilon, 1 / (1 - beta1 ** t), 1 / (1 - beta2 ** t)),
  },
  reference: {
    step(w, g, [mo, ve], o, t) {
      const c1 = 1 / (1 - o.beta1 ** t),
        c2 = 1 / (1 - o.beta2 ** t);
      for (let j = 0; j < w.length; j++) {
        mo[j] = o.beta1 * mo[j] + (1 - o.beta1) * g[j];
        ve[j] = o.beta2 * ve[j] + (1 - o.beta2) * g[j] * g[j];
        w[j] -= (o.learningRate * (mo[j] * c1)) / (Math.sqrt(ve[j] * c2) + o.epsilon);
      }
    },
  },
};

const nesterov: OptimizerOp<Spec<"nesterov">> = {
  defaults: { learningRate: 0.01, momentum: 0.9 },
  states: 1,
  stateVectors: [{ name: "velocity" }],
  kernel: { name: "nesterov_step", signature: "spppff", cost: "cheap" },
  kernels: { step: (k, n, g, w, s, o) => k.nesterov_step(n, g, w, s[0], o.learningRate, o.momentum) },
  reference: {
    step(w, g, [v], o) {
      for (let j = 0; j < w.length; j++) {
        v[j] = o.momentum * v[j] - o.learningRate * g[j];
        w[j] += o.momentum * v[j] - o.learningRate * g[j];
      }
    },
  },
};

// AdamW (Loshchilov & Hutter): Adam plus w −= lr·λ·w before the update, on every parameter
// (biases included, as Keras's AdamW without exclude_from_weight_decay).
const adamw: OptimizerOp<Spec<"adamw">> = {
  defaults: { learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7, weightDecay: 0.004 },
  states: 2,
  stateVectors: [{ name: "first moment m" }, { name: "second moment v", nonNegative: true }],
  kernels: {
    step: (k, n, g, w, s, o, t) => {
      k.scale_step(n, w, 1 - o.learningRate * o.weightDecay);
      adam.kernels.step(k, n, g, w, s, { ...o, type: "adam" }, t);
    },
  },
  reference: {
    step(w, g, s, o, t) {
      for (let j = 0; j < w.length; j++) w[j] -= o.learningRate * o.weightDecay * w[j];
      adam.reference.step(w, g, s, { ...o, type: "adam" }, t);
    },
  },
};

const rmsprop: OptimizerOp<Spec<"rmsprop">> = {
  defaults: { learningRate: 0.001, rho: 0.9, epsilon: 1e-7 },
  states: 1,
  stateVectors: [{ name: "mean square", nonNegative: true }],
  kernel: { name: "rmsprop_step", signature: "spppfff", cost: "divides" },
  kernels: { step: (k, n, g, w, s, o) => k.rmsprop_step(n, g, w, s[0], o.learningRate, 1 - o.rho, o.epsilon) },
  reference: {
    step(w, g, [v], o) {
      for (let j = 0; j < w.length; j++) {
        v[j] = o.rho * v[j] + (1 - o.rho) * g[j] * g[j];
        w[j] -= (o.learningRate * g[j]) / (Math.sqrt(v[j]) + o.epsilon);
      }
    },
  },
};

const adagrad: OptimizerOp<Spec<"adagrad">> = {
  defaults: { learningRate: 0.001, initialAccumulatorValue: 0.1, epsilon: 1e-7 },
  states: 1,
  stateVectors: [{ name: "accumulator", nonNegative: true }],
  kernel: { name: "adagrad_step", signature: "spppff", cost: "divides" },
  initial: (o) => [o.initialAccumulatorValue],
  kernels: { step: (k, n, g, w, s, o) => k.adagrad_step(n, g, w, s[0], o.learningRate, o.epsilon) },
  reference: {
    step(w, g, [acc], o) {
      for (let j = 0; j < w.length; j++) {
        acc[j] += g[j] * g[j];
        w[j] -= (o.learningRate * g[j]) / Math.sqrt(acc[j] + o.epsilon);
      }
    },
  },
};

export const optimizerOps: { [T in OptimizerSpec["type"]]: OptimizerOp<Spec<T>> } = { sgd, momentum, nesterov, adam, adamw, rmsprop, adagrad };

/** The table entry of a spec, typed for any optimizer. */
export function optimizerOp(spec: OptimizerSpec): OptimizerOp {
  return optimizerOps[spec.type] as unknown as OptimizerOp;
}

/** Passes every optimizer may run besides its own kernel: weight decay (adamw) and clipValue. */
const SHARED_STEP_KERNELS: readonly { name: string; signature: string; cost: CostClass }[] = [
  { name: "scale_step", signature: "spf", cost: "cheap" },
  { name: "clip_values", signature: "spf", cost: "divides" },
];

/** The optimizers' update kernels with their signatures and thread cost classes. */
export function optimizerKernels(): { name: string; signature: string; cost: CostClass }[] {
  return [...Object.values(optimizerOps).flatMap((o) => (o.kernel ? [o.kernel] : [])), ...SHARED_STEP_KERNELS];
}
