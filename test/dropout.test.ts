// Dropout: the wasm kernels and the float64 reference drop the same units; backprop through the
// masks matches finite differences; inference never drops; runs are reproducible and resumable.
import { describe, expect, test } from "vitest";
import { Network, init } from "../src/index.js";
import { ReferenceNetwork } from "../src/reference/index.js";
import { dropoutArgs, dropoutHash } from "../src/dropout.js";
import { Random, randomArray } from "./helpers.js";

await init();

const layers = [
  { units: 9, activation: "tanh" as const, dropout: 0.3 },
  { units: 7, activation: "relu" as const, dropout: 0.5 },
  { units: 3, activation: "softmax" as const },
];
const options = { inputSize: 5, layers, optimizer: { type: "adam" as const, learningRate: 0.01 }, seed: 12 };
const rng = new Random(40);
const x = randomArray(rng, 24 * 5),
  y = Int32Array.from({ length: 24 }, (_, i) => i % 3);

test("wasm and reference train through the same masks: weights agree after 3 epochs", () => {
  const a = new Network(options),
    b = new ReferenceNetwork(options);
  a.fit(x, y, { epochs: 3, batchSize: 8 });
  b.fit(x, y, { epochs: 3, batchSize: 8 });
  const wb = b.getWeights();
  a.getWeights().forEach((w, i) => w.forEach((v, j) => expect(Math.abs(v - wb[i][j]), `tensor ${i}[${j}]`).toBeLessThan(2e-5)));
  // And dropout changed training: without it the weights differ.
  const plain = new Network({ ...options, layers: layers.map(({ dropout: _, ...l }) => l) });
  plain.fit(x, y, { epochs: 3, batchSize: 8 });
  expect(plain.getWeights()[0]).not.toEqual(a.getWeights()[0]);
  [a, plain].forEach((n) => n.dispose());
});

test("backprop through the masks equals central finite differences of the training-mode loss", () => {
  const net = new ReferenceNetwork(options);
  // The engine's training pass, with the mask of update 0 held fixed while weights move.
  const e = (
    net as unknown as {
      engine: {
        ensureRows(s: 0, m: number): void;
        loadX(s: 0, x: Float32Array, o: null, st: number, m: number): void;
        loadY(s: 0, y: Float32Array, o: null, st: number, m: number): void;
        runForward(s: 0, m: number, t: boolean): void;
        lossSum(s: 0, m: number): number;
        runBackwardLoss(m: number): void;
        readGrads(): Float64Array[];
      };
    }
  ).engine;
  const m = 24,
    targets = new Float32Array(m * 3);
  y.forEach((c, i) => {
    targets[i * 3 + c] = 1;
  });
  e.ensureRows(0, m);
  e.loadX(0, x, null, 0, m);
  e.loadY(0, targets, null, 0, m);
  const lossNow = () => {
    e.runForward(0, m, true);
    return e.lossSum(0, m) / m;
  };
  lossNow();
  e.runBackwardLoss(m);
  const grads = e.readGrads();
  let worst = 0;
  for (let t = 0; t < grads.length; t++) {
    const p = net.parameter(t);
    for (let j = 0; j < p.length; j++) {
      const keep = p[j],
        h = 1e-6;
      p[j] = keep + h;
      const up = lossNow();
      p[j] = keep - h;
      const down = lossNow();
      p[j] = keep;
      const numeric = (up - down) / (2 * h);
      worst = Math.max(worst, Math.abs(numeric - grads[t][j]) / Math.max(1e-3, Math.abs(numeric) + Math.abs(grads[t][j])));
    }
  }
  expect(worst).toBeLessThan(1e-4);
});

test("the mask keeps about 1 − rate of the units, scaled by 1/(1 − rate)", () => {
  const { threshold, scale } = dropoutArgs(0.3);
  let kept = 0;
  for (let i = 0; i < 100_000; i++) if (dropoutHash(0xdeadbeef, i) >= threshold) kept++;
  expect(kept / 100_000).toBeGreaterThan(0.69);
  expect(kept / 100_000).toBeLessThan(0.71);
  expect(scale).toBe(Math.fround(1 / 0.7));
});

test("inference uses every unit: predict and evaluate equal those of the same weights without dropout", () => {
  const net = new Network(options);
  net.fit(x, y, { epochs: 2, batchSize: 8 });
  const same = new Network({ ...options, layers: layers.map(({ dropout: _, ...l }) => l) });
  same.setWeights(net.getWeights());
  expect(net.predict(x)).toEqual(same.predict(x));
  expect(net.evaluate(x, y).loss).toBe(same.evaluate(x, y).loss);
  expect(net.predict(x)).toEqual(net.predict(x));
  [net, same].forEach((n) => n.dispose());
});

