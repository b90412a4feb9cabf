// Int8 inference: Z = act(dequantize(Q·Wqᵀ) + bias), the dynamic-range scheme of XNNPACK's
// qd8-f32-qc8w GEMMs and TFLite's dynamic-range quantization.
//
// Weights: int8, symmetric, one float32 scale per output unit (per channel), quantized once in
// TypeScript (src/quantize.ts) and stored row after row, each row padded with zeros to a multiple
// of 8 (kp = (k + 7) & ~7): the packed form the kernel reads, so its inner loop needs no tail.
// Activations: quantized per sample on the fly by quantize_rows to ±range (symmetric, a float32
// scale per sample) and held as i16, so i32x4.dot_i16x8_s takes eight products a step; weights
// are widened as they load (v128.load8x8_s). Sums are int32 and exact (range·127·k < 2³¹, chosen
// by the caller), so a sample's outputs do not depend on the order, the batch or the path.
// Each output: f32(acc)·(sx_i·sw_j) + bias_j, then the activation (assembly/simd.ts codes), every
// step a single float32 operation, so the TypeScript reference (src/quantize.ts) matches bit for bit.

import { activate4, epilogueRow, load4, store4 } from "./simd";

/** Samples per chunk: their quantized rows stay in L1 while four rows of W are reused by each pair. */
const CHUNK_M: i32 = 8;

/**
 * q(m×kp, i16, kp = (k+7)&~7, zero padded) = round(x(m×k)·range/max|xᵢ|), scales(m) = max|xᵢ|/range
 * (a row of zeros: scale 0, q 0). Rounds half to even. x finite; 1 ≤ range ≤ 32767.
 */
export function quantize_rows(m: i32, k: i32, x: usize, q: usize, scales: usize, range: i32): void {
  const kp = (k + 7) & ~7;
  const r = <f32>range;
  const hi = i32x4.splat(range), lo = i32x4.splat(-range);
  for (let i = 0; i < m; i++) {
    const xi = x + <usize>i * <usize>k * 4;
    const qi = q + <usize>i * <usize>kp * 2;
    // max|x| on the bits (as max_abs): with the sign cleared, a finite float orders like an integer.
    const magnitude = i32x4.splat(0x7fffffff);
    let acc = i32x4.splat(0);
    let p = 0;
    for (; p + 4 <= k; p += 4) acc = i32x4.max_s(acc, v128.and(v128.load(xi + (<usize>p << 2)), magnitude));
    let mb = max(max(i32x4.extract_lane(acc, 0), i32x4.extract_lane(acc, 1)), max(i32x4.extract_lane(acc, 2), i32x4.extract_lane(acc, 3)));
    for (; p < k; p++) mb = max(mb, load<i32>(xi + (<usize>p << 2)) & 0x7fffffff);
    const mx = reinterpret<f32>(mb);
    const inv: f32 = mx > 0 ? r / mx : 0;
    store<f32>(scales + (<usize>i << 2), mx / r);
    const iv = f32x4.splat(inv);
    p = 0;
    for (; p + 8 <= k; p += 8) {
      const o = <usize>p << 2;
      const a = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(xi + o), iv)));
      const b = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(xi + o, 16), iv)));
      v128.store(qi + (<usize>p << 1), i16x8.narrow_i32x4_s(i32x4.min_s(i32x4.max_s(a, lo), hi), i32x4.min_s(i32x4.max_s(b, lo), hi)));
    }
    for (; p < k; p++) {
      const v = <i32>nearest<f32>(load<f32>(xi + (<usize>p << 2)) * inv);
      store<i16>(qi + (<usize>p << 1), <i16>min(max(v, -range), range));
    }
    for (; p < kp; p++) store<i16>(qi + (<usize>p << 1), 0);
  }
}

// Lane q of the result is the sum of the lanes of s_q (integer: exact in any order).
// @ts-ignore: decorator
@inline function reduce4i(s0: v128, s1: v128, s2: v128, s3: v128): v128 {
  const t0 = i32x4.add(i32x4.shuffle(s0, s1, 0, 4, 1, 5), i32x4.shuffle(s0, s1, 2, 6, 3, 7));
  const t1 = i32x4.add(i32x4.shuffle(s2, s3, 0, 4, 1, 5), i32x4.shuffle(s2, s3, 2, 6, 3, 7));
  return i32x4.add(i32x4.shuffle(t0, t1, 0, 1, 4, 5), i32x4.shuffle(t0, t1, 2, 3, 6, 7));
}

