// The ops that move values between shapes: reshape, sums and means over axes, and their adjoint,
// the broadcast (optionally divided by the number of copies: a mean's). The gradient rules of
// every broadcasting op sum their operands' gradients back with reduceTo.
import { describe } from "../validate.js";
import { apply, as2d, broadcastShape, checkOptions, sameShape, shapeText, sizeOf, strided } from "./apply.js";
import { forEachSlice, sumAxes } from "./layout.js";
import { type GraphOp, type Tensor, checkShape, checkTensor } from "./tensor.js";
import { swap } from "./temporaries.js";

/** @internal A reduction over `axes` (sorted; null: every axis). */
export interface ReduceAttrs {
  axes: readonly number[] | null;
  keepDims: boolean;
  mean: boolean;
}

/** g (the shape of x, or one that broadcasts to it) spread over `shape`; with `mean`, divided by the number of copies. */
interface BroadcastAttrs {
  shape: readonly number[];
  mean: boolean;
}

/**
 * Sums g (shape of an op's output) down to `shape` (an input broadcast into it); with `mean`,
 * averages instead (the adjoint of a mean's broadcast).
 */
export function reduceTo(g: Tensor, shape: readonly number[], owned: boolean, mean = false): Tensor {
  if (sameShape(g.shape, shape)) return g;
  // The axes numpy's rule added in front of `shape`, and those where it is 1 and g is not.
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  const t = axes.length === 0 ? g : swap(g, apply(reduceOps.sum, [g], { axes, keepDims: false, mean }), owned);
  return swap(t, reshape(t, shape), owned || t !== g);
}

/** g broadcast up to `shape` (the adjoint of a sum over the broadcast dimensions). */
export function broadcastTo(g: Tensor, shape: readonly number[]): Tensor {
  return apply(broadcastOp, [g], { shape, mean: false });
}

/** The shape after a reduction, with or without kept dimensions. */
export function reducedShape(s: readonly number[], { axes, keepDims }: Omit<ReduceAttrs, "mean">): number[] {
  const reduced = (i: number): boolean => axes === null || axes.includes(i);
  return keepDims ? s.map((d, i) => (reduced(i) ? 1 : d)) : s.filter((_, i) => !reduced(i));
}

const broadcastOp: GraphOp<BroadcastAttrs> = {
  name: "broadcast",
  shape: ([g], { shape }) => (broadcastShape("broadcast", g.shape, shape), [...shape]),
  forward(be, out, [g], [sg], { shape, mean }) {
    // A mean's adjoint: every copy times 1/count, in the one pass that spreads them.
    const count = sizeOf(shape) / sizeOf(sg);
    const scale = mean && count !== 1 ? be.alloc(1) : null;
    try {
      if (scale) scale.view[0] = 1 / count;
      const by = scale && { s: scale, row: 0, col: 0 };
      if (shape.length <= 2) {
        const [R, C] = as2d(shape);
        if (by) be.binary("mul", R, C, strided(g, sg, shape), by, out);
        else be.binary("copy", R, C, { s: g, row: 0, col: 0 }, strided(g, sg, shape), out);
      } else
        forEachSlice(be, shape, [{ s: g, shape: sg }], out, (R, C, [x], o) =>
          by ? be.binary("mul", R, C, x, by, o) : be.binary("copy", R, C, { s: x.s, row: 0, col: 0 }, x, o),
        );
    } finally {
      scale?.dispose();
    }
  },
  backward: (g, [x], _out, { mean }) => [reduceTo(g, x.shape, false, mean)],
};

