// The ops as Tensor methods, for chains in micrograd's and tfjs's style: x.mul(w).add(b).sigmoid().
import type { Activation } from "../activations.js";
import type { Operand } from "./apply.js";
import * as acts from "./activation-ops.js";
import "./activations.generated.js";
import { backpropagate } from "./autodiff.js";
import * as comp from "./composites.js";
import * as idx from "./indexing.js";
import * as mm from "./matmul.js";
import * as ops from "./ops.js";
import { Tensor } from "./tensor.js";

/** Options of backward(). */
export interface BackwardOptions {
  /** Record the backward pass, so that the gradients it stores can be differentiated again (PyTorch's create_graph). */
  createGraph?: boolean;
}

declare module "./tensor.js" {
  interface Tensor {
    /** this + b, elementwise with broadcasting (add(this, b)). */
    add(b: Operand): Tensor;
    /** this − b, elementwise with broadcasting (sub(this, b)). */
    sub(b: Operand): Tensor;
    /** this · b, elementwise with broadcasting (mul(this, b)); matmul() is the matrix product. */
    mul(b: Operand): Tensor;
    /** this / b, elementwise with broadcasting (div(this, b)). */
    div(b: Operand): Tensor;
    /** The larger of this and b, elementwise (max(this, b)); reduceMax() reduces along an axis. */
    max(b: Operand): Tensor;
    /** The smaller of this and b, elementwise (min(this, b)); reduceMin() reduces along an axis. */
    min(b: Operand): Tensor;
    /** −this, elementwise. */
    neg(): Tensor;
    /** eˣ, elementwise, with IEEE results (+Infinity past float32's range). */
    exp(): Tensor;
    /** The natural logarithm, elementwise (−Infinity at 0, NaN below). */
    log(): Tensor;
    /** thisᵖ, elementwise: p a number, or a tensor broadcast against this (pow(this, p)). */
    pow(p: Operand): Tensor;
    /** 1 where this > b, else 0 (elementwise, with broadcasting; no gradient). */
    greater(b: Operand): Tensor;
    /** 1 where this ≥ b, else 0 (elementwise, with broadcasting; no gradient). */
    greaterEqual(b: Operand): Tensor;
    /** 1 where this < b, else 0 (elementwise, with broadcasting; no gradient). */
    less(b: Operand): Tensor;
    /** 1 where this ≤ b, else 0 (elementwise, with broadcasting; no gradient). */
    lessEqual(b: Operand): Tensor;
    /** 1 where this = b, else 0 (elementwise, with broadcasting; no gradient). */
    equal(b: Operand): Tensor;
    /** 1 where this ≠ b, else 0 (elementwise, with broadcasting; no gradient). */
    notEqual(b: Operand): Tensor;
    /** A copy whose gradient is zero: backward() stops here (stop-gradient). */
    detach(): Tensor;
    /** A Dense layer's activation by name ("relu", or "softmax" along the last axis, …); alpha is leaky-relu's slope below 0 (default 0.01) and is refused for the others (activation(this, name, alpha)). */
    activation(name: Activation, alpha?: number): Tensor;
    /** The matrix product this · b, the last two axes transposed as the options say, batch axes broadcasting (matmul(this, b, options)); throws a RangeError when the inner dimensions differ or the batch axes do not broadcast. */
    matmul(b: Tensor, options?: mm.MatmulOptions): Tensor;
    /** The axes in the order perm (default reversed: a matrix's transpose) (transpose(this, perm)); throws a RangeError when perm is not an order of the axes. */
    transpose(perm?: readonly number[]): Tensor;
    /** PyTorch's permute: the axes in the order perm (permute(this, perm)). */
    permute(perm: readonly number[]): Tensor;
    /** The same values in another shape, one dimension of which may be −1 (whatever is left); throws a RangeError when the sizes differ. */
    reshape(shape: readonly number[]): Tensor;
    /** The sum of all values (a scalar), or along an axis or axes, optionally keeping them as dimensions of 1. */
    sum(axisOrOptions?: number | readonly number[] | ops.ReduceOptions): Tensor;
    /** The mean of all values (a scalar), or along an axis or axes, optionally keeping them as dimensions of 1. */
    mean(axisOrOptions?: number | readonly number[] | ops.ReduceOptions): Tensor;
    /** |this|, elementwise (its gradient is sign(x)·g, and +g at 0). */
    abs(): Tensor;
    /** √this, elementwise (NaN below 0). */
    sqrt(): Tensor;
    /** this², elementwise. */
    square(): Tensor;
    /** The values clamped to [lo, hi] (tfjs's clipByValue); the gradient passes where lo ≤ x ≤ hi; throws a RangeError unless lo ≤ hi, both finite. */
    clip(lo: number, hi: number): Tensor;
    /** log(softmax) along `axis` (default the last), computed stably (for a cross-entropy over logits) (logSoftmax(this, axis)). */
    logSoftmax(axis?: number): Tensor;
    /** The slices at `indices` along `axis` (default 0), in that order (gather(this, indices, axis)); throws a RangeError for an index out of range. */
    gather(indices: readonly number[] | ArrayLike<number> | Tensor, axis?: number): Tensor;
    /** Values picked along `axis` (default the last) by indices of the same rank, as numpy's take_along_axis (each row's value at its label: indices [m, 1]). */
    takeAlongAxis(indices: readonly (readonly number[])[] | Tensor, axis?: number): Tensor;
    /** The block starting at `begin` (one index per dimension) of the given size (default: to the end; −1 also means to the end). */
    slice(begin: readonly number[], size?: readonly number[]): Tensor;
    /** The largest value along `axis` (default: of all values); the gradient goes to the first largest. */
    reduceMax(axis?: number): Tensor;
    /** The smallest value along `axis` (default: of all values); the gradient goes to the first smallest. */
    reduceMin(axis?: number): Tensor;
    /** The index of the largest value along `axis` (default: of all values, flat), as a float tensor of whole numbers (no gradient). */
    argMax(axis?: number): Tensor;
    /** The index of the smallest value along `axis` (default: of all values, flat), as a float tensor of whole numbers (no gradient). */
    argMin(axis?: number): Tensor;
    /**
     * Reverse mode from this tensor: a scalar (or any shape, given the gradient of its values).
     * Adds (+=) into the .grad of every tensor it depends on that requires gradients and was not
     * made by an op (its leaves); call zeroGrad() on them to start again from zero. With
     * { createGraph: true } the gradients are recorded, so they can be differentiated again.
     */
    backward(gradient?: Tensor | null, options?: BackwardOptions): void;
  }
}