// Four int32 dot products of up to two quantized samples (x0, x1) with four rows of W (w0..w3,
// int8), kp a multiple of 8, then each sample's four outputs dequantized, biased, activated and
// stored (the first nr); raw stores sample 0's dequantized sums raw (qOne's row pass follows).
// @ts-ignore: decorator
@inline function tile(two: bool, raw: bool, kp: i32, x0: usize, x1: usize, w0: usize, w1: usize, w2: usize, w3: usize,
                      sx0: f32, sx1: f32, swv: v128, bv: v128, z0: usize, z1: usize, nr: i32, act: i32, alpha: f32): void {
  let s00 = i32x4.splat(0), s01 = i32x4.splat(0), s02 = i32x4.splat(0), s03 = i32x4.splat(0);
  let s10 = i32x4.splat(0), s11 = i32x4.splat(0), s12 = i32x4.splat(0), s13 = i32x4.splat(0);
  for (let p = 0; p < kp; p += 8) {
    const o = <usize>p;
    const a = v128.load8x8_s(w0 + o), b = v128.load8x8_s(w1 + o), c = v128.load8x8_s(w2 + o), d = v128.load8x8_s(w3 + o);
    const u = v128.load(x0 + (o << 1));
    s00 = i32x4.add(s00, i32x4.dot_i16x8_s(u, a));
    s01 = i32x4.add(s01, i32x4.dot_i16x8_s(u, b));
    s02 = i32x4.add(s02, i32x4.dot_i16x8_s(u, c));
    s03 = i32x4.add(s03, i32x4.dot_i16x8_s(u, d));
    if (two) {
      const v = v128.load(x1 + (o << 1));
      s10 = i32x4.add(s10, i32x4.dot_i16x8_s(v, a));
      s11 = i32x4.add(s11, i32x4.dot_i16x8_s(v, b));
      s12 = i32x4.add(s12, i32x4.dot_i16x8_s(v, c));
      s13 = i32x4.add(s13, i32x4.dot_i16x8_s(v, d));
    }
  }
  const r0 = dequantize(reduce4i(s00, s01, s02, s03), sx0, swv);
  store4(z0, raw ? r0 : activate4(act, f32x4.add(r0, bv), alpha), nr);
  if (two) store4(z1, activate4(act, f32x4.add(dequantize(reduce4i(s10, s11, s12, s13), sx1, swv), bv), alpha), nr);
}

// f32(acc)·(sx·sw): the dequantized sums of four outputs of one sample.
// @ts-ignore: decorator
@inline function dequantize(acc: v128, sx: f32, sw: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_s(acc), f32x4.mul(f32x4.splat(sx), sw));
}


// One sample in its own function (as dense.ts's denseOne): the dequantized sums stored raw,
// then bias and activation over the row.
// @ts-ignore: decorator
@noinline function qOne(n: i32, kp: i32, x0: usize, sx: f32, w: usize, sw: usize, bias: usize, z: usize, act: i32, alpha: f32): void {
  const ldw = <usize>kp;
  for (let j = 0; j < n; j += 4) {
    const nr = min(4, n - j);
    const w0 = w + <usize>j * ldw;
    const w1 = w + <usize>min(j + 1, n - 1) * ldw;
    const w2 = w + <usize>min(j + 2, n - 1) * ldw;
    const w3 = w + <usize>min(j + 3, n - 1) * ldw;
    const zj = z + (<usize>j << 2);
    tile(false, true, kp, x0, x0, w0, w1, w2, w3, sx, sx, load4(sw + (<usize>j << 2), nr), f32x4.splat(0), zj, zj, nr, act, alpha);
  }
  epilogueRow(n, z, bias, act, alpha);
}

/**
 * Z(m×n) = act(f32(Q·Wᵀ)·(sx ⊗ sw) + bias): Q(m×kp) i16 and sx(m) from quantize_rows, W(n×kp)
 * int8 rows zero padded to kp = (k+7)&~7 with their scales sw(n), bias(n); act codes as
 * dense_nt_forward. Z must not overlap any input.
 */
export function qmatmul_nt_forward(m: i32, n: i32, k: i32, q: usize, sx: usize, w: usize, sw: usize, bias: usize, z: usize, act: i32, alpha: f32): void {
  const kp = (k + 7) & ~7;
  const ldq = <usize>kp * 2, ldw = <usize>kp, ldz = <usize>n * 4;
  if (m == 1) {
    qOne(n, kp, q, load<f32>(sx), w, sw, bias, z, act, alpha);
    return;
  }
  for (let ic = 0; ic < m; ic += CHUNK_M) {
    const end = min(m, ic + CHUNK_M);
    for (let j = 0; j < n; j += 4) {
      const nr = min(4, n - j);
      const w0 = w + <usize>j * ldw;
      const w1 = w + <usize>min(j + 1, n - 1) * ldw;
      const w2 = w + <usize>min(j + 2, n - 1) * ldw;
      const w3 = w + <usize>min(j + 3, n - 1) * ldw;
      const swv = load4(sw + (<usize>j << 2), nr), bv = load4(bias + (<usize>j << 2), nr);
      let i = ic;
      for (; i + 2 <= end; i += 2) {
        const z0 = z + <usize>i * ldz + (<usize>j << 2);
        const x0 = q + <usize>i * ldq;
        tile(true, false, kp, x0, x0 + ldq, w0, w1, w2, w3, load<f32>(sx + (<usize>i << 2)), load<f32>(sx + (<usize>(i + 1) << 2)), swv, bv, z0, z0 + ldz, nr, act, alpha);
      }
      if (i < end) {
        const z0 = z + <usize>i * ldz + (<usize>j << 2);
        const x0 = q + <usize>i * ldq;
        const s0 = load<f32>(sx + (<usize>i << 2));
        tile(false, false, kp, x0, x0, w0, w1, w2, w3, s0, s0, swv, bv, z0, z0, nr, act, alpha);
      }
    }
  }
}
