// The graph's primitive ops: for each, the shape of its output (checked against its inputs'), its
// forward pass in the backend's primitives (wasm float32 kernels or the float64 reference, see
// backend.ts) and its gradient rule, written with the ops themselves so that a recorded backward
// pass (higher-order gradients) is differentiable in turn.
import { describe } from "../validate.js";
import type { BinaryKind, UnaryKind } from "./backend.js";
import { type Operand, apply, as2d, broadcastShape, checkOptions, readable, sameShape, shapeText, sizeOf, strided } from "./apply.js";
import type { Backend, Storage } from "./backend.js";
import { broadcastStrides, eachOffset, forEachSlice, permuteInto, sumAxes } from "./layout.js";
import { type GraphOp, type Tensor, checkShape, checkTensor, emptyTensor } from "./tensor.js";

// ---- gradient helpers ----------------------------------------------------------------------

/** Sums g (shape of an op's output) down to `shape` (an input broadcast into it). */
export function reduceTo(g: Tensor, shape: readonly number[], owned: boolean): Tensor {
  if (sameShape(g.shape, shape)) return g;
  // The axes numpy's rule added in front of `shape`, and those where it is 1 and g is not.
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  const t = axes.length === 0 ? g : swap(g, sum(g, axes), owned);
  return swap(t, reshape(t, shape), owned || t !== g);
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
      if (sameShape(sa, sb)) {
        // No broadcasting (scalars, the common case): one flat pass.
        be.binary(kind, 1, sizeOf(sa), { s: a, row: 0, col: 1 }, { s: b, row: 0, col: 1 }, out);
        return;
      }
      const o = broadcastShape(kind, sa, sb);
      if (o.length <= 2) {
        const [R, C] = as2d(o);
        be.binary(kind, R, C, strided(a, sa, o), strided(b, sb, o), out);
      } else
        forEachSlice(
          be,
          o,
          [
            { s: a, shape: sa },
            { s: b, shape: sb },
          ],
          out,
          (R, C, [x, y], o) => be.binary(kind, R, C, x, y, o),
        );
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

interface MatmulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}
/** A reduction over `axes` (sorted; null: every axis). */
interface ReduceAttrs {
  axes: readonly number[] | null;
  keepDims: boolean;
  mean: boolean;
}

/** The shape after a reduction, with or without kept dimensions. */
export function reducedShape(s: readonly number[], { axes, keepDims }: Omit<ReduceAttrs, "mean">): number[] {
  const reduced = (i: number): boolean => axes === null || axes.includes(i);
  return keepDims ? s.map((d, i) => (reduced(i) ? 1 : d)) : s.filter((_, i) => !reduced(i));
}

const broadcastOp: GraphOp<readonly number[]> = {
  name: "broadcast",
  shape: ([g], shape) => (broadcastShape("broadcast", g.shape, shape), [...shape]),
  forward(be, out, [g], [sg], shape) {
    if (shape.length <= 2) {
      const [R, C] = as2d(shape);
      be.binary("copy", R, C, { s: g, row: 0, col: 0 }, strided(g, sg, shape), out);
    } else forEachSlice(be, shape, [{ s: g, shape: sg }], out, (R, C, [x], o) => be.binary("copy", R, C, { s: x.s, row: 0, col: 0 }, x, o));
  },
  backward: (g, [x]) => [reduceTo(g, x.shape, false)],
};

/**
 * out[…, m, n] = op(a)[…]·op(b)[…] for each slice of the broadcast batch axes, each a call of the
 * backend's matrix product on offset views (aᵀ·bᵀ as (b·a)ᵀ through one scratch block).
 */
