// Ops written with the primitive ops (their gradients, of every order, follow from those). Each
// disposes its temporaries; a recorded graph that reads one keeps its memory as long as needed.
import { describe } from "../validate.js";
import { readable } from "./apply.js";
import { checkAxis } from "./indexing.js";
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
 * log(softmax(x)) along an axis, as x − m − log Σ e^(x − m) with m the largest value along it (a
 * constant for the gradient), so that no probability underflows to log(0).
 *
 * @param axis - the axis the probabilities run along (default −1, the last; negative counts from the end).
 * @throws RangeError when the axis does not exist in x.
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  checkTensor("logSoftmax", x);
  const ax = x.rank === 0 ? 0 : checkAxis("logSoftmax", x, axis);
  const shape = x.shape.map((d, i) => (i === ax ? 1 : d));
  const values = readable(x, "logSoftmax").view;
  const shift = emptyTensor(x.backend, shape, false, null, "tensor");
  const m = shift.memory("logSoftmax").view;
  // The lines along the axis: outer × inner of them, the axis's values `inner` apart.
  const len = x.rank === 0 ? 1 : x.shape[ax],
    inner = x.shape.slice(ax + 1).reduce((a, b) => a * b, 1),
    outer = x.size / (len * inner);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      let best = -Infinity;
      for (let j = 0; j < len; j++) best = Math.max(best, values[(o * len + j) * inner + i]);
      m[o * inner + i] = Number.isFinite(best) ? best : 0;
    }
  }
  const centered = consume(shift, shift, (s) => sub(x, s));
  const logTotal = after(
    after(exp(centered), (e) => sum(e, x.rank === 0 ? undefined : { axis: ax, keepDims: true })),
    log,
  );
  return consume(centered, logTotal, sub);
}
