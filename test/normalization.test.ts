// Layer and batch normalization: the kernels against the float64 reference on odd shapes, the
// reference's backward against central finite differences, and the Network option end to end
// (gradCheck, wasm vs reference training, moving statistics, files, errors, no allocation).
import { beforeAll, describe, expect, test } from "vitest";
import { Network, memoryStats } from "../src/index.js";
import { ReferenceNetwork, gradCheck } from "../src/reference/index.js";
import { batchNormBackward, batchNormForward, layerNormBackward, layerNormForward } from "../src/reference/math.js";
import type { Runtime } from "../src/runtime.js";
import { Random, expectClose, maxAbs, randomArray, region, setup } from "./helpers.js";

let rt: Runtime;
beforeAll(async () => {
  rt = await setup();
});

const ROWS = [1, 2, 3, 5, 7, 17];
const UNITS = [1, 3, 4, 5, 7, 8, 33];
const EPSILON = 1e-3;

type Kind = "layer" | "batch-training" | "batch-inference";
const KINDS: Kind[] = ["layer", "batch-training", "batch-inference"];

/** The float64 forward and backward of one kind: y, and dz, dγ, dβ from dy. */
function reference(
  kind: Kind,
  m: number,
  n: number,
  z: ArrayLike<number>,
  gamma: ArrayLike<number>,
  beta: ArrayLike<number>,
  stats: { mean: Float64Array; variance: Float64Array },
  dy: ArrayLike<number>,
) {
  const xhat = new Float64Array(m * n),
    y = new Float64Array(m * n),
    invstd = new Float64Array(m);
  const dz = new Float64Array(m * n),
    dgamma = new Float64Array(n),
    dbeta = new Float64Array(n);
  if (kind === "layer") {
    layerNormForward(m, n, z, gamma, beta, xhat, y, invstd, EPSILON);
    layerNormBackward(m, n, xhat, invstd, gamma, dy, dz, dgamma, dbeta);
  } else {
    const training = kind === "batch-training";
    batchNormForward(m, n, z, gamma, beta, stats.mean, stats.variance, xhat, y, EPSILON, training);
    batchNormBackward(m, n, xhat, stats.variance, gamma, dy, dz, dgamma, dbeta, EPSILON, training);
  }
  return { y, dz, dgamma, dbeta };
}

/** The same through the wasm kernels, in place as the engine calls them (xhat over z, dz over dy). */
function kernels(
  kind: Kind,
  m: number,
  n: number,
  z: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  stats: { mean: Float32Array; variance: Float32Array },
  dy: Float32Array,
) {
  const [rz, ry, rg, rb, rmean, rvar, rinv, rdy, rdg, rdb] = [z, m * n, gamma, beta, stats.mean, stats.variance, m, dy, n, n].map((v) => region(rt, v));
  const k = rt.kernels;
  if (kind === "layer") {
    k.layer_norm_forward(m, n, rz.ptr, rg.ptr, rb.ptr, rz.ptr, ry.ptr, rinv.ptr, EPSILON);
    k.layer_norm_backward(m, n, rz.ptr, rinv.ptr, rg.ptr, rdy.ptr, rdy.ptr, rdg.ptr, rdb.ptr);
  } else {
    const training = kind === "batch-training" ? 1 : 0;
    k.batch_norm_forward(m, n, rz.ptr, rg.ptr, rb.ptr, rmean.ptr, rvar.ptr, rz.ptr, ry.ptr, EPSILON, training);
    k.batch_norm_backward(m, n, rz.ptr, rvar.ptr, rg.ptr, rdy.ptr, rdy.ptr, rdg.ptr, rdb.ptr, EPSILON, training);
  }
  const out = { y: ry.copy(), dz: rdy.copy(), dgamma: rdg.copy(), dbeta: rdb.copy(), mean: rmean.copy(), variance: rvar.copy() };
  [rz, ry, rg, rb, rmean, rvar, rinv, rdy, rdg, rdb].forEach((r) => r.dispose());
  return out;
}

