// The activation registry: each activation is declared once here, with every fact the rest of
// wasmlp needs (its kernels' names and signatures, its code in the fused forward kernels, the
// thread cost class of each pass, its names in tfjs-layers and ONNX, whether the CLI and the demo
// offer it, its float64 reference). Both engines, the thread dispatcher, the graph, the formats,
// the CLI, the demo and the table-driven tests enumerate ACTIVATION_REGISTRY; adding an
// activation is its kernels in assembly/ plus one entry here (docs/architecture.md).
import type { Kernels } from "./kernels.js";

/** Per-element cost of a pass, relative to a memory-bound one (src/threads/parallel.ts shares dear passes sooner). */
export type CostClass = "cheap" | "divides" | "transcendental";

/** What an activation's declaration states; everything else is derived from it. */
export interface ActivationEntry {
  /** Code of the activation in the fused forward kernels (assembly/simd.ts activate4); row-wise ones use 4, the identity. */
  code: number;
  /**
   * Base name of its kernels, `<kernel>_forward(n, z, a[, alpha])` and
   * `<kernel>_backward(n, a, da, dz[, alpha])` (row-wise: `(m, n, …)`). Default: the name with
   * `-` as `_`; null for the identity, which has none.
   */
  kernel?: string | null;
  /** Thread cost class of the forward and the backward pass. */
  cost: readonly [CostClass, CostClass];
  /** The kernels take the layer's slope alpha as a last f32 argument (leaky-relu). */
  alpha?: true;
  /** Works on each row (softmax): its kernels take (m, n, …) and a pass is shared by whole rows. */
  rows?: true;
  /**
   * The backward maps read the forward's input z instead of its output a (swish, gelu: not
   * monotonic, so a does not give z back). The engines then keep z of such layers in training.
   */
  fromInput?: true;
  /** Other names users and Keras files give it. */
  aliases?: readonly string[];
  /** Its name in tfjs-layers / Keras files (null: none there). */
  tfjs: string | null;
  /** The ONNX operator that is this activation alone (null: none, or a pattern of nodes). */
  onnx: string | null;
  /** The opset that introduced that operator, when it is newer than the one the export writes (Mish: 18). */
  onnxOpset?: number;
  /** Offered for hidden layers by the command line and the demo's menu. */
  hidden: boolean;
  /** float64 reference of the two maps (in place allowed). */
  reference: ActivationOp["reference"];
  /**
   * The gradient through the activation, g ∘ g′ (softmax: its Jacobian applied per row), written
   * in primitives from the upstream gradient g, the input z, the output a and alpha. The graph
   * runs it on its ops, so it is differentiable again (second derivatives).
   */
  derivative: Derivative;
}

/**
 * The primitives an activation's derivative is written in, over values T (the graph's tensors).
 * Type-only here: whoever runs a derivative supplies them; each call returns a new value.
 */
export interface DerivativeOps<T> {
  add(x: T | number, y: T | number): T;
  sub(x: T | number, y: T | number): T;
  mul(x: T | number, y: T | number): T;
  /** 1 where x > y, else 0. */
  greater(x: T, y: number): T;
  /** 1 where x < y, else 0. */
  less(x: T, y: number): T;
  /** mask ≠ 0 ? x : y, elementwise. */
  where(mask: T, x: T | number, y: T | number): T;
  abs(x: T): T;
  pow(x: T, p: number): T;
  exp(x: T): T;
  /** Φ(x), the standard normal CDF. */
  normalCdf(x: T): T;
  /** Σ along the last axis, kept as an axis of size 1. */
  sumLast(x: T): T;
  /** σ(x), tanh(x), ln(1 + eˣ): the registry's own activations, as parts of others' derivatives. */
  sigmoid(x: T): T;
  tanh(x: T): T;
  softplus(x: T): T;
}

/** g ∘ g′(z) in primitives: see ActivationEntry.derivative. */
export type Derivative = <T>(o: DerivativeOps<T>, g: T, z: T, a: T, alpha: number) => T;

