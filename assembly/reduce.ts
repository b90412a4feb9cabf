import { hsum } from "./simd";

// Bias broadcast and its adjoint, over row-major m×n matrices (rows are samples).

/** x(m×n)[i, j] += bias(n)[j] for every row i. */
export function add_bias(m: i32, n: i32, bias: usize, x: usize): void {
  const n4 = n & ~3;
  for (let i = 0; i < m; i++) {
    const row = x + <usize>i * <usize>n * 4;
    let j = 0;
    for (; j < n4; j += 4) {
      const o = <usize>j << 2;
      v128.store(row + o, f32x4.add(v128.load(row + o), v128.load(bias + o)));
    }
    for (; j < n; j++) {
      const o = <usize>j << 2;
      store<f32>(row + o, load<f32>(row + o) + load<f32>(bias + o));
    }
  }
}

/** out(n)[j] = scale · Σ_i x(m×n)[i, j] (+ out[j] when accumulate): the bias gradient. */
export function sum_cols(m: i32, n: i32, x: usize, out: usize, scale: f32, accumulate: bool): void {
  const n4 = n & ~3;
  const s = f32x4.splat(scale);
  let j = 0;
  // Four columns at a time, walking down the rows: one accumulator per column block.
  for (; j < n4; j += 4) {
    const o = <usize>j << 2;
    let acc = f32x4.splat(0);
    let p = x + o;
    for (let i = 0; i < m; i++) {
      acc = f32x4.add(acc, v128.load(p));
      p += <usize>n << 2;
    }
    acc = f32x4.mul(acc, s);
    if (accumulate) acc = f32x4.add(acc, v128.load(out + o));
    v128.store(out + o, acc);
  }
  for (; j < n; j++) {
    const o = <usize>j << 2;
    let acc: f32 = 0;
    let p = x + o;
    for (let i = 0; i < m; i++) {
      acc += load<f32>(p);
      p += <usize>n << 2;
    }
    acc *= scale;
    store<f32>(out + o, accumulate ? load<f32>(out + o) + acc : acc);
  }
}

/** out(m)[i] = scale · Σ_j x(m×n)[i, j]. */
export function sum_rows(m: i32, n: i32, x: usize, out: usize, scale: f32): void {
  const n4 = n & ~3;
  for (let i = 0; i < m; i++) {
    const row = x + <usize>i * <usize>n * 4;
    let acc = f32x4.splat(0);
    let j = 0;
    for (; j < n4; j += 4) acc = f32x4.add(acc, v128.load(row + (<usize>j << 2)));
    let s = hsum(acc);
    for (; j < n; j++) s += load<f32>(row + (<usize>j << 2));
    store<f32>(out + (<usize>i << 2), s * scale);
  }
}

/** max_i |x(n)[i]|: NaN if any entry is NaN, +∞ if any is infinite (a cheap finiteness check). */
export function max_abs(n: i32, x: usize): f32 {
  // On the bits: with the sign cleared, a float's bit pattern as an integer orders like its
  // magnitude, and NaN > ∞ > every finite value; so an integer max (one instruction with a
  // one-cycle latency, where f32x4.max is several and NaN-checked), read back as a float.
  // Sixteen floats a turn, two accumulators: the loop's own instructions, not the max, bound a
  // one-vector loop (measured: bench/LOG.md, "Choices in the code").
  const magnitude = i32x4.splat(0x7fffffff);
  const n16 = n & ~15, n4 = n & ~3;
  let acc = i32x4.splat(0), acc2 = i32x4.splat(0);
  let i = 0;
  for (; i < n16; i += 16) {
    const p = x + (<usize>i << 2);
    acc = i32x4.max_s(acc, v128.and(v128.load(p), magnitude));
    acc2 = i32x4.max_s(acc2, v128.and(v128.load(p, 16), magnitude));
    acc = i32x4.max_s(acc, v128.and(v128.load(p, 32), magnitude));
    acc2 = i32x4.max_s(acc2, v128.and(v128.load(p, 48), magnitude));
  }
  acc = i32x4.max_s(acc, acc2);
  for (; i < n4; i += 4) acc = i32x4.max_s(acc, v128.and(v128.load(x + (<usize>i << 2)), magnitude));
  let m = max(max(i32x4.extract_lane(acc, 0), i32x4.extract_lane(acc, 1)), max(i32x4.extract_lane(acc, 2), i32x4.extract_lane(acc, 3)));
  for (; i < n; i++) m = max(m, load<i32>(x + (<usize>i << 2)) & 0x7fffffff);
  return reinterpret<f32>(m);
}
