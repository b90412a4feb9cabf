// The graph's primitive ops: for each, the shape of its output (checked against its inputs'), its
// forward pass in the backend's primitives (wasm float32 kernels or the float64 reference, see
// backend.ts) and its gradient rule, written with the ops themselves so that a recorded backward
// pass (higher-order gradients) is differentiable in turn.
import { describe } from "../validate.js";
import type { BinaryKind, UnaryKind } from "./backend.js";
import {
  type Operand, apply, as2d, broadcastShape, checkOptions, readable, sameShape, shapeText, sizeOf, strided,
} from "./apply.js";
import { type GraphOp, type Tensor, checkShape, checkTensor, emptyTensor } from "./tensor.js";

// ---- gradient helpers ----------------------------------------------------------------------

/** Sums g (shape of an op's output) down to `shape` (an input broadcast into it). */
export function reduceTo(g: Tensor, shape: readonly number[], owned: boolean): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const [r, c] = as2d(shape), [R, C] = as2d(g.shape);
  let t = g, own = owned;
  if (r === 1 && R > 1) { t = swap(t, sum(t, 0), own); own = true; }
  if (c === 1 && C > 1) { t = swap(t, sum(t, -1), own); own = true; }
  return swap(t, reshape(t, shape), own);
}

/** Returns next, disposing prev when the caller owned it. */
export function swap(prev: Tensor, next: Tensor, ownedPrev: boolean): Tensor {
  if (ownedPrev && prev !== next) prev.dispose();
  return next;
}

/** f(a, b) with a and b disposed after (temporaries of a gradient rule). */
export function consume(a: Tensor, b: Tensor, f: (a: Tensor, b: Tensor) => Tensor): Tensor {
  const out = f(a, b);
  if (a !== out) a.dispose();
  if (b !== out && b !== a) b.dispose();
  return out;
}

/** f(t) with t disposed after. */
export function after(t: Tensor, f: (t: Tensor) => Tensor): Tensor {
  const out = f(t);
  if (out !== t) t.dispose();
  return out;
}

/** g broadcast up to `shape` (the adjoint of a sum over the broadcast dimensions). */
export function broadcastTo(g: Tensor, shape: readonly number[]): Tensor {
  return apply(broadcastOp, [g], shape);
}

// ---- op makers -----------------------------------------------------------------------------

function binaryOp(kind: BinaryKind, backward: GraphOp<undefined>["backward"], constant = false): GraphOp<undefined> {
  const op: GraphOp<undefined> = {
    name: kind,
    shape: ([a, b]) => broadcastShape(kind, a.shape, b.shape),
    forward(be, out, [a, b], [sa, sb]) {
      const o = broadcastShape(kind, sa, sb);
      const [R, C] = as2d(o);
      be.binary(kind, R, C, strided(a, sa, o), strided(b, sb, o), out);
    },
    backward,
  };
  if (constant) op.constant = true;
  return op;
}

function unaryOp(kind: UnaryKind, backward: GraphOp<number>["backward"]): GraphOp<number> {
  return {
    name: kind,
    shape: ([x]) => [...x.shape],
    forward: (be, out, [x], [s], p) => be.unary(kind, sizeOf(s), x, out, p),
    backward,
  };
}

const noGradient = (): null[] => [null, null];

/** The comparison masks (1 where true, else 0): piecewise constant, so never recorded. */
const maskOps = {
  ge: binaryOp("ge", noGradient, true),
  gt: binaryOp("gt", noGradient, true),
  eq: binaryOp("eq", noGradient, true),
};

/** g where the mask is 1 to a, the rest to b: the max and min gates route g to the input they picked. */
function routed(g: Tensor, mask: Tensor, a: Tensor, b: Tensor, needs: readonly boolean[]): (Tensor | null)[] {
  const toA = mul(g, mask);
  mask.dispose();
  const toB = needs[1] ? sub(g, toA) : null;
  return [needs[0] ? reduceTo(toA, a.shape, true) : (toA.dispose(), null), toB ? reduceTo(toB, b.shape, true) : null];
}

interface MatmulAttrs { transposeA: boolean; transposeB: boolean }
/** A reduction over `axes` (sorted; null: every axis). */
interface ReduceAttrs { axes: readonly number[] | null; keepDims: boolean; mean: boolean }

