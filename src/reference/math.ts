// The float64 oracle: the linear algebra of the wasm kernels written plainly, for tests to
// compare against and for benchmarks to measure pure JS by (row-major, samples as rows). Each
// activation's, loss's and optimizer's own reference sits in its entry of the op tables
// (src/activations.ts, losses.ts, optimizers.ts); the by-name forms below read those tables.
import { type Activation, activationOps } from "../activations.js";
import { type Loss, lossOps } from "../losses.js";
import { checkOneOf } from "../validate.js";

// Names come from callers: checked against the tables' own keys, so "constructor" is refused by name.
const activationOp = (act: Activation) => activationOps[checkOneOf("activation", act, Object.keys(activationOps) as Activation[])];
const lossOp = (loss: Loss) => lossOps[checkOneOf("loss", loss, Object.keys(lossOps) as Loss[])];

export { sigmoid } from "../activations.js";
export { EPS, outputDelta } from "../losses.js";

/**
 * C(m×n) = op(A)·op(B) (+ C when accumulate), op = transpose where the flag says.
 * A is m×k (k×m when transA), B is k×n (n×k when transB). Loops ordered so the inner one
 * walks memory contiguously where the layout allows.
 */
export function matmul(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  c: Float64Array | Float32Array,
  accumulate = false,
): void {
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

/** x(m×n) += bias(n) on every row, in place. */
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
  activationOp(act).reference.forward(m, n, z, a, alpha);
}

/** dz = da ∘ g′ written through the output a (softmax: its Jacobian applied per row). */
export function activationBackward(act: Activation, m: number, n: number, a: ArrayLike<number>, da: ArrayLike<number>, dz: Float64Array, alpha = 0): void {
  activationOp(act).reference.backward(m, n, a, da, dz, alpha);
}

/** Σ over the m×n batch of the per-sample loss. */
export function lossSum(loss: Loss, m: number, n: number, a: ArrayLike<number>, y: ArrayLike<number>): number {
  return lossOp(loss).reference.sum(m, n, a, y);
}

/** dA of the batch-mean loss. */
export function lossGrad(loss: Loss, m: number, n: number, a: ArrayLike<number>, y: ArrayLike<number>, da: Float64Array): void {
  lossOp(loss).reference.grad(m, n, a, y, da);
}

// Normalization of z (m samples × n units) before the activation: the float64 twins of
// assembly/normalization.ts, same arguments. Variances are biased (divided by the count).

/** Per row: invstd = 1/√(var + ε), xhat = (z − mean)·invstd, y = γ∘xhat + β. */
export function layerNormForward(
  m: number,
  n: number,
  z: ArrayLike<number>,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  xhat: Float64Array,
  y: Float64Array,
  invstd: Float64Array,
  epsilon: number,
): void {
  for (let i = 0; i < m; i++) {
    let mean = 0,
      q = 0;
    for (let j = 0; j < n; j++) mean += z[i * n + j];
    mean /= n;
    for (let j = 0; j < n; j++) q += (z[i * n + j] - mean) ** 2;
    const r = 1 / Math.sqrt(q / n + epsilon);
    invstd[i] = r;
    for (let j = 0; j < n; j++) {
      const x = (z[i * n + j] - mean) * r;
      xhat[i * n + j] = x;
      y[i * n + j] = gamma[j] * x + beta[j];
    }
  }
}

/** dgamma = Σ_rows dy∘xhat, dbeta = Σ_rows dy; per row, g = γ∘dy: dz = invstd·(g − mean(g) − xhat·mean(g∘xhat)). */
export function layerNormBackward(
  m: number,
  n: number,
  xhat: ArrayLike<number>,
  invstd: ArrayLike<number>,
  gamma: ArrayLike<number>,
  dy: ArrayLike<number>,
  dz: Float64Array,
  dgamma: Float64Array,
  dbeta: Float64Array,
): void {
  dgamma.fill(0, 0, n);
  dbeta.fill(0, 0, n);
  for (let i = 0; i < m; i++) {
    let s1 = 0,
      s2 = 0;
    for (let j = 0; j < n; j++) {
      const d = dy[i * n + j],
        x = xhat[i * n + j],
        g = d * gamma[j];
      s1 += g;
      s2 += g * x;
      dgamma[j] += d * x;
      dbeta[j] += d;
    }
    for (let j = 0; j < n; j++) dz[i * n + j] = invstd[i] * (dy[i * n + j] * gamma[j] - s1 / n - xhat[i * n + j] * (s2 / n));
  }
}

/** Per unit: training computes mean and variance over the rows (and writes them), else reads them; xhat, y as layer norm. */
export function batchNormForward(
  m: number,
  n: number,
  z: ArrayLike<number>,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  mean: Float64Array,
  variance: Float64Array,
  xhat: Float64Array,
  y: Float64Array,
  epsilon: number,
  training: boolean,
): void {
  if (training) {
    mean.fill(0, 0, n);
    variance.fill(0, 0, n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) mean[j] += z[i * n + j];
    for (let j = 0; j < n; j++) mean[j] /= m;
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) variance[j] += (z[i * n + j] - mean[j]) ** 2;
    for (let j = 0; j < n; j++) variance[j] /= m;
  }
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      const x = (z[i * n + j] - mean[j]) / Math.sqrt(variance[j] + epsilon);
      xhat[i * n + j] = x;
      y[i * n + j] = gamma[j] * x + beta[j];
    }
}

/** dbeta = Σ_rows dy, dgamma = Σ_rows dy∘xhat; r = 1/√(variance + ε): training dz = γ·r·(dy − (dbeta + xhat·dgamma)/m), else γ·r·dy. */
export function batchNormBackward(
  m: number,
  n: number,
  xhat: ArrayLike<number>,
  variance: ArrayLike<number>,
  gamma: ArrayLike<number>,
  dy: ArrayLike<number>,
  dz: Float64Array,
  dgamma: Float64Array,
  dbeta: Float64Array,
  epsilon: number,
  training: boolean,
): void {
  dgamma.fill(0, 0, n);
  dbeta.fill(0, 0, n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      dgamma[j] += dy[i * n + j] * xhat[i * n + j];
      dbeta[j] += dy[i * n + j];
    }
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++) {
      const s = gamma[j] / Math.sqrt(variance[j] + epsilon);
      const d = dy[i * n + j];
      dz[i * n + j] = s * (training ? d - (dbeta[j] + xhat[i * n + j] * dgamma[j]) / m : d);
    }
}
