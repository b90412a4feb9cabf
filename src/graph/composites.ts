// Ops written with the primitive ops (their gradients, of every order, follow from those). Each
// disposes its temporaries; a recorded graph that reads one keeps its memory as long as needed.
import { describe } from "../validate.js";
import { as2d, readable } from "./apply.js";
import { after, consume, exp, log, max, min, mul, neg, pow, sub, sum } from "./ops.js";
import { type Tensor, checkTensor, emptyTensor } from "./tensor.js";

/** x·x (its gradient 2x·g: the multiply gate's two routes add). */
export const square = (x: Tensor): Tensor => mul(x, x);
/** √x, as x^0.5 (NaN below 0, as Math.sqrt). */
export const sqrt = (x: Tensor): Tensor => pow(x, 0.5);

/** |x|, as max(x, −x): its gradient is sign(x)·g (+g at 0, the max gate's tie rule). */
export function abs(x: Tensor): Tensor {
  checkTensor("abs", x);
  return after(neg(x), (minusX) => max(x, minusX));
}

/** x clipped to [lo, hi] (tfjs's clipByValue): the gradient passes where lo ≤ x ≤ hi. */
export function clip(x: Tensor, lo: number, hi: number): Tensor {
  checkTensor("clip", x);
  if (typeof lo !== "number" || typeof hi !== "number" || !(lo <= hi) || !Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new RangeError(`clip needs finite bounds lo ≤ hi, received ${describe(lo)} and ${describe(hi)}`);
  }
  return after(max(x, lo), (low) => min(low, hi));
}

/**
 * log(softmax(x)) along the last axis, as x − m − log Σ e^(x − m) with m each row's largest value
 * (a constant for the gradient), so that no probability underflows to log(0).
 */
export function logSoftmax(x: Tensor): Tensor {
  checkTensor("logSoftmax", x);
  const [rows, cols] = as2d(x.shape);
  const values = readable(x, "logSoftmax").view;
  const m = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = -Infinity;
    for (let j = 0; j < cols; j++) best = Math.max(best, values[i * cols + j]);
    m[i] = Number.isFinite(best) ? best : 0;
  }
  const shift = emptyTensor(x.backend, x.rank === 2 ? [rows, 1] : [], false, null, "tensor");
  shift.memory("logSoftmax").view.set(m);
  const centered = consume(shift, shift, (s) => sub(x, s));
  const logTotal = after(after(exp(centered), (e) => sum(e, x.rank === 0 ? undefined : { axis: -1, keepDims: true })), log);
  return consume(centered, logTotal, sub);
}
