// Loss values and gradients against the float64 reference; log(0) guarded; fused dZ = A − Y.
import { beforeAll, describe, expect, test } from "vitest";
import type { Loss } from "../../src/config.js";
import { LOSSES } from "../../src/config.js";
import { lossOps } from "../../src/losses.js";
import { lossGrad, lossSum, outputDelta } from "../../src/reference/math.js";
import type { Runtime } from "../../src/runtime.js";
import { Random, expectClose, region, setup } from "../helpers.js";

let rt: Runtime;
beforeAll(async () => {
  rt = await setup();
});

/** Predictions in (0, 1) and targets that suit the loss. */
function data(loss: Loss, m: number, n: number, rng: Random): { a: Float32Array; y: Float32Array } {
  const a = new Float32Array(m * n),
    y = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += a[i * n + j] = 0.05 + 0.9 * rng.float();
    if (loss === "categorical-crossentropy") {
      for (let j = 0; j < n; j++) a[i * n + j] /= sum;
      y[i * n + (rng.uint32() % n)] = 1;
    } else {
      for (let j = 0; j < n; j++) y[i * n + j] = loss === "mse" ? rng.symmetric(2) : rng.uint32() % 2;
    }
  }
  return { a, y };
}

describe.each([...LOSSES])("%s", (loss) => {
  test("value and gradient match the reference", () => {
    const rng = new Random(9);
    for (const [m, n] of [
      [1, 1],
      [1, 2],
      [3, 5],
      [7, 10],
      [64, 10],
      [5, 33],
    ]) {
      if (loss === "categorical-crossentropy" && n < 2) continue;
      const { a, y } = data(loss, m, n, rng);
      const [ra, ry, rd] = [region(rt, a), region(rt, y), region(rt, m * n)];
      const k = lossOps[loss].kernels;
      const expected = lossSum(loss, m, n, a, y);
      expect(Math.abs(k.sum(rt.kernels, m, n, ra.ptr, ry.ptr) - expected)).toBeLessThanOrEqual(1e-12 * m * n + 1e-12 * Math.abs(expected));
      k.grad(rt.kernels, m, n, ra.ptr, ry.ptr, rd.ptr);
      const g = new Float64Array(m * n);
      lossGrad(loss, m, n, a, y, g);
      const scale = Math.max(...g.map(Math.abs));
      expectClose(rd.view, g, 4e-7 * scale, `${loss} grad ${m}×${n}`);
      [ra, ry, rd].forEach((r) => r.dispose());
    }
  });
});

test("fused sigmoid+BCE and softmax+CCE output gradients are (A − Y)/m", () => {
  const rng = new Random(10);
  for (const loss of ["binary-crossentropy", "categorical-crossentropy"] as Loss[]) {
    const [m, n] = [6, 7];
    const { a, y } = data(loss, m, n, rng);
    const [ra, ry, rd] = [region(rt, a), region(rt, y), region(rt, m * n)];
    (lossOps[loss] as { fused?: { grad: typeof lossOps.mse.kernels.grad } }).fused!.grad(rt.kernels, m, n, ra.ptr, ry.ptr, rd.ptr);
    const expected = new Float64Array(m * n);
    outputDelta(m, n, a, y, expected);
    expectClose(rd.view, expected, 1e-7, `${loss} fused`);
    [ra, ry, rd].forEach((r) => r.dispose());
  }
});

test("a probability of exactly 0 or 1 gives a large finite loss and gradient, never ∞ or NaN", () => {
  const a = Float32Array.of(0, 1, 0, 1),
    y = Float32Array.of(1, 0, 0, 1);
  const [ra, ry, rd] = [region(rt, a), region(rt, y), region(rt, 4)];
  for (const loss of ["binary-crossentropy", "categorical-crossentropy"] as Loss[]) {
    const v = lossOps[loss].kernels.sum(rt.kernels, 2, 2, ra.ptr, ry.ptr);
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeGreaterThan(15); // −log(1e−7) ≈ 16.1 per wrong certain answer
    lossOps[loss].kernels.grad(rt.kernels, 2, 2, ra.ptr, ry.ptr, rd.ptr);
    for (const g of rd.view) expect(Number.isFinite(g)).toBe(true);
  }
  [ra, ry, rd].forEach((r) => r.dispose());
});

test("mae, huber and hinge at hand-worked points", () => {
  const cases: [Loss, number[], number[], number, number[]][] = [
    // loss, a, y, mean loss over the 2 units, dA (one sample, m = 1, so scale 1/2)
    ["mae", [0.5, -1], [0, 1], (0.5 + 2) / 2, [0.5, -0.5]],
    ["huber", [0.5, -1], [0, 2], (0.125 + (3 - 0.5)) / 2, [0.25, -0.5]],
    ["hinge", [0.5, -2], [1, 0], (0.5 + 0) / 2, [-0.5, 0]],
    ["hinge", [0.5, -2], [1, -1], 0.25, [-0.5, 0]],
  ];
  for (const [loss, a, y, value, grad] of cases) {
    const [ra, ry, rd] = [region(rt, a), region(rt, y), region(rt, 2)];
    expect(lossOps[loss].kernels.sum(rt.kernels, 1, 2, ra.ptr, ry.ptr), loss).toBeCloseTo(value, 6);
    lossOps[loss].kernels.grad(rt.kernels, 1, 2, ra.ptr, ry.ptr, rd.ptr);
    expect(Array.from(rd.view), loss).toEqual(grad);
    [ra, ry, rd].forEach((r) => r.dispose());
  }
});
