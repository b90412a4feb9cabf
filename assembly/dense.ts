// A fused dense-layer forward pass without packing: Z = act(A·Wᵀ + bias), W units × inputs.
//
// Made for inference and small batches: each output is the dot product of a sample (a row of A)
// with a contiguous row of W, so W is read as stored (nothing packed, nothing to keep in sync).
// Samples go in chunks of CHUNK_M (their rows stay in L1); within a chunk, four rows of W are
// read once from L2/memory per chunk and reused from L1 by every pair of samples. The register
// block is 4 rows of W × 2 samples: 8 f32x4 accumulators, 6 vector loads per 64 flops, the same
// ratio as the GEMM's 4×8 tile. Bias and activation are applied while the four outputs are
// still in a register.
//
// Summation order: each output is computed by the same instruction sequence whatever m is and
// wherever its sample sits in A (lane q sums the products p ≡ q mod 4 in order, the lanes are
// combined as (l0+l2)+(l1+l3), then the k mod 4 tail, then the bias), so a sample's output is
// bit-identical alone or inside a batch of any size.

import { activate4, epilogueRow, madd, store4 } from "./simd";

/** Samples per chunk: CHUNK_M rows of A (≤ 8·784·4 = 25 KiB for MNIST) stay in L1. */
const CHUNK_M: i32 = 8;

// Dot products of up to two samples (x0, x1: rows of A) with four rows of W (w0..w3), SIMD
// along k, then bias and activation; stores the first nr of the four outputs of each sample.
// @ts-ignore: decorator
@inline function block(two: bool, k: i32, x0: usize, x1: usize, w0: usize, w1: usize, w2: usize, w3: usize,
                       bias: v128, z0: usize, z1: usize, nr: i32, act: i32, alpha: f32): void {
  const k4 = k & ~3;
  let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
  let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
  let p = 0;
  for (; p < k4; p += 4) {
    const o = <usize>p << 2;
    const a = v128.load(w0 + o), b = v128.load(w1 + o), c = v128.load(w2 + o), d = v128.load(w3 + o);
    const u = v128.load(x0 + o);
    s00 = madd(u, a, s00);
    s01 = madd(u, b, s01);
    s02 = madd(u, c, s02);
    s03 = madd(u, d, s03);
    if (two) {
      const v = v128.load(x1 + o);
      s10 = madd(v, a, s10);
      s11 = madd(v, b, s11);
      s12 = madd(v, c, s12);
      s13 = madd(v, d, s13);
    }
  }
  let r0 = reduce4(s00, s01, s02, s03);
  let r1 = two ? reduce4(s10, s11, s12, s13) : r0;
  for (; p < k; p++) {
    const o = <usize>p << 2;
    const wv = f32x4(load<f32>(w0 + o), load<f32>(w1 + o), load<f32>(w2 + o), load<f32>(w3 + o));
    r0 = madd(v128.load32_splat(x0 + o), wv, r0);
    if (two) r1 = madd(v128.load32_splat(x1 + o), wv, r1);
  }
  store4(z0, activate4(act, f32x4.add(r0, bias), alpha), nr);
  if (two) store4(z1, activate4(act, f32x4.add(r1, bias), alpha), nr);
}

// Lane q of the result is the sum of the lanes of s_q: (l0 + l2) + (l1 + l3).
// @ts-ignore: decorator
@inline function reduce4(s0: v128, s1: v128, s2: v128, s3: v128): v128 {
  const t0 = f32x4.add(i32x4.shuffle(s0, s1, 0, 4, 1, 5), i32x4.shuffle(s0, s1, 2, 6, 3, 7));
  const t1 = f32x4.add(i32x4.shuffle(s2, s3, 0, 4, 1, 5), i32x4.shuffle(s2, s3, 2, 6, 3, 7));
  return f32x4.add(i32x4.shuffle(t0, t1, 0, 1, 4, 5), i32x4.shuffle(t0, t1, 2, 3, 6, 7));
}