/** An activation as the engines call it. */
export interface ActivationOp {
  /**
   * wasm: a = g(z) over an m×n batch, and dz = da ∘ g′ read through the output a (in place allowed),
   * or, for the activations marked fromInput, through the input z (the engines keep z for them).
   */
  kernels: {
    forward(k: Kernels, m: number, n: number, z: number, a: number, alpha?: number): void;
    backward(k: Kernels, m: number, n: number, a: number, da: number, dz: number, alpha?: number): void;
  };
  reference: {
    forward(m: number, n: number, z: ArrayLike<number>, a: Float64Array, alpha: number): void;
    backward(m: number, n: number, a: ArrayLike<number>, da: ArrayLike<number>, dz: Float64Array, alpha: number): void;
  };
  /** Code of the activation applied in the store of dense_nt_forward / matmul_nt_forward. */
  epilogue: number;
  fromInput?: true;
  /** Works on each row (softmax): not in the fused store, so a pass follows it. */
  rows?: true;
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
    let term = x,
      sum = x;
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
  let f = x,
    c = x,
    d = 0;
  for (let k = 1; k < 300; k++) {
    const a = k / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    d = 1 / d;
    c = x + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
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
const forwardEach =
  (g: (z: number, alpha: number) => number): ActivationOp["reference"]["forward"] =>
  (m, n, z, a, alpha) => {
    for (let i = 0; i < m * n; i++) a[i] = g(z[i], alpha);
  };
const backwardEach =
  (dg: (a: number, alpha: number) => number): ActivationOp["reference"]["backward"] =>
  (m, n, a, da, dz, alpha) => {
    for (let i = 0; i < m * n; i++) dz[i] = da[i] * dg(a[i], alpha);
  };

const ACTIVATIONS_DECLARED = {
  sigmoid: {
    code: 0,
    cost: ["transcendental", "cheap"],
    tfjs: "sigmoid",
    onnx: "Sigmoid",
    hidden: true,
    reference: { forward: forwardEach(sigmoid), backward: backwardEach((a) => a * (1 - a)) },
    derivative: (o, g, _z, a) => o.mul(g, o.mul(a, o.sub(1, a))),
  },
  tanh: {
    code: 1,
    cost: ["transcendental", "cheap"],
    tfjs: "tanh",
    onnx: "Tanh",
    hidden: true,
    reference: { forward: forwardEach(Math.tanh), backward: backwardEach((a) => 1 - a * a) },
    derivative: (o, g, _z, a) => o.mul(g, o.sub(1, o.mul(a, a))),
  },
  relu: {
    code: 2,
    cost: ["cheap", "cheap"],
    tfjs: "relu",
    onnx: "Relu",
    hidden: true,
    reference: { forward: forwardEach((z) => (z > 0 ? z : 0)), backward: backwardEach((a) => (a > 0 ? 1 : 0)) },
    derivative: (o, g, z) => o.mul(g, o.greater(z, 0)),
  },
  "leaky-relu": {
    code: 3,
    cost: ["cheap", "cheap"],
    alpha: true,
    tfjs: "leaky_relu",
    onnx: "LeakyRelu",
    hidden: true,
    reference: {
      forward: forwardEach((z, alpha) => (z > 0 ? z : alpha * z)),
      backward: backwardEach((a, alpha) => (a > 0 ? 1 : alpha)),
    },
    derivative: (o, g, z, _a, alpha) => o.mul(g, o.where(o.greater(z, 0), 1, alpha)),
  },
  // Keras's "elu" (alpha 1): z for z > 0, else e^z − 1.
  elu: {
    code: 5,
    cost: ["transcendental", "cheap"],
    tfjs: "elu",
    onnx: "Elu",
    hidden: true,
    reference: { forward: forwardEach((z) => (z > 0 ? z : Math.expm1(z))), backward: backwardEach((a) => (a > 0 ? 1 : a + 1)) },
    derivative: (o, g, z, a) => o.mul(g, o.where(o.greater(z, 0), 1, o.add(a, 1))),
  },
  // Self-normalizing: λ·elu with slope α (Klambauer et al. 2017), Keras's constants.
  selu: {
    code: 6,
    cost: ["transcendental", "cheap"],
    tfjs: "selu",
    onnx: "Selu",
    hidden: true,
    reference: {
      forward: forwardEach((z) => SELU_SCALE * (z > 0 ? z : SELU_ALPHA * Math.expm1(z))),
      backward: backwardEach((a) => (a > 0 ? SELU_SCALE : a + SELU_SCALE * SELU_ALPHA)),
    },
    derivative: (o, g, z, a) => o.mul(g, o.where(o.greater(z, 0), SELU_SCALE, o.add(a, SELU_SCALE * SELU_ALPHA))),
  },
  softsign: {
    code: 7,
    cost: ["cheap", "cheap"],
    tfjs: "softsign",
    onnx: "Softsign",
    hidden: true,
    reference: { forward: forwardEach((z) => z / (1 + Math.abs(z))), backward: backwardEach((a) => (1 - Math.abs(a)) ** 2) },
    derivative: (o, g, z) => o.mul(g, o.pow(o.add(o.abs(z), 1), -2)), // 1/(1 + |z|)²
  },
  // Keras 3's definition: relu6(z + 3) / 6 (Keras 2 used 0.2·z + 0.5).
  "hard-sigmoid": {
    code: 8,
    cost: ["divides", "cheap"],
    tfjs: null,
    onnx: "HardSigmoid",
    hidden: true,
    reference: { forward: forwardEach((z) => Math.min(Math.max(z + 3, 0), 6) / 6), backward: backwardEach((a) => (a > 0 && a < 1 ? 1 / 6 : 0)) },
    derivative: (o, g, z) => o.mul(g, o.mul(o.greater(z, -3), o.mul(o.less(z, 3), 1 / 6))),
  },
  // ln(1 + e^z), a smooth relu; its derivative σ(z) is 1 − e^−a.
  softplus: {
    code: 9,
    cost: ["transcendental", "transcendental"],
    tfjs: "softplus",
    onnx: "Softplus",
    hidden: true,
    reference: { forward: forwardEach((z) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)))), backward: backwardEach((a) => -Math.expm1(-a)) },
    derivative: (o, g, z) => o.mul(g, o.sigmoid(z)),
  },
  // z·σ(z) (Keras's swish, also named silu); its derivative σ + z·σ·(1 − σ) needs z.
  swish: {
    code: 10,
    cost: ["transcendental", "transcendental"],
    fromInput: true,
    aliases: ["silu"],
    tfjs: "swish",
    onnx: null,
    hidden: true,
    reference: {
      forward: forwardEach((z) => z * sigmoid(z)),
      backward: backwardEach((z) => {
        const s = sigmoid(z);
        return s + z * s * (1 - s);
      }),
    },
    derivative: (o, g, z) => {
      const s = o.sigmoid(z); // σ + z·σ·(1 − σ)
      return o.mul(g, o.add(s, o.mul(z, o.mul(s, o.sub(1, s)))));
    },
  },
  // z·Φ(z), the exact form (Keras's gelu, approximate=False); its derivative Φ + z·φ needs z.
  gelu: {
    code: 11,
    cost: ["transcendental", "transcendental"],
    fromInput: true,
    tfjs: "gelu",
    onnx: null,
    hidden: true,
    reference: {
      forward: forwardEach((z) => z * normalCdf(z)),
      backward: backwardEach((z) => normalCdf(z) + z * INV_SQRT_2PI * Math.exp(-0.5 * z * z)),
    },
    derivative: (o, g, z) => o.mul(g, o.add(o.normalCdf(z), o.mul(z, o.mul(o.exp(o.mul(o.mul(z, z), -0.5)), INV_SQRT_2PI)))), // Φ + z·φ
  },
  // The identity: the network always passes the same region in and out, so nothing moves.
  linear: {
    code: 4,
    kernel: null,
    cost: ["cheap", "cheap"],
    tfjs: "linear",
    onnx: null,
    hidden: true,
    reference: { forward: forwardEach((z) => z), backward: backwardEach(() => 1) },
    derivative: (_o, g) => g,
  },
  softmax: {
    code: 4,
    cost: ["transcendental", "divides"],
    rows: true,
    tfjs: "softmax",
    onnx: "Softmax",
    hidden: false,
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
    derivative: (o, g, _z, a) => o.mul(a, o.sub(g, o.sumLast(o.mul(g, a)))), // per row: a ∘ (g − ⟨g, a⟩)
  },
} satisfies Record<string, ActivationEntry>;

