// The integer/float64 reference of wasmlp's int8 scheme (assembly/quantized.ts, src/quantize.ts):
// every float32 step written as one Math.fround of an exact float64 result, the sums in exact
// integers, so the kernels must match it bit for bit.
import { roundHalfEven } from "../quantize.js";

/** quantize_rows: q (m×k, unpadded) and one scale per row, symmetric to ±range. */
export function quantizeRowsReference(m: number, k: number, x: ArrayLike<number>, range: number): { q: Int16Array; scales: Float32Array } {
  const q = new Int16Array(m * k),
    scales = new Float32Array(m);
  for (let i = 0; i < m; i++) {
    let max = 0;
    for (let p = 0; p < k; p++) max = Math.max(max, Math.abs(x[i * k + p]));
    const inv = max > 0 ? Math.fround(range / max) : 0;
    scales[i] = Math.fround(max / range);
    for (let p = 0; p < k; p++) q[i * k + p] = Math.max(-range, Math.min(range, roundHalfEven(Math.fround(x[i * k + p] * inv))));
  }
  return { q, scales };
}

/**
 * qmatmul_nt_forward before the activation: z = f32(Σ q·w)·f32(sx·sw) + bias, each step rounded
 * to float32; w (n×k int8, unpadded). "relu", "leaky-relu" (alpha) and "linear" applied exactly.
 */
export function qmatmulReference(
  m: number,
  n: number,
  k: number,
  q: ArrayLike<number>,
  sx: ArrayLike<number>,
  w: ArrayLike<number>,
  sw: ArrayLike<number>,
  bias: ArrayLike<number>,
  act: "linear" | "relu" | "leaky-relu" = "linear",
  alpha = 0,
): Float32Array {
  const z = new Float32Array(m * n);
  const a32 = Math.fround(alpha);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc += q[i * k + p] * w[j * k + p];
      let v = Math.fround(Math.fround(Math.fround(acc) * Math.fround(sx[i] * sw[j])) + bias[j]);
      if (act === "relu") v = v > 0 ? v : 0;
      else if (act === "leaky-relu") v = v > 0 ? v : Math.fround(v * a32);
      z[i * n + j] = v;
    }
  }
  return z;
}

/**
 * quantize_rows7 (the relaxed build's 7-bit scheme): per row lo = min(x, 0), hi = max(x, 0),
 * d = f32(hi/2 − lo/2), inv = f32(63.5/d), scale = f32(d/63.5), zp = clamp(round(−lo·inv), 0, 127),
 * u = clamp(round(f32(x·inv)) + zp, 0, 127); a row of zeros: scale 0, zp 0, u 0.
 */
export function quantizeRows7Reference(m: number, k: number, x: ArrayLike<number>): { q: Uint8Array; scales: Float32Array; zeros: Int32Array } {
  const q = new Uint8Array(m * k),
    scales = new Float32Array(m),
    zeros = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    let lo = 0,
      hi = 0;
    for (let p = 0; p < k; p++) {
      lo = Math.min(lo, x[i * k + p]);
      hi = Math.max(hi, x[i * k + p]);
    }
    const d = Math.fround(Math.fround(hi * 0.5) - Math.fround(lo * 0.5));
    const inv = d > 0 ? Math.fround(63.5 / d) : 0;
    scales[i] = Math.fround(d / 63.5);
    const zp = Math.min(127, Math.max(0, roundHalfEven(Math.fround(-lo * inv))));
    zeros[i] = zp;
    for (let p = 0; p < k; p++) q[i * k + p] = Math.max(0, Math.min(127, roundHalfEven(Math.fround(x[i * k + p] * inv)) + zp));
  }
  return { q, scales, zeros };
}

/** qmatmul7_nt_forward before the activation: z = f32(Σ w·(u − zp))·f32(sx·sw) + bias, then act as qmatmulReference. */
export function qmatmul7Reference(
  m: number,
  n: number,
  k: number,
  q: ArrayLike<number>,
  sx: ArrayLike<number>,
  zx: ArrayLike<number>,
  w: ArrayLike<number>,
  sw: ArrayLike<number>,
  bias: ArrayLike<number>,
  act: "linear" | "relu" | "leaky-relu" = "linear",
  alpha = 0,
): Float32Array {
  const shifted = new Float64Array(m * k);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) shifted[i * k + p] = q[i * k + p] - zx[i];
  return qmatmulReference(m, n, k, shifted, sx, w, sw, bias, act, alpha);
}
