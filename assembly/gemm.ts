// Blocked single-precision matrix multiply in the three forms backprop needs.
//
//   matmul_nn  C(m×n) = A(m×k) · B(k×n)      (dA_prev = dZ · W)
//   matmul_nt  C(m×n) = A(m×k) · B(n×k)ᵀ     (Z = A_prev · Wᵀ)
//   matmul_tn  C(m×n) = A(k×m)ᵀ · B(k×n)     (dW = dZᵀ · A_prev)
//
// All matrices are row-major f32. GotoBLAS loop order: a KC×NC block of B is
// packed into 8-column panels (contiguous, zero-padded) in `work`; a 4×8
// register tile of f32x4 accumulators then streams one panel from L1 and four
// rows of A (broadcast loads) per step of k. The A operand is read in place
// through (row, k) strides, so Aᵀ costs nothing; Bᵀ is absorbed by packing.

/** Rows of the register tile. */
const MR: i32 = 4;
/** Columns of the register tile (two f32x4 vectors). */
const NR: i32 = 8;
/** Depth of one packed block of B: KC·NR·4 bytes = 8 KiB per panel, L1-resident. */
const KC: i32 = 256;
/** Width of one packed block of B: KC·NC·4 bytes = 512 KiB, L2-resident. */
const NC: i32 = 512;
/** Height of one packed block of A: MC·KC·4 bytes = 128 KiB. */
const MC: i32 = 128;
/**
 * Floats of `work` for packed A (1 MiB). An A of up to this many (rows rounded up to 4, times k)
 * can be packed whole, each block in its own place, so that B's later column blocks, and the
 * same thread's next call on the same A (the next column tile of a product split across
 * threads), skip packing it: see `aMode`.
 */
const A_FLOATS: i32 = 256 * 1024;
/** aMode of the strided kernels: pack A block by block into one place (a whole call)... */
const A_BLOCKWISE: i32 = 0;
/** ...or whole, kept for this thread's next call on the same A (a thread's first tile of a job)... */
const A_KEEP: i32 = 1;
/** ...or A is already there, whole, from this thread's previous call on the same A (its later tiles). */
const A_KEPT: i32 = 2;

/** Below this many rows of C, the unpacked streaming paths win (measured: bench/peers). */
const SMALL_M: i32 = 4;
import { activate4, madd } from "./simd";

/** Bytes of `work` every matmul needs (one packed block of B, one of A). */
export function matmul_workspace_bytes(): i32 {
  return (KC * NC + A_FLOATS) * 4;
}

// Reads a 4×4 block (4 rows of 4 floats, rows `ld` bytes apart) and writes its transpose
// (4 rows of 4 floats, `dstStride` bytes apart).
// @ts-ignore: decorator
@inline function transpose4(src: usize, ld: usize, dst: usize, dstStride: usize): void {
  const r0 = v128.load(src), r1 = v128.load(src + ld), r2 = v128.load(src + 2 * ld), r3 = v128.load(src + 3 * ld);
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5), t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5), t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(dst, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
  v128.store(dst + dstStride, i32x4.shuffle(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * dstStride, i32x4.shuffle(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * dstStride, i32x4.shuffle(t1, t3, 2, 3, 6, 7));
}

// Pack B[pc:pc+kc, jc:jc+nc] (B as k×n, or its transpose when transB) into
// ceil(nc/8) panels of kc×8, zero-padding the last panel's missing columns.
// @ts-ignore: decorator
@inline function packB(transB: bool, ldb: usize, b: usize, pc: i32, jc: i32, kc: i32, nc: i32, work: usize): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    let dst = work + <usize>jr * <usize>kc * 4;
    const j = jc + jr;
    if (!transB) {
      // B is k×n: row p of the panel is 8 contiguous floats of row pc+p.
      let src = b + <usize>pc * ldb + (<usize>j << 2);
      if (nr == NR) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
          src += ldb; dst += NR * 4;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let jj = 0; jj < NR; jj++) {
            store<f32>(dst + (<usize>jj << 2), jj < nr ? load<f32>(src + (<usize>jj << 2)) : 0);
          }
          src += ldb; dst += NR * 4;
        }
      }
    } else {
      // B is n×k: panel column jj is row j+jj of B, read along k.
      const src = b + <usize>j * ldb + (<usize>pc << 2);
      if (nr == NR) {
        // Four steps of k at a time: two 4×4 blocks (rows j..j+3, j+4..j+7) transposed in registers.
        let s = src;
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          transpose4(s, ldb, dst, NR * 4);
          transpose4(s + 4 * ldb, ldb, dst + 16, NR * 4);
          s += 16; dst += 4 * NR * 4;
        }
        for (; p < kc; p++) {
          for (let jj = 0; jj < NR; jj++) store<f32>(dst + (<usize>jj << 2), load<f32>(s + <usize>jj * ldb));
          s += 4; dst += NR * 4;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let jj = 0; jj < NR; jj++) {
            store<f32>(dst + (<usize>jj << 2), jj < nr ? load<f32>(src + <usize>jj * ldb + (<usize>p << 2)) : 0);
          }
          dst += NR * 4;
        }
      }
    }
  }
}

