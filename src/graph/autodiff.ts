// Reverse mode: walk the recorded graph from a scalar back to its leaves in topological order
// (an explicit stack, so a graph of any depth works), calling each op's gradient rule and adding
// (+=) the results wherever a value was used more than once. Unrecorded (the default), gradients
// accumulate in place and the fused backward kernels run; recorded (createGraph, or a gradient
// function inside another), every rule runs as graph ops, so the gradients differentiate again.
import { describe } from "../validate.js";
import { inBackward, isRecording } from "./apply.js";
import { add, addInto, clone, identity } from "./ops.js";
import { type GraphOp, Tensor, checkTensor, tidy } from "./tensor.js";

/**
 * Tensors that `root` depends on through recorded ops, each after every tensor that uses it
 * (reverse topological order), starting with root.
 */
function topologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>([root]);
  // The depth-first stack as two parallel lists: each tensor and the index of its next input.
  const stack: Tensor[] = [root],
    next: number[] = [0];
  while (stack.length > 0) {
    const top = stack.length - 1;
    const t = stack[top];
    const inputs = t.node === null || t.node.op === WATCH ? null : t.node.inputs;
    if (inputs !== null && next[top] < inputs.length) {
      const input = inputs[next[top]++];
      if (input.requiresGrad && !seen.has(input)) {
        seen.add(input);
        stack.push(input);
        next.push(0);
      }
    } else {
      stack.pop();
      next.pop();
      order.push(t);
    }
  }
  return order.reverse();
}

/**
 * Gradients of root (seeded with `seed`, or 1 for a scalar) with respect to every tensor it
 * depends on that requires gradients. With `targets`, returns theirs (zeros where root does not
 * depend on one) and touches no .grad; without, adds each leaf's gradient into its .grad.
 */
export function backpropagate(root: Tensor, seed: Tensor | null, targets: readonly Tensor[] | null, createGraph = false): Tensor[] {
  checkTensor("backward", root);
  root.storage("backward()");
  if (!root.requiresGrad) {
    throw new Error(
      `backward(): ${root.describe()} does not depend on any tensor that requires gradients; create inputs with { requiresGrad: true } or variable()`,
    );
  }
  if (seed === null && root.size !== 1) {
    throw new RangeError(
      `backward() needs a scalar (one value); ${root.describe()} has ${root.size} — reduce it with sum() or mean() first, or pass the gradient of its values`,
    );
  }
  if (seed !== null) {
    checkTensor("backward's gradient", seed);
    if (seed.backend !== root.backend || seed.shape.length !== root.shape.length || seed.shape.some((d, i) => d !== root.shape[i])) {
      throw new RangeError(
        `backward(): the gradient is ${seed.describe()}, expected a ${root.dtype} tensor of shape [${root.shape.join(", ")}] like the value`,
      );
    }
  }
  return inBackward(createGraph, () => {
    const order = topologicalOrder(root);
    const grads = new Map<Tensor, Tensor>();
    const first = seed ? clone(seed) : clone(root);
    if (!seed) first.memory("backward()").view[0] = 1;
    grads.set(root, first);
    const wanted = targets ? new Set(targets) : null;
    const leaves: [Tensor, Tensor][] = [];
    let current: Tensor | null = null; // the gradient being propagated, in no list while its rule runs
    try {
      for (const t of order) {
        const g = grads.get(t);
        if (!g) continue;
        current = g;
        const node = t.node;
        if (!node || node.op === WATCH || (wanted?.has(t) ?? false)) {
          // A leaf (or a target): its gradient is complete, every use of it came before.
          grads.delete(t);
          leaves.push([t, g]);
          continue;
        }
        grads.delete(t);
        const inputs = node.inputs;
        const needs = new Array<boolean>(inputs.length);
        for (let i = 0; i < inputs.length; i++) needs[i] = inputs[i].requiresGrad;
        const results = node.op.backward(g, inputs, t, node.attrs, needs);
        // The results stored as an input's gradient (no copy); every other one is disposed.
        const moved: Tensor[] = [];
        for (let i = 0; i < results.length; i++) {
          const r = results[i];
          if (!r || !needs[i]) continue;
          const x = inputs[i];
          const acc = grads.get(x);
          // Recorded, a sum is a new node (acc may be read by recorded rules); else in place.
          if (acc && createGraph) {
            grads.set(x, add(acc, r));
            acc.dispose();
          } else if (acc) addInto(acc, r);
          else if (!moved.includes(r)) {
            grads.set(x, r);
            moved.push(r);
          } else grads.set(x, createGraph ? identity(r) : clone(r));
        }
        if (!moved.includes(g)) g.dispose();
        for (let i = 0; i < results.length; i++) {
          const r = results[i];
          if (r && !moved.includes(r)) r.dispose();
        }
        current = null;
      }
    } catch (e) {
      current?.dispose();
      for (const g of grads.values()) g.dispose();
      for (const [, g] of leaves) g.dispose();
      throw e;
    }
    if (targets) {
      const byTensor = new Map(leaves);
      return targets.map((x) => byTensor.get(x) ?? zerosLike(x));
    }
    for (const [leaf, g] of leaves) {
      const acc = leaf.grad;
      if (acc && (createGraph || acc.requiresGrad)) {
        leaf.setGrad(add(acc, g));
        acc.dispose();
        g.dispose();
      } else if (acc) {
        addInto(acc, g);
        g.dispose();
      } else leaf.setGrad(g);
    }
    return [];
  });
}