function batchedMatmul(
  be: Backend,
  ta: boolean,
  tb: boolean,
  m: number,
  n: number,
  k: number,
  a: Storage,
  sa: readonly number[],
  b: Storage,
  sb: readonly number[],
  out: Storage,
): void {
  const [ba, bb] = [sa.slice(0, -2), sb.slice(0, -2)];
  const batch = broadcastShape("matmul", ba, bb);
  const steps = [broadcastStrides(ba, batch).map((s) => s * m * k), broadcastStrides(bb, batch).map((s) => s * k * n)];
  const scratch = ta && tb ? be.alloc(m * n) : null;
  let [av, bv, ov] = [be.offset(a, 0), be.offset(b, 0), be.offset(out, 0)];
  try {
    eachOffset(batch, steps, (i, [ao, bo]) => {
      av = be.offset(a, ao, av);
      bv = be.offset(b, bo, bv);
      ov = be.offset(out, i * m * n, ov);
      if (scratch) {
        be.matmul(false, false, n, m, k, bv, av, scratch);
        be.transpose(n, m, scratch, ov);
      } else be.matmul(ta, tb, m, n, k, av, bv, ov);
    });
  } finally {
    scratch?.dispose();
  }
}

function inversePermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => {
    inv[p] = i;
  });
  return inv;
}

// ---- the table -----------------------------------------------------------------------------

