// The matrix product and the axis permutations as functions: numpy's rules for vectors and
// stacks of matrices, perm checking, and a stack times one matrix folded into one product. The
// ops themselves (shapes, kernels, gradient rules) are entries of graphOps (ops.ts).
import { describe } from "../validate.js";
import { apply, checkOptions, shapeText } from "./apply.js";
import { graphOps, reshape, swap } from "./ops.js";
import { type Tensor, checkTensor } from "./tensor.js";

/** Options of matmul(): which operand to use transposed (neither by default). */
export interface MatmulOptions {
  /** Multiply by a's last two axes transposed (default false). */
  transposeA?: boolean;
  /** Multiply by b's last two axes transposed (default false). */
  transposeB?: boolean;
}

/**
 * The matrix product op(a)·op(b), op transposing the last two axes where the options say
 * (numpy's matmul, PyTorch's): a [m, k] · b [k, n] is [m, n]; stacks of matrices multiply slice by
 * slice, their leading (batch) axes broadcasting, so a [2, 1, m, k] · b [3, k, n] is [2, 3, m, n]
 * and a rank-2 operand is shared by every slice. Vectors follow numpy: a vector first is a row
 * [1, k], a vector second a column [k, 1], and that axis is dropped from the result (two vectors
 * give their dot product, a scalar).
 *
 * @param a - [m, k] (or [k, m] with transposeA), [k], or [..., m, k].
 * @param b - [k, n] (or [n, k] with transposeB), [k], or [..., k, n].
 * @param options - transposeA, transposeB (default false; ignored for a vector).
 * @throws RangeError when the inner dimensions differ or the batch axes do not broadcast (naming both shapes), or for a scalar.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const { transposeA = false, transposeB = false } = checkOptions("matmul", options, ["transposeA", "transposeB"]) as MatmulOptions;
  if (typeof transposeA !== "boolean" || typeof transposeB !== "boolean") {
    throw new TypeError(`matmul's transposeA and transposeB must be true or false, received ${describe(transposeA)} and ${describe(transposeB)}`);
  }
  checkTensor("matmul input 0", a);
  checkTensor("matmul input 1", b);
  if (a.rank === 0 || b.rank === 0)
    throw new RangeError(`matmul needs vectors or matrices; received shapes ${shapeText(a.shape)} and ${shapeText(b.shape)} (use mul for a scalar)`);
  if (a.rank === 2 && b.rank === 2) return apply(graphOps.matmul, [a, b], { transposeA, transposeB });
  if (a.rank > 2 && b.rank === 2 && !transposeA) {
    // A stack times one matrix is one product of the stacked rows: [..., m, k] → [(…·m), k].
    const k = a.shape[a.rank - 1];
    const rows = reshape(a, [a.size / k, k]);
    let c: Tensor;
    try {
      c = apply(graphOps.matmul, [rows, b], { transposeA: false, transposeB });
    } finally {
      rows.dispose();
    }
    return swap(c, reshape(c, [...a.shape.slice(0, -1), c.shape[1]]), true);
  }
  if (a.rank >= 2 && b.rank >= 2) return apply(graphOps.matmul, [a, b], { transposeA, transposeB });
  const a2 = a.rank === 1 ? reshape(a, [1, a.size]) : a;
  const b2 = b.rank === 1 ? reshape(b, [b.size, 1]) : b;
  const ta = a.rank === 1 ? false : transposeA,
    tb = b.rank === 1 ? false : transposeB;
  let c: Tensor;
  try {
    c = apply(graphOps.matmul, [a2, b2], { transposeA: ta, transposeB: tb });
  } finally {
    if (a2 !== a) a2.dispose();
    if (b2 !== b) b2.dispose();
  }
  // Drop the axis a vector stood in for: the rows for a vector first, the columns for one second.
  const shape = [...c.shape];
  if (b.rank === 1) shape.splice(shape.length - 1, 1);
  if (a.rank === 1) shape.splice(shape.length - (b.rank === 1 ? 1 : 2), 1);
  return swap(c, reshape(c, shape), true);
}

/**
 * The axes of x in another order (numpy's and tfjs's transpose): out's axis i is x's axis
 * perm[i]. Without perm the order is reversed, so a matrix [m, n] becomes [n, m] (a vector or a
 * scalar comes back as a copy).
 *
 * @param perm - a permutation of 0 … rank−1 (negative axes count from the end); default reversed.
 * @throws RangeError when perm is not a permutation of x's axes.
 */
export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  checkTensor("transpose", x);
  return apply(graphOps.transpose, [x], permutation("transpose", x, perm));
}

/**
 * PyTorch's permute: the axes of x in the order `perm` (out's axis i is x's axis perm[i]); the
 * same as transpose(x, perm).
 *
 * @param perm - a permutation of 0 … rank−1 (negative axes count from the end).
 * @throws RangeError when perm is not a permutation of x's axes.
 */
export function permute(x: Tensor, perm: readonly number[]): Tensor {
  checkTensor("permute", x);
  if (perm === undefined) throw new TypeError(`permute needs the axes' new order, e.g. [0, 2, 1] for ${x.describe()}`);
  return apply(graphOps.transpose, [x], permutation("permute", x, perm));
}

function permutation(name: string, x: Tensor, perm: readonly number[] | undefined): number[] {
  if (perm === undefined) return x.shape.map((_, i) => x.rank - 1 - i);
  if (!Array.isArray(perm)) throw new TypeError(`${name}'s perm must be an array of axes, received ${describe(perm)}`);
  const axes = perm.map((p) => (typeof p === "number" && Number.isInteger(p) && p < 0 ? p + x.rank : p));
  if (axes.length !== x.rank || !axes.every((p) => typeof p === "number" && Number.isInteger(p) && p >= 0 && p < x.rank) || new Set(axes).size !== x.rank) {
    const text = perm.every((p) => typeof p === "number") ? shapeText(perm) : describe(perm);
    throw new RangeError(`${name}: perm ${text} is not an order of the ${x.rank} axes of ${x.describe()}; expected each of 0 to ${x.rank - 1} once`);
  }
  return axes;
}