function problem(rng: Random, m: number, n: number) {
  const z = randomArray(rng, m * n, 3);
  for (let j = 0; j < z.length; j++) z[j] += 2; // an offset, so the mean matters
  const gamma = Float32Array.from(randomArray(rng, n, 0.5), (v) => 1 + v);
  const beta = randomArray(rng, n, 0.5),
    dy = randomArray(rng, m * n);
  const mean = randomArray(rng, n),
    variance = Float32Array.from(randomArray(rng, n), (v) => 1 + v); // moving statistics
  return { z, gamma, beta, dy, mean, variance };
}

describe.each(KINDS)("%s normalization kernels", (kind) => {
  test("match the float64 reference on odd shapes, batches of 1 included", () => {
    const rng = new Random(60);
    for (const m of ROWS)
      for (const n of UNITS) {
        if (kind === "layer" && n === 1) continue; // covered below: one unit normalizes to 0
        const p = problem(rng, m, n);
        const stats64 = { mean: Float64Array.from(p.mean), variance: Float64Array.from(p.variance) };
        const want = reference(kind, m, n, p.z, p.gamma, p.beta, stats64, p.dy);
        const got = kernels(kind, m, n, p.z, p.gamma, p.beta, { mean: p.mean, variance: p.variance }, p.dy);
        const tag = `${kind} ${m}×${n}`;
        // x̂ is (z − mean)·r with a length-(n or m) reduction behind each; |x̂| ≤ √count.
        const count = kind === "layer" ? n : m;
        const tol = 8 * count * 2 ** -24 * (1 + maxAbs(want.y));
        expectClose(got.y, want.y, tol, `${tag} y`);
        if (kind === "batch-training") {
          expectClose(got.mean, stats64.mean, 8 * m * 2 ** -24 * 5, `${tag} mean`);
          expectClose(got.variance, stats64.variance, 8 * m * 2 ** -24 * 25, `${tag} variance`);
        }
        expectClose(got.dgamma, want.dgamma, 8 * m * 2 ** -24 * (1 + maxAbs(want.dgamma)) * 4, `${tag} dγ`);
        expectClose(got.dbeta, want.dbeta, 8 * m * 2 ** -24 * (1 + maxAbs(want.dbeta)), `${tag} dβ`);
        expectClose(got.dz, want.dz, 16 * Math.max(m, n) * 2 ** -24 * (1 + maxAbs(want.dz)) * 10, `${tag} dz`);
      }
  });

  test("the reference backward matches central finite differences of Σ c∘y", () => {
    const rng = new Random(61);
    for (const [m, n] of [
      [3, 5],
      [7, 3],
      [2, 7],
      [5, 1],
    ] as const) {
      if (kind === "layer" && n === 1) continue;
      const p = problem(rng, m, n);
      const z = Float64Array.from(p.z),
        gamma = Float64Array.from(p.gamma),
        beta = Float64Array.from(p.beta),
        c = Float64Array.from(p.dy);
      const moving = () => ({ mean: Float64Array.from(p.mean), variance: Float64Array.from(p.variance) });
      const loss = () => reference(kind, m, n, z, gamma, beta, moving(), c).y.reduce((s, v, i) => s + v * c[i], 0);
      const analytic = reference(kind, m, n, z, gamma, beta, moving(), c);
      const h = 1e-6;
      for (const [name, x, g] of [
        ["z", z, analytic.dz],
        ["γ", gamma, analytic.dgamma],
        ["β", beta, analytic.dbeta],
      ] as const) {
        for (let j = 0; j < x.length; j++) {
          const orig = x[j];
          x[j] = orig + h;
          const up = loss();
          x[j] = orig - h;
          const down = loss();
          x[j] = orig;
          expect(Math.abs((up - down) / (2 * h) - g[j]), `${kind} ${m}×${n} d${name}[${j}]`).toBeLessThan(1e-6 * (1 + Math.abs(g[j])));
        }
      }
    }
  });
});