/** An activation's name, as layers and model files give it ("relu", "gelu", …; see ACTIVATIONS). */
export type Activation = keyof typeof ACTIVATIONS_DECLARED;

/** An activation's declared facts with its derived kernel names. */
export interface ActivationInfo extends ActivationEntry {
  name: Activation;
  /** Its two kernels' export names (null: the identity). */
  kernels: { forward: string; backward: string } | null;
}

type Kernel = (...args: number[]) => void;
const call = (k: Kernels, name: string): Kernel => (k as unknown as Record<string, Kernel>)[name];

function info(name: Activation, e: ActivationEntry): ActivationInfo {
  const base = e.kernel === undefined ? name.replaceAll("-", "_") : e.kernel;
  return { ...e, name, kernels: base === null ? null : { forward: `${base}_forward`, backward: `${base}_backward` } };
}

/** The kernel calls of an entry, from its declared shape (row-wise or elementwise, with alpha or not). */
function kernelsOf(a: ActivationInfo): ActivationOp["kernels"] {
  if (a.kernels === null) return { forward: () => {}, backward: () => {} }; // the identity: z and a are one region
  const { forward: f, backward: b } = a.kernels;
  if (a.rows) return { forward: (k, m, n, z, out) => call(k, f)(m, n, z, out), backward: (k, m, n, x, da, dz) => call(k, b)(m, n, x, da, dz) };
  if (a.alpha) {
    return {
      forward: (k, m, n, z, out, alpha) => call(k, f)(m * n, z, out, alpha ?? 0),
      backward: (k, m, n, x, da, dz, alpha) => call(k, b)(m * n, x, da, dz, alpha ?? 0),
    };
  }
  return { forward: (k, m, n, z, out) => call(k, f)(m * n, z, out), backward: (k, m, n, x, da, dz) => call(k, b)(m * n, x, da, dz) };
}