// Write one row of a tile: 8 columns as two vectors, or the first nr one lane at a time.
// With epi (the last block of k in matmul_nt_forward), the epilogue act(c + bias) is applied
// before the store: bias points at this tile's first column's bias.
// @ts-ignore: decorator
@inline function storeRow(c: usize, lo: v128, hi: v128, nr: i32, beta: bool, epi: bool, bias: usize, act: i32, alpha: f32): void {
  if (nr == NR) {
    if (beta) {
      lo = f32x4.add(lo, v128.load(c));
      hi = f32x4.add(hi, v128.load(c, 16));
    }
    if (epi) {
      lo = activate4(act, f32x4.add(lo, v128.load(bias)), alpha);
      hi = activate4(act, f32x4.add(hi, v128.load(bias, 16)), alpha);
    }
    v128.store(c, lo);
    v128.store(c, hi, 16);
  } else {
    // Lane by lane from the registers (no static scratch, so the kernel stays reentrant).
    for (let jj = 0; jj < nr; jj++) {
      const o = <usize>jj << 2;
      let v = f32x4.splat(jj < 4 ? laneOf(lo, jj) : laneOf(hi, jj - 4));
      if (beta) v = f32x4.add(v, v128.load32_splat(c + o));
      if (epi) v = activate4(act, f32x4.add(v, v128.load32_splat(bias + o)), alpha);
      v128.store32_lane(c + o, v, 0);
    }
  }
}

// Lane j (0..3, not a constant) of v.
// @ts-ignore: decorator
@inline function laneOf(v: v128, j: i32): f32 {
  return j == 0 ? f32x4.extract_lane(v, 0) : j == 1 ? f32x4.extract_lane(v, 1) : j == 2 ? f32x4.extract_lane(v, 2) : f32x4.extract_lane(v, 3);
}

// Pack A[ic:ic+mc, pc:pc+kc] into ceil(mc/4) panels of kc×4 (row r of a panel step is
// A(i+r, p)), zero-padding missing rows. A(i, p) is at a + i·ars + p·aks.
// @ts-ignore: decorator
@inline function packA(transA: bool, a: usize, ars: usize, aks: usize, mc: i32, kc: i32, work: usize): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    let dst = work + <usize>ir * <usize>kc * 4;
    const src = a + <usize>ir * ars;
    if (mr == MR) {
      let s = src;
      let p = 0;
      if (transA) {
        // Aᵀ: the four values of a step are contiguous in A.
        for (; p < kc; p++) {
          v128.store(dst, v128.load(s));
          s += aks; dst += MR * 4;
        }
      } else {
        // A: four rows of four steps, transposed in registers.
        for (; p + 4 <= kc; p += 4) {
          transpose4(s, ars, dst, MR * 4);
          s += 16; dst += 4 * MR * 4;
        }
        for (; p < kc; p++) {
          for (let r = 0; r < MR; r++) store<f32>(dst + (<usize>r << 2), load<f32>(s + <usize>r * ars));
          s += aks; dst += MR * 4;
        }
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let r = 0; r < MR; r++) {
          store<f32>(dst + (<usize>r << 2), r < mr ? load<f32>(src + <usize>r * ars + <usize>p * aks) : 0);
        }
        dst += MR * 4;
      }
    }
  }
}

