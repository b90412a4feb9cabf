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
    add(b: Operand): Tensor;
    sub(b: Operand): Tensor;
    mul(b: Operand): Tensor;
    div(b: Operand): Tensor;
    max(b: Operand): Tensor;
    min(b: Operand): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    pow(p: Operand): Tensor;
    greater(b: Operand): Tensor;
    greaterEqual(b: Operand): Tensor;
    less(b: Operand): Tensor;
    lessEqual(b: Operand): Tensor;
    equal(b: Operand): Tensor;
    notEqual(b: Operand): Tensor;
    detach(): Tensor;
    activation(name: Activation, alpha?: number): Tensor;
    matmul(b: Tensor, options?: mm.MatmulOptions): Tensor;
    transpose(perm?: readonly number[]): Tensor;
    permute(perm: readonly number[]): Tensor;
    reshape(shape: readonly number[]): Tensor;
    sum(axisOrOptions?: number | readonly number[] | ops.ReduceOptions): Tensor;
    mean(axisOrOptions?: number | readonly number[] | ops.ReduceOptions): Tensor;
    abs(): Tensor;
    sqrt(): Tensor;
    square(): Tensor;
    clip(lo: number, hi: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    gather(indices: readonly number[] | ArrayLike<number> | Tensor, axis?: number): Tensor;
    takeAlongAxis(indices: readonly (readonly number[])[] | Tensor, axis?: number): Tensor;
    slice(begin: readonly number[], size?: readonly number[]): Tensor;
    reduceMax(axis?: number): Tensor;
    reduceMin(axis?: number): Tensor;
    argMax(axis?: number): Tensor;
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
p.add = function (b) { return ops.add(this, b); };
p.sub = function (b) { return ops.sub(this, b); };
p.mul = function (b) { return ops.mul(this, b); };
p.div = function (b) { return ops.div(this, b); };
p.max = function (b) { return ops.max(this, b); };
p.min = function (b) { return ops.min(this, b); };
p.neg = function () { return ops.neg(this); };
p.exp = function () { return ops.exp(this); };
p.log = function () { return ops.log(this); };
p.pow = function (e) { return ops.pow(this, e); };
p.greater = function (b) { return ops.greater(this, b); };
p.greaterEqual = function (b) { return ops.greaterEqual(this, b); };
p.less = function (b) { return ops.less(this, b); };
p.lessEqual = function (b) { return ops.lessEqual(this, b); };
p.equal = function (b) { return ops.equal(this, b); };
p.notEqual = function (b) { return ops.notEqual(this, b); };
p.detach = function () { return ops.detach(this); };
p.activation = function (name, alpha) { return acts.activation(this, name, alpha); };
p.matmul = function (b, options) { return mm.matmul(this, b, options); };
p.transpose = function (perm) { return mm.transpose(this, perm); };
p.permute = function (perm) { return mm.permute(this, perm); };
p.reshape = function (shape) { return ops.reshape(this, shape); };
p.sum = function (axisOrOptions) { return ops.sum(this, axisOrOptions); };
p.mean = function (axisOrOptions) { return ops.mean(this, axisOrOptions); };
p.abs = function () { return comp.abs(this); };
p.sqrt = function () { return comp.sqrt(this); };
p.square = function () { return comp.square(this); };
p.clip = function (lo, hi) { return comp.clip(this, lo, hi); };
p.logSoftmax = function (axis) { return comp.logSoftmax(this, axis); };
p.gather = function (indices, axis) { return idx.gather(this, indices, axis); };
p.takeAlongAxis = function (indices, axis) { return idx.takeAlongAxis(this, indices, axis); };
p.slice = function (begin, size) { return idx.slice(this, begin, size); };
p.reduceMax = function (axis) { return idx.reduceMax(this, axis); };
p.reduceMin = function (axis) { return idx.reduceMin(this, axis); };
p.argMax = function (axis) { return idx.argMax(this, axis); };
p.argMin = function (axis) { return idx.argMin(this, axis); };
p.backward = function (gradient, options) {
  const createGraph = options?.createGraph ?? false;
  if (typeof createGraph !== "boolean") throw new TypeError(`backward's createGraph must be true or false, received ${String(createGraph)}`);
  backpropagate(this, gradient ?? null, null, createGraph);
};
