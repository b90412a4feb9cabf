// The activation table: for each activation, its wasm kernels, its float64 reference and its
// code in the fused forward kernels. The name list (ACTIVATIONS), both engines, the tests and
// the benchmarks read this table, so adding an activation is one entry here plus its kernels in
// assembly/activations.ts (and, for the fused forward, a case in assembly/simd.ts activate4).
import type { Kernels } from "./wasm.js";

export interface ActivationOp {
  /**
   * wasm: a = g(z) over an m×n batch, and dz = da ∘ g′ read through the output a (in place allowed),
   * or, for the activations marked fromInput, through the input z (the engines keep z for them).
   */
  kernels: {
    forward(k: Kernels, m: number, n: number, z: number, a: number, alpha: number): void;
    backward(k: Kernels, m: number, n: number, a: number, da: number, dz: number, alpha: number): void;
  };
  /** float64 reference of the same two maps (in place allowed). */
  reference: {
    forward(m: number, n: number, z: ArrayLike<number>, a: Float64Array, alpha: number): void;
    backward(m: number, n: number, a: ArrayLike<number>, da: ArrayLike<number>, dz: Float64Array, alpha: number): void;
  };
  /**
   * Code of the activation applied in the store of dense_nt_forward / matmul_nt_forward
   * (assembly/simd.ts activate4). Row-wise activations (softmax) use 4, the identity, and run
   * their own pass after the fused kernel.
   */
  epilogue: number;
  /**
   * The backward maps read the forward's input z instead of its output a (swish, gelu: not
   * monotonic, so a does not give z back). The engines then keep z of such layers in training.
   */
  fromInput?: true;
}

/** SELU's scale λ and slope α (the float32 kernels round the same constants). */
const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;

/** σ(z) in float64, in the two forms that never overflow e^|z|. */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