// 4×8 register tile: C[0:mr, 0:nr] (+)= packed A panel (kc×4) · packed B panel (kc×8).
// @ts-ignore: decorator
@inline function tile4x8(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, mr: i32, nr: i32, beta: bool, epi: bool, bias: usize, act: i32, alpha: f32): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let av = v128.load32_splat(ap);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(ap, 4);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(ap, 8);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(ap, 12);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    ap += MR * 4;
    bp += NR * 4;
  }
  storeRow(c, c00, c01, nr, beta, epi, bias, act, alpha);
  if (mr > 1) storeRow(c + ldc, c10, c11, nr, beta, epi, bias, act, alpha);
  if (mr > 2) storeRow(c + 2 * ldc, c20, c21, nr, beta, epi, bias, act, alpha);
  if (mr > 3) storeRow(c + 3 * ldc, c30, c31, nr, beta, epi, bias, act, alpha);
}

// Few rows (single-sample inference, tiny batches): packing would cost as much as the product,
// so stream B once instead. A·B and Aᵀ·B: each row of C accumulates rows of B scaled by A's
// entries, 16 columns at a time in registers.
// @ts-ignore: decorator
@inline function rowsTimesB(m: i32, n: i32, k: i32, a: usize, ars: usize, aks: usize, b: usize, ldb: usize, c: usize, ldc: usize, accumulate: bool): void {
  const n16 = n & ~15;
  for (let i = 0; i < m; i++) {
    const ai = a + <usize>i * ars;
    const ci = c + <usize>i * ldc;
    let j = 0;
    for (; j < n16; j += 16) {
      const cj = ci + (<usize>j << 2);
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
      let bp = b + (<usize>j << 2);
      let ap = ai;
      for (let p = 0; p < k; p++) {
        const av = v128.load32_splat(ap);
        c0 = madd(av, v128.load(bp), c0);
        c1 = madd(av, v128.load(bp, 16), c1);
        c2 = madd(av, v128.load(bp, 32), c2);
        c3 = madd(av, v128.load(bp, 48), c3);
        ap += aks; bp += ldb;
      }
      if (accumulate) {
        c0 = f32x4.add(c0, v128.load(cj)); c1 = f32x4.add(c1, v128.load(cj, 16));
        c2 = f32x4.add(c2, v128.load(cj, 32)); c3 = f32x4.add(c3, v128.load(cj, 48));
      }
      v128.store(cj, c0); v128.store(cj, c1, 16); v128.store(cj, c2, 32); v128.store(cj, c3, 48);
    }
    for (; j < n; j++) {
      let acc: f32 = 0;
      let bp = b + (<usize>j << 2);
      let ap = ai;
      for (let p = 0; p < k; p++) {
        acc += load<f32>(ap) * load<f32>(bp);
        ap += aks; bp += ldb;
      }
      const cj = ci + (<usize>j << 2);
      store<f32>(cj, accumulate ? load<f32>(cj) + acc : acc);
    }
  }
}

// Few rows of A·Bᵀ: dot products of a row of A with four rows of B at once, SIMD along k.
// @ts-ignore: decorator
@inline function rowsTimesBt(m: i32, n: i32, k: i32, a: usize, lda: usize, b: usize, ld: usize, c: usize, ldc: usize, accumulate: bool): void {
  const k4 = k & ~3;
  const n4 = n & ~3;
  for (let i = 0; i < m; i++) {
    const ai = a + <usize>i * lda;
    const ci = c + <usize>i * ldc;
    let j = 0;
    for (; j < n4; j += 4) {
      const b0 = b + <usize>j * ld, b1 = b0 + ld, b2 = b1 + ld, b3 = b2 + ld;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
      let p = 0;
      for (; p < k4; p += 4) {
        const o = <usize>p << 2;
        const av = v128.load(ai + o);
        s0 = madd(av, v128.load(b0 + o), s0);
        s1 = madd(av, v128.load(b1 + o), s1);
        s2 = madd(av, v128.load(b2 + o), s2);
        s3 = madd(av, v128.load(b3 + o), s3);
      }
      // Transpose-add: lane q of the result is the sum of the lanes of s_q.
      const t0 = f32x4.add(i32x4.shuffle(s0, s1, 0, 4, 1, 5), i32x4.shuffle(s0, s1, 2, 6, 3, 7));
      const t1 = f32x4.add(i32x4.shuffle(s2, s3, 0, 4, 1, 5), i32x4.shuffle(s2, s3, 2, 6, 3, 7));
      let r = f32x4.add(i32x4.shuffle(t0, t1, 0, 1, 4, 5), i32x4.shuffle(t0, t1, 2, 3, 6, 7));
      for (; p < k; p++) {
        const o = <usize>p << 2;
        const x = load<f32>(ai + o);
        r = madd(f32x4.splat(x), f32x4(load<f32>(b0 + o), load<f32>(b1 + o), load<f32>(b2 + o), load<f32>(b3 + o)), r);
      }
      const cj = ci + (<usize>j << 2);
      if (accumulate) r = f32x4.add(r, v128.load(cj));
      v128.store(cj, r);
    }
    for (; j < n; j++) {
      const bj = b + <usize>j * ld;
      let acc: f32 = 0;
      for (let p = 0; p < k; p++) acc += load<f32>(ai + (<usize>p << 2)) * load<f32>(bj + (<usize>p << 2));
      const cj = ci + (<usize>j << 2);
      store<f32>(cj, accumulate ? load<f32>(cj) + acc : acc);
    }
  }
}

