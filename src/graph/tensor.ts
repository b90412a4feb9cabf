// Tensor: a shape and its numbers (float32 in the wasm heap, or float64 for the reference), the
// graph node that made it when gradients are recorded, and the scopes (tidy) that free every
// intermediate so that users never count references by hand. A recorded node holds its inputs'
// memory: a released tensor (disposed, or freed by its scope) whose values a live tensor's
// graph reads keeps its memory until the last such reader is freed.
import "../disposable.js";
import { F32_MAX, describe } from "../validate.js";
import { type Backend, type Dtype, type Storage, backends } from "./backend.js";

/** An op of the graph: its output's shape, its forward pass and its gradient rule. */
export interface GraphOp<A> {
  name: string;
  /** The output's shape; throws naming the inputs' shapes when they do not fit. */
  shape(inputs: readonly Tensor[], attrs: A): number[];
  /** Writes the output's values from the inputs'. */
  forward(b: Backend, out: Storage, inputs: readonly Storage[], shapes: readonly (readonly number[])[], attrs: A): void;
  /**
   * The gradient rule: each input's gradient (its shape) from the output's gradient g, for the
   * inputs whose `needs` is true (null for the others), written in graph ops: recorded (and so
   * differentiable again) when backward() records, else a fused kernel may stand in. It may
   * return g itself, and disposes every temporary it makes (a graph still reading one keeps it).
   */
  backward(g: Tensor, inputs: readonly Tensor[], out: Tensor, attrs: A, needs: readonly boolean[]): (Tensor | null)[];
  /** The output is piecewise constant in the inputs (comparisons, argmax): never recorded. */
  constant?: true;
}

/** What made a recorded tensor: the op, its inputs and its attributes (backward() reads them). */
export interface GraphNode {
  op: GraphOp<any>;
  inputs: readonly Tensor[];
  attrs: unknown;
}

/** Nested arrays of numbers, as many levels deep as the tensor has axes (every level rectangular). */
export type NestedArray = readonly (number | NestedArray)[];

/** Values a tensor can be made from: a number, nested arrays (number[], number[][], …), or a flat array with a shape. */
export type TensorLike = number | ArrayLike<number> | NestedArray;

/** Options of tensor(), variable(), full(), zeros() and ones(). */
export interface TensorOptions {
  /** "float32" (default): wasm kernels on the module's memory; "float64": the pure-TS reference. */
  dtype?: Dtype;
  /** Record the ops that use this tensor, so that backward() computes its gradient. */
  requiresGrad?: boolean;
}

/** Tensors have rank 0 (a scalar) to 6; the last two axes of a matrix are rows × columns. */
export const MAX_RANK = 6;

// ---- scopes --------------------------------------------------------------------------------

const scopes: Set<Tensor>[] = [];

/**
 * Runs fn and then releases every tensor created inside it, except the ones it returns (a tensor,
 * or tensors in an array or a plain object), which move to the enclosing scope. Tensors made with
 * keep() or variable() survive the scope. A released tensor that a surviving tensor's recorded
 * graph reads keeps its memory until the last such tensor is freed, so backward() from anything
 * returned always works.
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
  if (result instanceof Promise) {
    for (const t of scope) t.dispose();
    throw new TypeError("tidy needs a synchronous function: it returned a Promise, and a scope cannot wait for one (await outside tidy, or dispose by hand)");
  }
  const kept = new Set<Tensor>();
  collect(result, kept, 0);
  const parent = scopes[scopes.length - 1] ?? null;
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

function collect(value: unknown, out: Set<Tensor>, depth: number): void {
  if (value instanceof Tensor) out.add(value);
  else if (depth < 4 && Array.isArray(value)) for (const v of value) collect(v, out, depth + 1);
  else if (depth < 4 && value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collect(v, out, depth + 1);
  }
}

/** Released tensors whose memory free() has still to release (one list: free() never re-enters). */
const freeing: Tensor[] = [];

