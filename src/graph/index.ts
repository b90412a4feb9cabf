// wasmlp/graph: tensors and reverse-mode autodiff on the same wasm kernels and memory as the
// networks (float32), or on the float64 reference. Primitive ops: src/graph/ops.ts; the Dense
// layers' activations: activation-ops.ts; composites: composites.ts; reverse mode: autodiff.ts;
// scopes and tensors: tensor.ts; custom-loss training of a Network: train.ts.
import "./chain.js";

export {
  Tensor,
  tensor,
  variable,
  zeros,
  ones,
  full,
  tidy,
  keep,
  MAX_RANK,
  type GraphOp,
  type NestedArray,
  type TensorLike,
  type TensorOptions,
} from "./tensor.js";
export type { Dtype } from "./backend.js";
export { noGrad, type Operand } from "./apply.js";
export {
  add,
  sub,
  mul,
  div,
  max,
  min,
  neg,
  exp,
  log,
  pow,
  reshape,
  sum,
  mean,
  greater,
  greaterEqual,
  less,
  lessEqual,
  equal,
  notEqual,
  where,
  detach,
  graphOps,
  type ReduceOptions,
} from "./ops.js";
export { matmul, transpose, permute, type MatmulOptions } from "./matmul.js";
export { activation, activationGraphOps } from "./activation-ops.js";
// One function per registry activation (sigmoid, tanh, relu, leakyRelu, …), generated.
export * from "./activations.generated.js";
export { abs, sqrt, square, clip, logSoftmax } from "./composites.js";
export { softmaxAlong } from "./softmax.js";
export { gather, takeAlongAxis, slice, concat, stack, reduceMax, reduceMin, argMax, argMin } from "./indexing.js";
export type { BackwardOptions } from "./chain.js";
export { Optimizer, optimizer, sgd, momentum, adam, rmsprop, type OptimizerState } from "./optim.js";
export { grad, grads, valueAndGrad, valueAndGrads } from "./autodiff.js";
export { trainBatchWithLoss, fitWithLoss, type FitWithLossOptions, type LossFunction, type Trainable } from "./train.js";
