// The bound between wasmlp's int8 scheme and onnxruntime's (docs/quantization.md, "Against
// onnxruntime"): both multiply the same int8 weights, but quantize each layer's input differently
// (wasmlp: symmetric to ±R per sample; DynamicQuantizeLinear: uint8, asymmetric, one scale for the
// tensor, here one sample). In float64.
import type { QuantizedLayer } from "../../src/quantize.js";
import { activationRange } from "../../src/quantize.js";

const EPS = 2 ** -24;

/** Lipschitz constant (∞-norm to ∞-norm) and an allowance for the two libraries' own exp/tanh. */
export const ACTIVATION_TERMS: ReadonlyMap<string, { lipschitz: number; slack: number }> = new Map([
  ["linear", { lipschitz: 1, slack: 0 }],
  ["relu", { lipschitz: 1, slack: 0 }],
  ["tanh", { lipschitz: 1, slack: 2e-6 }],
  ["sigmoid", { lipschitz: 0.25, slack: 2e-6 }],
  // softmax's Jacobian diag(p) − ppᵀ has row sums 2pᵢ(1 − pᵢ) ≤ 1/2.
  ["softmax", { lipschitz: 0.5, slack: 2e-6 }],
]);

function spread(a: ArrayLike<number>): { M: number; S: number } {
  let M = 0,
    hi = 0,
    lo = 0;
  for (let p = 0; p < a.length; p++) {
    M = Math.max(M, Math.abs(a[p]));
    hi = Math.max(hi, a[p]);
    lo = Math.min(lo, a[p]);
  }
  return { M, S: hi - lo };
}

/**
 * One layer, one sample: the largest |wasmlp − onnxruntime| of each unit's output, given the
 * layer's inputs on each side (aw wasmlp's, ao onnxruntime's). With ŵⱼ = sⱼ·qⱼ,
 *   |Δzⱼ| ≤ Σₚ |ŵⱼₚ|·|awₚ − aoₚ| + ‖ŵⱼ‖₁·(M/(2R) + S/510) + float32 rounding
 * (M = max|aw|: wasmlp's step is M/R; S = max(0, max ao) − min(0, min ao): onnxruntime's is S/255),
 * then the activation's Lipschitz constant L: |Δaⱼ| ≤ L·|Δzⱼ| (softmax: ½·maxⱼ|Δzⱼ|) + slack.
 */
export function layerBound(l: Readonly<QuantizedLayer>, aw: ArrayLike<number>, ao: ArrayLike<number>, type: "int16" | "int8"): Float64Array {
  const k = l.inputs,
    n = l.units,
    R = activationRange(type, k);
  const w = spread(aw),
    o = spread(ao);
  const ew = w.M / (2 * R) + 4 * EPS * w.M; // ½ step, and x·fround(R/M) rounded once more
  const eo = o.S / 510 + 4 * EPS * o.S; // ½ step of (max − min)/255 (saturation included), and x/scale's rounding
  const terms = ACTIVATION_TERMS.get(l.activation);
  if (!terms) throw new Error(`no bound for ${l.activation}`);
  const dz = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let l1 = 0,
      gap = 0;
    for (let p = 0; p < k; p++) {
      const v = Math.abs(l.weights[j * k + p]) * l.scales[j];
      l1 += v;
      gap += v * Math.abs(aw[p] - ao[p]);
    }
    dz[j] = gap + l1 * (ew + eo) + 8 * EPS * (l1 * (w.M + o.M) + Math.abs(l.bias[j]));
  }
  if (l.activation === "softmax") return new Float64Array(n).fill(terms.lipschitz * Math.max(...dz) + terms.slack);
  return dz.map((v) => terms.lipschitz * v + terms.slack);
}

/**
 * The whole network, from wasmlp's side alone: layerBound with the inputs' gap d known only as a
 * bound (Σ|ŵ||Δa| ≤ ‖ŵ‖₁·d, M and S widened by d), composed layer by layer. Always true, but it
 * grows with the product of the layers' ‖Ŵ‖∞ and is loose for deep or wide networks.
 */
export function networkBound(layers: readonly Readonly<QuantizedLayer>[], activationsOf: (l: number) => ArrayLike<number>, type: "int16" | "int8"): number {
  let d = 0;
  layers.forEach((l, i) => {
    const a = activationsOf(i);
    const k = l.inputs,
      R = activationRange(type, k);
    const { M, S } = spread(a);
    const ew = M / (2 * R) + 4 * EPS * M,
      eo = (S + 2 * d) / 510 + 4 * EPS * (S + 2 * d);
    let dz = 0;
    for (let j = 0; j < l.units; j++) {
      let l1 = 0;
      for (let p = 0; p < k; p++) l1 += Math.abs(l.weights[j * k + p]);
      l1 *= l.scales[j];
      dz = Math.max(dz, l1 * (d + ew + eo) + 8 * EPS * (l1 * (2 * M + d) + Math.abs(l.bias[j])));
    }
    const terms = ACTIVATION_TERMS.get(l.activation)!;
    d = terms.lipschitz * dz + terms.slack;
  });
  return d;
}