/** Frees t's memory and then, iteratively, that of released inputs no other live node reads. */
function free(t: Tensor): void {
  let u: Tensor | undefined = t;
  while (u !== undefined) {
    u.freeMemory();
    const node: GraphNode | null = u.node;
    u.node = null;
    if (node) {
      const inputs = node.inputs;
      for (let i = 0; i < inputs.length; i++) {
        const x = inputs[i];
        if (--x.readers === 0 && x.isDisposed && !x.isFreed) freeing.push(x);
      }
    }
    u = freeing.pop();
  }
}

/** The shape of every scalar (frozen, so tensors can share it). */
const SCALAR: readonly number[] = Object.freeze([]);

// ---- the tensor ----------------------------------------------------------------------------

/**
 * An n-dimensional array of float32 values in the wasm module's memory (or float64 values in
 * JavaScript, for dtype "float64"), row-major, with the op that made it when it is recorded for
 * reverse mode. Make one with tensor(), variable(), full(), zeros() or ones(), or with the ops
 * (functions such as add(a, b), or the same as methods, a.add(b)). Its memory is released by
 * dispose(), by the tidy() scope it was made in, or by `using`; reading it after that throws.
 */
export class Tensor {
  /** The dimensions, outermost first ([] for a scalar, [n] for a vector, [rows, cols] for a matrix). */
  readonly shape: readonly number[];
  /** The number of values: the product of the shape (1 for a scalar). */
  readonly size: number;
  /** "float32" (wasm kernels) or "float64" (the reference): set when the tensor is made, kept by every op on it. */
  readonly dtype: Dtype;
  /** Whether backward() computes a gradient for this tensor (ops on it are recorded). */
  readonly requiresGrad: boolean;
  /** @internal */ readonly backend: Backend;
  /** @internal The op that made this tensor, when it was recorded; null for leaves. */
  node: GraphNode | null;
  /** @internal The scope that frees this tensor (tidy), or null. */
  scope: Set<Tensor> | null = null;
  /** @internal How many recorded nodes of unfreed tensors read this one. */
  readers = 0;
  /** @internal Name of the op that made it, for error messages. */
  readonly madeBy: string;
  private store: Storage | null;
  private released = false;
  private gradient: Tensor | null = null;

  /** @internal Use tensor(), variable(), zeros() or the ops. */
  constructor(backend: Backend, shape: readonly number[], store: Storage, requiresGrad: boolean, node: GraphNode | null, madeBy: string) {
    this.backend = backend;
    this.dtype = backend.dtype;
    // A frozen shape cannot change under the tensor, so it is shared rather than copied.
    this.shape = shape.length === 0 ? SCALAR : Object.isFrozen(shape) ? shape : Object.freeze(shape.slice());
    let size = 1;
    for (let i = 0; i < shape.length; i++) size *= shape[i];
    this.size = size;
    this.store = store;
    this.requiresGrad = requiresGrad;
    this.node = node;
    this.madeBy = madeBy;
    if (node) {
      const inputs = node.inputs;
      for (let i = 0; i < inputs.length; i++) inputs[i].readers++;
    }
    const scope = scopes[scopes.length - 1];
    if (scope) {
      this.scope = scope;
      scope.add(this);
    }
  }

  /** The number of dimensions: 0 for a scalar, 1 for a vector, 2 for a matrix. */
  get rank(): number {
    return this.shape.length;
  }

  /** Whether dispose() (or the tensor's scope) released it: its values can no longer be read. */
  get isDisposed(): boolean {
    return this.released;
  }

  /** @internal Whether its memory is gone (released and read by no live graph). */
  get isFreed(): boolean {
    return this.store === null;
  }

  /** The gradient backward() accumulated into this tensor (leaves that require gradients), or null. */
  get grad(): Tensor | null {
    if (this.gradient?.isDisposed) this.gradient = null;
    return this.gradient;
  }

  /** @internal */
  setGrad(g: Tensor | null): void {
    if (g) {
      g.scope?.delete(g);
      g.scope = null;
    }
    this.gradient = g;
  }

  /** @internal The storage, after checking that the tensor has not been released. */
  storage(where: string): Storage {
    if (this.released) throw new Error(`${where}: ${this.describe()} has been disposed; its memory is released`);
    return this.store!;
  }

  /** @internal The storage of a tensor a graph reads (released or not). */
  memory(where: string): Storage {
    if (this.store === null) throw new Error(`${where}: ${this.describe()} has been freed`);
    return this.store;
  }