test("batch normalization of a batch of 1 (variance 0, only ε) and layer normalization of 1 unit give y = β and dz = 0", () => {
  for (const kind of ["layer", "batch-training"] as const) {
    const [m, n] = kind === "layer" ? [4, 1] : [1, 5];
    const p = problem(new Random(62), m, n);
    const got = kernels(kind, m, n, p.z, p.gamma, p.beta, { mean: p.mean, variance: p.variance }, p.dy);
    const beta = Array.from({ length: m * n }, (_, i) => p.beta[i % n]);
    expectClose(got.y, beta, 0, `${kind} y`);
    expectClose(got.dz, new Float32Array(m * n), 0, `${kind} dz`);
  }
});

test("layer normalization of rows near float32's limit (plain sums overflow) matches the float64 reference, not 0", () => {
  // Found by the reader fuzz (a flipped shard byte gave a weight of 1.6e38): the sum of squares overflowed,
  // 1/√∞ = 0 normalized the row to 0 and the layer silently output β. Such rows are redone scaled.
  const rows = [
    [1.6e38, 0.25, -0.5, 0.1, 2, -3, 0.7], // one huge value (the fuzz case), SIMD body and tail
    [3.4e38, -3.4e38, 3.4e38, -3.4e38, 3.3e38], // differences above float32's limit, and a sum that overflows
    [2e19, -1e19, 5, 4e19, 0, 1, -2], // squares overflow, values do not
    [0.5, -1, 2, 0.25, 3, -0.75, 1.5], // an ordinary row in the same call keeps the plain path
  ];
  const m = rows.length,
    n = 7;
  const z = new Float32Array(m * n);
  rows.forEach((r, i) =>
    z.set(
      Array.from({ length: n }, (_, j) => r[j % r.length]),
      i * n,
    ),
  );
  const p = problem(new Random(68), m, n);
  const stats = { mean: p.mean, variance: p.variance };
  const got = kernels("layer", m, n, z, p.gamma, p.beta, stats, p.dy);
  const want = reference("layer", m, n, z, p.gamma, p.beta, { mean: Float64Array.from(p.mean), variance: Float64Array.from(p.variance) }, p.dy);
  expectClose(got.y, want.y, 8 * n * 2 ** -24 * (1 + maxAbs(want.y)), "y");
  expect(got.dz.every(Number.isFinite)).toBe(true);
  expectClose(got.dgamma, want.dgamma, 8 * m * 2 ** -24 * (1 + maxAbs(want.dgamma)) * 4, "dγ");
  // The ordinary row's bits equal those of the same row normalized alone.
  const alone = kernels("layer", 1, n, z.slice(3 * n), p.gamma, p.beta, stats, p.dy.slice(3 * n));
  expect(got.y.slice(3 * n)).toEqual(alone.y);
  // A row holding ∞ still gives NaN (the network's finite-output probe refuses it), not a made-up number.
  const inf = kernels(
    "layer",
    1,
    n,
    Float32Array.from({ length: n }, (_, j) => (j === 2 ? Infinity : j)),
    p.gamma,
    p.beta,
    stats,
    p.dy.slice(0, n),
  );
  expect(inf.y.some(Number.isNaN)).toBe(true);
});

test("a network whose layer-normalized layer has a weight of 1.6e38 predicts what wasmlp/reference predicts", () => {
  const layers = [{ units: 4, activation: "tanh" as const }, { units: 7, activation: "gelu" as const, normalization: "layer" as const }, { units: 1 }];
  const a = new Network({ inputSize: 5, layers, seed: 3 });
  const w = a.getWeights();
  w[2][5] = 1.6e38;
  a.setWeights(w);
  const ref = ReferenceNetwork.fromJSON(a.toJSON());
  const x = Float32Array.from({ length: 10 }, (_, i) => ((i * 7919) % 13) / 6.5 - 1);
  const want = ref.predict(x);
  expectClose(a.predict(x), want, 1e-5 * (1 + maxAbs(want)), "predict");
  expect(Math.abs(want[0] - a.getWeights()[5][0])).toBeGreaterThan(1e-3); // not the bias alone: the layer did not collapse to β
  [a, ref].forEach((n) => n.dispose());
});

