// The ops as Tensor methods, for chains in micrograd's and tfjs's style: x.mul(w).add(b).sigmoid().
import { backpropagate } from "./autodiff.js";
import * as ops from "./ops.js";
import { Tensor } from "./tensor.js";

declare module "./tensor.js" {
  interface Tensor {
    add(b: ops.Operand): Tensor;
    sub(b: ops.Operand): Tensor;
    mul(b: ops.Operand): Tensor;
    div(b: ops.Operand): Tensor;
    max(b: ops.Operand): Tensor;
    min(b: ops.Operand): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    pow(p: number): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    relu(): Tensor;
    softmax(): Tensor;
    matmul(b: Tensor, options?: ops.MatmulOptions): Tensor;
    transpose(): Tensor;
    reshape(shape: readonly number[]): Tensor;
    sum(axisOrOptions?: number | ops.ReduceOptions): Tensor;
    mean(axisOrOptions?: number | ops.ReduceOptions): Tensor;
    abs(): Tensor;
    sqrt(): Tensor;
    square(): Tensor;
    clip(lo: number, hi: number): Tensor;
    logSoftmax(): Tensor;
    /**
     * Reverse mode from this tensor: a scalar (or any shape, given the gradient of its values).
     * Adds (+=) into the .grad of every tensor it depends on that requires gradients and was not
     * made by an op (its leaves); call zeroGrad() on them to start again from zero.
     */
    backward(gradient?: Tensor): void;
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
p.sigmoid = function () { return ops.sigmoid(this); };
p.tanh = function () { return ops.tanh(this); };
p.relu = function () { return ops.relu(this); };
p.softmax = function () { return ops.softmax(this); };
p.matmul = function (b, options) { return ops.matmul(this, b, options); };
p.transpose = function () { return ops.transpose(this); };
p.reshape = function (shape) { return ops.reshape(this, shape); };
p.sum = function (axisOrOptions) { return ops.sum(this, axisOrOptions); };
p.mean = function (axisOrOptions) { return ops.mean(this, axisOrOptions); };
p.abs = function () { return ops.abs(this); };
p.sqrt = function () { return ops.sqrt(this); };
p.square = function () { return ops.square(this); };
p.clip = function (lo, hi) { return ops.clip(this, lo, hi); };
p.logSoftmax = function () { return ops.logSoftmax(this); };
p.backward = function (gradient) { backpropagate(this, gradient ?? null, null); };