/** The shape after a reduction, with or without kept dimensions. */
export function reducedShape(s: readonly number[], { axes, keepDims }: Omit<ReduceAttrs, "mean">): number[] {
  const reduced = (i: number): boolean => axes === null || axes.includes(i);
  return keepDims ? s.map((d, i) => (reduced(i) ? 1 : d)) : s.filter((_, i) => !reduced(i));
}

const broadcastOp: GraphOp<readonly number[]> = {
  name: "broadcast",
  shape: ([g], shape) => (broadcastShape("broadcast", g.shape, shape), [...shape]),
  forward(be, out, [g], [sg], shape) {
    const [R, C] = as2d(shape);
    be.binary("copy", R, C, { s: g, row: 0, col: 0 }, strided(g, sg, shape), out);
  },
  backward: (g, [x]) => [reduceTo(g, x.shape, false)],
};

// ---- the table -----------------------------------------------------------------------------

/** @internal The primitive ops' table (shape rule, forward pass, gradient rule), enumerated by the tests. */
export const graphOps = {
  add: binaryOp("add", (g, [a, b], _o, _x, needs) => [needs[0] ? reduceTo(g, a.shape, false) : null, needs[1] ? reduceTo(g, b.shape, false) : null]),
  sub: binaryOp("sub", (g, [a, b], _o, _x, needs) => [needs[0] ? reduceTo(g, a.shape, false) : null, needs[1] ? reduceTo(neg(g), b.shape, true) : null]),
  // The multiply gate swaps: da = g·b, db = g·a.
  mul: binaryOp("mul", (g, [a, b], _o, _x, needs) => [needs[0] ? reduceTo(mul(g, b), a.shape, true) : null, needs[1] ? reduceTo(mul(g, a), b.shape, true) : null]),
  // out = a/b: da = g/b, db = −g·a/b² (written with a, not out, so that it differentiates again).
  div: binaryOp("div", (g, [a, b], _o, _x, needs) => {
    let db: Tensor | null = null;
    if (needs[1]) {
      const q = consume(div(g, b), div(a, b), mul);
      db = reduceTo(after(q, neg), b.shape, true);
    }
    return [needs[0] ? reduceTo(div(g, b), a.shape, true) : null, db];
  }),
  // The max gate routes g to the larger input (the first on ties).
  max: binaryOp("max", (g, [a, b], _o, _x, needs) => routed(g, apply(maskOps.ge, [a, b], undefined), a, b, needs)),
  min: binaryOp("min", (g, [a, b], _o, _x, needs) => routed(g, apply(maskOps.ge, [b, a], undefined), a, b, needs)),
  // out = aᵇ: da = g·b·aᵇ⁻¹, db = g·out·ln a (0 where out is 0, as 0·ln 0 would be NaN).
  powTensor: binaryOp("pow", (g, [a, b], out, _x, needs) => {
    let da: Tensor | null = null, db: Tensor | null = null;
    if (needs[0]) {
      const t = after(after(sub(b, 1), (e) => powTensor(a, e)), (p) => mul(p, b));
      da = reduceTo(after(t, (u) => mul(g, u)), a.shape, true);
    }
    if (needs[1]) {
      const lnA = consume(apply(maskOps.eq, [out, 0], undefined), log(a), (zero, l) => where(zero, 0, l));
      db = reduceTo(after(after(lnA, (l) => mul(out, l)), (u) => mul(g, u)), b.shape, true);
    }
    return [da, db];
  }),
  neg: unaryOp("neg", (g) => [neg(g)]),
  exp: unaryOp("exp", (g, _i, out) => [mul(g, out)]),
  log: unaryOp("log", (g, [x]) => [div(g, x)]),
  // d xᵖ = p·xᵖ⁻¹ (0 when p = 0, where x⁻¹ would make 0·∞).
  pow: unaryOp("pow", (g, [x], _o, p) => {
    if (p === 0) return [mul(g, 0)];
    return [after(after(pow(x, p - 1), (t) => mul(t, p)), (t) => mul(g, t))];
  }),
  // Φ, the standard normal CDF (gelu's derivative reads it); its derivative is φ = e^(−x²/2)/√(2π).
  normalCdf: unaryOp("normalCdf", (g, [x]) => [mul(g, normalPdf(x))]),
  // c ≠ 0 ? a : b: g flows to the input that was picked; the condition gets none.
  where: {
    name: "where",
    shape: ([c, a, b]) => broadcastShape("where", c.shape, broadcastShape("where", a.shape, b.shape)),
    forward(be, out, [c, a, b], [sc, sa, sb]) {
      const o = broadcastShape("where", sc, broadcastShape("where", sa, sb));
      const [R, C] = as2d(o);
      be.select(R, C, strided(c, sc, o), strided(a, sa, o), strided(b, sb, o), out);
    },
    backward(g, [c, a, b], _o, _x, needs) {
      const da = needs[1] ? reduceTo(where(c, g, 0), a.shape, true) : null;
      const db = needs[2] ? reduceTo(where(c, 0, g), b.shape, true) : null;
      return [null, da, db];
    },
  } satisfies GraphOp<undefined>,
  // A recorded copy (grad() of grad() watches its input through one; detach's opposite).
  identity: {
    name: "identity",
    shape: ([x]) => [...x.shape],
    forward: (be, out, [x], [s]) => be.copy(sizeOf(s), x, out),
    backward: (g) => [g],
  } satisfies GraphOp<undefined>,
  // A copy that stops gradients (jax's stop_gradient).
  detach: {
    name: "detach",
    shape: ([x]) => [...x.shape],
    forward: (be, out, [x], [s]) => be.copy(sizeOf(s), x, out),
    backward: () => [null],
    constant: true,
  } satisfies GraphOp<undefined>,
  matmul: {
    name: "matmul",
    shape([a, b], { transposeA, transposeB }) {
      if (a.rank !== 2 || b.rank !== 2) throw new RangeError(`matmul needs two matrices (rank 2); received shapes ${shapeText(a.shape)} and ${shapeText(b.shape)} (reshape a vector to [1, n] or [n, 1])`);
      const [m, k] = transposeA ? [a.shape[1], a.shape[0]] : a.shape;
      const [k2, n] = transposeB ? [b.shape[1], b.shape[0]] : b.shape;
      if (k !== k2) {
        throw new RangeError(`matmul: inner dimensions differ: ${shapeText(a.shape)}${transposeA ? "ᵀ" : ""} · ${shapeText(b.shape)}${transposeB ? "ᵀ" : ""} is (${m} × ${k}) · (${k2} × ${n})`);
      }
      return [m, n];
    },
    forward(be, out, [a, b], [sa, sb], { transposeA, transposeB }) {
      const [m, k] = transposeA ? [sa[1], sa[0]] : sa;
      const n = transposeB ? sb[0] : sb[1];
      be.matmul(transposeA, transposeB, m, n, k, a, b, out);
    },
    // C = op(A)·op(B): each input's gradient is another product of g with the other input.
    backward(g, [a, b], _out, { transposeA: ta, transposeB: tb }, needs) {
      const mm = (x: Tensor, y: Tensor, tx: boolean, ty: boolean): Tensor => apply(graphOps.matmul, [x, y], { transposeA: tx, transposeB: ty });
      const da = !needs[0] ? null : ta ? (tb ? mm(b, g, true, true) : mm(b, g, false, true)) : mm(g, b, false, !tb);
      const db = !needs[1] ? null : tb ? (ta ? mm(g, a, true, true) : mm(g, a, true, false)) : mm(a, g, !ta, false);
      return [da, db];
    },
  } satisfies GraphOp<MatmulAttrs>,
  transpose: {
    name: "transpose",
    shape: ([x]) => [...x.shape].reverse(),
    forward(be, out, [x], [s]) {
      if (s.length === 2) be.transpose(s[0], s[1], x, out);
      else be.copy(sizeOf(s), x, out);
    },
    backward: (g) => [transpose(g)],
  } satisfies GraphOp<undefined>,
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
      const [r, c] = as2d(s);
      const size = r * c;
      if (axes === null || s.length === 1 || axes.length === 2) be.sumRows(1, size, x, out, mean ? 1 / size : 1);
      else if (axes[0] === 0) be.sumCols(r, c, x, out, mean ? 1 / r : 1);
      else be.sumRows(r, c, x, out, mean ? 1 / c : 1);
    },
    // Every input element feeds the sum once: g broadcast back (scaled by 1/count for a mean).
    backward(g, [x], _out, attrs) {
      const gk = reshape(g, reducedShape(x.shape, { ...attrs, keepDims: true }));
      const spread = swap(gk, broadcastTo(gk, x.shape), true);
      if (!attrs.mean) return [spread];
      return [swap(spread, mul(spread, g.size / x.size), true)];
    },
  } satisfies GraphOp<ReduceAttrs>,
};

