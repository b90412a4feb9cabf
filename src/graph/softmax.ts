// softmax along any axis: the Dense layers' fused kernel runs along the last axis, so another
// axis is brought last and back by two transposes (whose gradients are transposes).
import { activation } from "./activation-ops.js";
import { checkAxis } from "./indexing.js";
import { transpose } from "./matmul.js";
import { after } from "./ops.js";
import { type Tensor, checkTensor } from "./tensor.js";

/**
 * softmax along an axis: e^x / Σ e^x over each line of that axis. Along the last axis it is the
 * Dense layers' fused kernel; along another, that kernel between two transposes that bring the
 * axis last and back.
 *
 * @param axis - the axis the probabilities run along (default −1, the last; negative counts from the end).
 * @throws RangeError when the axis does not exist in x.
 */
export function softmaxAlong(x: Tensor, axis = -1): Tensor {
  checkTensor("softmax", x);
  const ax = x.rank === 0 ? 0 : checkAxis("softmax", x, axis);
  if (x.rank <= 1 || ax === x.rank - 1) return activation(x, "softmax");
  const perm = x.shape.map((_, i) => (i === ax ? x.rank - 1 : i === x.rank - 1 ? ax : i));
  return after(
    after(transpose(x, perm), (t) => activation(t, "softmax")),
    (t) => transpose(t, perm),
  );
}
