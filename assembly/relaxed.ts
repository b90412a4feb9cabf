// The relaxed-SIMD build's entry (asconfig target "relaxed", asc --enable relaxed-simd): every
// kernel of index.ts, whose float matmul bodies then use f32x4.relaxed_madd (simd.ts's madd),
// plus the 7-bit int8 kernels for i32x4.relaxed_dot_i8x16_i7x16_add_s and the known-answer probes
// src/wasm.ts runs when it loads this module. The plain build (index.ts) has none of these.
//
// Scheme (qmatmul7): that dot's second operand is deterministic only in [0, 127], so activations
// are quantized per sample to unsigned 7 bits with a zero point, u = clamp(round(x/s) + zp, 0, 127),
// asymmetric over [min(x, 0), max(x, 0)] (zero exact, as DynamicQuantizeLinear), and the weights
// stay the plain build's int8. Σ w·(u − zp) = Σ w·u − zp·Σw: the zero point comes out of the
// int32 sum exactly through each weight row's sum, so the sums are exact integers and the outputs
// the same bits on every engine that validates the build. After relu (inputs ≥ 0, zp = 0) the
// activations keep the 127 levels of int8 ones; 7-bit weights instead would halve every weight's.
// The weights are packed as the plain kernels read them (quantized.ts), one layout for both builds.

export * from "./index";
import { activate4, epilogueRow, load4, store4 } from "./simd";

/**
 * u(m×kp, u8, kp = (k+7)&~7, zero padded) = clamp(round(x·inv) + zp, 0, 127), scales(m) =
 * d/63.5 and zeros(m) = zp = clamp(round(−lo·inv), 0, 127), where lo = min(xᵢ, 0), hi = max(xᵢ, 0),
 * d = hi/2 − lo/2 and inv = 63.5/d (a row of zeros: scale 0, zp 0, u 0). Rounds half to even.
 */
export function quantize_rows7(m: i32, k: i32, x: usize, q: usize, scales: usize, zeros: usize): void {
  const kp = (k + 7) & ~7;
  const zero = i32x4.splat(0), top = i32x4.splat(127);
  for (let i = 0; i < m; i++) {
    const xi = x + <usize>i * <usize>k * 4;
    const qi = q + <usize>i * <usize>kp;
    let vlo = f32x4.splat(0), vhi = f32x4.splat(0);
    let p = 0;
    for (; p + 4 <= k; p += 4) {
      const v = v128.load(xi + (<usize>p << 2));
      vlo = f32x4.min(vlo, v);
      vhi = f32x4.max(vhi, v);
    }
    let lo = min(min(f32x4.extract_lane(vlo, 0), f32x4.extract_lane(vlo, 1)), min(f32x4.extract_lane(vlo, 2), f32x4.extract_lane(vlo, 3)));
    let hi = max(max(f32x4.extract_lane(vhi, 0), f32x4.extract_lane(vhi, 1)), max(f32x4.extract_lane(vhi, 2), f32x4.extract_lane(vhi, 3)));
    for (; p < k; p++) {
      const v = load<f32>(xi + (<usize>p << 2));
      lo = min(lo, v);
      hi = max(hi, v);
    }
    // Halves first: hi − lo may overflow float32, hi/2 − lo/2 cannot.
    const d: f32 = hi * 0.5 - lo * 0.5;
    const inv: f32 = d > 0 ? <f32>63.5 / d : 0;
    store<f32>(scales + (<usize>i << 2), d / <f32>63.5);
    const zp = <i32>min(max(nearest<f32>(-lo * inv), <f32>0), <f32>127);
    store<i32>(zeros + (<usize>i << 2), zp);
    const iv = f32x4.splat(inv), zv = i32x4.splat(zp);
    p = 0;
    for (; p + 16 <= k; p += 16) {
      const o = xi + (<usize>p << 2);
      const a = i32x4.add(i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(o), iv))), zv);
      const b = i32x4.add(i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(o, 16), iv))), zv);
      const c = i32x4.add(i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(o, 32), iv))), zv);
      const e = i32x4.add(i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.mul(v128.load(o, 48), iv))), zv);
      const ab = i16x8.narrow_i32x4_s(i32x4.min_s(i32x4.max_s(a, zero), top), i32x4.min_s(i32x4.max_s(b, zero), top));
      const ce = i16x8.narrow_i32x4_s(i32x4.min_s(i32x4.max_s(c, zero), top), i32x4.min_s(i32x4.max_s(e, zero), top));
      v128.store(qi + <usize>p, i8x16.narrow_i16x8_u(ab, ce));
    }
    for (; p < k; p++) {
      const v = <i32>nearest<f32>(load<f32>(xi + (<usize>p << 2)) * inv) + zp;
      store<u8>(qi + <usize>p, <u8>min(max(v, 0), 127));
    }
    for (; p < kp; p++) store<u8>(qi + <usize>p, 0);
  }
}