// ---- the functions -------------------------------------------------------------------------

/** a + b, elementwise with broadcasting (a scalar, a row [n] or [1, n], or a column [m, 1]). */
export const add = (a: Operand, b: Operand): Tensor => apply(graphOps.add, [a, b], undefined);
/** a − b, elementwise with broadcasting. */
export const sub = (a: Operand, b: Operand): Tensor => apply(graphOps.sub, [a, b], undefined);
/** a · b, elementwise with broadcasting (use matmul for the matrix product). */
export const mul = (a: Operand, b: Operand): Tensor => apply(graphOps.mul, [a, b], undefined);
/** a / b, elementwise with broadcasting. */
export const div = (a: Operand, b: Operand): Tensor => apply(graphOps.div, [a, b], undefined);
/** The larger of a and b, elementwise (its gradient goes to the larger; to a on ties). */
export const max = (a: Operand, b: Operand): Tensor => apply(graphOps.max, [a, b], undefined);
/** The smaller of a and b, elementwise (its gradient goes to the smaller; to a on ties). */
export const min = (a: Operand, b: Operand): Tensor => apply(graphOps.min, [a, b], undefined);
/** −x, elementwise. */
export const neg = (x: Tensor): Tensor => apply(graphOps.neg, [x], 0);
/** eˣ with IEEE results (+Infinity past float32's range, subnormals and 0 below). */
export const exp = (x: Tensor): Tensor => apply(graphOps.exp, [x], 0);
/** The natural logarithm (−Infinity at 0, NaN below, as Math.log). */
export const log = (x: Tensor): Tensor => apply(graphOps.log, [x], 0);
/** @internal Φ(x), the standard normal CDF. */
export const normalCdf = (x: Tensor): Tensor => apply(graphOps.normalCdf, [x], 0);

