// Where a tensor's numbers live and the primitive kernels the graph's ops are written in: the
// wasm float32 backend (linear memory, the kernels of assembly/) and the float64 reference
// (plain arrays, plain loops): the oracle the tests compare the wasm against and the engine of
// finite-difference checks. Inputs reaching a backend are already validated. The primitives the
// networks have too (allocation, activations, the three matmul forms, optimizer updates, the
// finite check) are the networks' own backends' (src/engine/backend.ts), so both run on one set;
// the graph adds broadcasting arithmetic, transposes and row sums.
import { type Activation, activationOps, normalCdf } from "../activations.js";
import type { OptimizerSpec } from "../config.js";
import type { Form } from "../engine/backend.js";
import { wasmBackend } from "../engine/wasm-backend.js";
import type { F32Region } from "../memory.js";
import { optimizerOp } from "../optimizers.js";
import { f64Backend } from "../reference/backend.js";
import * as ref from "../reference/math.js";
// The one runtime (heap and kernels) of every entry, by relative path: wasmlp and wasmlp/graph
// resolve to the same module, so one init() serves both.
import { runtime } from "../runtime.js";

/** A tensor's number type: "float32" runs on the wasm kernels, "float64" on the pure-TypeScript reference. */
export type Dtype = "float32" | "float64";

/** A tensor's storage: its values as a typed array (valid until memory grows) and its release. */
export interface Storage {
  readonly view: Float32Array | Float64Array;
  dispose(): void;
}

/** Codes of elementwise_binary (assembly/elementwise.ts); ge, gt, eq are masks (1 or 0), "copy" broadcasts b. */
export const BINARY = { add: 0, sub: 1, mul: 2, div: 3, max: 4, min: 5, ge: 6, copy: 7, gt: 8, eq: 9, pow: 10 } as const;
export type BinaryKind = keyof typeof BINARY;
/** Codes of elementwise_unary. */
export const UNARY = { neg: 0, exp: 1, log: 2, pow: 3, normalCdf: 4 } as const;
export type UnaryKind = keyof typeof UNARY;

/** A binary operand seen as rows×cols: element (i, j) is at i·row + j·col (strides 0 broadcast). */
export interface Strided<S> {
  s: S;
  row: number;
  col: number;
}

export interface Backend<S extends Storage = Storage> {
  readonly dtype: Dtype;
  alloc(n: number): S;
  /** out(rows×cols) = a op b, elementwise with broadcasting strides. */
  binary(kind: BinaryKind, rows: number, cols: number, a: Strided<S>, b: Strided<S>, out: S): void;
  /** out(rows×cols) = c ≠ 0 ? a : b, with broadcasting strides. */
  select(rows: number, cols: number, c: Strided<S>, a: Strided<S>, b: Strided<S>, out: S): void;
  /** out(n) = f(x); pow raises to p. */
  unary(kind: UnaryKind, n: number, x: S, out: S, p: number): void;
  /** An activation of the activation table (row-wise ones, softmax, per row of `cols`). */
  activation(act: Activation, rows: number, cols: number, x: S, out: S, alpha: number): void;
  /** dz = dy ∘ g′ through y: the activation's output, or its input for the table's fromInput ones. */
  activationBackward(act: Activation, rows: number, cols: number, y: S, dy: S, out: S, alpha: number): void;
  /** C(m×n) = op(A)·op(B); A is m×k (k×m transposed), B k×n (n×k transposed). */
  matmul(transA: boolean, transB: boolean, m: number, n: number, k: number, a: S, b: S, out: S): void;
  transpose(rows: number, cols: number, x: S, out: S): void;
  /** out(rows) = scale·Σ_j x[i, j]. */
  sumRows(rows: number, cols: number, x: S, out: S, scale: number): void;
  /** out(cols) = scale·Σ_i x[i, j]. */
  sumCols(rows: number, cols: number, x: S, out: S, scale: number): void;
  copy(n: number, x: S, out: S): void;
  /** One update of the optimizer table's entry on w (n values) from g, with its state vectors; t counts from 1. */
  optimizerStep(spec: OptimizerSpec, t: number, n: number, g: S, w: S, states: S[]): void;
  /** Whether every one of the n values is finite. */
  allFinite(n: number, x: S): boolean;
  /** Σ x², accumulated in double precision (the networks' clipNorm reads the same kernel). */
  sumSquares(n: number, x: S): number;
  /**
   * The storage that starts `by` values into s's memory (a batch slice): no copy, no allocation
   * of memory; disposing it does nothing. Passing a slice made before as `reuse` re-points it.
   */
  offset(s: S, by: number, reuse?: S): S;
}

/** What the wasm backend's primitives read of a region: its address and its values. */
type F32Memory = Pick<F32Region, "ptr" | "view" | "dispose">;