// c[0:n] = act(c + bias), SIMD body and one-lane tail.
// @ts-ignore: decorator
@inline function storeEpilogueRow(n: i32, c: usize, bias: usize, act: i32, alpha: f32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    v128.store(c + o, activate4(act, f32x4.add(v128.load(c + o), v128.load(bias + o)), alpha));
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    v128.store32_lane(c + o, activate4(act, f32x4.add(v128.load32_splat(c + o), v128.load32_splat(bias + o)), alpha), 0);
  }
}

// The one body behind all the exports; transA/transB are constants at each call site. lda, ldb,
// ldc are row strides in floats (A as stored: k×m when transA; B as stored: n×k when transB).
// Loop order (GotoBLAS): NC columns of B, KC deep; MC rows of A; 8-column panels; 4-row panels.
// Every C element sums its k products in the same order whatever sub-block of C a call covers
// (the path is chosen by m alone), so splitting C's rows or columns across calls gives equal bits;
// with m < SMALL_M, A·Bᵀ's columns must be cut at multiples of 4 (rowsTimesBt's SIMD body vs tail).
// @ts-ignore: decorator
@inline function gemm(transA: bool, transB: bool, m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc_: i32,
                      work: usize, accumulate: bool, epilogue: bool = false, bias: usize = 0, act: i32 = 0, alpha: f32 = 0,
                      packed: usize = 0, aMode: i32 = A_BLOCKWISE): void {
  const ars: usize = transA ? 4 : <usize>lda * 4;
  const aks: usize = transA ? <usize>lda * 4 : 4;
  const ldc: usize = <usize>ldc_ * 4;
  const ldbb: usize = <usize>ldb * 4;
  if (k == 0 || m < SMALL_M) {
    if (k == 0) {
      if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + <usize>i * ldc, 0, <usize>n * 4);
    } else if (transB) rowsTimesBt(m, n, k, a, ars, b, ldbb, c, ldc, accumulate);
    else rowsTimesB(m, n, k, a, ars, aks, b, ldbb, c, ldc, accumulate);
    // Fewer than 4 rows: the epilogue is one pass over those rows, still in L1.
    if (epilogue) for (let i = 0; i < m; i++) storeEpilogueRow(n, c + <usize>i * ldc, bias, act, alpha);
    return;
  }
  const workA = work + <usize>(KC * NC * 4);
  // A kept whole (A_KEEP, A_KEPT, or B wider than one block) if it fits: block (ic, pc) has its
  // own place, pc·mPad + ic·kc floats, packed on the first column block unless already there.
  // Otherwise each block is packed into the same place, which stays in cache.
  const mPad = (m + MR - 1) & ~(MR - 1);
  const keepA = (aMode != A_BLOCKWISE || n > NC) && <i64>mPad * <i64>k <= <i64>A_FLOATS;
  const packedAlready = keepA && aMode == A_KEPT;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = min(KC, k - pc);
      // B's block: packed here, or already packed by pack_bt (the same panels, so the same bits).
      const bBlock = packed != 0 ? packed + packedOffset(k, jc, pc, nc) : work;
      if (packed == 0) packB(transB, ldbb, b, pc, jc, kc, nc, work);
      const beta = accumulate || pc > 0;
      const epi = epilogue && pc + kc >= k;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        const aBlock = keepA ? workA + (<usize>pc * <usize>mPad + <usize>ic * <usize>kc) * 4 : workA;
        if (!keepA || (jc == 0 && !packedAlready)) packA(transA, a + <usize>ic * ars + <usize>pc * aks, ars, aks, mc, kc, aBlock);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bp = bBlock + <usize>jr * <usize>kc * 4;
          const cCol = c + <usize>ic * ldc + (<usize>(jc + jr) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            tile4x8(kc, aBlock + <usize>ir * <usize>kc * 4, bp, cCol + <usize>ir * ldc, ldc, min(MR, mc - ir), nr, beta,
                    epi, bias + (<usize>(jc + jr) << 2), act, alpha);
          }
        }
      }
    }
  }
}