/** @internal The primitive ops' table (shape rule, forward pass, gradient rule), enumerated by the tests. */
export const graphOps = {
  add: binaryOp("add", (g, [a, b], _o, _x, needs) => [needs[0] ? reduceTo(g, a.shape, false) : null, needs[1] ? reduceTo(g, b.shape, false) : null]),
  sub: binaryOp("sub", (g, [a, b], _o, _x, needs) => [needs[0] ? reduceTo(g, a.shape, false) : null, needs[1] ? reduceTo(neg(g), b.shape, true) : null]),
  // The multiply gate swaps: da = g·b, db = g·a.
  mul: binaryOp("mul", (g, [a, b], _o, _x, needs) => [
    needs[0] ? reduceTo(mul(g, b), a.shape, true) : null,
    needs[1] ? reduceTo(mul(g, a), b.shape, true) : null,
  ]),
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
    let da: Tensor | null = null,
      db: Tensor | null = null;
    if (needs[0]) {
      const t = after(
        after(sub(b, 1), (e) => powTensor(a, e)),
        (p) => mul(p, b),
      );
      da = reduceTo(
        after(t, (u) => mul(g, u)),
        a.shape,
        true,
      );
    }
    if (needs[1]) {
      const lnA = consume(apply(maskOps.eq, [out, 0], undefined), log(a), (zero, l) => where(zero, 0, l));
      db = reduceTo(
        after(
          after(lnA, (l) => mul(out, l)),
          (u) => mul(g, u),
        ),
        b.shape,
        true,
      );
    }
    return [da, db];
  }),
  neg: unaryOp("neg", (g) => [neg(g)]),
  exp: unaryOp("exp", (g, _i, out) => [mul(g, out)]),
  log: unaryOp("log", (g, [x]) => [div(g, x)]),
  // d xᵖ = p·xᵖ⁻¹ (0 when p = 0, where x⁻¹ would make 0·∞).
  pow: unaryOp("pow", (g, [x], _o, p) => {
    if (p === 0) return [mul(g, 0)];
    return [
      after(
        after(pow(x, p - 1), (t) => mul(t, p)),
        (t) => mul(g, t),
      ),
    ];
  }),
  // Φ, the standard normal CDF (gelu's derivative reads it); its derivative is φ = e^(−x²/2)/√(2π).
  normalCdf: unaryOp("normalCdf", (g, [x]) => [mul(g, normalPdf(x))]),
  // c ≠ 0 ? a : b: g flows to the input that was picked; the condition gets none.
  where: {
    name: "where",
    shape: ([c, a, b]) => broadcastShape("where", c.shape, broadcastShape("where", a.shape, b.shape)),
    forward(be, out, [c, a, b], [sc, sa, sb]) {
      const o = broadcastShape("where", sc, broadcastShape("where", sa, sb));
      if (o.length <= 2) {
        const [R, C] = as2d(o);
        be.select(R, C, strided(c, sc, o), strided(a, sa, o), strided(b, sb, o), out);
      } else
        forEachSlice(
          be,
          o,
          [
            { s: c, shape: sc },
            { s: a, shape: sa },
            { s: b, shape: sb },
          ],
          out,
          (R, C, [x, y, z], o) => be.select(R, C, x, y, z, o),
        );
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
  // Matrices, or stacks of them: the last two axes multiply, the axes before them broadcast
  // (numpy's matmul and PyTorch's); a rank-2 operand is one matrix shared by every slice.
  matmul: {
    name: "matmul",
    shape([a, b], { transposeA, transposeB }) {
      if (a.rank < 2 || b.rank < 2)
        throw new RangeError(
          `matmul needs matrices or stacks of them (rank ≥ 2); received shapes ${shapeText(a.shape)} and ${shapeText(b.shape)} (reshape a vector to [1, n] or [n, 1])`,
        );
      const [ar, ac] = a.shape.slice(-2),
        [br, bc] = b.shape.slice(-2);
      const [m, k] = transposeA ? [ac, ar] : [ar, ac];
      const [k2, n] = transposeB ? [bc, br] : [br, bc];
      if (k !== k2) {
        throw new RangeError(
          `matmul: inner dimensions differ: ${shapeText(a.shape)}${transposeA ? "ᵀ" : ""} · ${shapeText(b.shape)}${transposeB ? "ᵀ" : ""} is (${m} × ${k}) · (${k2} × ${n})`,
        );
      }
      const [ba, bb] = [a.shape.slice(0, -2), b.shape.slice(0, -2)];
      const rank = Math.max(ba.length, bb.length);
      const batch: number[] = [];
      for (let i = 0; i < rank; i++) {
        const da = ba[ba.length - rank + i] ?? 1,
          db = bb[bb.length - rank + i] ?? 1;
        if (da !== db && da !== 1 && db !== 1) {
          throw new RangeError(
            `matmul: the batch dimensions of ${shapeText(a.shape)} and ${shapeText(b.shape)}, ${shapeText(ba)} and ${shapeText(bb)}, do not broadcast (batch axis ${i}: ${da} vs ${db}; each must be equal or 1)`,
          );
        }
        batch.push(Math.max(da, db));
      }
      return [...batch, m, n];
    },
    forward(be, out, [a, b], [sa, sb], { transposeA, transposeB }) {
      const [m, k] = transposeA ? [sa[sa.length - 1], sa[sa.length - 2]] : sa.slice(-2);
      const n = transposeB ? sb[sb.length - 2] : sb[sb.length - 1];
      if (sa.length === 2 && sb.length === 2) be.matmul(transposeA, transposeB, m, n, k, a, b, out);
      else batchedMatmul(be, transposeA, transposeB, m, n, k, a, sa, b, sb, out);
    },
    // C = op(A)·op(B): each input's gradient is another product of g with the other input,
    // summed over the batch axes the input was broadcast along.
    backward(g, [a, b], _out, { transposeA: ta, transposeB: tb }, needs) {
      const mm = (x: Tensor, y: Tensor, tx: boolean, ty: boolean): Tensor => apply(graphOps.matmul, [x, y], { transposeA: tx, transposeB: ty });
      const da = !needs[0] ? null : ta ? (tb ? mm(b, g, true, true) : mm(b, g, false, true)) : mm(g, b, false, !tb);
      const db = !needs[1] ? null : tb ? (ta ? mm(g, a, true, true) : mm(g, a, true, false)) : mm(a, g, !ta, false);
      return [da && reduceTo(da, a.shape, true), db && reduceTo(db, b.shape, true)];
    },
  } satisfies GraphOp<MatmulAttrs>,
  // Out's axis i is x's axis perm[i]; its gradient permutes back.
  transpose: {
    name: "transpose",
    shape: ([x], perm) => perm.map((p) => x.shape[p]),
    forward(be, out, [x], [s], perm) {
      if (s.length === 2 && perm[0] === 1) be.transpose(s[0], s[1], x, out);
      else permuteInto(be, x, s, perm, out);
    },
    backward: (g, _x, _o, perm): Tensor[] => [apply<readonly number[]>(graphOps.transpose, [g], inversePermutation(perm))],
  } satisfies GraphOp<readonly number[]>,
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
  const e = after(
    after(mul(x, x), (sq) => mul(sq, -0.5)),
    exp,
  );
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
