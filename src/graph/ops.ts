// The graph's op table: for each op, the shape of its output (checked against its inputs'), its
// forward pass in the backend's primitives (wasm float32 kernels or the float64 reference, see
// backend.ts) and its gradient rule, written with the ops themselves. apply() runs an op and,
// when an input requires gradients and recording is on, records the node backward() walks.
import type { Activation } from "../activations.js";
import { describe } from "../validate.js";
import type { Backend, BinaryKind, Storage, Strided, UnaryKind } from "./backend.js";
import { Tensor, checkShape, checkTensor, constant, emptyTensor } from "./tensor.js";

export interface GraphOp<A> {
  name: string;
  /** The output's shape; throws naming the inputs' shapes when they do not fit. */
  shape(inputs: readonly Tensor[], attrs: A): number[];
  /** Writes the output's values from the inputs'. */
  forward(b: Backend, out: Storage, inputs: readonly Storage[], shapes: readonly (readonly number[])[], attrs: A): void;
  /**
   * The gradient rule: each input's gradient (its shape) from the output's gradient g, for the
   * inputs whose `needs` is true (null for the others). Runs with recording off; it may return
   * g itself, and frees every temporary it makes.
   */
  backward(g: Tensor, inputs: readonly Tensor[], out: Tensor, attrs: A, needs: readonly boolean[]): (Tensor | null)[];
}

/** A number operand becomes a scalar constant on the other operand's backend. */
export type Operand = Tensor | number;

// ---- recording -----------------------------------------------------------------------------

let recording = true;

/** Runs fn with recording off: ops make no graph nodes (backward rules, inference, updates). */
export function noGrad<T>(fn: () => T): T {
  const before = recording;
  recording = false;
  try {
    return fn();
  } finally {
    recording = before;
  }
}

/** Runs an op of the table on tensors or numbers (at least one tensor). */
export function apply<A>(op: GraphOp<A>, operands: readonly Operand[], attrs: A): Tensor {
  const first = operands.find((x) => x instanceof Tensor) as Tensor | undefined;
  if (!first) {
    operands.forEach((x, i) => { if (typeof x !== "number") checkTensor(`${op.name} input ${i}`, x); });
    throw new TypeError(`${op.name} needs at least one Tensor operand; received only numbers (make one with tensor())`);
  }
  const backend = first.backend;
  const constants: Tensor[] = [];
  try {
    const inputs = operands.map((x, i) => {
      if (typeof x === "number") {
        const c = constant(backend, x, op.name);
        constants.push(c);
        return c;
      }
      checkTensor(`${op.name} input ${i}`, x);
      if (x.backend !== backend) throw new TypeError(`${op.name} mixes ${first.describe()} with ${x.describe()}; convert one (tensor(t.data(), t.shape, { dtype }))`);
      return x;
    });
    const stores = inputs.map((t) => t.storage(op.name));
    const shape = op.shape(inputs, attrs);
    const record = recording && inputs.some((t) => t.requiresGrad);
    const out = emptyTensor(backend, shape, record, record ? { op, inputs, attrs } : null, op.name);
    try {
      op.forward(backend, out.storage(op.name), stores, inputs.map((t) => t.shape), attrs);
    } catch (e) {
      out.dispose();
      throw e;
    }
    if (record && constants.length > 0) {
      out.owned = constants.splice(0);
      for (const c of out.owned) { c.scope?.delete(c); c.scope = null; }
    }
    return out;
  } finally {
    for (const c of constants) c.dispose();
  }
}

// ---- shapes and broadcasting ---------------------------------------------------------------

const shapeText = (s: readonly number[]): string => `[${s.join(", ")}]`;

/** A shape of rank ≤ 2 as rows × cols (a scalar is 1×1, a vector one row). */
function as2d(s: readonly number[]): [number, number] {
  return s.length === 2 ? [s[0], s[1]] : s.length === 1 ? [1, s[0]] : [1, 1];
}

/** The broadcast shape of two shapes (numpy's rule on rank ≤ 2): each dimension equal or 1. */
function broadcastShape(name: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1, db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(`${name}: shapes ${shapeText(a)} and ${shapeText(b)} do not broadcast (dimension ${i}: ${da} vs ${db}; each must be equal or 1)`);
    }
    out.push(Math.max(da, db));
  }
  return out;
}

