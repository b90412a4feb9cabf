// Indexing as index maps: gather, takeAlongAxis, slice, concat, stack, and max/min/argmax/argmin
// along an axis all move values by a list of flat source positions. Two ops carry every one of
// them: "gather" (out[i] = x[src[i]]) and its adjoint "scatter" (out[src[i]] += g[i]), each the
// other's gradient, so every order of derivative follows. The moves are typed-array copies, the
// same for both backends.
import { describe } from "../validate.js";
import { type Operand, apply, readable, shapeText, sizeOf } from "./apply.js";
import { reshape } from "./reduce.js";
import { type GraphOp, Tensor, checkTensor } from "./tensor.js";

interface MapAttrs {
  src: Int32Array;
  shape: readonly number[];
}

/** out (attrs.shape) = x at the flat positions src. */
const gatherOp: GraphOp<MapAttrs> = {
  name: "gather",
  shape: (_x, { shape }) => [...shape],
  forward(_be, out, [x], _s, { src }) {
    const [o, v] = [out.view, x.view];
    for (let i = 0; i < src.length; i++) o[i] = v[src[i]];
  },
  backward: (g, [x], _o, { src }) => [apply(scatterOp, [g], { src, shape: x.shape })],
};

/** out (attrs.shape, zeros) with g[i] added at the flat positions src: gather's adjoint. */
const scatterOp: GraphOp<MapAttrs> = {
  name: "scatter",
  shape: (_g, { shape }) => [...shape],
  forward(_be, out, [g], _s, { src }) {
    const [o, v] = [out.view, g.view];
    o.fill(0);
    for (let i = 0; i < src.length; i++) o[src[i]] += v[i];
  },
  backward: (g, [x], _o, { src }) => [apply(gatherOp, [g], { src, shape: x.shape })],
};

interface ConcatAttrs {
  positions: Int32Array[];
  shape: readonly number[];
}

/** The inputs' values placed at their positions of the output. */
const concatOp: GraphOp<ConcatAttrs> = {
  name: "concat",
  shape: (_xs, { shape }) => [...shape],
  forward(_be, out, xs, _s, { positions }) {
    xs.forEach((x, k) => {
      const p = positions[k];
      for (let j = 0; j < p.length; j++) out.view[p[j]] = x.view[j];
    });
  },
  backward: (g, xs, _o, { positions }, needs) => xs.map((x, k) => (needs[k] ? apply(gatherOp, [g], { src: positions[k], shape: x.shape }) : null)),
};

/** The flat positions of an index grid over a row-major shape. */
function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** Calls f(coordinates, flat) for every element of a shape in row-major order. */
function eachIndex(shape: readonly number[], f: (at: number[], flat: number) => void): void {
  const at = new Array<number>(shape.length).fill(0);
  const n = sizeOf(shape);
  for (let flat = 0; flat < n; flat++) {
    f(at, flat);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++at[d] < shape[d]) break;
      at[d] = 0;
    }
  }
}

/** An axis of x (negative ones count from the end), or a RangeError naming x. */
export function checkAxis(name: string, x: Tensor, axis: unknown, rank = x.rank): number {
  if (typeof axis !== "number" || !Number.isInteger(axis) || axis < -rank || axis >= rank) {
    throw new RangeError(`${name}: axis ${describe(axis)} does not exist in ${x.describe()}; axes are 0 to ${rank - 1} (or negative from the end)`);
  }
  return axis < 0 ? axis + rank : axis;
}

/** Whole-number indices (an array, a typed array or a tensor of whole numbers) checked against a length. */
function indexList(name: string, indices: unknown, length: number): { values: number[]; shape: number[] } {
  let values: ArrayLike<number>, shape: number[];
  if (indices instanceof Tensor) {
    values = indices.data();
    shape = [...indices.shape];
  } else if (Array.isArray(indices) || (ArrayBuffer.isView(indices) && !(indices instanceof DataView))) {
    values = indices as ArrayLike<number>;
    shape = [values.length];
  } else throw new TypeError(`${name}'s indices must be an array of whole numbers or a Tensor of them, received ${describe(indices)}`);
  const out = Array.from(values, (v, i) => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < -length || v >= length) {
      throw new RangeError(
        `${name}: index ${i} is ${describe(v)}; indices along this axis are whole numbers from 0 to ${length - 1} (or negative from the end)`,
      );
    }
    return v < 0 ? v + length : v;
  });
  return { values: out, shape };
}