function zerosLike(x: Tensor): Tensor {
  const z = clone(x);
  z.storage("grad").view.fill(0);
  return z;
}

/** The gradient function of f, whose value must be a scalar: x ↦ df/dx (tfjs's tf.grad, jax's grad). */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor) => Tensor {
  const vg = valueAndGrads(checkFunction("grad", f) as (...xs: Tensor[]) => Tensor);
  return (x) => {
    const {
      value,
      grads: [g],
    } = vg(x);
    value.dispose();
    return g;
  };
}

/** The gradient function of f of several tensors: (x1, x2, …) ↦ [df/dx1, df/dx2, …]. */
export function grads(f: (...xs: Tensor[]) => Tensor): (...xs: Tensor[]) => Tensor[] {
  const vg = valueAndGrads(checkFunction("grads", f));
  return (...xs) => {
    const { value, grads: g } = vg(...xs);
    value.dispose();
    return g;
  };
}

/** x ↦ { value: f(x), grad: df/dx }. */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: Tensor) => { value: Tensor; grad: Tensor } {
  const vg = valueAndGrads(checkFunction("valueAndGrad", f) as (...xs: Tensor[]) => Tensor);
  return (x) => {
    const {
      value,
      grads: [g],
    } = vg(x);
    return { value, grad: g };
  };
}

/**
 * (x1, x2, …) ↦ { value: f(x1, x2, …), grads: [df/dx1, …] }. f runs on leaves that require
 * gradients and read the inputs' memory in place (no copy: an input f updates in place, as an
 * optimizer step would, changes them too), inside a scope: every intermediate is freed, only the value and the gradients
 * are returned (the caller disposes them). Variables f reads are constants here: their .grad is
 * untouched.
 */
export function valueAndGrads(f: (...xs: Tensor[]) => Tensor): (...xs: Tensor[]) => { value: Tensor; grads: Tensor[] } {
  checkFunction("valueAndGrads", f);
  return (...xs) => {
    if (xs.length === 0) throw new TypeError("a gradient function needs at least one tensor argument");
    xs.forEach((x, i) => {
      checkTensor(`argument ${i}`, x);
      x.storage(`argument ${i}`);
    });
    // Inside another gradient function (or on tensors a recorded graph will differentiate), the
    // backward pass is recorded: the inputs stay connected to xs, and the gradients have graphs.
    const nested = depth > 0 && isRecording() && xs.some((x) => x.requiresGrad);
    depth++;
    try {
      return tidy(() => {
        const inputs = xs.map((x) => (nested && x.requiresGrad ? identity(x) : watched(x)));
        const value = f(...inputs);
        if (!(value instanceof Tensor)) throw new TypeError(`the function must return a Tensor (a scalar), it returned ${describe(value)}`);
        if (value.size !== 1)
          throw new RangeError(`the function must return a scalar to be differentiated; it returned ${value.describe()} — reduce it with sum() or mean()`);
        if (!value.requiresGrad) {
          // f does not depend on its arguments: every gradient is zero.
          return { value: clone(value), grads: inputs.map((x) => zerosLike(x)) };
        }
        if (nested) return { value, grads: backpropagate(value, null, inputs, true) };
        // The value goes out without its graph (a copy), so the scope frees every intermediate.
        return { value: clone(value), grads: backpropagate(value, null, inputs) };
      });
    } finally {
      depth--;
    }
  };
}

/** How many gradient functions are running (a nested one records its backward pass). */
let depth = 0;

/**
 * The node of a gradient function's argument: a leaf that requires gradients and reads its
 * tensor's memory (no copy). Its input is only held (a recorded node keeps its inputs' memory):
 * backward() stops at it, so the tensor's own .grad and graph are never touched.
 */
const WATCH: GraphOp<undefined> = {
  name: "watch",
  shape: ([x]) => [...x.shape],
  forward: () => {},
  backward: () => [null],
};

/** x as a leaf that requires gradients (the argument of a gradient function), on x's memory. */
function watched(x: Tensor): Tensor {
  const store = x.storage("grad");
  return new Tensor(x.backend, x.shape, x.backend.offset(store, 0), true, { op: WATCH, inputs: [x], attrs: undefined }, "tensor");
}

function checkFunction<F>(name: string, f: F): F {
  if (typeof f !== "function") throw new TypeError(`${name} expects a function, received ${describe(f)}`);
  return f;
}