const p = Tensor.prototype;
p.add = function (b) {
  return ops.add(this, b);
};
p.sub = function (b) {
  return ops.sub(this, b);
};
p.mul = function (b) {
  return ops.mul(this, b);
};
p.div = function (b) {
  return ops.div(this, b);
};
p.max = function (b) {
  return ops.max(this, b);
};
p.min = function (b) {
  return ops.min(this, b);
};
p.neg = function () {
  return ops.neg(this);
};
p.exp = function () {
  return ops.exp(this);
};
p.log = function () {
  return ops.log(this);
};
p.pow = function (e) {
  return ops.pow(this, e);
};
p.greater = function (b) {
  return ops.greater(this, b);
};
p.greaterEqual = function (b) {
  return ops.greaterEqual(this, b);
};
p.less = function (b) {
  return ops.less(this, b);
};
p.lessEqual = function (b) {
  return ops.lessEqual(this, b);
};
p.equal = function (b) {
  return ops.equal(this, b);
};
p.notEqual = function (b) {
  return ops.notEqual(this, b);
};
p.detach = function () {
  return ops.detach(this);
};
p.activation = function (name, alpha) {
  return acts.activation(this, name, alpha);
};
p.matmul = function (b, options) {
  return mm.matmul(this, b, options);
};
p.transpose = function (perm) {
  return mm.transpose(this, perm);
};
p.permute = function (perm) {
  return mm.permute(this, perm);
};
p.reshape = function (shape) {
  return ops.reshape(this, shape);
};
p.sum = function (axisOrOptions) {
  return ops.sum(this, axisOrOptions);
};
p.mean = function (axisOrOptions) {
  return ops.mean(this, axisOrOptions);
};
p.abs = function () {
  return comp.abs(this);
};
p.sqrt = function () {
  return comp.sqrt(this);
};
p.square = function () {
  return comp.square(this);
};
p.clip = function (lo, hi) {
  return comp.clip(this, lo, hi);
};
p.logSoftmax = function (axis) {
  return comp.logSoftmax(this, axis);
};
p.gather = function (indices, axis) {
  return idx.gather(this, indices, axis);
};
p.takeAlongAxis = function (indices, axis) {
  return idx.takeAlongAxis(this, indices, axis);
};
p.slice = function (begin, size) {
  return idx.slice(this, begin, size);
};
p.reduceMax = function (axis) {
  return idx.reduceMax(this, axis);
};
p.reduceMin = function (axis) {
  return idx.reduceMin(this, axis);
};
p.argMax = function (axis) {
  return idx.argMax(this, axis);
};
p.argMin = function (axis) {
  return idx.argMin(this, axis);
};
p.backward = function (gradient, options) {
  const createGraph = options?.createGraph ?? false;
  if (typeof createGraph !== "boolean") throw new TypeError(`backward's createGraph must be true or false, received ${String(createGraph)}`);
  backpropagate(this, gradient ?? null, null, createGraph);
};
