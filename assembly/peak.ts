// The machine's wasm-SIMD ceiling for the matmul's inner loop: per step, the 4×8 register
// tile's 2 vector loads, 4 broadcast loads and 8 independent f32x4 mul+add pairs, all from
// one L1-resident line (no cache misses, no packing, no edges). 64 flops per step.
// Benchmarks divide by time to get GFLOP/s and express matmul figures as a share of it.

const OPERANDS: usize = memory.data(64, 16);

/** Runs `steps` steps of 64 flops; returns a value that depends on all of them. */
export function simd_peak(steps: i32, x: f32): f32 {
  for (let i = 0; i < 16; i++) store<f32>(OPERANDS + (<usize>i << 2), x * <f32>(i + 1));
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const p = OPERANDS;
  for (let i = 0; i < steps; i++) {
    const b0 = v128.load(p, 32), b1 = v128.load(p, 48);
    let a = v128.load32_splat(p);
    c00 = f32x4.add(c00, f32x4.mul(a, b0)); c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(p, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0)); c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(p, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0)); c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(p, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0)); c31 = f32x4.add(c31, f32x4.mul(a, b1));
  }
  const s = f32x4.add(f32x4.add(f32x4.add(c00, c01), f32x4.add(c10, c11)), f32x4.add(f32x4.add(c20, c21), f32x4.add(c30, c31)));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}

/**
 * Reads n floats at x (n a multiple of 32) in one sequential stream: eight independent f32x4
 * accumulators, one load and one add per vector, nothing else; returns their sum. The time it
 * takes to read a network's weights this way is the probe for one-sample inference, which must
 * read every weight once and also multiplies (bench/inference.js).
 */
export function read_peak(n: i32, x: usize): f32 {
  let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (let i = 0; i < n; i += 32) {
    const p = x + (<usize>i << 2);
    a0 = f32x4.add(a0, v128.load(p)); a1 = f32x4.add(a1, v128.load(p, 16));
    a2 = f32x4.add(a2, v128.load(p, 32)); a3 = f32x4.add(a3, v128.load(p, 48));
    a4 = f32x4.add(a4, v128.load(p, 64)); a5 = f32x4.add(a5, v128.load(p, 80));
    a6 = f32x4.add(a6, v128.load(p, 96)); a7 = f32x4.add(a7, v128.load(p, 112));
  }
  const s = f32x4.add(f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3)), f32x4.add(f32x4.add(a4, a5), f32x4.add(a6, a7)));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1) + f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3);
}
