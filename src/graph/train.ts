// Training a Network with a loss written in tensors: the network runs its fused forward and
// backward passes; the graph computes the loss and its gradient with respect to the outputs,
// which the network backpropagates through its layers (Network.backward) before one optimizer
// update (Network.applyGradients).
import { gatherRows } from "../engine/gather.js";
import { Random } from "../random.js";
import { type Batch, checkInt, checkKeys, checkObject, describe, toMatrix } from "../validate.js";
import { backpropagate } from "./autodiff.js";
import { Tensor, tensor, tidy } from "./tensor.js";

/** A loss of the network's outputs and the targets (both m × outputs): a scalar tensor, usually a mean over the batch. */
export type LossFunction = (yPred: Tensor, yTrue: Tensor) => Tensor;

/** What training with a custom loss needs of a network: Network and ReferenceNetwork both fit. */
export interface Trainable {
  /** Values per input sample. */
  readonly inputSize: number;
  /** Values per output row. */
  readonly outputSize: number;
  /** The seed of the network's randomness (fitWithLoss shuffles with it by default). */
  readonly seed: number;
  /** The outputs of a batch (m × outputSize, row-major), keeping what backward() needs. */
  forward(x: Batch): Float32Array | Float64Array;
  /** Backpropagates the loss's gradient with respect to the last forward()'s outputs (m × outputSize). */
  backward(dOut: Batch): unknown;
  /** One optimizer step from the gradients backward() left. */
  applyGradients(): void;
}

/**
 * One optimizer step of `net` on a batch (x: m samples, y: m target rows of outputSize values)
 * with a custom loss; returns the loss before the step. Float32 tensors for a Network, float64
 * for a ReferenceNetwork. Dropout layers do not drop on this path (it runs forward()).
 */
export function trainBatchWithLoss(net: Trainable, x: Batch, y: Batch, loss: LossFunction): number {
  if (typeof loss !== "function") throw new TypeError(`the loss must be a function (yPred, yTrue) => scalar Tensor, received ${describe(loss)}`);
  const { data: targets, m: rows } = toMatrix("y", y, net.outputSize);
  const out = net.forward(x);
  const m = out.length / net.outputSize;
  if (rows !== m) throw new RangeError(`y has ${rows} target rows, expected one per sample (${m})`);
  const dtype = out instanceof Float64Array ? "float64" : "float32";
  const shape = [m, net.outputSize];
  const { value, dOut } = tidy(() => {
    const yPred = tensor(out, shape, { dtype, requiresGrad: true });
    const yTrue = tensor(targets, shape, { dtype });
    const l = loss(yPred, yTrue);
    if (!(l instanceof Tensor)) throw new TypeError(`the loss function must return a scalar Tensor, it returned ${describe(l)}`);
    if (l.size !== 1) throw new RangeError(`the loss function must return a scalar; it returned ${l.describe()} (take its mean())`);
    const value = l.item();
    if (!Number.isFinite(value)) throw new Error(`the loss became ${value}, so no update was applied (the weights are unchanged)`);
    if (!l.requiresGrad) throw new Error("the loss does not depend on yPred, so it has no gradient to train with");
    const [g] = backpropagate(l, null, [yPred]);
    return { value, dOut: g.data() };
  });
  net.backward(dOut);
  net.applyGradients();
  return value;
}

/** Options of fitWithLoss(). */
export interface FitWithLossOptions {
  /** The loss of a batch's outputs and targets (required). */
  loss: LossFunction;
  /** Passes over the samples, 1 to 1e6 (default 1). */
  epochs?: number;
  /** Samples per step, 1 to 2²⁰ (default 32; the last batch of an epoch may be smaller). */
  batchSize?: number;
  /** Shuffle the samples before each epoch (default true). */
  shuffle?: boolean;
  /** Seed of the shuffles (the network's seed by default). */
  seed?: number;
  /** Called after each epoch with its index (from 0) and its mean loss. */
  onEpochEnd?: (epoch: number, logs: { loss: number }) => void;
}

const FIT_KEYS = ["loss", "epochs", "batchSize", "shuffle", "seed", "onEpochEnd"];

/** Epochs of minibatch steps with a custom loss (trainBatchWithLoss); returns the mean loss of each epoch. */
export function fitWithLoss(net: Trainable, x: Batch, y: Batch, options: FitWithLossOptions): { loss: number[] } {
  checkObject("fitWithLoss options", options);
  checkKeys("fitWithLoss options", options, FIT_KEYS);
  const epochs = checkInt("epochs", options.epochs ?? 1, 1, 1e6);
  const batchSize = checkInt("batchSize", options.batchSize ?? 32, 1, 1 << 20);
  const shuffle = options.shuffle ?? true;
  if (typeof shuffle !== "boolean") throw new TypeError(`shuffle must be true or false, received ${describe(shuffle)}`);
  if (options.onEpochEnd !== undefined && typeof options.onEpochEnd !== "function")
    throw new TypeError(`onEpochEnd must be a function, received ${describe(options.onEpochEnd)}`);
  const { data, m } = toMatrix("x", x, net.inputSize);
  const { data: targets, m: rows } = toMatrix("y", y, net.outputSize);
  if (rows !== m) throw new RangeError(`y has ${rows} target rows, expected one per sample (${m})`);
  const rng = new Random(checkInt("seed", options.seed ?? net.seed, 0, 0xffffffff) ^ 0x2545f491);
  const order = new Uint32Array(m).map((_, i) => i);
  const [n, o] = [net.inputSize, net.outputSize];
  const xb = new Float32Array(Math.min(batchSize, m) * n);
  const yb = new Float32Array(Math.min(batchSize, m) * o);
  const history: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    if (shuffle) rng.shuffle(order);
    let total = 0;
    for (let start = 0; start < m; start += batchSize) {
      const rows = Math.min(batchSize, m - start);
      gatherRows(xb, data, n, order, start, rows);
      gatherRows(yb, targets, o, order, start, rows);
      total += rows * trainBatchWithLoss(net, xb.subarray(0, rows * n), yb.subarray(0, rows * o), options.loss);
    }
    history.push(total / m);
    options.onEpochEnd?.(epoch, { loss: total / m });
  }
  return { loss: history };
}