/** xᵖ: p a number, or a tensor (elementwise, with broadcasting; then x may be a number). */
export function pow(x: Operand, p: Operand): Tensor {
  if (typeof p !== "number") return powTensor(x, p);
  checkTensor("pow", x);
  if (!Number.isFinite(p)) throw new TypeError(`pow's exponent must be a finite number or a Tensor, received ${describe(p)}`);
  return apply(graphOps.pow, [x], p);
}
const powTensor = (x: Operand, p: Operand): Tensor => apply(graphOps.powTensor, [x, p], undefined);

/** φ(x) = e^(−x²/2)/√(2π), in graph ops. */
function normalPdf(x: Tensor): Tensor {
  const e = after(after(mul(x, x), (sq) => mul(sq, -0.5)), exp);
  return after(e, (t) => mul(t, 1 / Math.sqrt(2 * Math.PI)));
}

/** 1 where a ≥ b, else 0 (elementwise, with broadcasting; no gradient). */
export const greaterEqual = (a: Operand, b: Operand): Tensor => apply(maskOps.ge, [a, b], undefined);
/** 1 where a > b, else 0. */
export const greater = (a: Operand, b: Operand): Tensor => apply(maskOps.gt, [a, b], undefined);
/** 1 where a ≤ b, else 0. */
export const lessEqual = (a: Operand, b: Operand): Tensor => apply(maskOps.ge, [b, a], undefined);
/** 1 where a < b, else 0. */
export const less = (a: Operand, b: Operand): Tensor => apply(maskOps.gt, [b, a], undefined);
/** 1 where a = b, else 0. */
export const equal = (a: Operand, b: Operand): Tensor => apply(maskOps.eq, [a, b], undefined);
/** 1 where a ≠ b, else 0. */
export function notEqual(a: Operand, b: Operand): Tensor {
  const e = equal(a, b);
  return swap(e, apply(maskOps.eq, [e, 0], undefined), true);
}

/** condition ≠ 0 ? a : b, elementwise with broadcasting (a value not picked never leaks, not even NaN). */
export const where = (condition: Operand, a: Operand, b: Operand): Tensor => apply(graphOps.where, [condition, a, b], undefined);