/** An operand of shape s read over an output of shape o: its strides (0 where broadcast). */
function strided(store: Storage, s: readonly number[], o: readonly number[]): Strided<Storage> {
  const [r, c] = as2d(s), [R, C] = as2d(o);
  return { s: store, row: r === 1 && R > 1 ? 0 : c, col: c === 1 && C > 1 ? 0 : 1 };
}

/** Sums g (shape of an op's output) down to `shape` (an input broadcast into it). */
function reduceTo(g: Tensor, shape: readonly number[], owned: boolean): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const [r, c] = as2d(shape), [R, C] = as2d(g.shape);
  let t = g, own = owned;
  if (r === 1 && R > 1) { t = swap(t, sum(t, 0), own); own = true; }
  if (c === 1 && C > 1) { t = swap(t, sum(t, -1), own); own = true; }
  return swap(t, reshape(t, shape), own);
}

/** Returns next, freeing prev when the caller owned it. */
function swap(prev: Tensor, next: Tensor, ownedPrev: boolean): Tensor {
  if (ownedPrev && prev !== next) prev.dispose();
  return next;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** g broadcast up to `shape` (the adjoint of a sum over the broadcast dimensions). */
function broadcastTo(g: Tensor, shape: readonly number[]): Tensor {
  return apply(broadcastOp, [g], shape);
}

// ---- the table -----------------------------------------------------------------------------

function binaryOp(kind: BinaryKind, backward: GraphOp<undefined>["backward"]): GraphOp<undefined> {
  return {
    name: kind,
    shape: ([a, b]) => broadcastShape(kind, a.shape, b.shape),
    forward(be, out, [a, b], [sa, sb]) {
      const o = broadcastShape(kind, sa, sb);
      const [R, C] = as2d(o);
      be.binary(kind, R, C, strided(a, sa, o), strided(b, sb, o), out);
    },
    backward,
  };
}

function unaryOp(kind: UnaryKind, backward: GraphOp<number>["backward"]): GraphOp<number> {
  return {
    name: kind,
    shape: ([x]) => [...x.shape],
    forward: (be, out, [x], [s], p) => be.unary(kind, s.reduce((a, b) => a * b, 1), x, out, p),
    backward,
  };
}

/** g ∘ mask, and g − g ∘ mask: the max and min gates route g to the input they picked. */
function routed(g: Tensor, mask: Tensor, a: Tensor, b: Tensor, needs: readonly boolean[]): (Tensor | null)[] {
  const toA = mul(g, mask);
  mask.dispose();
  const toB = needs[1] ? sub(g, toA) : null;
  return [needs[0] ? reduceTo(toA, a.shape, true) : (toA.dispose(), null), toB ? reduceTo(toB, b.shape, true) : null];
}

const activationOp = (act: Activation): GraphOp<number> => ({
  name: act,
  shape: ([x]) => [...x.shape],
  forward(be, out, [x], [s]) {
    const [r, c] = as2d(s);
    be.activation(act, r, c, x, out);
  },
  backward(g, _inputs, out) {
    const dz = emptyTensor(g.backend, g.shape, false, null, `${act} gradient`);
    const [r, c] = as2d(g.shape);
    g.backend.activationBackward(act, r, c, out.storage(act), g.storage(act), dz.storage(act));
    return [dz];
  },
});

interface MatmulAttrs { transposeA: boolean; transposeB: boolean }
interface ReduceAttrs { axis: number | null; keepDims: boolean; mean: boolean }

/** The shape after a reduction: whole (axis null) or along one axis, with or without kept dimensions. */
function reducedShape(s: readonly number[], { axis, keepDims }: ReduceAttrs): number[] {
  if (axis === null) return keepDims ? s.map(() => 1) : [];
  return keepDims ? s.map((d, i) => (i === axis ? 1 : d)) : s.filter((_, i) => i !== axis);
}

const broadcastOp: GraphOp<readonly number[]> = {
  name: "broadcast",
  shape: ([g], shape) => (broadcastShape("broadcast", g.shape, shape), [...shape]),
  forward(be, out, [g], [sg], shape) {
    const [R, C] = as2d(shape);
    be.binary("copy", R, C, { s: g, row: 0, col: 0 }, strided(g, sg, shape), out);
  },
  backward: (g, [x], _out, _attrs) => [reduceTo(g, x.shape, false)],
};

export const graphOps = {
  add: binaryOp("add", (g, [a, b], _o, _x, needs) => [needs[0] ? reduceTo(g, a.shape, false) : null, needs[1] ? reduceTo(g, b.shape, false) : null]),
  sub: binaryOp("sub", (g, [a, b], _o, _x, needs) => [needs[0] ? reduceTo(g, a.shape, false) : null, needs[1] ? reduceTo(neg(g), b.shape, true) : null]),
  // The multiply gate swaps: da = g·b, db = g·a.
  mul: binaryOp("mul", (g, [a, b], _o, _x, needs) => [needs[0] ? reduceTo(mul(g, b), a.shape, true) : null, needs[1] ? reduceTo(mul(g, a), b.shape, true) : null]),
  // out = a/b: da = g/b, db = −g·out/b.
  div: binaryOp("div", (g, [a, b], out, _x, needs) => {
    let db: Tensor | null = null;
    if (needs[1]) {
      const t = mul(g, out);
      const q = div(t, b);
      t.dispose();
      db = reduceTo(swap(q, neg(q), true), b.shape, true);
    }
    return [needs[0] ? reduceTo(div(g, b), a.shape, true) : null, db];
  }),
  // The max gate routes g to the larger input (the first on ties).
  max: binaryOp("max", (g, [a, b], _o, _x, needs) => routed(g, apply(geOp, [a, b], undefined), a, b, needs)),
  min: binaryOp("min", (g, [a, b], _o, _x, needs) => routed(g, apply(geOp, [b, a], undefined), a, b, needs)),
  neg: unaryOp("neg", (g) => [neg(g)]),
  exp: unaryOp("exp", (g, _i, out) => [mul(g, out)]),
  log: unaryOp("log", (g, [x]) => [div(g, x)]),
  // d xᵖ = p·xᵖ⁻¹ (0 when p = 0, where x⁻¹ would make 0·∞).
  pow: unaryOp("pow", (g, [x], _o, p) => {
    if (p === 0) return [mul(g, 0)];
    const t = pow(x, p - 1);
    const u = mul(t, p);
    t.dispose();
    const d = mul(g, u);
    u.dispose();
    return [d];
  }),
  sigmoid: activationOp("sigmoid"),
  tanh: activationOp("tanh"),
  relu: activationOp("relu"),
  // Along the last axis (each row of a matrix).
  softmax: activationOp("softmax"),
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
      const mm = (x: Tensor, y: Tensor, tx: boolean, ty: boolean): Tensor => matmul(x, y, { transposeA: tx, transposeB: ty });
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
      else be.copy(s.reduce((a, b) => a * b, 1), x, out);
    },
    backward: (g) => [transpose(g)],
  } satisfies GraphOp<undefined>,
  reshape: {
    name: "reshape",
    shape([x], shape) {
      const size = shape.reduce((a, b) => a * b, 1);
      if (size !== x.size) throw new RangeError(`reshape: ${x.describe()} has ${x.size} values; shape ${shapeText(shape)} holds ${size}`);
      return [...shape];
    },
    forward: (be, out, [x], [s]) => be.copy(s.reduce((a, b) => a * b, 1), x, out),
    backward: (g, [x]) => [reshape(g, x.shape)],
  } satisfies GraphOp<readonly number[]>,
  sum: {
    name: "sum",
    shape: ([x], attrs) => reducedShape(x.shape, attrs),
    forward(be, out, [x], [s], { axis, mean }) {
      const [r, c] = as2d(s);
      const size = r * c;
      if (axis === null || s.length === 1) be.sumRows(1, size, x, out, mean ? 1 / size : 1);
      else if (axis === 0) be.sumCols(r, c, x, out, mean ? 1 / r : 1);
      else be.sumRows(r, c, x, out, mean ? 1 / c : 1);
    },
    // Every input element feeds the sum once: g broadcast back (scaled by 1/count for a mean).
    backward(g, [x], _out, attrs) {
      const kept = reducedShape(x.shape, { ...attrs, keepDims: true });
      const gk = reshape(g, kept);
      const spread = broadcastTo(gk, x.shape);
      gk.dispose();
      if (!attrs.mean) return [spread];
      const count = x.size / g.size;
      return [swap(spread, mul(spread, 1 / count), true)];
    },
  } satisfies GraphOp<ReduceAttrs>,
};