// Lane q of the result is the sum of the lanes of s_q (integer: exact in any order).
// @ts-ignore: decorator
@inline function reduce4i(s0: v128, s1: v128, s2: v128, s3: v128): v128 {
  const t0 = i32x4.add(i32x4.shuffle(s0, s1, 0, 4, 1, 5), i32x4.shuffle(s0, s1, 2, 6, 3, 7));
  const t1 = i32x4.add(i32x4.shuffle(s2, s3, 0, 4, 1, 5), i32x4.shuffle(s2, s3, 2, 6, 3, 7));
  return i32x4.add(i32x4.shuffle(t0, t1, 0, 1, 4, 5), i32x4.shuffle(t0, t1, 2, 3, 6, 7));
}

// f32(acc − zp·rowsum)·(sx·sw): four outputs of one sample, dequantized.
// @ts-ignore: decorator
@inline function dequantize7(acc: v128, zp: i32, rs: v128, sx: f32, sw: v128): v128 {
  const exact = i32x4.sub(acc, i32x4.mul(i32x4.splat(zp), rs));
  return f32x4.mul(f32x4.convert_i32x4_s(exact), f32x4.mul(f32x4.splat(sx), sw));
}


// One packed group of four rows of W (int8; quantized.ts's layout: a block of 16 columns holds
// the rows' runs at 0, 16, 32, 48, a last block of 8 at 0, 8, 16, 24, read through 64-bit loads
// whose zero upper halves add nothing) against up to two samples' 7-bit rows (x0, x0 + dx).
// @ts-ignore: decorator
@inline function tile7(two: bool, raw: bool, kp: i32, x0: usize, dx: usize, w: usize,
                       zp0: i32, zp1: i32, sx0: f32, sx1: f32, rs: v128, swv: v128, bv: v128, z0: usize, z1: usize, nr: i32, act: i32, alpha: f32): void {
  let s00 = i32x4.splat(0), s01 = i32x4.splat(0), s02 = i32x4.splat(0), s03 = i32x4.splat(0);
  let s10 = i32x4.splat(0), s11 = i32x4.splat(0), s12 = i32x4.splat(0), s13 = i32x4.splat(0);
  let xp = x0, wp = w;
  const xe = x0 + <usize>(kp & ~15);
  for (; xp < xe; xp += 16, wp += 64) {
    const a = v128.load(wp), b = v128.load(wp, 16), c = v128.load(wp, 32), d = v128.load(wp, 48);
    const u = v128.load(xp);
    s00 = i32x4.relaxed_dot_i8x16_i7x16_add_s(a, u, s00);
    s01 = i32x4.relaxed_dot_i8x16_i7x16_add_s(b, u, s01);
    s02 = i32x4.relaxed_dot_i8x16_i7x16_add_s(c, u, s02);
    s03 = i32x4.relaxed_dot_i8x16_i7x16_add_s(d, u, s03);
    if (two) {
      const v = v128.load(xp + dx);
      s10 = i32x4.relaxed_dot_i8x16_i7x16_add_s(a, v, s10);
      s11 = i32x4.relaxed_dot_i8x16_i7x16_add_s(b, v, s11);
      s12 = i32x4.relaxed_dot_i8x16_i7x16_add_s(c, v, s12);
      s13 = i32x4.relaxed_dot_i8x16_i7x16_add_s(d, v, s13);
    }
  }
  if (kp & 8) {
    const a = v128.load64_zero(wp), b = v128.load64_zero(wp, 8), c = v128.load64_zero(wp, 16), d = v128.load64_zero(wp, 24);
    const u = v128.load64_zero(xp);
    s00 = i32x4.relaxed_dot_i8x16_i7x16_add_s(a, u, s00);
    s01 = i32x4.relaxed_dot_i8x16_i7x16_add_s(b, u, s01);
    s02 = i32x4.relaxed_dot_i8x16_i7x16_add_s(c, u, s02);
    s03 = i32x4.relaxed_dot_i8x16_i7x16_add_s(d, u, s03);
    if (two) {
      const v = v128.load64_zero(xp + dx);
      s10 = i32x4.relaxed_dot_i8x16_i7x16_add_s(a, v, s10);
      s11 = i32x4.relaxed_dot_i8x16_i7x16_add_s(b, v, s11);
      s12 = i32x4.relaxed_dot_i8x16_i7x16_add_s(c, v, s12);
      s13 = i32x4.relaxed_dot_i8x16_i7x16_add_s(d, v, s13);
    }
  }
  const r0 = dequantize7(reduce4i(s00, s01, s02, s03), zp0, rs, sx0, swv);
  store4(z0, raw ? r0 : activate4(act, f32x4.add(r0, bv), alpha), nr);
  if (two) store4(z1, activate4(act, f32x4.add(dequantize7(reduce4i(s10, s11, s12, s13), zp1, rs, sx1, swv), bv), alpha), nr);
}