/** Every activation, in declaration order, keyed by its name (a Map: names come from files and users). */
export const ACTIVATION_REGISTRY: ReadonlyMap<Activation, ActivationInfo> = new Map(
  (Object.entries(ACTIVATIONS_DECLARED) as [Activation, ActivationEntry][]).map(([name, e]) => [name, info(name, e)]),
);

/** The engines' view of each activation: kernels, reference, fused code. */
export const activationOps = Object.fromEntries(
  [...ACTIVATION_REGISTRY.values()].map((a) => [
    a.name,
    { kernels: kernelsOf(a), reference: a.reference, epilogue: a.code, fromInput: a.fromInput, rows: a.rows },
  ]),
) as Record<Activation, ActivationOp>;

const ALIASES: ReadonlyMap<string, Activation> = new Map(
  [...ACTIVATION_REGISTRY.values()].flatMap((a) => (a.aliases ?? []).map((alias) => [alias, a.name] as const)),
);

/** The activation of a name or alias from outside (a file, an argument), or undefined: never a prototype property. */
export function activationNamed(name: string): ActivationInfo | undefined {
  return ACTIVATION_REGISTRY.get((ALIASES.get(name) ?? name) as Activation);
}

/** The activations in declaration order, and those offered for hidden layers (CLI, demo). */
export const ACTIVATION_NAMES: readonly Activation[] = Object.freeze([...ACTIVATION_REGISTRY.keys()]);
/** The activations offered for hidden layers (the CLI's --activation and the demo's menu). */
export const HIDDEN_ACTIVATIONS: readonly Activation[] = Object.freeze(ACTIVATION_NAMES.filter((a) => ACTIVATION_REGISTRY.get(a)!.hidden));

/** Whether an activation's derivative reads its input z (the engines then keep z in training). */
export function needsInput(a: Activation): boolean {
  return ACTIVATION_REGISTRY.get(a)?.fromInput === true;
}

/** The kernels every activation needs, with their signatures (src/kernel-signatures.ts) and thread cost classes. */
export function activationKernels(): { name: string; signature: string; cost: CostClass; rows: boolean }[] {
  const out: { name: string; signature: string; cost: CostClass; rows: boolean }[] = [];
  for (const a of ACTIVATION_REGISTRY.values()) {
    if (a.kernels === null) continue;
    const size = a.rows ? "ss" : "s",
      alpha = a.alpha ? "f" : "";
    out.push({ name: a.kernels.forward, signature: `${size}pp${alpha}`, cost: a.cost[0], rows: a.rows === true });
    out.push({ name: a.kernels.backward, signature: `${size}ppp${alpha}`, cost: a.cost[1], rows: a.rows === true });
  }
  return out;
}
