// Int8 inference: Z = act(dequantize(Q·Wqᵀ) + bias), the dynamic-range scheme of XNNPACK's
// qd8-f32-qc8w GEMMs and TFLite's dynamic-range quantization.
//
// Weights: int8, symmetric, one float32 scale per output unit (per channel), quantized once in
// TypeScript (src/quantize/) and packed there (packQ8, src/quantize/scheme.ts) for these kernels
// and the relaxed build's (relaxed.ts): rows in groups of four (the last group padded with zero
// rows), each group's kp = (k + 7) & ~7 columns (zero padded) in blocks of 16 with a last block
// of 8 when kp is not a multiple of 16, and within a block the four rows' runs one after another. The inner loop then reads four rows
// through one pointer with constant offsets: no per-row addresses for the engine to keep live
// (with four row pointers TurboFan recomputed them inside the loop, twice the instructions).
// Activations: quantized per sample on the fly by quantize_rows to ±range (symmetric, a float32
// scale per sample) and held as i16, so i32x4.dot_i16x8_s takes eight products a step; weights
// are widened as they load (v128.load8x8_s). Sums are int32 and exact (range·127·k < 2³¹, chosen
// by the caller), so a sample's outputs do not depend on the order, the batch or the path.
// Each output: f32(acc)·(sx_i·sw_j) + bias_j, then the activation (assembly/simd.ts codes), every
// step a single float32 operation, so the TypeScript reference (src/reference/quantized.ts) matches bit for bit.

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

// f32(acc)·(sx·sw): the dequantized sums of four outputs of one sample.
// @ts-ignore: decorator
@inline function dequantize(acc: v128, sx: f32, sw: v128): v128 {
  return f32x4.mul(f32x4.convert_i32x4_s(acc), f32x4.mul(f32x4.splat(sx), sw));
}

// Four int32 dot products of one quantized sample with one packed group of four rows (w), 16
// columns a step (one sample's loads leave registers to spare), dequantized and stored raw
// (the first nr): qOne's row pass adds bias and activation.
// @ts-ignore: decorator
@inline function tile1(kp: i32, x0: usize, w: usize, sx0: f32, swv: v128, z0: usize, nr: i32): void {
  let s00 = i32x4.splat(0), s01 = i32x4.splat(0), s02 = i32x4.splat(0), s03 = i32x4.splat(0);
  let xp = x0, wp = w;
  const xe = x0 + (<usize>(kp & ~15) << 1);
  // A block of 16 columns: the rows' first 8 at 0, 16, 32, 48, their last 8 at 8, 24, 40, 56.
  for (; xp < xe; xp += 32, wp += 64) {
    const u = v128.load(xp), v = v128.load(xp, 16);
    s00 = i32x4.add(s00, i32x4.add(i32x4.dot_i16x8_s(u, v128.load8x8_s(wp)), i32x4.dot_i16x8_s(v, v128.load8x8_s(wp, 8))));
    s01 = i32x4.add(s01, i32x4.add(i32x4.dot_i16x8_s(u, v128.load8x8_s(wp, 16)), i32x4.dot_i16x8_s(v, v128.load8x8_s(wp, 24))));
    s02 = i32x4.add(s02, i32x4.add(i32x4.dot_i16x8_s(u, v128.load8x8_s(wp, 32)), i32x4.dot_i16x8_s(v, v128.load8x8_s(wp, 40))));
    s03 = i32x4.add(s03, i32x4.add(i32x4.dot_i16x8_s(u, v128.load8x8_s(wp, 48)), i32x4.dot_i16x8_s(v, v128.load8x8_s(wp, 56))));
  }
  if (kp & 8) {
    // The last block of 8 columns: the rows' runs at 0, 8, 16, 24.
    const u = v128.load(xp);
    s00 = i32x4.add(s00, i32x4.dot_i16x8_s(u, v128.load8x8_s(wp)));
    s01 = i32x4.add(s01, i32x4.dot_i16x8_s(u, v128.load8x8_s(wp, 8)));
    s02 = i32x4.add(s02, i32x4.dot_i16x8_s(u, v128.load8x8_s(wp, 16)));
    s03 = i32x4.add(s03, i32x4.dot_i16x8_s(u, v128.load8x8_s(wp, 24)));
  }
  store4(z0, dequantize(reduce4i(s00, s01, s02, s03), sx0, swv), nr);
}