test("a batch whose variance overflows float32 (a weight of 1e38 before batch normalization) is refused by name, nothing changed", () => {
  // Found by the checkpoint fuzz: the step folded an infinite batch variance into the moving one.
  for (const N of [Network, ReferenceNetwork]) {
    const net = new N({
      inputSize: 4,
      layers: [
        { units: 5, activation: "tanh", normalization: "batch" },
        { units: 3, activation: "softmax" },
      ],
      seed: 5,
    });
    const w = net.getWeights();
    w[0][7] = 1.0561920795993421e38;
    net.setWeights(w);
    const before = net.getWeights();
    const x = Float32Array.from({ length: 8 * 4 }, (_, i) => ((i * 37) % 11) / 5.5 - 1),
      y = Int32Array.from({ length: 8 }, (_, i) => i % 3);
    expect(() => net.trainBatch(x, y)).toThrow(
      "trainBatch: a batch-normalized layer's batch variance overflowed float32 (its inputs are too large: a weight near float32's limit?), so no update was applied (the weights are those from before this batch)",
    );
    expect(net.getWeights()).toEqual(before);
    net.dispose();
  }
});

// ---- the Network option ------------------------------------------------------------------

const NORMS = ["layer", "batch"] as const;

function net(norm: "layer" | "batch", hidden: "relu" | "tanh" | "swish" | "gelu" = "tanh", seed = 1, Kind: typeof Network | typeof ReferenceNetwork = Network) {
  return new Kind({
    inputSize: 5,
    layers: [
      { units: 7, activation: hidden, normalization: norm },
      { units: 3, activation: "gelu", normalization: norm },
      { units: 3, activation: "softmax" },
    ],
    optimizer: { type: "adam", learningRate: 0.01 },
    seed,
  });
}

function data(rng: Random, m: number) {
  return { x: randomArray(rng, m * 5, 2), y: Array.from({ length: m }, () => rng.uint32() % 3) };
}

describe.each(NORMS)("normalization %s", (norm) => {
  test("gradCheck: relative error below 1e-4 for W, b, γ and β (after some training, so γ, β and the moving statistics are not their initial values)", () => {
    const rng = new Random(63);
    for (const hidden of ["tanh", "swish", "gelu"] as const) {
      const n = net(norm, hidden);
      for (let s = 0; s < 5; s++) {
        const d = data(rng, 9);
        n.trainBatch(d.x, d.y);
      }
      const d = data(rng, 6);
      const result = gradCheck(n, d.x, d.y);
      expect(result.tensors.map((t) => t.tensor)).toEqual(["W", "b", "gamma", "beta", "W", "b", "gamma", "beta", "W", "b"]);
      expect(result.maxRelativeError, JSON.stringify(result.tensors)).toBeLessThan(1e-4);
      n.dispose();
    }
  });

  test("training steps (batch statistics) match the float64 reference, moving statistics included; batches of 1 and odd sizes", () => {
    const rng = new Random(64);
    const wasm = net(norm, "swish", 3),
      ref = net(norm, "swish", 3, ReferenceNetwork);
    for (const m of [8, 1, 5, 3, 13]) {
      const d = data(rng, m);
      expect(wasm.trainBatch(d.x, d.y)).toBeCloseTo(ref.trainBatch(d.x, d.y), 4);
    }
    const a = wasm.getWeights(),
      b = ref.getWeights();
    expect(a).toHaveLength(norm === "batch" ? 14 : 10);
    a.forEach((w, i) => expectClose(w, b[i], 2e-4 * (1 + maxAbs(b[i])), `tensor ${i}`));
    const d = data(rng, 6);
    expectClose(wasm.predict(d.x), ref.predict(d.x), 1e-4, "predict");
    wasm.dispose();
  });

  test("a seed gives the same bits, and a model file restores every tensor and prediction", () => {
    const rng = new Random(65);
    const [a, b] = [net(norm, "gelu", 4), net(norm, "gelu", 4)];
    const x = randomArray(rng, 40 * 5, 2),
      y = Array.from({ length: 40 }, () => rng.uint32() % 3);
    a.fit(x, y, { epochs: 2, batchSize: 7 });
    b.fit(x, y, { epochs: 2, batchSize: 7 });
    expect(a.getWeights()).toEqual(b.getWeights());
    const copy = Network.fromJSON(JSON.parse(JSON.stringify(a)));
    expect(copy.getWeights()).toEqual(a.getWeights());
    expect(copy.layers.map(String)).toEqual(a.layers.map(String));
    expect(copy.predict(x)).toEqual(a.predict(x));
    [a, b, copy].forEach((n) => n.dispose());
  });

  test("a checkpoint resumes bit-identically", () => {
    const rng = new Random(66);
    const x = randomArray(rng, 30 * 5, 2),
      y = Array.from({ length: 30 }, () => rng.uint32() % 3);
    const straight = net(norm, "relu", 5);
    straight.fit(x, y, { epochs: 4, batchSize: 8 });
    const first = net(norm, "relu", 5);
    first.fit(x, y, { epochs: 2, batchSize: 8 });
    const resumed = Network.fromJSON(JSON.stringify(first.toJSON({ includeOptimizerState: true })));
    resumed.fit(x, y, { epochs: 4, initialEpoch: 2, batchSize: 8 });
    expect(resumed.getWeights()).toEqual(straight.getWeights());
    [straight, first, resumed].forEach((n) => n.dispose());
  });

  test("a warm training step allocates nothing", () => {
    const rng = new Random(67);
    const n = net(norm, "gelu");
    const d = data(rng, 16);
    n.trainBatch(d.x, d.y);
    n.predict(d.x);
    const before = memoryStats().bytesInUse;
    for (let s = 0; s < 3; s++) {
      n.trainBatch(d.x, d.y);
      n.predict(d.x);
    }
    expect(memoryStats().bytesInUse).toBe(before);
    n.dispose();
  });
});