/** The mask a ≥ b (the max and min gates' routing); never recorded through. */
const geOp = binaryOp("ge", () => [null, null]);

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
export const neg = (x: Tensor): Tensor => apply(graphOps.neg, [x], 0);
export const exp = (x: Tensor): Tensor => apply(graphOps.exp, [x], 0);
/** The natural logarithm (−Infinity at 0, NaN below, as Math.log). */
export const log = (x: Tensor): Tensor => apply(graphOps.log, [x], 0);
/** xᵖ for a number p. */
export function pow(x: Tensor, p: number): Tensor {
  if (typeof p !== "number" || !Number.isFinite(p)) throw new TypeError(`pow's exponent must be a finite number, received ${describe(p)}`);
  return apply(graphOps.pow, [x], p);
}
export const sigmoid = (x: Tensor): Tensor => apply(graphOps.sigmoid, [x], 0);
export const tanh = (x: Tensor): Tensor => apply(graphOps.tanh, [x], 0);
export const relu = (x: Tensor): Tensor => apply(graphOps.relu, [x], 0);
/** Softmax along the last axis (each row of a matrix). */
export const softmax = (x: Tensor): Tensor => apply(graphOps.softmax, [x], 0);

export interface MatmulOptions {
  transposeA?: boolean;
  transposeB?: boolean;
}