test("same seed, same bytes; a checkpoint resumes through the same masks; model files keep the rates", () => {
  const a = new Network(options),
    b = new Network(options),
    first = new Network(options);
  a.fit(x, y, { epochs: 3, batchSize: 8 });
  b.fit(x, y, { epochs: 3, batchSize: 8 });
  expect(a.getWeights()).toEqual(b.getWeights());
  first.fit(x, y, { epochs: 1, batchSize: 8 });
  const file = JSON.parse(JSON.stringify(first.toJSON({ includeOptimizerState: true })));
  expect(file.layers.map((l: { dropout?: number }) => l.dropout)).toEqual([0.3, 0.5, undefined]);
  const resumed = Network.fromJSON(file);
  expect(String(resumed)).toContain("9 tanh (dropout 0.3)");
  resumed.fit(x, y, { epochs: 3, initialEpoch: 1, batchSize: 8 });
  expect(resumed.getWeights()).toEqual(a.getWeights());
  [a, b, first, resumed].forEach((n) => n.dispose());
});

test("bad rates and dropout on the output layer are refused", () => {
  expect(() => new Network({ inputSize: 2, layers: [{ units: 3, dropout: 1 }, { units: 1 }] })).toThrow(
    /layers\[0\].dropout must be a finite number in \[0, 1\), received 1/,
  );
  expect(() => new Network({ inputSize: 2, layers: [{ units: 3, dropout: -0.1 }, { units: 1 }] })).toThrow(/dropout must be a finite number/);
  expect(() => new Network({ inputSize: 2, layers: [{ units: 3 }, { units: 1, dropout: 0.2 }] })).toThrow(
    /the output layer cannot drop its outputs \(layers\[1\].dropout is 0.2\)/,
  );
});

describe("kernel regularizers (L1L2)", () => {
  const reg = {
    inputSize: 4,
    layers: [
      { units: 5, activation: "tanh" as const, kernelRegularizer: { l1: 0.01, l2: 0.02 } },
      { units: 3, activation: "softmax" as const, kernelRegularizer: { l2: 0.05 } },
    ],
    seed: 3,
  };
  const rx = randomArray(new Random(41), 6 * 4),
    ry = [0, 1, 2, 0, 1, 2];

  test("the loss adds l1·Σ|W| + l2·ΣW² (not the biases), in both engines", () => {
    for (const net of [new Network(reg), new ReferenceNetwork(reg)]) {
      const [w1, , w2] = net.getWeights();
      const penalty = Array.from(w1).reduce((s, v) => s + 0.01 * Math.abs(v) + 0.02 * v * v, 0) + Array.from(w2).reduce((s, v) => s + 0.05 * v * v, 0);
      const plain = new ReferenceNetwork({ ...reg, layers: reg.layers.map(({ kernelRegularizer: _, ...l }) => l) });
      plain.setWeights(net.getWeights());
      expect(net.loss(rx, ry)).toBeCloseTo(plain.loss(rx, ry) + penalty, 6);
      [net, plain].forEach((n) => n.dispose());
    }
  });

  test("gradients include the penalty's: gradCheck against float64 finite differences", async () => {
    const { gradCheck } = await import("../src/reference/index.js");
    const net = new Network(reg);
    expect(gradCheck(net, rx, ry).maxRelativeError).toBeLessThan(1e-3);
    const ref = new ReferenceNetwork(reg),
      plain = new ReferenceNetwork({ ...reg, layers: reg.layers.map(({ kernelRegularizer: _, ...l }) => l) });
    const [g, p] = [ref.gradients(rx, ry).grads, plain.gradients(rx, ry).grads];
    const w = ref.getWeights();
    g[1].dW.forEach((v, j) => expect(v - p[1].dW[j]).toBeCloseTo(2 * 0.05 * w[2][j], 12));
    g[0].db.forEach((v, j) => expect(v).toBe(p[0].db[j])); // biases are not penalised
    net.dispose();
  });

  test("model files keep them; bad values are refused", () => {
    const net = new Network(reg);
    const file = net.toJSON();
    expect(file.layers.map((l) => l.kernelRegularizer)).toEqual([{ l1: 0.01, l2: 0.02 }, { l2: 0.05 }]);
    expect(Network.fromJSON(JSON.stringify(file)).layers[0].kernelRegularizer).toEqual({ l1: 0.01, l2: 0.02 });
    expect(() => new Network({ inputSize: 2, layers: [{ units: 1, kernelRegularizer: { l2: -1 } }] })).toThrow(
      /kernelRegularizer.l2 must be a finite number in \[0, ∞\], received -1/,
    );
    expect(() => new Network({ inputSize: 2, layers: [{ units: 1, kernelRegularizer: { l3: 1 } as object }] })).toThrow(/l3/);
    net.dispose();
  });
});
