// The worked examples of the backprop notes (../shared/notes), with their numbers.
import { beforeAll, expect, test } from "vitest";
import { Network, init } from "../src/index.js";
import { runtime } from "../src/runtime.js";
import { ReferenceNetwork } from "../src/reference/index.js";
import { matmul } from "../src/reference/math.js";
import { EPS32, Random, expectClose, maxAbs, randomArray, region } from "./helpers.js";

beforeAll(async () => {
  await init();
});

const round2 = (xs: ArrayLike<number>): number[] => Array.from(xs, (v) => Math.round(v * 100) / 100);

test("003: a sigmoid neuron, w = [2, −3], b = −3, x = [−1, −2]", () => {
  const net = new Network({ inputSize: 2, layers: [{ units: 1, activation: "sigmoid" }], loss: "binary-crossentropy", seed: 1 });
  net.setWeights([[2, -3], [-3]]);
  const out = net.forward([[-1, -2]]);
  expect(out[0]).toBeCloseTo(0.73, 2);
  const { dInput, grads } = net.backward([[1]]);
  expect(round2(dInput)).toEqual([0.39, -0.59]);
  expect(round2(grads[0].dW)).toEqual([-0.2, -0.39]);
  expect(round2(grads[0].db)).toEqual([0.2]);
});

test("000: logistic regression, dz = a − y, dw = (1/m)·Σ dz·x, db = mean(dz)", () => {
  const x = [
    [1, 2],
    [-1, 0.5],
    [0.5, -1.5],
    [2, 1],
  ];
  const y = [1, 0, 0, 1];
  const w = [0.3, -0.2],
    b = 0.1;
  const net = new Network({ inputSize: 2, layers: [{ units: 1, activation: "sigmoid" }], loss: "binary-crossentropy", seed: 1 });
  net.setWeights([w, [b]]);
  // By hand: a = σ(w·x + b), dz = a − y, dw_j = Σ dz·x_j / m, db = Σ dz / m.
  const a = x.map((xi) => 1 / (1 + Math.exp(-(w[0] * xi[0] + w[1] * xi[1] + b))));
  const dz = a.map((ai, i) => ai - y[i]);
  const dw = [0, 1].map((j) => dz.reduce((s, d, i) => s + d * x[i][j], 0) / 4);
  const db = dz.reduce((s, d) => s + d, 0) / 4;
  const loss = -y.reduce((s, yi, i) => s + yi * Math.log(a[i]) + (1 - yi) * Math.log(1 - a[i]), 0) / 4;
  const g = net.gradients(x, y);
  expect(g.loss).toBeCloseTo(loss, 6);
  expectClose(g.grads[0].dW, dw, 1e-7, "dw");
  expectClose(g.grads[0].db, [db], 1e-7, "db");
});