/** A copy whose gradient is zero: backward() stops here (stop-gradient). */
export const detach = (x: Tensor): Tensor => apply(graphOps.detach, [x], undefined);
/** @internal A recorded copy. */
export const identity = (x: Tensor): Tensor => apply(graphOps.identity, [x], undefined);

/** Options of matmul(): which operand to use transposed (neither by default). */
export interface MatmulOptions {
  /** Multiply by aᵀ instead of a (false by default; ignored for a vector). */
  transposeA?: boolean;
  /** Multiply by bᵀ instead of b (false by default; ignored for a vector). */
  transposeB?: boolean;
}

/**
 * The matrix product op(a)·op(b), op transposing where the options say. Vectors follow numpy:
 * a vector first is a row [1, n], a vector second a column [n, 1], and that dimension is dropped
 * from the result (two vectors give their dot product, a scalar).
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const { transposeA = false, transposeB = false } = checkOptions("matmul", options, ["transposeA", "transposeB"]) as MatmulOptions;
  if (typeof transposeA !== "boolean" || typeof transposeB !== "boolean") {
    throw new TypeError(`matmul's transposeA and transposeB must be true or false, received ${describe(transposeA)} and ${describe(transposeB)}`);
  }
  checkTensor("matmul input 0", a);
  checkTensor("matmul input 1", b);
  if (a.rank === 0 || b.rank === 0) throw new RangeError(`matmul needs vectors or matrices; received shapes ${shapeText(a.shape)} and ${shapeText(b.shape)} (use mul for a scalar)`);
  if (a.rank === 2 && b.rank === 2) return apply(graphOps.matmul, [a, b], { transposeA, transposeB });
  const a2 = a.rank === 1 ? reshape(a, [1, a.size]) : a;
  const b2 = b.rank === 1 ? reshape(b, [b.size, 1]) : b;
  const ta = a.rank === 1 ? false : transposeA, tb = b.rank === 1 ? false : transposeB;
  let c: Tensor;
  try {
    c = apply(graphOps.matmul, [a2, b2], { transposeA: ta, transposeB: tb });
  } finally {
    if (a2 !== a) a2.dispose();
    if (b2 !== b) b2.dispose();
  }
  const shape = a.rank === 1 && b.rank === 1 ? [] : a.rank === 1 ? [c.shape[1]] : [c.shape[0]];
  return swap(c, reshape(c, shape), true);
}

/** The transpose of a matrix (a vector or a scalar is returned as a copy). */
export const transpose = (x: Tensor): Tensor => apply(graphOps.transpose, [x], undefined);

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
  return apply(graphOps.reshape, [x], dims);
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
  return apply(graphOps.sum, [x], reduceAttrs("sum", x, axisOrOptions, true, false));
}

/** The mean of all values, or along one axis or several. */
export function mean(x: Tensor, axisOrOptions?: number | readonly number[] | ReduceOptions): Tensor {
  return apply(graphOps.sum, [x], reduceAttrs("mean", x, axisOrOptions, true, true));
}

/** Parses a reduction's axis (or axes) and keepDims, naming the tensor when an axis does not exist. */
export function reduceAttrs(name: string, x: Tensor, options: number | readonly number[] | ReduceOptions | undefined, many: boolean, isMean: boolean): ReduceAttrs {
  checkTensor(name, x);
  const o = typeof options === "number" || Array.isArray(options) ? { axis: options as number | number[] } : (checkOptions(name, options ?? {}, ["axis", "keepDims"]) as ReduceOptions);
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

/** @internal Adds g into acc in place (the accumulation of an unrecorded backward()). */
export function addInto(acc: Tensor, g: Tensor): void {
  const s = acc.memory("backward()");
  const [R, C] = as2d(acc.shape);
  acc.backend.binary("add", R, C, { s, row: C, col: 1 }, strided(readable(g, "backward()"), g.shape, acc.shape), s);
}

/** @internal A copy of a tensor's values, unrecorded. */
export function clone(t: Tensor): Tensor {
  const out = emptyTensor(t.backend, t.shape, false, null, t.madeBy);
  t.backend.copy(t.size, readable(t, "clone"), out.memory("clone"));
  return out;
}
