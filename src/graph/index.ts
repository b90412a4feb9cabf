// wasmlp/graph: tensors and reverse-mode autodiff on the same wasm kernels and memory as the
// networks (float32), or on the float64 reference. Ops: src/graph/ops.ts (one table); reverse
// mode: autodiff.ts; scopes and tensors: tensor.ts; custom-loss training of a Network: train.ts.
import "./chain.js";

export {
  Tensor, tensor, variable, zeros, ones, full, tidy, keep,
  type TensorLike, type TensorOptions,
} from "./tensor.js";
export type { Dtype } from "./backend.js";
export {
  add, sub, mul, div, max, min, neg, exp, log, pow, sigmoid, tanh, relu, softmax, matmul, transpose, reshape, sum, mean, noGrad,
  abs, sqrt, square, clip, logSoftmax,
  graphOps, type GraphOp, type MatmulOptions, type Operand, type ReduceOptions,
} from "./ops.js";
export { grad, grads, valueAndGrad, valueAndGrads } from "./autodiff.js";
export { trainBatchWithLoss, fitWithLoss, type FitWithLossOptions, type LossFunction, type Trainable } from "./train.js";