/** A batch slice of a region: its address moved by `by` floats (valid while the region is). */
class F32Slice implements F32Memory {
  constructor(
    public base: F32Memory,
    public by: number,
  ) {}
  get ptr(): number {
    return this.base.ptr + 4 * this.by;
  }
  get view(): Float32Array {
    return this.base.view.subarray(this.by);
  }
  dispose(): void {}
}

/** The wasm float32 backend: every tensor is a region of the one heap the networks use. */
class WasmBackend implements Backend<F32Memory> {
  readonly dtype = "float32";

  alloc(n: number): F32Region {
    return wasmBackend().alloc(n);
  }

  binary(kind: BinaryKind, rows: number, cols: number, a: Strided<F32Memory>, b: Strided<F32Memory>, out: F32Memory): void {
    runtime().kernels.elementwise_binary(BINARY[kind], rows, cols, a.s.ptr, a.row, a.col, b.s.ptr, b.row, b.col, out.ptr);
  }

  select(rows: number, cols: number, c: Strided<F32Memory>, a: Strided<F32Memory>, b: Strided<F32Memory>, out: F32Memory): void {
    runtime().kernels.elementwise_select(rows, cols, c.s.ptr, c.row, c.col, a.s.ptr, a.row, a.col, b.s.ptr, b.row, b.col, out.ptr);
  }

  unary(kind: UnaryKind, n: number, x: F32Memory, out: F32Memory, p: number): void {
    runtime().kernels.elementwise_unary(UNARY[kind], n, x.ptr, out.ptr, p);
  }

  activation(act: Activation, rows: number, cols: number, x: F32Memory, out: F32Memory, alpha: number): void {
    // The identity's kernel moves nothing (the networks pass one region in and out).
    if (act === "linear") this.copy(rows * cols, x, out);
    else wasmBackend().activationForward(activationOps[act], rows, cols, x.ptr, out.ptr, alpha);
  }

  activationBackward(act: Activation, rows: number, cols: number, y: F32Memory, dy: F32Memory, out: F32Memory, alpha: number): void {
    if (act === "linear") this.copy(rows * cols, dy, out);
    else wasmBackend().activationBackward(activationOps[act], rows, cols, y.ptr, dy.ptr, out.ptr, alpha);
  }

  matmul(transA: boolean, transB: boolean, m: number, n: number, k: number, a: F32Memory, b: F32Memory, out: F32Memory): void {
    const rt = runtime();
    const kern = rt.kernels;
    if (transA && transB) {
      // Aᵀ·Bᵀ = (B·A)ᵀ: the product into a scratch region, then its transpose.
      const scratch = this.alloc(m * n);
      try {
        kern.matmul_nn(n, m, k, b.ptr, a.ptr, scratch.ptr, rt.workspace, 0);
        kern.transpose(n, m, scratch.ptr, out.ptr);
      } finally {
        scratch.dispose();
      }
    } else wasmBackend().matmul(form(transA, transB), m, n, k, a.ptr, b.ptr, out.ptr);
  }

  transpose(rows: number, cols: number, x: F32Memory, out: F32Memory): void {
    runtime().kernels.transpose(rows, cols, x.ptr, out.ptr);
  }

  sumRows(rows: number, cols: number, x: F32Memory, out: F32Memory, scale: number): void {
    runtime().kernels.sum_rows(rows, cols, x.ptr, out.ptr, scale);
  }

  sumCols(rows: number, cols: number, x: F32Memory, out: F32Memory, scale: number): void {
    runtime().kernels.sum_cols(rows, cols, x.ptr, out.ptr, scale, 0);
  }

  copy(n: number, x: F32Memory, out: F32Memory): void {
    out.view.set(x.view.subarray(0, n));
  }

  optimizerStep(spec: OptimizerSpec, t: number, n: number, g: F32Memory, w: F32Memory, states: F32Memory[]): void {
    wasmBackend().optimizerStep(
      optimizerOp(spec),
      spec,
      t,
      n,
      g.ptr,
      w.ptr,
      states.map((s) => s.ptr),
    );
  }

  allFinite(n: number, x: F32Memory): boolean {
    // max|x| is NaN or ∞ as soon as one value is (the networks' own check of a step).
    return Number.isFinite(wasmBackend().maxAbs(n, x.ptr));
  }

  sumSquares(n: number, x: F32Memory): number {
    return runtime().kernels.sum_squares(n, x.ptr);
  }

  offset(s: F32Memory, by: number, reuse?: F32Memory): F32Memory {
    const base = s instanceof F32Slice ? s.base : s,
      at = s instanceof F32Slice ? s.by + by : by;
    if (reuse instanceof F32Slice) {
      reuse.base = base;
      reuse.by = at;
      return reuse;
    }
    return new F32Slice(base, at);
  }
}

