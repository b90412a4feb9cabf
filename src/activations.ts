// Activation name → its wasm kernels. Forward runs in place (z becomes a); backward turns
// dA into dZ in place, reading g′ through the output a. See assembly/activations.ts.
import type { Activation } from "./config.js";
import type { Kernels } from "./wasm.js";

export interface ActivationKernels {
  /** a = g(z) over an m×n batch; z and a may be the same region. */
  forward(k: Kernels, m: number, n: number, z: number, a: number, alpha: number): void;
  /** dz = da ∘ g′ over an m×n batch, from the forward output a; da and dz may be the same region. */
  backward(k: Kernels, m: number, n: number, a: number, da: number, dz: number, alpha: number): void;
}

/**
 * The activation code dense_nt_forward applies in its epilogue (assembly/dense.ts); softmax is
 * row-wise, so the fused kernel applies the identity and softmax_forward runs after it.
 */
export const denseActivationCode: Record<Activation, number> = {
  sigmoid: 0, tanh: 1, relu: 2, "leaky-relu": 3, linear: 4, softmax: 4,
};

export const activationKernels: Record<Activation, ActivationKernels> = {
  sigmoid: {
    forward: (k, m, n, z, a) => k.sigmoid_forward(m * n, z, a),
    backward: (k, m, n, a, da, dz) => k.sigmoid_backward(m * n, a, da, dz),
  },
  tanh: {
    forward: (k, m, n, z, a) => k.tanh_forward(m * n, z, a),
    backward: (k, m, n, a, da, dz) => k.tanh_backward(m * n, a, da, dz),
  },
  relu: {
    forward: (k, m, n, z, a) => k.relu_forward(m * n, z, a),
    backward: (k, m, n, a, da, dz) => k.relu_backward(m * n, a, da, dz),
  },
  "leaky-relu": {
    forward: (k, m, n, z, a, alpha) => k.leaky_relu_forward(m * n, z, a, alpha),
    backward: (k, m, n, a, da, dz, alpha) => k.leaky_relu_backward(m * n, a, da, dz, alpha),
  },
  // The identity: the network always passes the same region in and out, so nothing moves.
  linear: { forward: () => {}, backward: () => {} },
  softmax: {
    forward: (k, m, n, z, a) => k.softmax_forward(m, n, z, a),
    backward: (k, m, n, a, da, dz) => k.softmax_backward(m, n, a, da, dz),
  },
};
