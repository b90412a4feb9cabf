// Loss name → its wasm kernels. Losses are per-sample sums over the output units (mean for
// mse, as in Keras), averaged over the batch. See assembly/losses.ts.
import type { Activation, Loss } from "./config.js";
import type { Kernels } from "./wasm.js";

export interface LossKernels {
  /** Σ over an m×n batch of the per-sample loss. */
  sum(k: Kernels, m: number, n: number, a: number, y: number): number;
  /** dA of the batch-mean loss. */
  grad(k: Kernels, m: number, n: number, a: number, y: number, da: number): void;
  /** With this output activation, dZ of the batch-mean loss directly (dZ = (A − Y)/m). */
  fused?: { activation: Activation; grad(k: Kernels, m: number, n: number, a: number, y: number, dz: number): void };
}

export const lossKernels: Record<Loss, LossKernels> = {
  "binary-crossentropy": {
    sum: (k, m, n, a, y) => k.bce_value(m * n, a, y),
    grad: (k, m, n, a, y, da) => k.bce_grad(m * n, a, y, da, 1 / m),
    fused: { activation: "sigmoid", grad: (k, m, n, a, y, dz) => k.sigmoid_bce_grad(m * n, a, y, dz, 1 / m) },
  },
  "categorical-crossentropy": {
    sum: (k, m, n, a, y) => k.cce_value(m * n, a, y),
    grad: (k, m, n, a, y, da) => k.cce_grad(m * n, a, y, da, 1 / m),
    fused: { activation: "softmax", grad: (k, m, n, a, y, dz) => k.softmax_cce_grad(m * n, a, y, dz, 1 / m) },
  },
  mse: {
    sum: (k, m, n, a, y) => k.mse_value(m * n, a, y) / n,
    grad: (k, m, n, a, y, da) => k.mse_grad(m * n, a, y, da, 1 / (m * n)),
  },
};