/** The matrix product op(a)·op(b) of two rank-2 tensors, op transposing where the options say. */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const { transposeA = false, transposeB = false } = checkOptions("matmul", options, ["transposeA", "transposeB"]) as MatmulOptions;
  if (typeof transposeA !== "boolean" || typeof transposeB !== "boolean") {
    throw new TypeError(`matmul's transposeA and transposeB must be true or false, received ${describe(transposeA)} and ${describe(transposeB)}`);
  }
  return apply(graphOps.matmul, [a, b], { transposeA, transposeB });
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

export interface ReduceOptions {
  /** The axis to reduce (0 or 1; −1 is the last); all values when absent. */
  axis?: number;
  /** Keep the reduced dimension as 1 (so the result broadcasts against the input). */
  keepDims?: boolean;
}

/** The sum of all values, or along one axis. */
export function sum(x: Tensor, axisOrOptions?: number | ReduceOptions): Tensor {
  return apply(graphOps.sum, [x], reduceAttrs("sum", x, axisOrOptions, false));
}

/** The mean of all values, or along one axis. */
export function mean(x: Tensor, axisOrOptions?: number | ReduceOptions): Tensor {
  return apply(graphOps.sum, [x], reduceAttrs("mean", x, axisOrOptions, true));
}

function reduceAttrs(name: string, x: Tensor, options: number | ReduceOptions | undefined, isMean: boolean): ReduceAttrs {
  checkTensor(name, x);
  const o = typeof options === "number" ? { axis: options } : (checkOptions(name, options ?? {}, ["axis", "keepDims"]) as ReduceOptions);
  const keepDims = o.keepDims ?? false;
  if (typeof keepDims !== "boolean") throw new TypeError(`${name}'s keepDims must be true or false, received ${describe(keepDims)}`);
  if (o.axis === undefined) return { axis: null, keepDims, mean: isMean };
  const axis = o.axis;
  if (typeof axis !== "number" || !Number.isInteger(axis) || axis < -x.rank || axis >= x.rank) {
    throw new RangeError(`${name}: axis ${describe(axis)} does not exist in ${x.describe()}; axes are 0 to ${x.rank - 1} (or −1 for the last)`);
  }
  return { axis: axis < 0 ? axis + x.rank : axis, keepDims, mean: isMean };
}

