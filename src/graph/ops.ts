// The graph's primitive ops in one table: for each, the shape of its output (checked against its
// inputs'), its forward pass in the backend's primitives (wasm float32 kernels or the float64
// reference, see backend.ts) and its gradient rule, written with the ops themselves so that a
// recorded backward pass (higher-order gradients) is differentiable in turn. The entries live by
// family: elementwise.ts, matmul.ts (products and permutations), reduce.ts (reshape, sums and
// their adjoint broadcast); the functions are re-exported here.
import { readable, sameShape } from "./apply.js";
import { elementwiseOps } from "./elementwise.js";
import { forEachSlice } from "./layout.js";
import { matmulOps } from "./matmul.js";
import { reduceOps } from "./reduce.js";
import { type Tensor, emptyTensor } from "./tensor.js";

export {
  add,
  sub,
  mul,
  div,
  max,
  min,
  neg,
  exp,
  log,
  normalCdf,
  pow,
  greaterEqual,
  greater,
  lessEqual,
  less,
  equal,
  notEqual,
  where,
  detach,
  identity,
} from "./elementwise.js";
export { reshape, sum, mean, reduceAttrs, reducedShape, reduceTo, broadcastTo, type ReduceOptions } from "./reduce.js";
export { swap, consume, after } from "./temporaries.js";

/** @internal The primitive ops' table (shape rule, forward pass, gradient rule), enumerated by the tests. */
export const graphOps = {
  ...elementwiseOps,
  matmul: matmulOps.matmul,
  transpose: matmulOps.transpose,
  reshape: reduceOps.reshape,
  sum: reduceOps.sum,
};

/** @internal Adds g (acc's shape) into acc in place (the accumulation of an unrecorded backward()). */
export function addInto(acc: Tensor, g: Tensor): void {
  const s = acc.memory("backward()");
  const gs = readable(g, "backward()");
  if (sameShape(acc.shape, g.shape)) acc.backend.binary("add", 1, acc.size, { s, row: 0, col: 1 }, { s: gs, row: 0, col: 1 }, s);
  else
    forEachSlice(
      acc.backend,
      acc.shape,
      [
        { s, shape: acc.shape },
        { s: gs, shape: g.shape },
      ],
      s,
      (R, C, [x, y], o) => acc.backend.binary("add", R, C, x, y, o),
    );
}

/** @internal A copy of a tensor's values, unrecorded. */
export function clone(t: Tensor): Tensor {
  const out = emptyTensor(t.backend, t.shape, false, null, t.madeBy);
  t.backend.copy(t.size, readable(t, "clone"), out.memory("clone"));
  return out;
}
