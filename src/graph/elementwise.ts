// The elementwise ops with numpy's broadcasting: arithmetic, max/min, powers, exp/log, the
// comparison masks, where, and the copies (identity, detach). Each is a table entry (shape rule,
// forward pass on the backend's binary/unary/select primitives, gradient rule in graph ops) and
// a function.
import { describe } from "../validate.js";
import { type Operand, apply, as2d, broadcastShape, sameShape, sizeOf, strided } from "./apply.js";
import type { BinaryKind, UnaryKind } from "./backend.js";
import { forEachSlice } from "./layout.js";
import { reduceTo } from "./reduce.js";
import { type GraphOp, type Tensor, checkTensor } from "./tensor.js";
import { after, consume, swap } from "./temporaries.js";

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

/** @internal The elementwise entries of the op table (ops.ts): number attributes are exponents (pow) or unused. */
export const elementwiseOps: {
  readonly [K in "add" | "sub" | "mul" | "div" | "max" | "min" | "powTensor" | "where" | "identity" | "detach"]: GraphOp<undefined>;
} & {
  readonly [K in "neg" | "exp" | "log" | "pow" | "normalCdf"]: GraphOp<number>;
} = {
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
};

/** a + b, elementwise with broadcasting (a scalar, a row [n] or [1, n], or a column [m, 1]). */
export const add = (a: Operand, b: Operand): Tensor => apply(elementwiseOps.add, [a, b], undefined);
/** a − b, elementwise with broadcasting. */
export const sub = (a: Operand, b: Operand): Tensor => apply(elementwiseOps.sub, [a, b], undefined);
/** a · b, elementwise with broadcasting (use matmul for the matrix product). */
export const mul = (a: Operand, b: Operand): Tensor => apply(elementwiseOps.mul, [a, b], undefined);
/** a / b, elementwise with broadcasting. */
export const div = (a: Operand, b: Operand): Tensor => apply(elementwiseOps.div, [a, b], undefined);
/** The larger of a and b, elementwise (its gradient goes to the larger; to a on ties). */
export const max = (a: Operand, b: Operand): Tensor => apply(elementwiseOps.max, [a, b], undefined);
/** The smaller of a and b, elementwise (its gradient goes to the smaller; to a on ties). */
export const min = (a: Operand, b: Operand): Tensor => apply(elementwiseOps.min, [a, b], undefined);
/** −x, elementwise. */
export const neg = (x: Tensor): Tensor => apply(elementwiseOps.neg, [x], 0);
/** eˣ with IEEE results (+Infinity past float32's range, subnormals and 0 below). */
export const exp = (x: Tensor): Tensor => apply(elementwiseOps.exp, [x], 0);
/** The natural logarithm (−Infinity at 0, NaN below, as Math.log). */
export const log = (x: Tensor): Tensor => apply(elementwiseOps.log, [x], 0);
/** @internal Φ(x), the standard normal CDF. */
export const normalCdf = (x: Tensor): Tensor => apply(elementwiseOps.normalCdf, [x], 0);

/** xᵖ: p a number, or a tensor (elementwise, with broadcasting; then x may be a number). */
export function pow(x: Operand, p: Operand): Tensor {
  if (typeof p !== "number") return powTensor(x, p);
  checkTensor("pow", x);
  if (!Number.isFinite(p)) throw new TypeError(`pow's exponent must be a finite number or a Tensor, received ${describe(p)}`);
  return apply(elementwiseOps.pow, [x], p);
}
const powTensor = (x: Operand, p: Operand): Tensor => apply(elementwiseOps.powTensor, [x, p], undefined);

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
export const where = (condition: Operand, a: Operand, b: Operand): Tensor => apply(elementwiseOps.where, [condition, a, b], undefined);

/** A copy whose gradient is zero: backward() stops here (stop-gradient). */
export const detach = (x: Tensor): Tensor => apply(elementwiseOps.detach, [x], undefined);
/** @internal A recorded copy. */
export const identity = (x: Tensor): Tensor => apply(elementwiseOps.identity, [x], undefined);
