// Backprop checked against central finite differences of the float64 reference.
import type { Model } from "../model.js";
import type { Batch, Labels } from "../types.js";
import { checkKeys, checkNumber, checkObject, toMatrix } from "../validate.js";
import { ReferenceNetwork } from "./network.js";

/** gradCheck's finding for one tensor of one layer. */
export interface TensorCheck {
  layer: number;
  tensor: "W" | "b" | "gamma" | "beta";
  /** ‖analytic − numeric‖₂ / (‖analytic‖₂ + ‖numeric‖₂), 0 when both vanish. */
  relativeError: number;
  /** Largest |analytic − numeric| over the tensor's entries. */
  maxAbsError: number;
}

/** gradCheck's result: every tensor's errors, and the largest relative one. */
export interface GradCheckResult {
  tensors: TensorCheck[];
  /** The largest relativeError over all tensors. */
  maxRelativeError: number;
}

/**
 * Compares the network's backprop gradients of the mean loss on (x, y) with central finite
 * differences (L(θ + h) − L(θ − h)) / 2h computed in float64 by the reference implementation
 * from the same weights. Costs two forward passes per parameter: meant for small networks.
 */
export function gradCheck(net: Model<Float32Array | Float64Array>, x: Batch, y: Labels, options: { epsilon?: number } = {}): GradCheckResult {
  checkObject("gradCheck options", options);
  checkKeys("gradCheck options", options, ["epsilon"]);
  const h = checkNumber("epsilon", options.epsilon ?? 1e-5, 0, 1, true);
  const analytic = net.gradients(x, y).grads;
  const ref = ReferenceNetwork.fromJSON(net.toJSON());
  const xs = toMatrix("x", x, net.inputSize).data;
  const tensors: TensorCheck[] = [];
  // γ and β of the normalized layers follow every W and b (getWeights' order).
  let normalized = 0;
  analytic.forEach((g, layer) => {
    const checks: ["W" | "b" | "gamma" | "beta", ArrayLike<number>, number][] = [
      ["W", g.dW, 2 * layer],
      ["b", g.db, 2 * layer + 1],
    ];
    if (g.dGamma && g.dBeta) {
      const at = 2 * analytic.length + 2 * normalized++;
      checks.push(["gamma", g.dGamma, at], ["beta", g.dBeta, at + 1]);
    }
    checks.forEach(([tensor, a, index]) => {
      const p = ref.parameter(index);
      let diff2 = 0,
        a2 = 0,
        n2 = 0,
        maxAbs = 0;
      for (let j = 0; j < p.length; j++) {
        const orig = p[j];
        p[j] = orig + h;
        const up = ref.loss(xs, y);
        p[j] = orig - h;
        const down = ref.loss(xs, y);
        p[j] = orig;
        const numeric = (up - down) / (2 * h);
        const d = a[j] - numeric;
        diff2 += d * d;
        a2 += a[j] * a[j];
        n2 += numeric * numeric;
        maxAbs = Math.max(maxAbs, Math.abs(d));
      }
      const denom = Math.sqrt(a2) + Math.sqrt(n2);
      tensors.push({ layer, tensor, relativeError: denom === 0 ? 0 : Math.sqrt(diff2) / denom, maxAbsError: maxAbs });
    });
  });
  ref.dispose();
  return { tensors, maxRelativeError: Math.max(...tensors.map((t) => t.relativeError)) };
}
