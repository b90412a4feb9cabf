// Tensor: a shape and its numbers (float32 in the wasm heap, or float64 for the reference), the
// graph node that made it when gradients are recorded, and the scopes (tidy) that free every
// intermediate so that users never count references by hand.
import "../disposable.js";
import { F32_MAX, describe } from "../validate.js";
import { type Backend, type Dtype, type Storage, backends } from "./backend.js";
import type { GraphOp } from "./ops.js";

/** What made a recorded tensor: the op, its inputs and its attributes (backward() reads them). */
export interface GraphNode {
  op: GraphOp<any>;
  inputs: readonly Tensor[];
  attrs: unknown;
}

/** Values a tensor can be made from: a number, number[] or number[][], or a flat array with a shape. */
export type TensorLike = number | ArrayLike<number> | readonly (readonly number[])[];

export interface TensorOptions {
  /** "float32" (default): wasm kernels on the module's memory; "float64": the pure-TS reference. */
  dtype?: Dtype;
  /** Record the ops that use this tensor, so that backward() computes its gradient. */
  requiresGrad?: boolean;
}

/** Tensors have rank 0 (a scalar), 1 (a vector) or 2 (a matrix, rows × columns). */
export const MAX_RANK = 2;

// ---- scopes --------------------------------------------------------------------------------

const scopes: Set<Tensor>[] = [];

/**
 * Runs fn and then frees every tensor created inside it, except the ones it returns (a tensor,
 * or tensors in an array or a plain object) and those their recorded graphs read (so that
 * backward() from a returned tensor works), which move to the enclosing scope. Gradients that
 * backward() stores on a tensor belong to that tensor. Tensors made with keep() or variable()
 * survive the scope.
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== "function") throw new TypeError(`tidy expects a function, received ${describe(fn)}`);
  const scope = new Set<Tensor>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    scopes.pop();
    for (const t of scope) t.dispose();
    throw e;
  }
  scopes.pop();
  const kept = new Set<Tensor>();
  collect(result, kept, 0);
  const parent = scopes[scopes.length - 1] ?? null;
  keepGraphs(kept, scope, parent === null);
  if (result instanceof Promise) {
    for (const t of scope) t.dispose();
    throw new TypeError("tidy needs a synchronous function: it returned a Promise, and a scope cannot wait for one (await outside tidy, or dispose by hand)");
  }
  for (const t of scope) if (!kept.has(t)) t.dispose();
  for (const t of kept) {
    if (t.scope !== scope) continue;
    t.scope = parent;
    parent?.add(t);
  }
  return result;
}

/** Takes a tensor out of every scope: tidy() will not free it (dispose() it yourself). */
export function keep<T extends Tensor>(t: T): T {
  checkTensor("keep", t);
  t.scope?.delete(t);
  t.scope = null;
  return t;
}

/**
 * Adds to `kept` the tensors of this scope that a kept tensor's recorded graph reads, so that
 * backward() from it still works after the scope. They move to the enclosing scope with it; at
 * the outermost scope they belong to the kept tensor, and dispose() frees them with it.
 */
function keepGraphs(kept: Set<Tensor>, scope: Set<Tensor>, outermost: boolean): void {
  for (const root of [...kept]) {
    if (!root.node) continue;
    const stack = [root];
    while (stack.length > 0) {
      for (const input of stack.pop()!.node!.inputs) {
        if (input.scope !== scope || kept.has(input)) continue;
        kept.add(input);
        if (outermost) {
          scope.delete(input);
          input.scope = null;
          (root.owned ??= []).push(input);
        }
        if (input.node) stack.push(input);
      }
    }
  }
}

function collect(value: unknown, out: Set<Tensor>, depth: number): void {
  if (value instanceof Tensor) out.add(value);
  else if (depth < 4 && Array.isArray(value)) for (const v of value) collect(v, out, depth + 1);
  else if (depth < 4 && value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, depth + 1);
  }
}

// ---- the tensor ----------------------------------------------------------------------------

export class Tensor {
  readonly shape: readonly number[];
  readonly size: number;
  readonly dtype: Dtype;
  /** Whether backward() computes a gradient for this tensor (ops on it are recorded). */
  readonly requiresGrad: boolean;
  /** @internal */ readonly backend: Backend;
  /** @internal The op that made this tensor, when it was recorded; null for leaves. */
  node: GraphNode | null;
  /** @internal The scope that frees this tensor (tidy), or null. */
  scope: Set<Tensor> | null = null;
  /** @internal Constants this tensor's node reads (number operands), freed with it. */
  owned: Tensor[] | null = null;
  /** @internal Name of the op that made it, for error messages. */
  readonly madeBy: string;
  private store: Storage | null;
  private gradient: Tensor | null = null;

