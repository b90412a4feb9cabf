// The integer/float64 reference of wasmlp's int8 scheme (assembly/quantized.ts, src/quantize.ts):
// every float32 step written as one Math.fround of an exact float64 result, the sums in exact
// integers, so the kernels must match it bit for bit.
import { roundHalfEven } from "../quantize.js";

/** quantize_rows: q (m×k, unpadded) and one scale per row, symmetric to ±range. */
export function quantizeRowsReference(m: number, k: number, x: ArrayLike<number>, range: number): { q: Int16Array; scales: Float32Array } {
  const q = new Int16Array(m * k), scales = new Float32Array(m);
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
  m: number, n: number, k: number, q: ArrayLike<number>, sx: ArrayLike<number>, w: ArrayLike<number>, sw: ArrayLike<number>, bias: ArrayLike<number>,
  act: "linear" | "relu" | "leaky-relu" = "linear", alpha = 0,
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
