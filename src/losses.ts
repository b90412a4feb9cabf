// The loss table: for each loss, its wasm kernels, its float64 reference and, where one exists,
// the output activation whose fused gradient is dZ = (A − Y)/m. Losses are per-sample sums over
// the output units (mean for mse, as in Keras), averaged over the batch; probabilities are
// clamped to [EPS, 1 − EPS] before a log. Kernels: assembly/losses.ts.
import type { Activation } from "./activations.js";
import type { Kernels } from "./kernels.js";

/** Clamp for probabilities before a log (Keras's epsilon). */
export const EPS = 1e-7;
const clamp = (p: number): number => Math.min(Math.max(p, EPS), 1 - EPS);
/** Huber's delta (Keras's default). */
const HUBER_DELTA = 1;

export interface LossOp {
  kernels: {
    /** Σ over an m×n batch of the per-sample loss. */
    sum(k: Kernels, m: number, n: number, a: number, y: number): number;
    /** dA of the batch-mean loss. */
    grad(k: Kernels, m: number, n: number, a: number, y: number, da: number): void;
  };
  reference: {
    sum(m: number, n: number, a: ArrayLike<number>, y: ArrayLike<number>): number;
    grad(m: number, n: number, a: ArrayLike<number>, y: ArrayLike<number>, da: Float64Array): void;
  };
  /** With this output activation, dZ of the batch-mean loss directly: dZ = (A − Y)/m. */
  fused?: { activation: Activation; grad(k: Kernels, m: number, n: number, a: number, y: number, dz: number): void };
}

/** The float64 fused output gradient dZ = (A − Y)/m (sigmoid + BCE, softmax + CCE). */
export function outputDelta(m: number, n: number, a: ArrayLike<number>, y: ArrayLike<number>, dz: Float64Array): void {
  for (let i = 0; i < m * n; i++) dz[i] = (a[i] - y[i]) / m;
}

export const lossOps = {
  "binary-crossentropy": {
    kernels: {
      sum: (k, m, n, a, y) => k.bce_value(m * n, a, y),
      grad: (k, m, n, a, y, da) => k.bce_grad(m * n, a, y, da, 1 / m),
    },
    reference: {
      sum(m, n, a, y) {
        let s = 0;
        for (let i = 0; i < m * n; i++) {
          const p = clamp(a[i]);
          s -= y[i] * Math.log(p) + (1 - y[i]) * Math.log(1 - p);
        }
        return s;
      },
      grad(m, n, a, y, da) {
        for (let i = 0; i < m * n; i++) {
          const p = clamp(a[i]);
          da[i] = (p - y[i]) / (p * (1 - p)) / m;
        }
      },
    },
    fused: { activation: "sigmoid", grad: (k, m, n, a, y, dz) => k.sigmoid_bce_grad(m * n, a, y, dz, 1 / m) },
  },
  "categorical-crossentropy": {
    kernels: {
      sum: (k, m, n, a, y) => k.cce_value(m * n, a, y),
      grad: (k, m, n, a, y, da) => k.cce_grad(m * n, a, y, da, 1 / m),
    },
    reference: {
      sum(m, n, a, y) {
        let s = 0;
        for (let i = 0; i < m * n; i++) if (y[i] !== 0) s -= y[i] * Math.log(clamp(a[i]));
        return s;
      },
      grad(m, n, a, y, da) {
        for (let i = 0; i < m * n; i++) da[i] = -y[i] / clamp(a[i]) / m;
      },
    },
    fused: { activation: "softmax", grad: (k, m, n, a, y, dz) => k.softmax_cce_grad(m * n, a, y, dz, 1 / m) },
  },
  mse: {
    kernels: {
      sum: (k, m, n, a, y) => k.mse_value(m * n, a, y) / n,
      grad: (k, m, n, a, y, da) => k.mse_grad(m * n, a, y, da, 1 / (m * n)),
    },
    reference: {
      sum(m, n, a, y) {
        let s = 0;
        for (let i = 0; i < m * n; i++) s += (a[i] - y[i]) ** 2;
        return s / n;
      },
      grad(m, n, a, y, da) {
        for (let i = 0; i < m * n; i++) da[i] = (2 * (a[i] - y[i])) / (m * n);
      },
    },
  },
  // Keras's "mean_absolute_error": mean over the units of |a − y|.
  mae: {
    kernels: {
      sum: (k, m, n, a, y) => k.mae_value(m * n, a, y) / n,
      grad: (k, m, n, a, y, da) => k.mae_grad(m * n, a, y, da, 1 / (m * n)),
    },
    reference: {
      sum(m, n, a, y) {
        let s = 0;
        for (let i = 0; i < m * n; i++) s += Math.abs(a[i] - y[i]);
        return s / n;
      },
      grad(m, n, a, y, da) {
        for (let i = 0; i < m * n; i++) da[i] = Math.sign(a[i] - y[i]) / (m * n);
      },
    },
  },
  // Keras's Huber with its default delta 1: quadratic within 1 of the target, linear beyond.
  huber: {
    kernels: {
      sum: (k, m, n, a, y) => k.huber_value(m * n, a, y, HUBER_DELTA) / n,
      grad: (k, m, n, a, y, da) => k.huber_grad(m * n, a, y, da, 1 / (m * n), HUBER_DELTA),
    },
    reference: {
      sum(m, n, a, y) {
        let s = 0;
        for (let i = 0; i < m * n; i++) {
          const d = Math.abs(a[i] - y[i]);
          s += d <= HUBER_DELTA ? 0.5 * d * d : HUBER_DELTA * (d - 0.5 * HUBER_DELTA);
        }
        return s / n;
      },
      grad(m, n, a, y, da) {
        for (let i = 0; i < m * n; i++) da[i] = Math.min(Math.max(a[i] - y[i], -HUBER_DELTA), HUBER_DELTA) / (m * n);
      },
    },
  },
  // Keras's "hinge": mean over the units of max(1 − t·a, 0), labels t ∈ {−1, 1} (0 counts as −1).
  hinge: {
    kernels: {
      sum: (k, m, n, a, y) => k.hinge_value(m * n, a, y) / n,
      grad: (k, m, n, a, y, da) => k.hinge_grad(m * n, a, y, da, 1 / (m * n)),
    },
    reference: {
      sum(m, n, a, y) {
        let s = 0;
        for (let i = 0; i < m * n; i++) s += Math.max(1 - (y[i] > 0 ? 1 : -1) * a[i], 0);
        return s / n;
      },
      grad(m, n, a, y, da) {
        for (let i = 0; i < m * n; i++) {
          const t = y[i] > 0 ? 1 : -1;
          da[i] = t * a[i] < 1 ? -t / (m * n) : 0;
        }
      },
    },
  },
} satisfies Record<string, LossOp>;

/** A loss's name ("binary-crossentropy", "categorical-crossentropy", "mse", "mae", "huber", "hinge"). */
export type Loss = keyof typeof lossOps;
