// The Dense layers' activations as graph ops, one per entry of the activation table
// (src/activations.ts): the forward pass is the table's kernel; the gradient is the table's fused
// backward kernel (read through the input for the fromInput activations) when backward() is not
// recorded, and otherwise the derivative written in graph ops, so that it differentiates again.
import { type Activation, activationOps, needsInput } from "../activations.js";
import { describe } from "../validate.js";
import { apply, as2d, isRecording, readable } from "./apply.js";
import { abs } from "./composites.js";
import { add, after, consume, exp, greater, less, mul, normalCdf, pow, sub, sum, where } from "./ops.js";
import { type GraphOp, type Tensor, emptyTensor } from "./tensor.js";

const SELU_SCALE = 1.0507009873554805;
const SELU_ALPHA = 1.6732632423543772;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** g ∘ f′ in graph ops, from the input x, the output a and leaky-relu's slope. */
type Derivative = (g: Tensor, x: Tensor, a: Tensor, alpha: number) => Tensor;

const sigmoidOf = (x: Tensor): Tensor => apply(activationGraphOps.sigmoid, [x], { alpha: 0 });

/** g ∘ m, for a mask or a derivative d that the rule made (and disposes). */
const times = (g: Tensor, d: Tensor): Tensor => after(d, (t) => mul(g, t));

/** where(x > 0, 1, f(x, a)) as a tensor the rule owns. */
const positiveOr = (x: Tensor, one: number, other: Tensor): Tensor => consume(greater(x, 0), other, (m, o) => where(m, one, o));

const DERIVATIVES: Record<Activation, Derivative> = {
  sigmoid: (g, _x, a) => times(g, after(sub(1, a), (t) => mul(a, t))),
  tanh: (g, _x, a) => times(g, after(mul(a, a), (t) => sub(1, t))),
  relu: (g, x) => times(g, greater(x, 0)),
  "leaky-relu": (g, x, _a, alpha) => times(g, after(greater(x, 0), (m) => where(m, 1, alpha))),
  elu: (g, x, a) => times(g, positiveOr(x, 1, add(a, 1))),
  selu: (g, x, a) => times(g, positiveOr(x, SELU_SCALE, add(a, SELU_SCALE * SELU_ALPHA))),
  // 1/(1 + |x|)²
  softsign: (g, x) => times(g, after(after(abs(x), (t) => add(t, 1)), (t) => pow(t, -2))),
  "hard-sigmoid": (g, x) => times(g, consume(greater(x, -3), less(x, 3), (lo, hi) => mul(lo, after(hi, (h) => mul(h, 1 / 6))))),
  softplus: (g, x) => times(g, sigmoidOf(x)),
  // σ + x·σ·(1 − σ)
  swish: (g, x) => {
    const s = sigmoidOf(x);
    const d = after(after(after(sub(1, s), (t) => mul(s, t)), (t) => mul(x, t)), (t) => add(s, t));
    s.dispose();
    return times(g, d);
  },
  // Φ + x·φ, φ = e^(−x²/2)/√(2π)
  gelu: (g, x) => {
    const phi = after(after(after(mul(x, x), (t) => mul(t, -0.5)), exp), (t) => mul(t, INV_SQRT_2PI));
    return times(g, consume(normalCdf(x), after(phi, (p) => mul(x, p)), add));
  },
  linear: (g) => g,
  // Per row: a ∘ (g − ⟨g, a⟩).
  softmax: (g, _x, a) => {
    const dot = after(mul(g, a), (t) => sum(t, { axis: -1, keepDims: true }));
    return after(after(dot, (v) => sub(g, v)), (t) => mul(a, t));
  },
};

interface ActivationAttrs { alpha: number }

function activationOp(act: Activation): GraphOp<ActivationAttrs> {
  const fromInput = needsInput(act);
  return {
    name: act,
    shape: ([x]) => [...x.shape],
    forward(be, out, [x], [s], { alpha }) {
      const [r, c] = as2d(s);
      be.activation(act, r, c, x, out, alpha);
    },
    backward(g, [x], out, { alpha }) {
      if (isRecording()) return [DERIVATIVES[act](g, x, out, alpha)];
      // The fast path: the table's fused backward kernel, through z or a as the table says.
      const dz = emptyTensor(g.backend, g.shape, false, null, `${act} gradient`);
      const [r, c] = as2d(g.shape);
      const through = fromInput ? x : out;
      g.backend.activationBackward(act, r, c, readable(through, act), readable(g, act), dz.memory(act), alpha);
      return [dz];
    },
  };
}

/** One graph op per activation of the table. */
export const activationGraphOps = Object.fromEntries(
  (Object.keys(activationOps) as Activation[]).map((act) => [act, activationOp(act)]),
) as Record<Activation, GraphOp<ActivationAttrs>>;

/** Each activation's op and its attributes without an alpha (made once: the per-call path allocates nothing). */
const DEFAULTS = new Map((Object.keys(activationGraphOps) as Activation[]).map((act) => [act, { op: activationGraphOps[act], attrs: Object.freeze({ alpha: act === "leaky-relu" ? 0.01 : 0 }) }]));

/** The activation `name` of the Dense layers' table applied elementwise (softmax: along the last axis). */
export function activation(x: Tensor, name: Activation, alpha?: number): Tensor {
  const entry = typeof name === "string" ? DEFAULTS.get(name) : undefined;
  if (!entry) throw new TypeError(`unknown activation ${describe(name)}; expected one of ${[...DEFAULTS.keys()].join(", ")}`);
  if (alpha === undefined) return apply(entry.op, [x], entry.attrs);
  if (name !== "leaky-relu") throw new TypeError(`alpha applies to "leaky-relu" only, not "${name}"`);
  if (typeof alpha !== "number" || !Number.isFinite(alpha)) throw new RangeError(`${name}'s alpha must be a finite number, received ${describe(alpha)}`);
  return apply(entry.op, [x], { alpha });
}
