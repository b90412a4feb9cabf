// Elementwise arithmetic with broadcasting, unary maps and the 2-D transpose: the kernels of
// the computation graph's ops (src/graph/ops.ts). The Dense layers never call these: their
// passes are fused in gemm.ts, dense.ts and activations.ts.

import { exp4, normalCdf4 } from "./simd";

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
// @ts-ignore: decorator
@inline const GT: i32 = 8;
// @ts-ignore: decorator
@inline const EQ: i32 = 9;
// @ts-ignore: decorator
@inline const POW2: i32 = 10;

// Unary op codes: the ABI of elementwise_unary.
// @ts-ignore: decorator
@inline const NEG: i32 = 0;
// @ts-ignore: decorator
@inline const EXP: i32 = 1;
// @ts-ignore: decorator
@inline const LOG: i32 = 2;
// @ts-ignore: decorator
@inline const POW: i32 = 3;
// @ts-ignore: decorator
@inline const NCDF: i32 = 4;

/**
 * e^x on four lanes with IEEE results (the graph's exp; the networks' fused kernels keep exp4's
 * clamp): +∞ above ln(FLT_MAX), subnormals down to 0 (computed as e^(x+32·ln2)·2^−32), NaN kept.
 */
// @ts-ignore: decorator
@inline function expIeee4(x: v128): v128 {
  const low = f32x4.lt(x, f32x4.splat(-87.33654));
  let e = exp4(v128.bitselect(f32x4.add(x, f32x4.splat(22.18070977791825)), x, low));
  e = v128.bitselect(f32x4.mul(e, f32x4.splat(2.3283064365386963e-10)), e, low);
  e = v128.bitselect(f32x4.splat(Infinity), e, f32x4.gt(x, f32x4.splat(88.72283)));
  return v128.bitselect(x, e, f32x4.ne(x, x));
}

/** x^y lane by lane (libm's powf: no vector form); called, not inlined, to keep the module small. */
function pow4(x: v128, y: v128): v128 {
  let r = f32x4.splat(Mathf.pow(f32x4.extract_lane(x, 0), f32x4.extract_lane(y, 0)));
  r = f32x4.replace_lane(r, 1, Mathf.pow(f32x4.extract_lane(x, 1), f32x4.extract_lane(y, 1)));
  r = f32x4.replace_lane(r, 2, Mathf.pow(f32x4.extract_lane(x, 2), f32x4.extract_lane(y, 2)));
  return f32x4.replace_lane(r, 3, Mathf.pow(f32x4.extract_lane(x, 3), f32x4.extract_lane(y, 3)));
}

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
  if (op == GT) return v128.and(f32x4.gt(x, y), f32x4.splat(1));
  if (op == EQ) return v128.and(f32x4.eq(x, y), f32x4.splat(1));
  if (op == POW2) return pow4(x, y);
  return y;
}

/**
 * out(rows×cols)[i, j] = a[i·a_row + j·a_col] op b[i·b_row + j·b_col]: the column strides are
 * 0 or 1 and the row strides 0 or the row length, so either operand may be a scalar, a row or a
 * column broadcast over the output. out may be a (or b) when that operand is not broadcast.
 * Ops: 0 add, 1 sub, 2 mul, 3 div, 4 max, 5 min, 6 (a ≥ b ? 1 : 0), 7 b (broadcast b),
 * 8 (a > b ? 1 : 0), 9 (a = b ? 1 : 0), 10 a^b.
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

// One copy for the SIMD body and the tail (its exp and Φ are long).
function unary4(op: i32, v: v128): v128 {
  if (op == NEG) return f32x4.neg(v);
  if (op == EXP) return expIeee4(v);
  if (op == NCDF) return normalCdf4(v);
  return f32x4.mul(v, v);
}

/** out(n) = f(x(n)): 0 −x, 1 eˣ (IEEE), 2 ln x, 3 xᵖ (p = 2 exactly x·x), 4 Φ(x). out may be x. */
export function elementwise_unary(op: i32, n: i32, x: usize, out: usize, p: f32): void {
  const n4 = n & ~3;
  let i = 0;
  if (op == NEG || op == EXP || op == NCDF || (op == POW && p == 2)) {
    for (; i < n4; i += 4) {
      const o = <usize>i << 2;
      v128.store(out + o, unary4(op, v128.load(x + o)));
    }
    for (; i < n; i++) {
      const o = <usize>i << 2;
      v128.store32_lane(out + o, unary4(op, v128.load32_zero(x + o)), 0);
    }
  } else if (op == LOG) {
    for (; i < n; i++) store<f32>(out + (<usize>i << 2), Mathf.log(load<f32>(x + (<usize>i << 2))));
  } else {
    for (; i < n; i++) store<f32>(out + (<usize>i << 2), Mathf.pow(load<f32>(x + (<usize>i << 2)), p));
  }
}

/**
 * out(rows×cols) = c ≠ 0 ? a : b, each operand strided as in elementwise_binary (the graph's
 * where). NaN or ±∞ in the lane not picked never reaches out.
 */
export function elementwise_select(rows: i32, cols: i32, c: usize, c_row: i32, c_col: i32, a: usize, a_row: i32, a_col: i32, b: usize, b_row: i32, b_col: i32, out: usize): void {
  for (let i = 0; i < rows; i++) {
    const pc = c + <usize>i * <usize>c_row * 4;
    const pa = a + <usize>i * <usize>a_row * 4;
    const pb = b + <usize>i * <usize>b_row * 4;
    const po = out + <usize>i * <usize>cols * 4;
    for (let j = 0; j < cols; j++) {
      const o = <usize>j << 2;
      const pick = load<f32>(pc + (c_col ? o : 0)) != 0;
      store<f32>(po + o, pick ? load<f32>(pa + (a_col ? o : 0)) : load<f32>(pb + (b_col ? o : 0)));
    }
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