test("000/004: a two-layer sigmoid network with BCE, element by element", () => {
  const rng = new Random(13);
  const opts = {
    inputSize: 4,
    layers: [
      { units: 3, activation: "sigmoid" as const },
      { units: 2, activation: "sigmoid" as const },
    ],
    loss: "binary-crossentropy" as const,
    seed: 3,
  };
  const net = new Network(opts);
  const ref = new ReferenceNetwork(opts);
  const m = 6;
  const x = randomArray(rng, m * 4, 2);
  const y = Float32Array.from({ length: m * 2 }, () => rng.uint32() % 2);
  const [W1, b1, W2, b2] = net.getWeights();
  // Written out: Z1 = W1·X + b1, A1 = σ(Z1), A2 = σ(W2·A1 + b2), dZ2 = A2 − Y,
  // dW2 = (1/m)·dZ2·A1ᵀ, db2 = mean dZ2, dZ1 = W2ᵀ·dZ2 ∘ A1 ∘ (1 − A1), dW1 = (1/m)·dZ1·Xᵀ.
  const sig = (v: number): number => 1 / (1 + Math.exp(-v));
  const dW1 = new Float64Array(12),
    db1 = new Float64Array(3),
    dW2 = new Float64Array(6),
    db2 = new Float64Array(2);
  for (let s = 0; s < m; s++) {
    const xs = x.subarray(s * 4, s * 4 + 4);
    const a1 = [0, 1, 2].map((i) => sig(b1[i] + [0, 1, 2, 3].reduce((t, j) => t + W1[i * 4 + j] * xs[j], 0)));
    const a2 = [0, 1].map((i) => sig(b2[i] + [0, 1, 2].reduce((t, j) => t + W2[i * 3 + j] * a1[j], 0)));
    const dz2 = a2.map((v, i) => v - y[s * 2 + i]);
    const dz1 = a1.map((v, j) => (dz2[0] * W2[j] + dz2[1] * W2[3 + j]) * v * (1 - v));
    dz2.forEach((d, i) => {
      db2[i] += d / m;
      a1.forEach((v, j) => {
        dW2[i * 3 + j] += (d * v) / m;
      });
    });
    dz1.forEach((d, i) => {
      db1[i] += d / m;
      xs.forEach((v, j) => {
        dW1[i * 4 + j] += (d * v) / m;
      });
    });
  }
  const g = net.gradients(x, y).grads;
  const r = ref.gradients(x, y).grads;
  for (const [got, want, name] of [
    [g[0].dW, dW1, "dW1"],
    [g[0].db, db1, "db1"],
    [g[1].dW, dW2, "dW2"],
    [g[1].db, db2, "db2"],
  ] as const) {
    expectClose(got, want, 1e-6, `wasm ${name}`);
  }
  expectClose(r[1].dW, dW2, 1e-12, "reference dW2");
  expectClose(r[0].dW, dW1, 1e-12, "reference dW1");
});

test("003: the matrix-product gradient, D = W·X: dW = dD·Xᵀ and dX = Wᵀ·dD", () => {
  const rt = runtime();
  const rng = new Random(14);
  const [n, k, m] = [5, 10, 3]; // W is 5×10, X is 10×3, D is 5×3
  const W = randomArray(rng, n * k),
    X = randomArray(rng, k * m),
    dD = randomArray(rng, n * m);
  const [rW, rX, rdD, rdW, rdX] = [region(rt, W), region(rt, X), region(rt, dD), region(rt, n * k), region(rt, k * m)];
  rt.kernels.matmul_nt(n, k, m, rdD.ptr, rX.ptr, rdW.ptr, rt.workspace, 0); // dD·Xᵀ
  rt.kernels.matmul_tn(k, m, n, rW.ptr, rdD.ptr, rdX.ptr, rt.workspace, 0); // Wᵀ·dD
  // The same by the definition: D = W·X is linear in each entry, so dW[i][p] = Σ_j dD[i][j]·X[p][j].
  const dW = new Float64Array(n * k),
    dX = new Float64Array(k * m);
  for (let i = 0; i < n; i++)
    for (let p = 0; p < k; p++)
      for (let j = 0; j < m; j++) {
        dW[i * k + p] += dD[i * m + j] * X[p * m + j];
        dX[p * m + j] += W[i * k + p] * dD[i * m + j];
      }
  expectClose(rdW.view, dW, (m + 2) * EPS32 * maxAbs(dD) * maxAbs(X), "dW");
  expectClose(rdX.view, dX, (n + 2) * EPS32 * maxAbs(W) * maxAbs(dD), "dX");
  const viaRef = new Float64Array(n * k);
  matmul(false, true, n, k, m, dD, X, viaRef);
  expectClose(viaRef, dW, 1e-12, "reference dW");
  [rW, rX, rdD, rdW, rdX].forEach((r) => r.dispose());
});

test("004: weights start random, never zero, and break the symmetry between units", () => {
  const net = new Network({
    inputSize: 8,
    layers: [
      { units: 6, activation: "sigmoid" },
      { units: 2, activation: "softmax" },
    ],
    seed: 5,
  });
  const [W1] = net.getWeights();
  expect(W1.every((v) => v !== 0)).toBe(true);
  const rows = Array.from({ length: 6 }, (_, i) => Array.from(W1.subarray(i * 8, i * 8 + 8)).join());
  expect(new Set(rows).size).toBe(6);
  // Xavier-by-fan-in: uniform with variance 1/8, so |w| ≤ √(3/8).
  expect(maxAbs(W1)).toBeLessThanOrEqual(Math.sqrt(3 / 8));
});