test("batch normalization: training uses the batch's statistics, inference (forward, predict, evaluate) the moving ones", () => {
  const rng = new Random(68);
  const n = new Network({
    inputSize: 3,
    layers: [{ units: 4, normalization: { type: "batch", momentum: 0.5 } }],
    seed: 7,
    optimizer: { type: "sgd", learningRate: 1e-30 },
  });
  const x = randomArray(rng, 6 * 3, 2);
  const [W, b] = n.getWeights();
  const z = Array.from({ length: 24 }, (_, k) => {
    const i = Math.floor(k / 4),
      j = k % 4;
    return b[j] + [0, 1, 2].reduce((s, p) => s + x[i * 3 + p] * W[j * 3 + p], 0);
  });
  // Before any step: mean 0, variance 1, so inference is z/√(1 + ε).
  expectClose(
    n.predict(x),
    z.map((v) => v / Math.sqrt(1 + 1e-3)),
    1e-5,
    "initial predict",
  );
  expectClose(n.forward(x), n.predict(x), 0, "forward = predict");
  n.trainBatch(x, new Float32Array(24)); // learning rate 1e-30: the weights keep their bits, the moving statistics change
  expect(n.getWeights()[0]).toEqual(W);
  const w = n.getWeights();
  expect(w).toHaveLength(6);
  for (let j = 0; j < 4; j++) {
    const col = [0, 1, 2, 3, 4, 5].map((i) => z[i * 4 + j]);
    const mean = col.reduce((s, v) => s + v, 0) / 6,
      variance = col.reduce((s, v) => s + (v - mean) ** 2, 0) / 6;
    expect(w[4][j]).toBeCloseTo(0.5 * mean, 5); // moving mean: 0·0.5 + mean·0.5
    expect(w[5][j]).toBeCloseTo(0.5 + 0.5 * variance, 5);
  }
  // A refused step (γ so large that the gradients overflow): the moving statistics stay as they were.
  n.setWeights([w[0], w[1], new Float32Array(4).fill(1e38), w[3], w[4], w[5]]);
  expect(() => n.trainBatch(x, new Float32Array(24))).toThrow(/no update was applied/);
  expect(n.getWeights().slice(4)).toEqual(w.slice(4));
  n.dispose();
});