// ---- composites: ops written with the ops above (their gradients follow from those) ---------

/** x·x (its gradient 2x·g: the multiply gate's two routes add). */
export const square = (x: Tensor): Tensor => mul(x, x);
/** √x, as x^0.5 (NaN below 0, as Math.sqrt). */
export const sqrt = (x: Tensor): Tensor => pow(x, 0.5);

/** |x|, as max(x, −x): its gradient is sign(x)·g (+g at 0, the max gate's tie rule). */
export function abs(x: Tensor): Tensor {
  checkTensor("abs", x);
  return noGradTemp(neg(x), (minusX) => max(x, minusX));
}

/** x clipped to [lo, hi] (tfjs's clipByValue): the gradient passes where lo ≤ x ≤ hi. */
export function clip(x: Tensor, lo: number, hi: number): Tensor {
  checkTensor("clip", x);
  if (typeof lo !== "number" || typeof hi !== "number" || !(lo <= hi) || !Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new RangeError(`clip needs finite bounds lo ≤ hi, received ${describe(lo)} and ${describe(hi)}`);
  }
  return noGradTemp(max(x, lo), (low) => min(low, hi));
}

/**
 * log(softmax(x)) along the last axis, as x − m − log Σ e^(x − m) with m each row's largest value
 * (a constant for the gradient), so that no probability underflows to log(0).
 */
export function logSoftmax(x: Tensor): Tensor {
  checkTensor("logSoftmax", x);
  const [rows, cols] = as2d(x.shape);
  const values = x.data();
  const m = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = -Infinity;
    for (let j = 0; j < cols; j++) best = Math.max(best, values[i * cols + j]);
    m[i] = Number.isFinite(best) ? best : 0;
  }
  const shift = emptyTensor(x.backend, x.rank === 2 ? [rows, 1] : [], false, null, "tensor");
  shift.storage("logSoftmax").view.set(m);
  const keep = { axis: -1, keepDims: true };
  const centered = sub(x, shift);
  const e = exp(centered);
  const total = sum(e, x.rank === 0 ? undefined : keep);
  const logTotal = log(total);
  const out = sub(centered, logTotal);
  // Temporaries the result's graph does not read are freed now; the others live as long as it.
  if (!out.requiresGrad) [shift, centered, e, total, logTotal].forEach((t) => t.dispose());
  else adopt(out, [shift, centered, e, total, logTotal]);
  return out;
}

/** Runs f on a temporary and frees the temporary unless the result's graph reads it (then the result owns it). */
function noGradTemp(temp: Tensor, f: (t: Tensor) => Tensor): Tensor {
  let out: Tensor;
  try {
    out = f(temp);
  } catch (e) {
    temp.dispose();
    throw e;
  }
  if (out.requiresGrad) adopt(out, [temp]);
  else temp.dispose();
  return out;
}

/** Makes `owner` free these tensors with itself (they leave their scope). */
function adopt(owner: Tensor, tensors: Tensor[]): void {
  for (const t of tensors) { t.scope?.delete(t); t.scope = null; }
  owner.owned = [...(owner.owned ?? []), ...tensors];
}

function checkOptions(name: string, options: unknown, known: readonly string[]): object {
  if (options === null || typeof options !== "object") throw new TypeError(`${name}'s options must be an object, received ${describe(options)}`);
  for (const k of Object.keys(options)) if (!known.includes(k)) throw new TypeError(`unknown ${name} option "${k}"; expected ${known.join(" or ")}`);
  return options;
}

/** @internal Adds g into acc in place (the accumulation of backward()). */
export function addInto(acc: Tensor, g: Tensor): void {
  const s = acc.storage("backward()");
  const [R, C] = as2d(acc.shape);
  acc.backend.binary("add", R, C, { s, row: C, col: 1 }, strided(g.storage("backward()"), g.shape, acc.shape), s);
}

/** @internal A copy of a tensor's values, unrecorded. */
export function clone(t: Tensor): Tensor {
  const out = emptyTensor(t.backend, t.shape, false, null, t.madeBy);
  t.backend.copy(t.size, t.storage("clone"), out.storage("clone"));
  return out;
}
