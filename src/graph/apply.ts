// Running an op: checking its operands, making its output and, when an input requires gradients
// and recording is on, the node backward() walks. Also the shape rules every op shares (numpy
// broadcasting, a shape seen as rows × cols).
import { describe } from "../validate.js";
import type { Storage, Strided } from "./backend.js";
import { sizeOf } from "./layout.js";
import { type GraphOp, Tensor, checkTensor, constant, emptyTensor } from "./tensor.js";

/** A number operand becomes a scalar constant on the other operand's backend. */
export type Operand = Tensor | number;

let recording = true;
/** Inside backward(): ops may read released tensors that a graph keeps. */
let internal = 0;

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

/** Whether ops record now (outside noGrad). */
export function isRecording(): boolean {
  return recording;
}

/** @internal Runs a backward pass: recorded (its gradients have graphs) or not, reading released tensors its graph keeps. */
export function inBackward<T>(record: boolean, fn: () => T): T {
  const before = recording;
  recording = record;
  internal++;
  try {
    return fn();
  } finally {
    internal--;
    recording = before;
  }
}

/** @internal The values of an operand: a live tensor, or inside backward() one its graph keeps. */
export function readable(t: Tensor, where: string): Storage {
  return internal > 0 ? t.memory(where) : t.storage(where);
}

/** Runs an op of the table on tensors or numbers (at least one tensor). */
export function apply<A>(op: GraphOp<A>, operands: readonly Operand[], attrs: A): Tensor {
  // Plain loops and no closures: this runs once per op, and a scalar op costs little else.
  const n = operands.length;
  let first: Tensor | null = null;
  for (let i = 0; i < n && first === null; i++) {
    const x = operands[i];
    if (x instanceof Tensor) first = x;
  }
  if (first === null) {
    operands.forEach((x, i) => {
      if (typeof x !== "number") checkTensor(`${op.name} input ${i}`, x);
    });
    throw new TypeError(`${op.name} needs at least one Tensor operand; received only numbers (make one with tensor())`);
  }
  const backend = first.backend;
  let constants: Tensor[] | null = null;
  try {
    const inputs = new Array<Tensor>(n);
    for (let i = 0; i < n; i++) {
      const x = operands[i];
      if (typeof x === "number") {
        const c = constant(backend, x, op.name);
        (constants ??= []).push(c);
        inputs[i] = c;
        continue;
      }
      if (!(x instanceof Tensor)) checkTensor(`${op.name} input ${i}`, x);
      if (x.backend !== backend)
        throw new TypeError(`${op.name} mixes ${first.describe()} with ${x.describe()}; convert one (tensor(t.data(), t.shape, { dtype }))`);
      inputs[i] = x;
    }
    const stores = new Array<Storage>(n),
      shapes = new Array<readonly number[]>(n);
    let needsGrad = false;
    for (let i = 0; i < n; i++) {
      const t = inputs[i];
      stores[i] = readable(t, op.name);
      shapes[i] = t.shape;
      if (t.requiresGrad) needsGrad = true;
    }
    const shape = op.shape(inputs, attrs);
    const record = recording && needsGrad && op.constant !== true;
    const out = emptyTensor(backend, shape, record, record ? { op, inputs, attrs } : null, op.name);
    try {
      op.forward(backend, out.memory(op.name), stores, shapes, attrs);
    } catch (e) {
      out.dispose();
      throw e;
    }
    return out;
  } finally {
    // A recorded node keeps its constants' memory; they need no other handle.
    if (constants !== null) for (const c of constants) c.dispose();
  }
}

// ---- shapes and broadcasting ---------------------------------------------------------------

export const shapeText = (s: readonly number[]): string => `[${s.join(", ")}]`;

export { sizeOf } from "./layout.js";

/** A shape as rows × cols: the last axis is the columns, every axis before it the rows (a scalar is 1×1, a vector one row). */
export function as2d(s: readonly number[]): [number, number] {
  if (s.length === 2) return [s[0], s[1]];
  if (s.length === 1) return [1, s[0]];
  if (s.length === 0) return [1, 1];
  const cols = s[s.length - 1];
  return [sizeOf(s) / cols, cols];
}

/** The broadcast shape of two shapes (numpy's rule: aligned from the last axis, each dimension equal or 1). */
export function broadcastShape(name: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1,
      db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(`${name}: shapes ${shapeText(a)} and ${shapeText(b)} do not broadcast (dimension ${i}: ${da} vs ${db}; each must be equal or 1)`);
    }
    out.push(Math.max(da, db));
  }
  return out;
}

/** An operand of shape s read over an output of shape o, both of rank ≤ 2: its strides (0 where broadcast). */
export function strided(store: Storage, s: readonly number[], o: readonly number[]): Strided<Storage> {
  const [r, c] = as2d(s),
    [R, C] = as2d(o);
  return { s: store, row: r === 1 && R > 1 ? 0 : c, col: c === 1 && C > 1 ? 0 : 1 };
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function checkOptions(name: string, options: unknown, known: readonly string[]): object {
  if (options === null || typeof options !== "object") throw new TypeError(`${name}'s options must be an object, received ${describe(options)}`);
  for (const k of Object.keys(options)) if (!known.includes(k)) throw new TypeError(`unknown ${name} option "${k}"; expected ${known.join(" or ")}`);
  return options;
}