describe("options and errors", () => {
  test("names, defaults and toString", () => {
    const n = new Network({
      inputSize: 2,
      layers: [
        { units: 3, activation: "silu", normalization: "batch" },
        { units: 1, normalization: "layer" },
      ],
      seed: 1,
    });
    expect(n.layers[0].activation).toBe("swish");
    expect(n.layers[0].normalization).toEqual({ type: "batch", momentum: 0.99, epsilon: 1e-3 });
    expect(n.layers[1].normalization).toEqual({ type: "layer", epsilon: 1e-3 });
    expect(String(n.layers[0])).toBe("Dense(3, batch norm, swish)");
    expect(n.toString()).toMatch(/^Network\(2 → 3 batch-norm swish → 1 layer-norm linear; /);
    expect(n.parameterCount).toBe(2 * 3 + 3 + 3 + 1 + 3 + 3 + 1 + 1);
    const g = n.gradients([[1, 2]], [0.5]).grads;
    expect(g[0].dGamma).toHaveLength(3);
    expect(g[1].dBeta).toHaveLength(1);
    n.dispose();
  });

  test.each([
    ["an unknown type", { units: 2, normalization: "group" }, RangeError, /layers\[0\]\.normalization\.type must be one of "batch", "layer", received "group"/],
    [
      "momentum 1",
      { units: 2, normalization: { type: "batch", momentum: 1 } },
      RangeError,
      /normalization\.momentum must be a finite number in \[0, 1\), received 1/,
    ],
    [
      "epsilon 0",
      { units: 2, normalization: { type: "layer", epsilon: 0 } },
      RangeError,
      /normalization\.epsilon must be a finite number in \(0, 1\], received 0/,
    ],
    ["momentum on layer normalization", { units: 2, normalization: { type: "layer", momentum: 0.9 } }, TypeError, /momentum/],
    ["a number", { units: 2, normalization: 1 }, TypeError, /normalization must be "batch", "layer" or \{ type, momentum\?, epsilon\? \}, received 1/],
  ])("refuses %s", (_, layer, kind, message) => {
    const before = memoryStats().bytesInUse;
    expect(() => new Network({ inputSize: 2, layers: [layer as never] })).toThrow(kind);
    expect(() => new Network({ inputSize: 2, layers: [layer as never] })).toThrow(message);
    expect(memoryStats().bytesInUse).toBe(before);
  });

  test("setWeights names the tensors, refuses a negative moving variance and changes nothing then", () => {
    const n = new Network({ inputSize: 2, layers: [{ units: 3, normalization: "batch" }], seed: 1 });
    const w = n.getWeights();
    expect(() => n.setWeights(w.slice(0, 4))).toThrow(/setWeights expects 6 arrays \(W and b for each of 1 layers, then γ and β/);
    const bad = w.map((t) => t.slice());
    bad[0][0] = 7;
    bad[5][1] = -1;
    expect(() => n.setWeights(bad)).toThrow(/weights\[5\]\[1\] \(moving variance of layer 0\) is -1; a variance must be non-negative/);
    expect(n.getWeights()).toEqual(w);
    n.dispose();
  });

  test("both formats carry normalized layers there and back (the real runtimes: test/formats)", async () => {
    const { toTfjs, fromTfjs } = await import("../src/formats/tfjs.js");
    const { toOnnx, fromOnnx } = await import("../src/formats/onnx.js");
    const n = new Network({
      inputSize: 2,
      layers: [
        { units: 3, normalization: "layer" },
        { units: 2, normalization: { type: "batch", momentum: 0.9 } },
      ],
      seed: 1,
    });
    const t = toTfjs(n);
    for (const back of [fromTfjs(t.modelJson, t.weightData), fromOnnx(toOnnx(n))]) {
      expect(back.layers.map((l) => l.normalization)).toEqual(n.layers.map((l) => l.normalization));
      expect(back.getWeights()).toEqual(n.getWeights());
      back.dispose();
    }
    n.dispose();
  });
});