/** The slices of x at `indices` along `axis` (numpy's take; tfjs's gather): embeddings, rows of a batch. */
export function gather(x: Tensor, indices: readonly number[] | ArrayLike<number> | Tensor, axis = 0): Tensor {
  checkTensor("gather", x);
  const ax = checkAxis("gather", x, axis);
  const { values, shape: ishape } = indexList("gather", indices, x.shape[ax]);
  const shape = [...x.shape.slice(0, ax), ...ishape, ...x.shape.slice(ax + 1)];
  const st = strides(x.shape);
  const src = new Int32Array(sizeOf(shape));
  const r = ishape.length;
  eachIndex(shape, (at, flat) => {
    let p = 0;
    for (let d = 0; d < ax; d++) p += at[d] * st[d];
    let k = 0;
    for (let d = 0; d < r; d++) k = k * ishape[d] + at[ax + d];
    p += values[k] * st[ax];
    for (let d = ax + 1; d < x.rank; d++) p += at[d + r - 1] * st[d];
    src[flat] = p;
  });
  return apply(gatherOp, [x], { src, shape });
}

/**
 * Values of x picked along `axis` by indices of the same rank (numpy's take_along_axis, torch's
 * gather): for x [m, n] and indices [m, 1], each row's one value (cross-entropy on class labels).
 */
export function takeAlongAxis(x: Tensor, indices: readonly (readonly number[])[] | Tensor, axis = -1): Tensor {
  checkTensor("takeAlongAxis", x);
  const ax = checkAxis("takeAlongAxis", x, axis);
  const grid = indices instanceof Tensor ? indices : Array.isArray(indices) && Array.isArray(indices[0]) ? indices.flat() : indices;
  const { values } = indexList("takeAlongAxis", grid, x.shape[ax]);
  const shape =
    indices instanceof Tensor ? [...indices.shape] : Array.isArray(indices[0]) ? [indices.length, (indices[0] as number[]).length] : [values.length];
  if (shape.length !== x.rank || shape.some((d, i) => i !== ax && d !== x.shape[i])) {
    throw new RangeError(
      `takeAlongAxis: indices of shape ${shapeText(shape)} do not fit ${x.describe()} along axis ${ax} (same rank; equal sizes on the other axes)`,
    );
  }
  const st = strides(x.shape);
  const src = new Int32Array(values.length);
  eachIndex(shape, (at, flat) => {
    let p = 0;
    for (let d = 0; d < x.rank; d++) p += (d === ax ? values[flat] : at[d]) * st[d];
    src[flat] = p;
  });
  return apply(gatherOp, [x], { src, shape });
}

/** The block of x starting at `begin` with `size` values along each axis (−1: to the end). */
export function slice(x: Tensor, begin: readonly number[], size?: readonly number[]): Tensor {
  checkTensor("slice", x);
  if (!Array.isArray(begin) || begin.length !== x.rank)
    throw new RangeError(`slice: begin must list one start per axis of ${x.describe()}, received ${describe(begin)}`);
  if (size !== undefined && (!Array.isArray(size) || size.length !== x.rank))
    throw new RangeError(`slice: size must list one length per axis of ${x.describe()}, received ${describe(size)}`);
  const shape = x.shape.map((d, i) => {
    const b = begin[i];
    if (typeof b !== "number" || !Number.isInteger(b) || b < 0 || b >= d)
      throw new RangeError(`slice: begin[${i}] is ${describe(b)}; it must be a whole number from 0 to ${d - 1} for ${x.describe()}`);
    const s = size?.[i] ?? -1;
    const len = s === -1 ? d - b : s;
    if (typeof len !== "number" || !Number.isInteger(len) || len < 1 || b + len > d)
      throw new RangeError(`slice: size[${i}] is ${describe(s)}; from ${b} at most ${d - b} values fit (or −1 for all)`);
    return len;
  });
  const st = strides(x.shape);
  const src = new Int32Array(sizeOf(shape));
  eachIndex(shape, (at, flat) => {
    src[flat] = at.reduce((p, a, d) => p + (a + begin[d]) * st[d], 0);
  });
  return apply(gatherOp, [x], { src, shape });
}

