// The matrix product and the axis permutations: their table entries (shapes, the batched wasm
// products, gradient rules) and their functions, with numpy's rules for vectors and stacks of
// matrices, perm checking, and a stack times one matrix folded into one product.
import { describe } from "../validate.js";
import { apply, broadcastShape, checkOptions, shapeText } from "./apply.js";
import type { Backend, Storage } from "./backend.js";
import { broadcastStrides, eachOffset, permuteInto } from "./layout.js";
import { reduceTo, reshape } from "./reduce.js";
import { type GraphOp, type Tensor, checkTensor } from "./tensor.js";
import { swap } from "./temporaries.js";

/** @internal The transpose flags of a matmul node. */
export interface MatmulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

/**
 * out[…, m, n] = op(a)[…]·op(b)[…] for each slice of the broadcast batch axes, each a call of the
 * backend's matrix product on offset views (aᵀ·bᵀ as (b·a)ᵀ through one scratch block).
 */
function batchedMatmul(
  be: Backend,
  ta: boolean,
  tb: boolean,
  m: number,
  n: number,
  k: number,
  a: Storage,
  sa: readonly number[],
  b: Storage,
  sb: readonly number[],
  out: Storage,
): void {
  const [ba, bb] = [sa.slice(0, -2), sb.slice(0, -2)];
  const batch = broadcastShape("matmul", ba, bb);
  const steps = [broadcastStrides(ba, batch).map((s) => s * m * k), broadcastStrides(bb, batch).map((s) => s * k * n)];
  const scratch = ta && tb ? be.alloc(m * n) : null;
  let [av, bv, ov] = [be.offset(a, 0), be.offset(b, 0), be.offset(out, 0)];
  try {
    eachOffset(batch, steps, (i, [ao, bo]) => {
      av = be.offset(a, ao, av);
      bv = be.offset(b, bo, bv);
      ov = be.offset(out, i * m * n, ov);
      if (scratch) {
        be.matmul(false, false, n, m, k, bv, av, scratch);
        be.transpose(n, m, scratch, ov);
      } else be.matmul(ta, tb, m, n, k, av, bv, ov);
    });
  } finally {
    scratch?.dispose();
  }
}

function inversePermutation(perm: readonly number[]): number[] {
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => {
    inv[p] = i;
  });
  return inv;
}