const SQRT1_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * erfc(x) in float64 to about 1e-15 relative: the Taylor series of erf below 2 (where erfc ≥ 0.0047,
 * so 1 − erf keeps its digits), the continued fraction of erfc above (Lentz), erfc(−x) = 2 − erfc(x).
 */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) {
    // erf(x) = 2/√π Σ (−1)^k x^(2k+1) / (k! (2k+1))
    let term = x, sum = x;
    for (let k = 1; k < 60; k++) {
      term *= (-x * x) / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (x > 27) return 0;
  // erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))), by modified Lentz.
  const tiny = 1e-300;
  let f = x, c = x, d = 0;
  for (let k = 1; k < 300; k++) {
    const a = k / 2;
    d = x + a * d; d = Math.abs(d) < tiny ? tiny : d; d = 1 / d;
    c = x + a / c; c = Math.abs(c) < tiny ? tiny : c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

/** Φ(z), the standard normal CDF, in float64. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z * SQRT1_2);
}

// Elementwise references from a scalar rule: g(z) forward, and g′ written through a = g(z).
const forwardEach = (g: (z: number, alpha: number) => number): ActivationOp["reference"]["forward"] =>
  (m, n, z, a, alpha) => { for (let i = 0; i < m * n; i++) a[i] = g(z[i], alpha); };
const backwardEach = (dg: (a: number, alpha: number) => number): ActivationOp["reference"]["backward"] =>
  (m, n, a, da, dz, alpha) => { for (let i = 0; i < m * n; i++) dz[i] = da[i] * dg(a[i], alpha); };

export const activationOps = {
  sigmoid: {
    kernels: {
      forward: (k, m, n, z, a) => k.sigmoid_forward(m * n, z, a),
      backward: (k, m, n, a, da, dz) => k.sigmoid_backward(m * n, a, da, dz),
    },
    reference: { forward: forwardEach(sigmoid), backward: backwardEach((a) => a * (1 - a)) },
    epilogue: 0,
  },
  tanh: {
    kernels: {
      forward: (k, m, n, z, a) => k.tanh_forward(m * n, z, a),
      backward: (k, m, n, a, da, dz) => k.tanh_backward(m * n, a, da, dz),
    },
    reference: { forward: forwardEach(Math.tanh), backward: backwardEach((a) => 1 - a * a) },
    epilogue: 1,
  },
  relu: {
    kernels: {
      forward: (k, m, n, z, a) => k.relu_forward(m * n, z, a),
      backward: (k, m, n, a, da, dz) => k.relu_backward(m * n, a, da, dz),
    },
    reference: { forward: forwardEach((z) => (z > 0 ? z : 0)), backward: backwardEach((a) => (a > 0 ? 1 : 0)) },
    epilogue: 2,
  },
  "leaky-relu": {
    kernels: {
      forward: (k, m, n, z, a, alpha) => k.leaky_relu_forward(m * n, z, a, alpha),
      backward: (k, m, n, a, da, dz, alpha) => k.leaky_relu_backward(m * n, a, da, dz, alpha),
    },
    reference: {
      forward: forwardEach((z, alpha) => (z > 0 ? z : alpha * z)),
      backward: backwardEach((a, alpha) => (a > 0 ? 1 : alpha)),
    },
    epilogue: 3,
  },
  // Keras's "elu" (alpha 1): z for z > 0, else e^z − 1.
  elu: {
    kernels: {
      forward: (k, m, n, z, a) => k.elu_forward(m * n, z, a),
      backward: (k, m, n, a, da, dz) => k.elu_backward(m * n, a, da, dz),
    },
    reference: { forward: forwardEach((z) => (z > 0 ? z : Math.expm1(z))), backward: backwardEach((a) => (a > 0 ? 1 : a + 1)) },
    epilogue: 5,
  },
  // Self-normalizing: λ·elu with slope α (Klambauer et al. 2017), Keras's constants.
  selu: {
    kernels: {
      forward: (k, m, n, z, a) => k.selu_forward(m * n, z, a),
      backward: (k, m, n, a, da, dz) => k.selu_backward(m * n, a, da, dz),
    },
    reference: {
      forward: forwardEach((z) => SELU_SCALE * (z > 0 ? z : SELU_ALPHA * Math.expm1(z))),
      backward: backwardEach((a) => (a > 0 ? SELU_SCALE : a + SELU_SCALE * SELU_ALPHA)),
    },
    epilogue: 6,
  },
  softsign: {
    kernels: {
      forward: (k, m, n, z, a) => k.softsign_forward(m * n, z, a),
      backward: (k, m, n, a, da, dz) => k.softsign_backward(m * n, a, da, dz),
    },
    reference: { forward: forwardEach((z) => z / (1 + Math.abs(z))), backward: backwardEach((a) => (1 - Math.abs(a)) ** 2) },
    epilogue: 7,
  },
  // Keras 3's definition: relu6(z + 3) / 6 (Keras 2 used 0.2·z + 0.5).
  "hard-sigmoid": {
    kernels: {
      forward: (k, m, n, z, a) => k.hard_sigmoid_forward(m * n, z, a),
      backward: (k, m, n, a, da, dz) => k.hard_sigmoid_backward(m * n, a, da, dz),
    },
    reference: { forward: forwardEach((z) => Math.min(Math.max(z + 3, 0), 6) / 6), backward: backwardEach((a) => (a > 0 && a < 1 ? 1 / 6 : 0)) },
    epilogue: 8,
  },
  // ln(1 + e^z), a smooth relu; its derivative σ(z) is 1 − e^−a.
  softplus: {
    kernels: {
      forward: (k, m, n, z, a) => k.softplus_forward(m * n, z, a),
      backward: (k, m, n, a, da, dz) => k.softplus_backward(m * n, a, da, dz),
    },
    reference: { forward: forwardEach((z) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)))), backward: backwardEach((a) => -Math.expm1(-a)) },
    epilogue: 9,
  },
  // z·σ(z) (Keras's swish, also named silu); its derivative σ + z·σ·(1 − σ) needs z.
  swish: {
    kernels: {
      forward: (k, m, n, z, a) => k.swish_forward(m * n, z, a),
      backward: (k, m, n, z, da, dz) => k.swish_backward(m * n, z, da, dz),
    },
    reference: {
      forward: forwardEach((z) => z * sigmoid(z)),
      backward: backwardEach((z) => { const s = sigmoid(z); return s + z * s * (1 - s); }),
    },
    epilogue: 10,
    fromInput: true,
  },
  // z·Φ(z), the exact form (Keras's gelu, approximate=False); its derivative Φ + z·φ needs z.
  gelu: {
    kernels: {
      forward: (k, m, n, z, a) => k.gelu_forward(m * n, z, a),
      backward: (k, m, n, z, da, dz) => k.gelu_backward(m * n, z, da, dz),
    },
    reference: {
      forward: forwardEach((z) => z * normalCdf(z)),
      backward: backwardEach((z) => normalCdf(z) + z * INV_SQRT_2PI * Math.exp(-0.5 * z * z)),
    },
    epilogue: 11,
    fromInput: true,
  },
  // The identity: the network always passes the same region in and out, so nothing moves.
  linear: {
    kernels: { forward: () => {}, backward: () => {} },
    reference: { forward: forwardEach((z) => z), backward: backwardEach(() => 1) },
    epilogue: 4,
  },
  softmax: {
    kernels: {
      forward: (k, m, n, z, a) => k.softmax_forward(m, n, z, a),
      backward: (k, m, n, a, da, dz) => k.softmax_backward(m, n, a, da, dz),
    },
    reference: {
      forward(m, n, z, a) {
        for (let r = 0; r < m; r++) {
          let max = -Infinity;
          for (let j = 0; j < n; j++) max = Math.max(max, z[r * n + j]);
          let sum = 0;
          for (let j = 0; j < n; j++) sum += a[r * n + j] = Math.exp(z[r * n + j] - max);
          for (let j = 0; j < n; j++) a[r * n + j] /= sum;
        }
      },
      // Its Jacobian applied per row: dz = a ∘ (da − ⟨da, a⟩).
      backward(m, n, a, da, dz) {
        for (let r = 0; r < m; r++) {
          let dot = 0;
          for (let j = 0; j < n; j++) dot += da[r * n + j] * a[r * n + j];
          for (let j = 0; j < n; j++) dz[r * n + j] = a[r * n + j] * (da[r * n + j] - dot);
        }
      },
    },
    epilogue: 4,
  },
} satisfies Record<string, ActivationOp>;

export type Activation = keyof typeof activationOps;

/** Whether an activation's derivative reads its input z (the engines then keep z in training). */
export function needsInput(a: Activation): boolean {
  return (activationOps[a] as ActivationOp).fromInput === true;
}