/** A float64 tensor's storage: a plain array (or a batch slice of one). */
class F64Storage implements Storage {
  constructor(public view: Float64Array) {}
  dispose(): void {}
}

/** The float64 reference: the same primitives as plain loops. */
class ReferenceBackend implements Backend<F64Storage> {
  readonly dtype = "float64";

  alloc(n: number): F64Storage {
    return new F64Storage(new Float64Array(n));
  }

  binary(kind: BinaryKind, rows: number, cols: number, a: Strided<F64Storage>, b: Strided<F64Storage>, out: F64Storage): void {
    const [x, y, o] = [a.s.view, b.s.view, out.view];
    const f = BINARY_F64[kind];
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) o[i * cols + j] = f(x[i * a.row + j * a.col], y[i * b.row + j * b.col]);
    }
  }

  select(rows: number, cols: number, c: Strided<F64Storage>, a: Strided<F64Storage>, b: Strided<F64Storage>, out: F64Storage): void {
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < cols; j++) {
        const pick = c.s.view[i * c.row + j * c.col] !== 0;
        out.view[i * cols + j] = pick ? a.s.view[i * a.row + j * a.col] : b.s.view[i * b.row + j * b.col];
      }
    }
  }

  unary(kind: UnaryKind, n: number, x: F64Storage, out: F64Storage, p: number): void {
    const f = UNARY_F64[kind];
    for (let i = 0; i < n; i++) out.view[i] = f(x.view[i], p);
  }

  activation(act: Activation, rows: number, cols: number, x: F64Storage, out: F64Storage, alpha: number): void {
    f64Backend.activationForward(activationOps[act], rows, cols, x.view, out.view, alpha);
  }

  activationBackward(act: Activation, rows: number, cols: number, y: F64Storage, dy: F64Storage, out: F64Storage, alpha: number): void {
    f64Backend.activationBackward(activationOps[act], rows, cols, y.view, dy.view, out.view, alpha);
  }

  matmul(transA: boolean, transB: boolean, m: number, n: number, k: number, a: F64Storage, b: F64Storage, out: F64Storage): void {
    if (transA && transB) ref.matmul(true, true, m, n, k, a.view, b.view, out.view);
    else f64Backend.matmul(form(transA, transB), m, n, k, a.view, b.view, out.view);
  }

  transpose(rows: number, cols: number, x: F64Storage, out: F64Storage): void {
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out.view[j * rows + i] = x.view[i * cols + j];
  }

  sumRows(rows: number, cols: number, x: F64Storage, out: F64Storage, scale: number): void {
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += x.view[i * cols + j];
      out.view[i] = s * scale;
    }
  }

  sumCols(rows: number, cols: number, x: F64Storage, out: F64Storage, scale: number): void {
    ref.sumCols(rows, cols, x.view, out.view, scale);
  }

  copy(n: number, x: F64Storage, out: F64Storage): void {
    out.view.set(x.view.subarray(0, n));
  }

  optimizerStep(spec: OptimizerSpec, t: number, n: number, g: F64Storage, w: F64Storage, states: F64Storage[]): void {
    f64Backend.optimizerStep(
      optimizerOp(spec),
      spec,
      t,
      n,
      g.view,
      w.view,
      states.map((s) => s.view),
    );
  }

  allFinite(n: number, x: F64Storage): boolean {
    return Number.isFinite(f64Backend.maxAbs(n, x.view));
  }

  sumSquares(n: number, x: F64Storage): number {
    let s = 0;
    for (let i = 0; i < n; i++) s += x.view[i] * x.view[i];
    return s;
  }

  offset(s: F64Storage, by: number, reuse?: F64Storage): F64Storage {
    const view = s.view.subarray(by);
    if (reuse) {
      reuse.view = view;
      return reuse;
    }
    return new F64Storage(view);
  }
}

/** The product form of a pair of transpose flags (not both). */
const form = (transA: boolean, transB: boolean): Form => (transA ? "tn" : transB ? "nt" : "nn");

const BINARY_F64: Record<BinaryKind, (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  max: (x, y) => (x >= y ? x : y),
  min: (x, y) => (x <= y ? x : y),
  ge: (x, y) => (x >= y ? 1 : 0),
  copy: (_, y) => y,
  gt: (x, y) => (x > y ? 1 : 0),
  eq: (x, y) => (x === y ? 1 : 0),
  pow: (x, y) => x ** y,
};

const UNARY_F64: Record<UnaryKind, (x: number, p: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  pow: (x, p) => x ** p,
  normalCdf: (x) => normalCdf(x),
};

export const backends: Record<Dtype, Backend> = {
  float32: new WasmBackend() as Backend,
  float64: new ReferenceBackend() as Backend,
};