/** @internal The matrix product's and the permutations' entries of the op table (ops.ts). */
export const matmulOps: { readonly matmul: GraphOp<MatmulAttrs>; readonly transpose: GraphOp<readonly number[]> } = {
  // Matrices, or stacks of them: the last two axes multiply, the axes before them broadcast
  // (numpy's matmul and PyTorch's); a rank-2 operand is one matrix shared by every slice.
  matmul: {
    name: "matmul",
    shape([a, b], { transposeA, transposeB }) {
      if (a.rank < 2 || b.rank < 2)
        throw new RangeError(
          `matmul needs matrices or stacks of them (rank ≥ 2); received shapes ${shapeText(a.shape)} and ${shapeText(b.shape)} (reshape a vector to [1, n] or [n, 1])`,
        );
      const [ar, ac] = a.shape.slice(-2),
        [br, bc] = b.shape.slice(-2);
      const [m, k] = transposeA ? [ac, ar] : [ar, ac];
      const [k2, n] = transposeB ? [bc, br] : [br, bc];
      if (k !== k2) {
        throw new RangeError(
          `matmul: inner dimensions differ: ${shapeText(a.shape)}${transposeA ? "ᵀ" : ""} · ${shapeText(b.shape)}${transposeB ? "ᵀ" : ""} is (${m} × ${k}) · (${k2} × ${n})`,
        );
      }
      const [ba, bb] = [a.shape.slice(0, -2), b.shape.slice(0, -2)];
      const rank = Math.max(ba.length, bb.length);
      const batch: number[] = [];
      for (let i = 0; i < rank; i++) {
        const da = ba[ba.length - rank + i] ?? 1,
          db = bb[bb.length - rank + i] ?? 1;
        if (da !== db && da !== 1 && db !== 1) {
          throw new RangeError(
            `matmul: the batch dimensions of ${shapeText(a.shape)} and ${shapeText(b.shape)}, ${shapeText(ba)} and ${shapeText(bb)}, do not broadcast (batch axis ${i}: ${da} vs ${db}; each must be equal or 1)`,
          );
        }
        batch.push(Math.max(da, db));
      }
      return [...batch, m, n];
    },
    forward(be, out, [a, b], [sa, sb], { transposeA, transposeB }) {
      const [m, k] = transposeA ? [sa[sa.length - 1], sa[sa.length - 2]] : sa.slice(-2);
      const n = transposeB ? sb[sb.length - 2] : sb[sb.length - 1];
      if (sa.length === 2 && sb.length === 2) be.matmul(transposeA, transposeB, m, n, k, a, b, out);
      else batchedMatmul(be, transposeA, transposeB, m, n, k, a, sa, b, sb, out);
    },
    // C = op(A)·op(B): each input's gradient is another product of g with the other input,
    // summed over the batch axes the input was broadcast along.
    backward(g, [a, b], _out, { transposeA: ta, transposeB: tb }, needs) {
      const mm = (x: Tensor, y: Tensor, tx: boolean, ty: boolean): Tensor => apply(matmulOps.matmul, [x, y], { transposeA: tx, transposeB: ty });
      const da = !needs[0] ? null : ta ? (tb ? mm(b, g, true, true) : mm(b, g, false, true)) : mm(g, b, false, !tb);
      const db = !needs[1] ? null : tb ? (ta ? mm(g, a, true, true) : mm(g, a, true, false)) : mm(a, g, !ta, false);
      return [da && reduceTo(da, a.shape, true), db && reduceTo(db, b.shape, true)];
    },
  } satisfies GraphOp<MatmulAttrs>,
  // Out's axis i is x's axis perm[i]; its gradient permutes back.
  transpose: {
    name: "transpose",
    shape: ([x], perm) => perm.map((p) => x.shape[p]),
    forward(be, out, [x], [s], perm) {
      if (s.length === 2 && perm[0] === 1) be.transpose(s[0], s[1], x, out);
      else permuteInto(be, x, s, perm, out);
    },
    backward: (g, _x, _o, perm): Tensor[] => [apply<readonly number[]>(matmulOps.transpose, [g], inversePermutation(perm))],
  } satisfies GraphOp<readonly number[]>,
};

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
  if (a.rank === 2 && b.rank === 2) return apply(matmulOps.matmul, [a, b], { transposeA, transposeB });
  if (a.rank > 2 && b.rank === 2 && !transposeA) {
    // A stack times one matrix is one product of the stacked rows: [..., m, k] → [(…·m), k].
    const k = a.shape[a.rank - 1];
    const rows = reshape(a, [a.size / k, k]);
    let c: Tensor;
    try {
      c = apply(matmulOps.matmul, [rows, b], { transposeA: false, transposeB });
    } finally {
      rows.dispose();
    }
    return swap(c, reshape(c, [...a.shape.slice(0, -1), c.shape[1]]), true);
  }
  if (a.rank >= 2 && b.rank >= 2) return apply(matmulOps.matmul, [a, b], { transposeA, transposeB });
  const a2 = a.rank === 1 ? reshape(a, [1, a.size]) : a;
  const b2 = b.rank === 1 ? reshape(b, [b.size, 1]) : b;
  const ta = a.rank === 1 ? false : transposeA,
    tb = b.rank === 1 ? false : transposeB;
  let c: Tensor;
  try {
    c = apply(matmulOps.matmul, [a2, b2], { transposeA: ta, transposeB: tb });
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
  return apply(matmulOps.transpose, [x], permutation("transpose", x, perm));
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
  return apply(matmulOps.transpose, [x], permutation("permute", x, perm));
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