// One sample in its own function (as quantized.ts's qOne): raw sums, then bias and activation over the row.
// @ts-ignore: decorator
@noinline function q7One(n: i32, kp: i32, x0: usize, zp: i32, sx: f32, w: usize, sw: usize, rs: usize, bias: usize, z: usize, act: i32, alpha: f32): void {
  const group = <usize>kp << 2;
  let wg = w;
  for (let j = 0; j < n; j += 4, wg += group) {
    const nr = min(4, n - j);
    const zj = z + (<usize>j << 2);
    tile7(false, true, kp, x0, 0, wg, zp, zp, sx, sx, load4(rs + (<usize>j << 2), nr), load4(sw + (<usize>j << 2), nr), f32x4.splat(0), zj, zj, nr, act, alpha);
  }
  epilogueRow(n, z, bias, act, alpha);
}

/**
 * Z(m×n) = act(f32(U·Wᵀ − zx ⊗ rs)·(sx ⊗ sw) + bias): U(m×kp) u8 in [0, 127], sx(m) and zx(m, i32)
 * from quantize_rows7, W int8 packed as qmatmul_nt_forward reads it (quantized.ts) with its
 * scales sw(n) and row sums rs(n, i32), bias(n); act codes as dense_nt_forward. Z must not
 * overlap any input.
 */
export function qmatmul7_nt_forward(m: i32, n: i32, k: i32, q: usize, sx: usize, zx: usize, w: usize, sw: usize, rs: usize, bias: usize, z: usize, act: i32, alpha: f32): void {
  const kp = (k + 7) & ~7;
  const ldq = <usize>kp, group = <usize>kp << 2, ldz = <usize>n * 4;
  if (m == 1) {
    q7One(n, kp, q, load<i32>(zx), load<f32>(sx), w, sw, rs, bias, z, act, alpha);
    return;
  }
  for (let ic = 0; ic < m; ic += 8) {
    const end = min(m, ic + 8);
    let wg = w;
    for (let j = 0; j < n; j += 4, wg += group) {
      const nr = min(4, n - j);
      const rsv = load4(rs + (<usize>j << 2), nr), swv = load4(sw + (<usize>j << 2), nr), bv = load4(bias + (<usize>j << 2), nr);
      let i = ic;
      for (; i + 2 <= end; i += 2) {
        const z0 = z + <usize>i * ldz + (<usize>j << 2);
        tile7(true, false, kp, q + <usize>i * ldq, ldq, wg, load<i32>(zx + (<usize>i << 2)), load<i32>(zx + (<usize>(i + 1) << 2)),
              load<f32>(sx + (<usize>i << 2)), load<f32>(sx + (<usize>(i + 1) << 2)), rsv, swv, bv, z0, z0 + ldz, nr, act, alpha);
      }
      if (i < end) {
        const z0 = z + <usize>i * ldz + (<usize>j << 2);
        const zp = load<i32>(zx + (<usize>i << 2));
        const s0 = load<f32>(sx + (<usize>i << 2));
        tile7(false, false, kp, q + <usize>i * ldq, 0, wg, zp, zp, s0, s0, rsv, swv, bv, z0, z0, nr, act, alpha);
      }
    }
  }
}

/** Known-answer probe: lane `lane` of f32x4.relaxed_madd(splat a, splat b, splat c). */
export function relaxed_madd_probe(a: f32, b: f32, c: f32, lane: i32): f32 {
  const r = f32x4.relaxed_madd(f32x4.splat(a), f32x4.splat(b), f32x4.splat(c));
  if (lane == 0) return f32x4.extract_lane(r, 0);
  if (lane == 1) return f32x4.extract_lane(r, 1);
  if (lane == 2) return f32x4.extract_lane(r, 2);
  return f32x4.extract_lane(r, 3);
}

/** Known-answer probe: lane `lane` of i32x4.relaxed_dot_i8x16_i7x16_add_s(a, b, splat c), a and b as two i64 halves. */
export function relaxed_dot_probe(a0: i64, a1: i64, b0: i64, b1: i64, c: i32, lane: i32): i32 {
  const r = i32x4.relaxed_dot_i8x16_i7x16_add_s(i64x2(a0, a1), i64x2(b0, b1), i32x4.splat(c));
  if (lane == 0) return i32x4.extract_lane(r, 0);
  if (lane == 1) return i32x4.extract_lane(r, 1);
  if (lane == 2) return i32x4.extract_lane(r, 2);
  return i32x4.extract_lane(r, 3);
}