  /** @internal Use tensor(), variable(), zeros() or the ops. */
  constructor(backend: Backend, shape: readonly number[], store: Storage, requiresGrad: boolean, node: GraphNode | null, madeBy: string) {
    this.backend = backend;
    this.dtype = backend.dtype;
    this.shape = Object.freeze([...shape]);
    this.size = shape.reduce((a, b) => a * b, 1);
    this.store = store;
    this.requiresGrad = requiresGrad;
    this.node = node;
    this.madeBy = madeBy;
    const scope = scopes[scopes.length - 1];
    if (scope) { this.scope = scope; scope.add(this); }
  }

  get rank(): number {
    return this.shape.length;
  }

  get isDisposed(): boolean {
    return this.store === null;
  }

  /** The gradient backward() accumulated into this tensor (leaves that require gradients), or null. */
  get grad(): Tensor | null {
    return this.gradient;
  }

  /** @internal */
  setGrad(g: Tensor | null): void {
    if (g) { g.scope?.delete(g); g.scope = null; }
    this.gradient = g;
  }

  /** @internal The storage, after checking that the tensor is alive. */
  storage(where: string): Storage {
    if (this.store === null) throw new Error(`${where}: ${this.describe()} has been disposed; its memory is released`);
    return this.store;
  }

  /** A copy of the values, row-major (Float32Array for float32 tensors, Float64Array for float64). */
  data(): Float32Array | Float64Array {
    return this.storage("data()").view.slice(0, this.size);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw new RangeError(`item() needs a tensor of one value; this one has shape [${this.shape.join(", ")}] (${this.size} values)`);
    return this.storage("item()").view[0];
  }

  /** The values as a number (rank 0), number[] (rank 1) or number[][] (rank 2). */
  toArray(): number | number[] | number[][] {
    const v = Array.from(this.data());
    if (this.rank === 0) return v[0];
    if (this.rank === 1) return v;
    const [rows, cols] = this.shape;
    return Array.from({ length: rows }, (_, i) => v.slice(i * cols, (i + 1) * cols));
  }

  /** Frees the tensor's memory (and its gradient); later use throws. Calling it again does nothing. */
  dispose(): void {
    if (this.store === null) return;
    this.store.dispose();
    this.store = null;
    this.scope?.delete(this);
    this.scope = null;
    this.gradient?.dispose();
    this.gradient = null;
    if (this.owned) for (const t of this.owned) t.dispose();
    this.owned = null;
  }

  /** Frees the gradient backward() stored here, so the next backward() starts from zero. */
  zeroGrad(): void {
    this.gradient?.dispose();
    this.gradient = null;
  }

  /** `using t = tensor(…)` frees t when the block ends (TypeScript 5.2+, where the runtime has Symbol.dispose). */
  [Symbol.dispose](): void {
    this.dispose();
  }

  toString(): string {
    return `Tensor(${this.dtype}, [${this.shape.join(", ")}]${this.requiresGrad ? ", requiresGrad" : ""}${this.isDisposed ? ", disposed" : ""})`;
  }

  /** @internal "a float32 tensor of shape [2, 3] (made by mul)" */
  describe(): string {
    return `a ${this.dtype} tensor of shape [${this.shape.join(", ")}]${this.madeBy === "tensor" ? "" : ` (made by ${this.madeBy})`}`;
  }
}

export function checkTensor(where: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${where} expects a Tensor, received ${describe(t)}`);
}

// ---- making tensors ------------------------------------------------------------------------

/** @internal A tensor of the given shape with uninitialised values (the ops fill them). */
export function emptyTensor(backend: Backend, shape: readonly number[], requiresGrad: boolean, node: GraphNode | null, madeBy: string): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  let store: Storage;
  try {
    store = backend.alloc(size);
  } catch (e) {
    throw new RangeError(`out of memory: a ${backend.dtype} tensor of shape [${shape.join(", ")}] needs ${(size * (backend.dtype === "float32" ? 4 : 8)).toLocaleString("en-US")} bytes (${(e as Error).message})`);
  }
  return new Tensor(backend, shape, store, requiresGrad, node, madeBy);
}

const OPTION_KEYS = ["dtype", "requiresGrad"];

function parseOptions(options: TensorOptions | undefined): { backend: Backend; requiresGrad: boolean } {
  if (options === undefined) return { backend: backends.float32, requiresGrad: false };
  if (options === null || typeof options !== "object") throw new TypeError(`tensor options must be an object, received ${describe(options)}`);
  for (const k of Object.keys(options)) {
    if (!OPTION_KEYS.includes(k)) throw new TypeError(`unknown tensor option "${k}"; expected one of ${OPTION_KEYS.join(", ")}`);
  }
  const dtype = options.dtype ?? "float32";
  if (dtype !== "float32" && dtype !== "float64") throw new TypeError(`dtype must be "float32" or "float64", received ${describe(dtype)}`);
  const requiresGrad = options.requiresGrad ?? false;
  if (typeof requiresGrad !== "boolean") throw new TypeError(`requiresGrad must be true or false, received ${describe(requiresGrad)}`);
  return { backend: backends[dtype], requiresGrad };
}

/** Checks a shape: at most MAX_RANK whole numbers ≥ 1. */
export function checkShape(where: string, shape: unknown): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${where} must be an array of whole numbers, received ${describe(shape)}`);
  if (shape.length > MAX_RANK) throw new RangeError(`${where} [${shape.join(", ")}] has rank ${shape.length}; tensors have rank 0, 1 or 2`);
  shape.forEach((d, i) => {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 1 || d > 2 ** 30) throw new RangeError(`${where}[${i}] is ${describe(d)}; dimensions must be whole numbers from 1`);
  });
  return shape as number[];
}

