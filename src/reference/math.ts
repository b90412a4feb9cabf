// The float64 oracle: every op of the wasm kernels written plainly, for tests to compare
// against and for benchmarks to measure pure JS by. Same conventions: row-major, samples
// as rows, losses as per-sample sums (mean over units for mse), probabilities clamped to
// [EPS, 1 − EPS] before a log.

/** Clamp for probabilities before a log (Keras's epsilon). */
export const EPS = 1e-7;

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

export function sigmoid(z: number): number {
  // Two forms so that e^|z| never overflows.
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

type Act = "sigmoid" | "tanh" | "relu" | "leaky-relu" | "linear" | "softmax";

/** a = g(z) over m×n, in place allowed. */
export function activationForward(act: Act, m: number, n: number, z: ArrayLike<number>, a: Float64Array, alpha = 0): void {
  const len = m * n;
  switch (act) {
    case "sigmoid": for (let i = 0; i < len; i++) a[i] = sigmoid(z[i]); break;
    case "tanh": for (let i = 0; i < len; i++) a[i] = Math.tanh(z[i]); break;
    case "relu": for (let i = 0; i < len; i++) a[i] = z[i] > 0 ? z[i] : 0; break;
    case "leaky-relu": for (let i = 0; i < len; i++) a[i] = z[i] > 0 ? z[i] : alpha * z[i]; break;
    case "linear": for (let i = 0; i < len; i++) a[i] = z[i]; break;
    case "softmax":
      for (let r = 0; r < m; r++) {
        let max = -Infinity;
        for (let j = 0; j < n; j++) max = Math.max(max, z[r * n + j]);
        let sum = 0;
        for (let j = 0; j < n; j++) sum += a[r * n + j] = Math.exp(z[r * n + j] - max);
        for (let j = 0; j < n; j++) a[r * n + j] /= sum;
      }
      break;
  }
}

/** dz = da ∘ g′ written through the output a (softmax: its Jacobian applied per row). */
export function activationBackward(act: Act, m: number, n: number, a: ArrayLike<number>, da: ArrayLike<number>, dz: Float64Array, alpha = 0): void {
  const len = m * n;
  switch (act) {
    case "sigmoid": for (let i = 0; i < len; i++) dz[i] = da[i] * a[i] * (1 - a[i]); break;
    case "tanh": for (let i = 0; i < len; i++) dz[i] = da[i] * (1 - a[i] * a[i]); break;
    case "relu": for (let i = 0; i < len; i++) dz[i] = a[i] > 0 ? da[i] : 0; break;
    case "leaky-relu": for (let i = 0; i < len; i++) dz[i] = a[i] > 0 ? da[i] : alpha * da[i]; break;
    case "linear": for (let i = 0; i < len; i++) dz[i] = da[i]; break;
    case "softmax":
      for (let r = 0; r < m; r++) {
        let dot = 0;
        for (let j = 0; j < n; j++) dot += da[r * n + j] * a[r * n + j];
        for (let j = 0; j < n; j++) dz[r * n + j] = a[r * n + j] * (da[r * n + j] - dot);
      }
      break;
  }
}

type LossName = "binary-crossentropy" | "categorical-crossentropy" | "mse";

const clamp = (p: number): number => Math.min(Math.max(p, EPS), 1 - EPS);

/** Σ over the m×n batch of the per-sample loss. */
export function lossSum(loss: LossName, m: number, n: number, a: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  const len = m * n;
  if (loss === "binary-crossentropy") {
    for (let i = 0; i < len; i++) { const p = clamp(a[i]); s -= y[i] * Math.log(p) + (1 - y[i]) * Math.log(1 - p); }
  } else if (loss === "categorical-crossentropy") {
    for (let i = 0; i < len; i++) if (y[i] !== 0) s -= y[i] * Math.log(clamp(a[i]));
  } else {
    for (let i = 0; i < len; i++) s += (a[i] - y[i]) ** 2;
    s /= n;
  }
  return s;
}

/** dA of the batch-mean loss. */
export function lossGrad(loss: LossName, m: number, n: number, a: ArrayLike<number>, y: ArrayLike<number>, da: Float64Array): void {
  const len = m * n;
  for (let i = 0; i < len; i++) {
    const p = clamp(a[i]);
    if (loss === "binary-crossentropy") da[i] = (p - y[i]) / (p * (1 - p)) / m;
    else if (loss === "categorical-crossentropy") da[i] = -y[i] / p / m;
    else da[i] = (2 * (a[i] - y[i])) / (m * n);
  }
}

/** dZ = (A − Y)/m: sigmoid + binary cross-entropy and softmax + categorical cross-entropy. */
export function outputDelta(m: number, n: number, a: ArrayLike<number>, y: ArrayLike<number>, dz: Float64Array): void {
  for (let i = 0; i < m * n; i++) dz[i] = (a[i] - y[i]) / m;
}