// Byte offset of block (jc, pc) of a B packed whole by pack_bt: the NC-column blocks one after
// another, each holding its KC-deep blocks in order (each kc × nc rounded up to 8 columns).
// @ts-ignore: decorator
@inline function packedOffset(k: i32, jc: i32, pc: i32, nc: i32): usize {
  return (<usize>jc * <usize>k + <usize>pc * <usize>((nc + NR - 1) & ~(NR - 1))) * 4;
}

/** Floats pack_bt writes for a B of n rows and k columns: k × n rounded up to 8. */
export function packed_bt_floats(n: i32, k: i32): i32 {
  return k * ((n + NR - 1) & ~(NR - 1));
}

/**
 * B(n×k) packed as the GEMM packs Bᵀ, every block at once, into `packed` (packed_bt_floats(n, k)
 * floats): weights packed once for matmul_nt_forward_packed, reused until they change.
 */
export function pack_bt(n: i32, k: i32, b: usize, packed: usize): void {
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) packB(true, <usize>k * 4, b, pc, jc, min(KC, k - pc), nc, packed + packedOffset(k, jc, pc, nc));
  }
}

/**
 * matmul_nt_forward with B already packed by pack_bt (m ≥ 4; fewer rows take dense_nt_forward):
 * the same bits, without packing B on every call.
 */
export function matmul_nt_forward_packed(m: i32, n: i32, k: i32, a: usize, packed: usize, bias: usize, c: usize, work: usize, act: i32, alpha: f32): void {
  assert(m >= SMALL_M, "matmul_nt_forward_packed: fewer than 4 rows");
  assert(!overlaps(c, <usize>m * <usize>n * 4, packed, <usize>packed_bt_floats(n, k) * 4), "matmul_nt_forward_packed: C overlaps the packed B");
  forwardNT(m, n, k, a, k, 0, k, packed, bias, c, n, work, act, alpha);
}

// The one body of the three forward exports (packed 0: pack B here), so the module carries one copy.
// @ts-ignore: decorator
@noinline function forwardNT(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, packed: usize, bias: usize, c: usize, ldc: i32,
                             work: usize, act: i32, alpha: f32, aMode: i32 = A_BLOCKWISE): void {
  gemm(false, true, m, n, k, a, lda, b, ldb, c, ldc, work, false, true, bias, act, alpha, packed, aMode);
}

// Whether the byte ranges [x, x+xn) and [y, y+yn) share a byte (empty ranges share none).
// @ts-ignore: decorator
@inline function overlaps(x: usize, xn: usize, y: usize, yn: usize): bool {
  return xn != 0 && yn != 0 && x < y + yn && y < x + xn;
}

// C must not alias A, B or the workspace: asserted in the debug build (asbuild:debug), compiled
// out of the release build (noAssert).
// @ts-ignore: decorator
@inline function assertNoAlias(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, work: usize): void {
  const cn = <usize>m * <usize>n * 4;
  assert(!overlaps(c, cn, a, <usize>m * <usize>k * 4), "matmul: C overlaps A");
  assert(!overlaps(c, cn, b, <usize>k * <usize>n * 4), "matmul: C overlaps B");
  assert(!overlaps(c, cn, work, <usize>matmul_workspace_bytes()), "matmul: C overlaps the workspace");
}