/** Flat values and the shape they imply (nested arrays), before any memory is touched. */
function flatten(values: unknown): { flat: ArrayLike<number>; shape: number[] } {
  if (typeof values === "number") return { flat: [values], shape: [] };
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    return { flat: values as unknown as ArrayLike<number>, shape: [(values as unknown as ArrayLike<number>).length] };
  }
  if (!Array.isArray(values)) throw new TypeError(`tensor values must be a number, an array of numbers or an array of rows, received ${describe(values)}`);
  if (values.length > 0 && Array.isArray(values[0])) {
    const cols = values[0].length;
    const flat = new Array<number>(values.length * cols);
    values.forEach((row: unknown, i) => {
      if (!Array.isArray(row) || row.length !== cols) throw new RangeError(`tensor row ${i} is ${describe(row)}; every row must have ${cols} numbers like row 0`);
      for (let j = 0; j < cols; j++) flat[i * cols + j] = row[j];
    });
    return { flat, shape: [values.length, cols] };
  }
  return { flat: values, shape: [values.length] };
}

/**
 * A tensor from values: a number (a scalar), number[], number[][] (rows) or a typed array,
 * with an optional shape for flat values (e.g. tensor(data, [rows, cols])). Every value must be
 * a finite number (and within float32's range for float32 tensors).
 */
export function tensor(values: TensorLike, shape?: readonly number[], options?: TensorOptions): Tensor {
  const { backend, requiresGrad } = parseOptions(options);
  const { flat, shape: implied } = flatten(values);
  const dims = shape === undefined ? implied : checkShape("shape", shape);
  const size = dims.reduce((a, b) => a * b, 1);
  if (dims.includes(0) || flat.length === 0) throw new RangeError("a tensor needs at least one value; received an empty array");
  if (size !== flat.length) throw new RangeError(`shape [${dims.join(", ")}] holds ${size} values, but ${flat.length} were given`);
  if (implied.length > MAX_RANK) checkShape("shape", implied);
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new RangeError(`tensor value ${i} is ${describe(v)}; values must be finite numbers`);
    if (backend.dtype === "float32" && Math.abs(v) > F32_MAX) throw new RangeError(`tensor value ${i} is ${v}, beyond float32's range (±${F32_MAX.toPrecision(5)}); use dtype "float64" or smaller values`);
  }
  const t = emptyTensor(backend, dims, requiresGrad, null, "tensor");
  t.storage("tensor").view.set(flat);
  return t;
}

/** A tensor that requires gradients and that no scope frees: a trainable parameter (dispose it yourself). */
export function variable(values: TensorLike, shape?: readonly number[], options: Omit<TensorOptions, "requiresGrad"> = {}): Tensor {
  if (options !== null && typeof options === "object" && "requiresGrad" in options) throw new TypeError("variable() always requires gradients; pass no requiresGrad option");
  return keep(tensor(values, shape, { ...options, requiresGrad: true }));
}

/** A tensor of the given shape filled with one value (0 by default). */
export function full(shape: readonly number[], value = 0, options?: TensorOptions): Tensor {
  const dims = checkShape("shape", shape);
  if (typeof value !== "number" || !Number.isFinite(value)) throw new RangeError(`fill value is ${describe(value)}; it must be a finite number`);
  const { backend, requiresGrad } = parseOptions(options);
  const t = emptyTensor(backend, dims, requiresGrad, null, "tensor");
  t.storage("full").view.fill(value);
  return t;
}

export function zeros(shape: readonly number[], options?: TensorOptions): Tensor {
  return full(shape, 0, options);
}

export function ones(shape: readonly number[], options?: TensorOptions): Tensor {
  return full(shape, 1, options);
}

/** @internal A scalar constant on a tensor's backend (number operands of the ops). */
export function constant(backend: Backend, value: number, where: string): Tensor {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new RangeError(`${where}: the number operand is ${describe(value)}; it must be finite`);
  const t = emptyTensor(backend, [], false, null, "tensor");
  t.storage(where).view[0] = value;
  return t;
}