  /** @internal */
  freeMemory(): void {
    this.store?.dispose();
    this.store = null;
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

  /** The values as a number (rank 0), number[] (rank 1), number[][] (rank 2), and so on: one array level per axis. */
  toArray(): number | number[] | number[][] | NestedArray {
    const v = Array.from(this.data());
    if (this.rank === 0) return v[0];
    const nest = (axis: number, at: number): NestedArray => {
      const d = this.shape[axis];
      if (axis === this.rank - 1) return v.slice(at, at + d);
      const inner = this.size / this.shape.slice(0, axis + 1).reduce((a, b) => a * b, 1);
      return Array.from({ length: d }, (_, i) => nest(axis + 1, at + i * inner));
    };
    return nest(0, 0) as number[] | number[][] | NestedArray;
  }

  /**
   * Releases the tensor (and its gradient): later use throws. Its memory is freed now, or, when a
   * live tensor's recorded graph reads it, with the last such tensor. Calling it again does nothing.
   */
  dispose(): void {
    if (this.released) return;
    this.released = true;
    this.scope?.delete(this);
    this.scope = null;
    this.gradient?.dispose();
    this.gradient = null;
    if (this.readers > 0) return;
    if (this.node === null) this.freeMemory();
    else free(this);
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

  /** "Tensor(float32, [2, 3], requiresGrad)": the dtype, the shape and the flags, never the values. */
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
  let size = 1;
  for (let i = 0; i < shape.length; i++) size *= shape[i];
  let store: Storage;
  try {
    store = backend.alloc(size);
  } catch (e) {
    throw new RangeError(
      `out of memory: a ${backend.dtype} tensor of shape [${shape.join(", ")}] needs ${(size * (backend.dtype === "float32" ? 4 : 8)).toLocaleString("en-US")} bytes (${(e as Error).message})`,
    );
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
  if (shape.length > MAX_RANK) throw new RangeError(`${where} [${shape.join(", ")}] has rank ${shape.length}; tensors have rank 0 to ${MAX_RANK}`);
  shape.forEach((d, i) => {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 1 || d > 2 ** 30)
      throw new RangeError(`${where}[${i}] is ${describe(d)}; dimensions must be whole numbers from 1`);
  });
  return shape as number[];
}

/** Flat values and the shape they imply (nested arrays), before any memory is touched. */
function flatten(values: unknown): { flat: ArrayLike<number>; shape: number[] } {
  if (typeof values === "number") return { flat: [values], shape: [] };
  if (ArrayBuffer.isView(values) && !(values instanceof DataView)) {
    return { flat: values as unknown as ArrayLike<number>, shape: [(values as unknown as ArrayLike<number>).length] };
  }
  if (!Array.isArray(values)) throw new TypeError(`tensor values must be a number, nested arrays of numbers or a typed array, received ${describe(values)}`);
  if (values.length === 0 || !Array.isArray(values[0])) return { flat: values, shape: [values.length] };
  // The shape from the first element at each level; every other array must match it.
  const shape: number[] = [];
  for (let level: unknown = values; Array.isArray(level); level = level[0]) {
    shape.push(level.length);
    if (shape.length > MAX_RANK) checkShape("shape", shape);
  }
  const flat: unknown[] = [];
  const walk = (v: unknown, axis: number, path: string): void => {
    if (axis === shape.length) {
      flat.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[axis]) {
      if (shape.length === 2) throw new RangeError(`tensor row ${path} is ${describe(v)}; every row must have ${shape[1]} numbers like row 0`);
      throw new RangeError(
        `tensor values[${path}] is ${describe(v)}; every array at depth ${axis} must have ${shape[axis]} ${axis === shape.length - 1 ? "numbers" : "arrays"} like values${"[0]".repeat(axis)}`,
      );
    }
    for (let i = 0; i < v.length; i++) walk(v[i], axis + 1, `${path}][${i}`);
  };
  for (let i = 0; i < values.length; i++) walk(values[i], 1, `${i}`);
  return { flat: flat as ArrayLike<number>, shape };
}

/**
 * A tensor from values: a number (a scalar), nested arrays (number[], number[][] rows,
 * number[][][], … up to rank 6, every level rectangular) or a typed array, with an optional shape
 * for flat values (e.g. tensor(data, [batch, channels, height, width])).
 *
 * @param values - the numbers: each must be finite (and within float32's range for float32 tensors).
 * @param shape - the dimensions (whole numbers ≥ 1, at most 6 of them); default: the nesting's.
 * @param options - `dtype` ("float32", default, or "float64") and `requiresGrad` (default false).
 * @throws RangeError when a value is not finite, the arrays are ragged, or the shape does not hold the values.
 * @throws TypeError when values are not numbers or arrays, or an option is unknown.
 */
export function tensor(values: TensorLike, shape?: readonly number[], options?: TensorOptions): Tensor {
  const { backend, requiresGrad } = parseOptions(options);
  const { flat, shape: implied } = flatten(values);
  const dims = shape === undefined ? implied : checkShape("shape", shape);
  const size = dims.reduce((a, b) => a * b, 1);
  if (dims.includes(0) || flat.length === 0) throw new RangeError("a tensor needs at least one value; received an empty array");
  if (size !== flat.length) throw new RangeError(`shape [${dims.join(", ")}] holds ${size} values, but ${flat.length} were given`);
  if (implied.length > MAX_RANK) checkShape("shape", implied);
  for (let i = 0; i < flat.length; i++) checkValue(`tensor value ${i}`, flat[i], backend);
  const t = emptyTensor(backend, dims, requiresGrad, null, "tensor");
  t.storage("tensor").view.set(flat);
  return t;
}

/** A tensor that requires gradients and that no scope frees: a trainable parameter (dispose it yourself). */
export function variable(values: TensorLike, shape?: readonly number[], options: Omit<TensorOptions, "requiresGrad"> = {}): Tensor {
  if (options !== null && typeof options === "object" && "requiresGrad" in options)
    throw new TypeError("variable() always requires gradients; pass no requiresGrad option");
  return keep(tensor(values, shape, { ...options, requiresGrad: true }));
}

/** A tensor of the given shape filled with one value (0 by default). */
export function full(shape: readonly number[], value = 0, options?: TensorOptions): Tensor {
  const dims = checkShape("shape", shape);
  const { backend, requiresGrad } = parseOptions(options);
  checkValue("fill value", value, backend);
  const t = emptyTensor(backend, dims, requiresGrad, null, "tensor");
  t.storage("full").view.fill(value);
  return t;
}

/**
 * A tensor of the given shape filled with 0 (full(shape, 0, options)).
 * @param shape The dimensions, each a whole number ≥ 1 ([] for a scalar).
 * @throws {RangeError} For a shape that is not a list of whole numbers ≥ 1, or too large.
 */
export function zeros(shape: readonly number[], options?: TensorOptions): Tensor {
  return full(shape, 0, options);
}

/**
 * A tensor of the given shape filled with 1 (full(shape, 1, options)).
 * @param shape The dimensions, each a whole number ≥ 1 ([] for a scalar).
 * @throws {RangeError} For a shape that is not a list of whole numbers ≥ 1, or too large.
 */
export function ones(shape: readonly number[], options?: TensorOptions): Tensor {
  return full(shape, 1, options);
}

/**
 * The one policy for numbers a user passes (tensor values, fill values, number operands): finite,
 * and within float32's range for float32 tensors; op results then follow IEEE arithmetic.
 */
export function checkValue(what: string, v: unknown, backend: Backend): void {
  if (typeof v !== "number" || !Number.isFinite(v)) throw new RangeError(`${what} is ${describe(v)}; values must be finite numbers`);
  if (backend.dtype === "float32" && Math.abs(v) > F32_MAX)
    throw new RangeError(`${what} is ${v}, beyond float32's range (±${F32_MAX.toPrecision(5)}); use dtype "float64" or smaller values`);
}

/** @internal A scalar constant on a tensor's backend (number operands of the ops). */
export function constant(backend: Backend, value: number, where: string): Tensor {
  checkValue(`${where}: the number operand`, value, backend);
  const t = emptyTensor(backend, [], false, null, "tensor");
  t.storage(where).view[0] = value;
  return t;
}
