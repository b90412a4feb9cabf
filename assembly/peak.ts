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
