// Elementwise arithmetic with broadcasting, unary maps and the 2-D transpose: the kernels of
// the computation graph's ops (src/graph/ops.ts). The Dense layers never call these: their
// passes are fused in gemm.ts, dense.ts and activations.ts.

import { exp4 } from "./simd";

// Binary op codes: the ABI of elementwise_binary (src/graph/backend.ts names them).
// @ts-ignore: decorator
@inline const ADD: i32 = 0;
// @ts-ignore: decorator
@inline const SUB: i32 = 1;
// @ts-ignore: decorator
@inline const MUL: i32 = 2;
// @ts-ignore: decorator
@inline const DIV: i32 = 3;
// @ts-ignore: decorator
@inline const MAX: i32 = 4;
// @ts-ignore: decorator
@inline const MIN: i32 = 5;
// @ts-ignore: decorator
@inline const GE: i32 = 6;

// Unary op codes: the ABI of elementwise_unary.
// @ts-ignore: decorator
@inline const NEG: i32 = 0;
// @ts-ignore: decorator
@inline const EXP: i32 = 1;
// @ts-ignore: decorator
@inline const LOG: i32 = 2;
// @ts-ignore: decorator
@inline const POW: i32 = 3;

// x op y on four lanes. MAX and MIN pick x on ties, as the max gate routes its gradient to the
// first input on ties (GE, the mask the gradient uses, is 1 there). Any other code copies y
// (a broadcast).
// @ts-ignore: decorator
@inline function apply4(op: i32, x: v128, y: v128): v128 {
  if (op == ADD) return f32x4.add(x, y);
  if (op == SUB) return f32x4.sub(x, y);
  if (op == MUL) return f32x4.mul(x, y);
  if (op == DIV) return f32x4.div(x, y);
  if (op == MAX) return v128.bitselect(x, y, f32x4.ge(x, y));
  if (op == MIN) return v128.bitselect(x, y, f32x4.le(x, y));
  if (op == GE) return v128.and(f32x4.ge(x, y), f32x4.splat(1));
  return y;
}

/**
 * out(rows×cols)[i, j] = a[i·a_row + j·a_col] op b[i·b_row + j·b_col]: the column strides are
 * 0 or 1 and the row strides 0 or the row length, so either operand may be a scalar, a row or a
 * column broadcast over the output. out may be a (or b) when that operand is not broadcast.
 * Ops: 0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min, 6 (a ≥ b ? 1 : 0), 7 b (broadcast b).
 */
export function elementwise_binary(op: i32, rows: i32, cols: i32, a: usize, a_row: i32, a_col: i32, b: usize, b_row: i32, b_col: i32, out: usize): void {
  const c4 = cols & ~3;
  for (let i = 0; i < rows; i++) {
    const pa = a + <usize>i * <usize>a_row * 4;
    const pb = b + <usize>i * <usize>b_row * 4;
    const po = out + <usize>i * <usize>cols * 4;
    // A broadcast operand (column stride 0) is one value splat over the row; the branch on the
    // stride is the same for the whole row, so it predicts perfectly.
    let j = 0;
    for (; j < c4; j += 4) {
      const o = <usize>j << 2;
      const x = a_col ? v128.load(pa + o) : v128.load32_splat(pa);
      const y = b_col ? v128.load(pb + o) : v128.load32_splat(pb);
      v128.store(po + o, apply4(op, x, y));
    }
    for (; j < cols; j++) {
      const o = <usize>j << 2;
      const x = v128.load32_zero(pa + (a_col ? o : 0));
      const y = v128.load32_zero(pb + (b_col ? o : 0));
      v128.store32_lane(po + o, apply4(op, x, y), 0);
    }
  }
}

/** out(n) = f(x(n)): 0 −x, 1 eˣ, 2 ln x, 3 xᵖ (p = 2 exactly x·x). out may be x. */
export function elementwise_unary(op: i32, n: i32, x: usize, out: usize, p: f32): void {
  const n4 = n & ~3;
  let i = 0;
  if (op == NEG || op == EXP || (op == POW && p == 2)) {
    for (; i < n4; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(x + o);
      v128.store(out + o, op == NEG ? f32x4.neg(v) : op == EXP ? exp4(v) : f32x4.mul(v, v));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      const v = v128.load32_zero(x + o);
      v128.store32_lane(out + o, op == NEG ? f32x4.neg(v) : op == EXP ? exp4(v) : f32x4.mul(v, v), 0);
    }
  } else if (op == LOG) {
    for (; i < n; i++) store<f32>(out + (<usize>i << 2), Mathf.log(load<f32>(x + (<usize>i << 2))));
  } else {
    for (; i < n; i++) store<f32>(out + (<usize>i << 2), Mathf.pow(load<f32>(x + (<usize>i << 2)), p));
  }
}

/** out(cols×rows) = x(rows×cols)ᵀ, in 4×4 blocks so both sides stay in cache lines. out ≠ x. */
export function transpose(rows: i32, cols: i32, x: usize, out: usize): void {
  for (let i0 = 0; i0 < rows; i0 += 4) {
    const i1 = min(i0 + 4, rows);
    for (let j0 = 0; j0 < cols; j0 += 4) {
      const j1 = min(j0 + 4, cols);
      for (let i = i0; i < i1; i++) {
        for (let j = j0; j < j1; j++) {
          store<f32>(out + ((<usize>j * <usize>rows + <usize>i) << 2), load<f32>(x + ((<usize>i * <usize>cols + <usize>j) << 2)));
        }
      }
    }
  }
}