// Two samples' four int32 dot products with one packed group of four rows, eight columns a step:
// per step two sample loads and four widened weight loads, which V8 schedules first in the loop,
// so with eight accumulators and a product fifteen vector registers stay live and nothing spills
// (a 16-column step held twenty and spilled half the accumulators: bench/LOG.md, "the int8 batch tile").
// @ts-ignore: decorator
@inline function tile2(kp: i32, x0: usize, dx: usize, w: usize, sx0: f32, sx1: f32, swv: v128, bv: v128, z0: usize, z1: usize, nr: i32, act: i32,
                       alpha: f32): void {
  let s00 = i32x4.splat(0), s01 = i32x4.splat(0), s02 = i32x4.splat(0), s03 = i32x4.splat(0);
  let s10 = i32x4.splat(0), s11 = i32x4.splat(0), s12 = i32x4.splat(0), s13 = i32x4.splat(0);
  // Blocks of 16 columns: a step reads the rows' runs at 0, 16, 32, 48, then 8 further on for the
  // block's second half, then the next block (64 bytes on): the weights advance 8, 56, 8, 56, ...
  let xp = x0, wp = w;
  const xe = x0 + (<usize>(kp & ~15) << 1);
  let advance: usize = 8;
  for (; xp < xe; xp += 16) {
    const u0 = v128.load(xp), u1 = v128.load(xp + dx);
    const w0 = v128.load8x8_s(wp), w1 = v128.load8x8_s(wp, 16), w2 = v128.load8x8_s(wp, 32), w3 = v128.load8x8_s(wp, 48);
    s00 = i32x4.add(s00, i32x4.dot_i16x8_s(u0, w0));
    s01 = i32x4.add(s01, i32x4.dot_i16x8_s(u0, w1));
    s02 = i32x4.add(s02, i32x4.dot_i16x8_s(u0, w2));
    s03 = i32x4.add(s03, i32x4.dot_i16x8_s(u0, w3));
    s10 = i32x4.add(s10, i32x4.dot_i16x8_s(u1, w0));
    s11 = i32x4.add(s11, i32x4.dot_i16x8_s(u1, w1));
    s12 = i32x4.add(s12, i32x4.dot_i16x8_s(u1, w2));
    s13 = i32x4.add(s13, i32x4.dot_i16x8_s(u1, w3));
    wp += advance;
    advance = 64 - advance;
  }
  if (kp & 8) {
    // The last block of 8 columns: the rows' runs at 0, 8, 16, 24.
    const u0 = v128.load(xp), u1 = v128.load(xp + dx);
    const w0 = v128.load8x8_s(wp), w1 = v128.load8x8_s(wp, 8), w2 = v128.load8x8_s(wp, 16), w3 = v128.load8x8_s(wp, 24);
    s00 = i32x4.add(s00, i32x4.dot_i16x8_s(u0, w0));
    s01 = i32x4.add(s01, i32x4.dot_i16x8_s(u0, w1));
    s02 = i32x4.add(s02, i32x4.dot_i16x8_s(u0, w2));
    s03 = i32x4.add(s03, i32x4.dot_i16x8_s(u0, w3));
    s10 = i32x4.add(s10, i32x4.dot_i16x8_s(u1, w0));
    s11 = i32x4.add(s11, i32x4.dot_i16x8_s(u1, w1));
    s12 = i32x4.add(s12, i32x4.dot_i16x8_s(u1, w2));
    s13 = i32x4.add(s13, i32x4.dot_i16x8_s(u1, w3));
  }
  store4(z0, activate4(act, f32x4.add(dequantize(reduce4i(s00, s01, s02, s03), sx0, swv), bv), alpha), nr);
  store4(z1, activate4(act, f32x4.add(dequantize(reduce4i(s10, s11, s12, s13), sx1, swv), bv), alpha), nr);
}

// One sample in its own function (as dense.ts's denseOne): the dequantized sums stored raw,
// then bias and activation over the row.
// @ts-ignore: decorator
@noinline function qOne(n: i32, kp: i32, x0: usize, sx: f32, w: usize, sw: usize, bias: usize, z: usize, act: i32, alpha: f32): void {
  const group = <usize>kp << 2;
  let wg = w;
  for (let j = 0; j < n; j += 4, wg += group) {
    const nr = min(4, n - j);
    const zj = z + (<usize>j << 2);
    tile1(kp, x0, wg, sx, load4(sw + (<usize>j << 2), nr), zj, nr);
  }
  epilogueRow(n, z, bias, act, alpha);
}

/**
 * Z(m×n) = act(f32(Q·Wᵀ)·(sx ⊗ sw) + bias): Q(m×kp) i16 and sx(m) from quantize_rows, W int8
 * packed in groups of four rows (⌈n/4⌉·4·kp bytes, kp = (k+7)&~7; the layout above) with their
 * scales sw(n), bias(n); act codes as dense_nt_forward. Z must not overlap any input.
 */
export function qmatmul_nt_forward(m: i32, n: i32, k: i32, q: usize, sx: usize, w: usize, sw: usize, bias: usize, z: usize, act: i32, alpha: f32): void {
  const kp = (k + 7) & ~7;
  const ldq = <usize>kp * 2, group = <usize>kp << 2, ldz = <usize>n * 4;
  if (m == 1) {
    qOne(n, kp, q, load<f32>(sx), w, sw, bias, z, act, alpha);
    return;
  }
  for (let ic = 0; ic < m; ic += CHUNK_M) {
    const end = min(m, ic + CHUNK_M);
    let wg = w;
    for (let j = 0; j < n; j += 4, wg += group) {
      const nr = min(4, n - j);
      const swv = load4(sw + (<usize>j << 2), nr), bv = load4(bias + (<usize>j << 2), nr);
      for (let i = ic; i < end; i += 2) {
        // An odd last sample is paired with itself (as XNNPACK's remainder rows): the same bits
        // stored twice, and one tile body in the module instead of two.
        const i1 = min(i + 1, end - 1);
        const z0 = z + <usize>i * ldz + (<usize>j << 2);
        tile2(kp, q + <usize>i * ldq, <usize>(i1 - i) * ldq, wg, load<f32>(sx + (<usize>i << 2)), load<f32>(sx + (<usize>i1 << 2)), swv, bv, z0,
              z0 + <usize>(i1 - i) * ldz, nr, act, alpha);
      }
    }
  }
}