/** The tensors joined along an existing axis (all other dimensions equal). */
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new TypeError(`concat expects a non-empty array of tensors, received ${describe(xs)}`);
  xs.forEach((x, i) => checkTensor(`concat input ${i}`, x));
  const first: Tensor = xs[0];
  const ax = checkAxis("concat", first, axis);
  xs.forEach((x: Tensor, i: number) => {
    if (x.rank !== first.rank || x.shape.some((d, j) => j !== ax && d !== first.shape[j])) {
      throw new RangeError(`concat: input ${i} is ${x.describe()}; along axis ${ax} it must match input 0, ${first.describe()}, on every other axis`);
    }
  });
  const shape = first.shape.map((d, j) => (j === ax ? xs.reduce((a, x) => a + x.shape[ax], 0) : d));
  const st = strides(shape);
  let offset = 0;
  const positions = xs.map((x: Tensor) => {
    const p = new Int32Array(x.size);
    eachIndex(x.shape, (at, flat) => {
      p[flat] = at.reduce((s, a, d) => s + (d === ax ? a + offset : a) * st[d], 0);
    });
    offset += x.shape[ax];
    return p;
  });
  return apply(concatOp, xs as Operand[], { positions, shape });
}

/** The tensors (all of one shape) stacked along a new axis. */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  if (!Array.isArray(xs) || xs.length === 0) throw new TypeError(`stack expects a non-empty array of tensors, received ${describe(xs)}`);
  xs.forEach((x, i) => checkTensor(`stack input ${i}`, x));
  const ax = checkAxis("stack", xs[0], axis, xs[0].rank + 1);
  const expanded = xs.map((x) => reshape(x, [...x.shape.slice(0, ax), 1, ...x.shape.slice(ax)]));
  try {
    return concat(expanded, ax);
  } finally {
    expanded.forEach((t) => t.dispose());
  }
}

/** The flat position of the largest (or smallest) value of each line along axis (the first on ties). */
function extremes(name: string, x: Tensor, axis: number | undefined, largest: boolean): { src: Int32Array; shape: number[]; along: number[] } {
  checkTensor(name, x);
  const v = readable(x, name).view;
  if (axis === undefined) {
    let best = 0;
    for (let i = 1; i < x.size; i++) if (largest ? v[i] > v[best] : v[i] < v[best]) best = i;
    return { src: Int32Array.of(best), shape: [], along: [best] };
  }
  const ax = checkAxis(name, x, axis);
  const shape = x.shape.filter((_, i) => i !== ax);
  const st = strides(x.shape);
  const src = new Int32Array(sizeOf(shape));
  const along: number[] = [];
  eachIndex(shape, (at, flat) => {
    let base = 0;
    for (let d = 0, k = 0; d < x.rank; d++) if (d !== ax) base += at[k++] * st[d];
    let best = 0;
    for (let j = 1; j < x.shape[ax]; j++) {
      const a = v[base + j * st[ax]],
        b = v[base + best * st[ax]];
      if (largest ? a > b : a < b) best = j;
    }
    src[flat] = base + best * st[ax];
    along.push(best);
  });
  return { src, shape, along };
}

/** The largest value along an axis (or of all values): its gradient goes to that element (the first on ties). */
export function reduceMax(x: Tensor, axis?: number): Tensor {
  const { src, shape } = extremes("reduceMax", x, axis, true);
  return apply(gatherOp, [x], { src, shape });
}

/** The smallest value along an axis (or of all values). */
export function reduceMin(x: Tensor, axis?: number): Tensor {
  const { src, shape } = extremes("reduceMin", x, axis, false);
  return apply(gatherOp, [x], { src, shape });
}

/** The index of the largest value along an axis (of the flat values without one), as a float tensor; no gradient. */
export function argMax(x: Tensor, axis?: number): Tensor {
  return indexTensor(x, extremes("argMax", x, axis, true));
}

/** The index of the smallest value along an axis. */
export function argMin(x: Tensor, axis?: number): Tensor {
  return indexTensor(x, extremes("argMin", x, axis, false));
}

function indexTensor(x: Tensor, { shape, along }: { shape: number[]; along: number[] }): Tensor {
  return apply(constantOp, [x], { values: along, shape });
}

/** Values computed outside the graph (indices): a constant of x's backend. */
const constantOp: GraphOp<{ values: number[]; shape: number[] }> = {
  name: "argMax",
  shape: (_x, { shape }) => [...shape],
  forward(_be, out, _x, _s, { values }) {
    out.view.set(values);
  },
  backward: () => [null],
  constant: true,
};
