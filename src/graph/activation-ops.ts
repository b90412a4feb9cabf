// The Dense layers' activations as graph ops, one per entry of the activation registry
// (src/activations.ts): the forward pass is the registry's kernel; the gradient is its fused
// backward kernel (read through the input for the fromInput activations) when backward() is not
// recorded, and otherwise the entry's derivative run on graph ops, so that it differentiates again.
import { ACTIVATION_REGISTRY, type Activation, type DerivativeOps, activationOps, needsInput } from "../activations.js";
import { describe } from "../validate.js";
import { apply, as2d, isRecording, readable } from "./apply.js";
import { abs } from "./composites.js";
import { add, exp, greater, less, mul, normalCdf, pow, sub, sum, where } from "./ops.js";
import { type GraphOp, type Tensor, emptyTensor } from "./tensor.js";

/**
 * The registry's derivative primitives on graph ops. Every tensor a derivative makes is kept in
 * `made` so that, once it returns, all but its result are disposed (the ops already recorded keep
 * what they need).
 */
class GraphDerivativeOps implements DerivativeOps<Tensor> {
  readonly made: Tensor[] = [];
  private keep(t: Tensor): Tensor {
    this.made.push(t);
    return t;
  }
  add(x: Tensor | number, y: Tensor | number): Tensor {
    return this.keep(add(x, y));
  }
  sub(x: Tensor | number, y: Tensor | number): Tensor {
    return this.keep(sub(x, y));
  }
  mul(x: Tensor | number, y: Tensor | number): Tensor {
    return this.keep(mul(x, y));
  }
  greater(x: Tensor, y: number): Tensor {
    return this.keep(greater(x, y));
  }
  less(x: Tensor, y: number): Tensor {
    return this.keep(less(x, y));
  }
  where(mask: Tensor, x: Tensor | number, y: Tensor | number): Tensor {
    return this.keep(where(mask, x, y));
  }
  abs(x: Tensor): Tensor {
    return this.keep(abs(x));
  }
  pow(x: Tensor, p: number): Tensor {
    return this.keep(pow(x, p));
  }
  exp(x: Tensor): Tensor {
    return this.keep(exp(x));
  }
  normalCdf(x: Tensor): Tensor {
    return this.keep(normalCdf(x));
  }
  sumLast(x: Tensor): Tensor {
    return this.keep(sum(x, { axis: -1, keepDims: true }));
  }
  sigmoid(x: Tensor): Tensor {
    return this.keep(apply(activationGraphOps.sigmoid, [x], NO_ALPHA));
  }
  tanh(x: Tensor): Tensor {
    return this.keep(apply(activationGraphOps.tanh, [x], NO_ALPHA));
  }
  softplus(x: Tensor): Tensor {
    return this.keep(apply(activationGraphOps.softplus, [x], NO_ALPHA));
  }
}

const NO_ALPHA = Object.freeze({ alpha: 0 });

/** g ∘ g′ of an activation as recorded graph ops, from the registry entry's derivative. */
function derivative(act: Activation, g: Tensor, x: Tensor, a: Tensor, alpha: number): Tensor {
  const ops = new GraphDerivativeOps();
  const out = ACTIVATION_REGISTRY.get(act)!.derivative(ops, g, x, a, alpha);
  for (const t of ops.made) if (t !== out) t.dispose();
  return out;
}

interface ActivationAttrs {
  alpha: number;
}

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
      if (isRecording()) return [derivative(act, g, x, out, alpha)];
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
export const activationGraphOps = Object.fromEntries((Object.keys(activationOps) as Activation[]).map((act) => [act, activationOp(act)])) as Record<
  Activation,
  GraphOp<ActivationAttrs>
>;

/** Each activation's op and its attributes without an alpha (made once: the per-call path allocates nothing). */
const DEFAULTS = new Map(
  (Object.keys(activationGraphOps) as Activation[]).map((act) => [
    act,
    { op: activationGraphOps[act], attrs: Object.freeze({ alpha: act === "leaky-relu" ? 0.01 : 0 }) },
  ]),
);

/** The activation `name` of the Dense layers' table applied elementwise (softmax: along the last axis). */
export function activation(x: Tensor, name: Activation, alpha?: number): Tensor {
  const entry = typeof name === "string" ? DEFAULTS.get(name) : undefined;
  if (!entry) throw new TypeError(`unknown activation ${describe(name)}; expected one of ${[...DEFAULTS.keys()].join(", ")}`);
  if (alpha === undefined) return apply(entry.op, [x], entry.attrs);
  if (name !== "leaky-relu") throw new TypeError(`alpha applies to "leaky-relu" only, not "${name}"`);
  if (typeof alpha !== "number" || !Number.isFinite(alpha)) throw new RangeError(`${name}'s alpha must be a finite number, received ${describe(alpha)}`);
  return apply(entry.op, [x], { alpha });
}