// One sample's four dot products: block(false, …) without bias and activation (epilogueRow
// applies them), so the same instructions give the same bits.
// @ts-ignore: decorator
@inline function dots4(k: i32, x0: usize, w0: usize, w1: usize, w2: usize, w3: usize, z0: usize, nr: i32): void {
  const k4 = k & ~3;
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
  let p = 0;
  for (; p < k4; p += 4) {
    const o = <usize>p << 2;
    const u = v128.load(x0 + o);
    s0 = madd(u, v128.load(w0 + o), s0);
    s1 = madd(u, v128.load(w1 + o), s1);
    s2 = madd(u, v128.load(w2 + o), s2);
    s3 = madd(u, v128.load(w3 + o), s3);
  }
  let r = reduce4(s0, s1, s2, s3);
  for (; p < k; p++) {
    const o = <usize>p << 2;
    const wv = f32x4(load<f32>(w0 + o), load<f32>(w1 + o), load<f32>(w2 + o), load<f32>(w3 + o));
    r = madd(v128.load32_splat(x0 + o), wv, r);
  }
  store4(z0, r, nr);
}

// One sample, in its own function: inlined beside the two-sample block it ran 1.10–1.20× slower
// (the larger function's register allocation), and a call to activate4 per four outputs cost
// as much again on narrow layers; full groups of four rows need no min().
// @ts-ignore: decorator
@noinline function denseOne(n: i32, k: i32, x0: usize, w: usize, bias: usize, z: usize, act: i32, alpha: f32): void {
  const lda = <usize>k * 4;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const w0 = w + <usize>j * lda;
    dots4(k, x0, w0, w0 + lda, w0 + 2 * lda, w0 + 3 * lda, z + (<usize>j << 2), 4);
  }
  if (j < n) {
    // Past the last row, repeat it: valid memory, results discarded by store4.
    const w0 = w + <usize>j * lda;
    const w1 = w + <usize>min(j + 1, n - 1) * lda;
    const w2 = w + <usize>min(j + 2, n - 1) * lda;
    dots4(k, x0, w0, w1, w2, w2, z + (<usize>j << 2), n - j);
  }
  epilogueRow(n, z, bias, act, alpha);
}

// @ts-ignore: decorator
@inline function overlaps(x: usize, xn: usize, y: usize, yn: usize): bool {
  return xn != 0 && yn != 0 && x < y + yn && y < x + xn;
}

/**
 * Z(m×n) = act(A(m×k)·W(n×k)ᵀ + bias(n)); act: an activation code of simd.ts (SIGMOID … GELU), alpha its parameter.
 * Z must not overlap A, W or bias.
 */
export function dense_nt_forward(m: i32, n: i32, k: i32, a: usize, w: usize, bias: usize, z: usize, act: i32, alpha: f32): void {
  const lda = <usize>k * 4;
  const ldz = <usize>n * 4;
  // Debug build only (compiled out of release): Z overlaps none of its inputs.
  const zn = <usize>m * ldz;
  assert(!overlaps(z, zn, a, <usize>m * lda) && !overlaps(z, zn, w, <usize>n * lda) && !overlaps(z, zn, bias, ldz), "dense_nt_forward: Z overlaps an input");
  if (m == 1) {
    denseOne(n, k, a, w, bias, z, act, alpha);
    return;
  }
  for (let ic = 0; ic < m; ic += CHUNK_M) {
    const mc = min(CHUNK_M, m - ic);
    for (let j = 0; j < n; j += 4) {
      const nr = min(4, n - j);
      // Past the last row, repeat it: valid memory, results discarded by store4.
      const w0 = w + <usize>j * lda;
      const w1 = w + <usize>min(j + 1, n - 1) * lda;
      const w2 = w + <usize>min(j + 2, n - 1) * lda;
      const w3 = w + <usize>min(j + 3, n - 1) * lda;
      const bj = bias + (<usize>j << 2);
      const bv = nr == 4
        ? v128.load(bj)
        : f32x4(load<f32>(bj), load<f32>(bias + (<usize>min(j + 1, n - 1) << 2)),
                load<f32>(bias + (<usize>min(j + 2, n - 1) << 2)), load<f32>(bias + (<usize>min(j + 3, n - 1) << 2)));
      let i = ic;
      const end = ic + mc;
      for (; i + 2 <= end; i += 2) {
        const x0 = a + <usize>i * lda;
        const z0 = z + <usize>i * ldz + (<usize>j << 2);
        block(true, k, x0, x0 + lda, w0, w1, w2, w3, bv, z0, z0 + ldz, nr, act, alpha);
      }
      if (i < end) {
        const x0 = a + <usize>i * lda;
        const z0 = z + <usize>i * ldz + (<usize>j << 2);
        block(false, k, x0, x0, w0, w1, w2, w3, bv, z0, z0, nr, act, alpha);
      }
    }
  }
}
