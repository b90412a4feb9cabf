// The float64 oracle: the linear algebra of the wasm kernels written plainly, for tests to
// compare against and for benchmarks to measure pure JS by (row-major, samples as rows). Each
// activation's, loss's and optimizer's own reference sits in its entry of the op tables
// (src/activations.ts, losses.ts, optimizers.ts); the by-name forms below read those tables.
import { type Activation, activationOps } from "../activations.js";
import { type Loss, lossOps } from "../losses.js";

export { sigmoid } from "../activations.js";
export { EPS, outputDelta } from "../losses.js";

/**
 * C(m×n) = op(A)·op(B) (+ C when accumulate), op = transpose where the flag says.
 * A is m×k (k×m when transA), B is k×n (n×k when transB). Loops ordered so the inner one
 * walks memory contiguously where the layout allows.
 */
export function matmul(transA: boolean, transB: boolean, m: number, n: number, k: number, a: ArrayLike<number>, b: ArrayLike<number>, c: Float64Array | Float32Array, accumulate = false): void {
  if (!accumulate) c.fill(0, 0, m * n);
  if (!transB) {
    // i-p-j: the inner loop runs along a row of B and of C.
    for (let i = 0; i < m; i++) {
      const ci = i * n;
      for (let p = 0; p < k; p++) {
        const aip = transA ? a[p * m + i] : a[i * k + p];
        if (aip === 0) continue;
        const bp = p * n;
        for (let j = 0; j < n; j++) c[ci + j] += aip * b[bp + j];
      }
    }
  } else {
    // dot products: rows of A (or columns, when transA) with rows of B.
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        const bj = j * k;
        if (transA) for (let p = 0; p < k; p++) s += a[p * m + i] * b[bj + p];
        else for (let p = 0, ai = i * k; p < k; p++) s += a[ai + p] * b[bj + p];
        c[i * n + j] += s;
      }
    }
  }
}

export function addBias(m: number, n: number, bias: ArrayLike<number>, x: Float64Array): void {
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) x[i * n + j] += bias[j];
}

/** out[j] = scale·Σ_i x[i, j]. */
export function sumCols(m: number, n: number, x: ArrayLike<number>, out: Float64Array, scale = 1): void {
  out.fill(0, 0, n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j] += x[i * n + j];
  for (let j = 0; j < n; j++) out[j] *= scale;
}

/** a = g(z) over m×n, in place allowed. */
export function activationForward(act: Activation, m: number, n: number, z: ArrayLike<number>, a: Float64Array, alpha = 0): void {
  activationOps[act].reference.forward(m, n, z, a, alpha);
}

/** dz = da ∘ g′ written through the output a (softmax: its Jacobian applied per row). */
export function activationBackward(act: Activation, m: number, n: number, a: ArrayLike<number>, da: ArrayLike<number>, dz: Float64Array, alpha = 0): void {
  activationOps[act].reference.backward(m, n, a, da, dz, alpha);
}

/** Σ over the m×n batch of the per-sample loss. */
export function lossSum(loss: Loss, m: number, n: number, a: ArrayLike<number>, y: ArrayLike<number>): number {
  return lossOps[loss].reference.sum(m, n, a, y);
}

/** dA of the batch-mean loss. */
export function lossGrad(loss: Loss, m: number, n: number, a: ArrayLike<number>, y: ArrayLike<number>, da: Float64Array): void {
  lossOps[loss].reference.grad(m, n, a, y, da);
}