/** C(m×n) = A(m×k)·B(k×n), or C += A·B when accumulate. `work`: matmul_workspace_bytes() bytes. */
export function matmul_nn(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, work: usize, accumulate: bool): void {
  assertNoAlias(m, n, k, a, b, c, work);
  matmul_strided_nn(m, n, k, a, k, b, n, c, n, work, accumulate, A_BLOCKWISE);
}

/** C(m×n) = A(m×k)·B(n×k)ᵀ, or C += A·Bᵀ when accumulate. */
export function matmul_nt(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, work: usize, accumulate: bool): void {
  assertNoAlias(m, n, k, a, b, c, work);
  matmul_strided_nt(m, n, k, a, k, b, k, c, n, work, accumulate, A_BLOCKWISE);
}

/**
 * C(m×n) = act(A(m×k)·B(n×k)ᵀ + bias(n)): the forward pass with bias and activation fused into the
 * store of the last block of k; act: an activation code of simd.ts, as for dense_nt_forward.
 */
export function matmul_nt_forward(m: i32, n: i32, k: i32, a: usize, b: usize, bias: usize, c: usize, work: usize, act: i32, alpha: f32): void {
  assertNoAlias(m, n, k, a, b, c, work);
  assert(!overlaps(c, <usize>m * <usize>n * 4, bias, <usize>n * 4), "matmul_nt_forward: C overlaps bias");
  forwardNT(m, n, k, a, k, b, k, 0, bias, c, n, work, act, alpha);
}

/** C(m×n) = A(k×m)ᵀ·B(k×n), or C += Aᵀ·B when accumulate. */
export function matmul_tn(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, work: usize, accumulate: bool): void {
  assertNoAlias(m, n, k, a, b, c, work);
  matmul_strided_tn(m, n, k, a, m, b, n, c, n, work, accumulate, A_BLOCKWISE);
}

// Strided forms: a sub-block of a larger product (row strides lda, ldb, ldc in floats), so that
// threads can each compute their own part of C. The plain forms above call these (one copy of
// the GEMM body per form keeps the module small); same arithmetic per element.
// C's rows must not overlap A's or B's (the caller's split guarantees it; not asserted, since a
// sub-block's extent interleaves with its neighbours'). aMode: 0 packs A block by block, 1 packs
// it whole and keeps it in `work`, 2 takes it from `work` as this thread's previous call on the
// same A (same a, lda, m, k and form) with aMode 1 or 2 left it (see A_FLOATS; A is packed
// anyway when it does not fit). Packed data are copies, so the bits never depend on aMode.

/** C(m×n, stride ldc) = A(m×k, lda)·B(k×n, ldb), or C += when accumulate. */
export function matmul_strided_nn(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, work: usize, accumulate: bool,
                                  aMode: i32): void {
  gemm(false, false, m, n, k, a, lda, b, ldb, c, ldc, work, accumulate, false, 0, 0, 0, 0, aMode);
}

/** C(m×n, stride ldc) = A(m×k, lda)·B(n×k, ldb)ᵀ, or C += when accumulate. */
export function matmul_strided_nt(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, work: usize, accumulate: bool,
                                  aMode: i32): void {
  gemm(false, true, m, n, k, a, lda, b, ldb, c, ldc, work, accumulate, false, 0, 0, 0, 0, aMode);
}

/** C(m×n, stride ldc) = A(k×m, lda)ᵀ·B(k×n, ldb), or C += when accumulate. */
export function matmul_strided_tn(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, work: usize, accumulate: bool,
                                  aMode: i32): void {
  gemm(true, false, m, n, k, a, lda, b, ldb, c, ldc, work, accumulate, false, 0, 0, 0, 0, aMode);
}

/**
 * matmul_nt_forward on a sub-block (row strides lda, ldb, ldc in floats; `bias` points at the
 * block's first column's bias): a thread's columns or rows of a layer's output, with the bias
 * and activation in the store as on one thread, so the bits match.
 */
export function matmul_strided_nt_forward(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32, work: usize,
                                          bias: usize, act: i32, alpha: f32, aMode: i32): void {
  forwardNT(m, n, k, a, lda, b, ldb, 0, bias, c, ldc, work, act, alpha, aMode);
}