/** @internal The shape ops' entries of the op table (ops.ts). */
export const reduceOps: { readonly reshape: GraphOp<readonly number[]>; readonly sum: GraphOp<ReduceAttrs> } = {
  reshape: {
    name: "reshape",
    shape([x], shape) {
      const size = sizeOf(shape);
      if (size !== x.size) throw new RangeError(`reshape: ${x.describe()} has ${x.size} values; shape ${shapeText(shape)} holds ${size}`);
      return [...shape];
    },
    forward: (be, out, [x], [s]) => be.copy(sizeOf(s), x, out),
    backward: (g, [x]) => [reshape(g, x.shape)],
  } satisfies GraphOp<readonly number[]>,
  sum: {
    name: "sum",
    shape: ([x], attrs) => reducedShape(x.shape, attrs),
    forward(be, out, [x], [s], { axes, mean }) {
      const count = axes === null ? sizeOf(s) : axes.reduce((n, a) => n * s[a], 1);
      sumAxes(be, x, s, axes, out, mean ? 1 / count : 1);
    },
    // Every input element feeds the sum once: g broadcast back (divided by the count for a mean).
    // g broadcasts against x as it is when the axes were kept or every axis was summed; otherwise
    // the summed axes come back as 1s first.
    backward(g, [x], _out, attrs) {
      const gk = attrs.keepDims || attrs.axes === null ? g : reshape(g, reducedShape(x.shape, { ...attrs, keepDims: true }));
      return [swap(gk, apply(broadcastOp, [gk], { shape: x.shape, mean: attrs.mean }), gk !== g)];
    },
  } satisfies GraphOp<ReduceAttrs>,
};

/** The same values in another shape (one dimension may be −1: whatever is left). */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  checkTensor("reshape", x);
  if (!Array.isArray(shape)) throw new TypeError(`reshape's shape must be an array of whole numbers, received ${describe(shape)}`);
  const free = shape.indexOf(-1);
  let dims = [...shape];
  if (free >= 0 && shape.lastIndexOf(-1) === free) {
    const rest = shape.reduce((a, b, i) => (i === free ? a : a * b), 1);
    dims[free] = rest > 0 && x.size % rest === 0 ? x.size / rest : 0;
    if (dims[free] === 0) throw new RangeError(`reshape: ${x.describe()} has ${x.size} values, which shape ${shapeText(shape)} cannot hold`);
  }
  dims = checkShape("reshape's shape", dims);
  return apply(reduceOps.reshape, [x], dims);
}

/** Options of sum() and mean(): which axes, and whether to keep them as dimensions of 1. */
export interface ReduceOptions {
  /** The axis or axes to reduce (−1 is the last); all values when absent. */
  axis?: number | readonly number[];
  /** Keep the reduced dimensions as 1 (so the result broadcasts against the input). */
  keepDims?: boolean;
}

/** The sum of all values, or along one axis or several. */
export function sum(x: Tensor, axisOrOptions?: number | readonly number[] | ReduceOptions): Tensor {
  return apply(reduceOps.sum, [x], reduceAttrs("sum", x, axisOrOptions, true, false));
}

/** The mean of all values, or along one axis or several. */
export function mean(x: Tensor, axisOrOptions?: number | readonly number[] | ReduceOptions): Tensor {
  return apply(reduceOps.sum, [x], reduceAttrs("mean", x, axisOrOptions, true, true));
}

/** Parses a reduction's axis (or axes) and keepDims, naming the tensor when an axis does not exist. */
export function reduceAttrs(
  name: string,
  x: Tensor,
  options: number | readonly number[] | ReduceOptions | undefined,
  many: boolean,
  isMean: boolean,
): ReduceAttrs {
  checkTensor(name, x);
  const o =
    typeof options === "number" || Array.isArray(options)
      ? { axis: options as number | number[] }
      : (checkOptions(name, options ?? {}, ["axis", "keepDims"]) as ReduceOptions);
  const keepDims = o.keepDims ?? false;
  if (typeof keepDims !== "boolean") throw new TypeError(`${name}'s keepDims must be true or false, received ${describe(keepDims)}`);
  if (o.axis === undefined) return { axes: null, keepDims, mean: isMean };
  const list = Array.isArray(o.axis) ? (o.axis as unknown[]) : [o.axis];
  if (!many && list.length !== 1) throw new TypeError(`${name} reduces one axis; received ${describe(o.axis)}`);
  const axes = list.map((axis) => {
    if (typeof axis !== "number" || !Number.isInteger(axis) || axis < -x.rank || axis >= x.rank) {
      throw new RangeError(`${name}: axis ${describe(axis)} does not exist in ${x.describe()}; axes are 0 to ${x.rank - 1} (or −1 for the last)`);
    }
    return axis < 0 ? axis + x.rank : axis;
  });
  if (new Set(axes).size !== axes.length) throw new RangeError(`${name}: axes ${describe(o.axis)} name one axis twice`);
  return { axes: axes.sort((a, b) => a - b), keepDims, mean: isMean };
}
