// fit's Keras options (validationSplit, initialEpoch, earlyStopping), per-epoch batch indices,
// and evaluate's classification metrics against a float64 count of the same predictions.
import { beforeAll, describe, expect, test } from "vitest";
import { Network, init } from "../src/index.js";
import { ReferenceNetwork } from "../src/reference/index.js";
import { Random, randomArray } from "./helpers.js";

beforeAll(async () => {
  await init();
});

/** Three noisy classes in 4 dimensions. */
function blobs(n: number, seed: number): { x: Float32Array; y: Int32Array } {
  const rng = new Random(seed);
  const x = new Float32Array(4 * n),
    y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % 3;
    for (let j = 0; j < 4; j++) x[4 * i + j] = (j === y[i] ? 1.5 : 0) + rng.symmetric(1);
  }
  return { x, y };
}
const options = {
  inputSize: 4,
  layers: [
    { units: 8, activation: "tanh" as const },
    { units: 3, activation: "softmax" as const },
  ],
  seed: 3,
};

describe("validationSplit", () => {
  test("holds out the last fraction, before shuffling, exactly as validationData of those samples", () => {
    const { x, y } = blobs(50, 1);
    const a = new Network(options),
      b = new Network(options);
    const ha = a.fit(x, y, { epochs: 3, batchSize: 8, validationSplit: 0.2 });
    const hb = b.fit(x.subarray(0, 40 * 4), y.subarray(0, 40), { epochs: 3, batchSize: 8, validationData: [x.subarray(160), y.subarray(40)] });
    expect(ha.valLoss).toEqual(hb.valLoss);
    expect(ha.loss).toEqual(hb.loss);
    expect(a.getWeights()).toEqual(b.getWeights());
    [a, b].forEach((n) => n.dispose());
  });

  test("bad values are refused, naming them", () => {
    const { x, y } = blobs(10, 1);
    const net = new Network(options);
    expect(() => net.fit(x, y, { validationSplit: 1 })).toThrow(/validationSplit must be a finite number in \[0, 1\), received 1/);
    expect(() => net.fit(x, y, { validationSplit: 0.95 })).toThrow(
      /validationSplit 0.95 of 10 samples leaves 0 to train on and 10 to validate; both must be at least 1/,
    );
    expect(() => net.fit(x, y, { validationSplit: 0.2, validationData: [x, y] })).toThrow(/validationData or validationSplit, not both/);
    net.dispose();
  });
});

describe("initialEpoch", () => {
  test("trains epochs initialEpoch … epochs − 1 and numbers them so", () => {
    const { x, y } = blobs(30, 2);
    const net = new Network(options);
    const seen: number[] = [];
    const h = net.fit(x, y, { epochs: 5, initialEpoch: 2, batchSize: 10, onEpochEnd: (e) => void seen.push(e) });
    expect(h.epoch).toEqual([2, 3, 4]);
    expect(seen).toEqual([2, 3, 4]);
    expect(h.loss).toHaveLength(3);
    expect(() => net.fit(x, y, { epochs: 2, initialEpoch: 2 })).toThrow(/initialEpoch \(2\) must be less than epochs \(2\)/);
    net.dispose();
  });
});

describe("earlyStopping", () => {
  test("stops after `patience` epochs without improvement and restores the best weights", () => {
    const { x, y } = blobs(60, 4);
    const net = new Network({ ...options, optimizer: { type: "sgd", learningRate: 0.5 } });
    // A validation set of flipped labels: val loss rises as training fits the real labels.
    const flipped = y.map((c) => (c + 1) % 3);
    const snapshots: Float32Array[][] = [];
    const h = net.fit(x, y, {
      epochs: 50,
      batchSize: 10,
      validationData: [x, flipped],
      earlyStopping: { patience: 2, restoreBestWeights: true },
      onEpochEnd: () => void snapshots.push(net.getWeights()),
    });
    expect(h.stoppedEpoch).toBeDefined();
    expect(h.stoppedEpoch! - h.bestEpoch!).toBe(3); // best, then patience + 1 epochs that were no better
    expect(h.epoch).toHaveLength(h.stoppedEpoch! + 1);
    const best = Math.min(...h.valLoss);
    expect(h.valLoss[h.bestEpoch!]).toBe(best);
    expect(net.getWeights()).toEqual(snapshots[h.bestEpoch!]);
    net.dispose();
  });

  test("monitors training loss without validation data, and runs to the end while it improves", () => {
    const { x, y } = blobs(30, 5);
    const net = new Network(options);
    const h = net.fit(x, y, { epochs: 4, batchSize: 30, shuffle: false, earlyStopping: { minDelta: 0 } });
    expect(h.epoch).toEqual([0, 1, 2, 3]);
    expect(h.stoppedEpoch).toBeUndefined();
    expect(h.bestEpoch).toBe(3);
    expect(() => net.fit(x, y, { earlyStopping: { monitor: "valAccuracy" } })).toThrow(/needs validation data/);
    expect(() => net.fit(x, y, { earlyStopping: { patience: -1 } })).toThrow(/earlyStopping.patience/);
    expect(() => net.fit(x, y, { earlyStopping: { monitor: "val_loss" as "valLoss" } })).toThrow(
      /earlyStopping.monitor must be one of "loss", "accuracy", "valLoss", "valAccuracy", received "val_loss"/,
    );
    expect(() => net.fit(x, y, { earlyStopping: { wait: 3 } as object })).toThrow(/wait/);
    net.dispose();
  });
});

describe("evaluate's classification metrics", () => {
  test("the confusion matrix, precision, recall and F1 agree with a count of the argmax predictions", () => {
    const { x, y } = blobs(90, 6);
    for (const net of [new Network(options), new ReferenceNetwork(options)]) {
      net.fit(x, y, { epochs: 3, batchSize: 16 });
      const e = net.evaluate(x, y);
      const out = net.predict(x);
      const counts = [0, 1, 2].map(() => [0, 0, 0]);
      for (let i = 0; i < 90; i++) {
        const row = Array.from(out.subarray(3 * i, 3 * i + 3));
        counts[y[i]][row.indexOf(Math.max(...row))]++;
      }
      expect(e.confusionMatrix).toEqual(counts);
      expect(e.accuracy).toBeCloseTo((counts[0][0] + counts[1][1] + counts[2][2]) / 90, 12);
      for (let c = 0; c < 3; c++) {
        const p = counts[c][c] / (counts[0][c] + counts[1][c] + counts[2][c] || 1);
        const r = counts[c][c] / 30;
        expect(e.precision![c]).toBeCloseTo(p, 12);
        expect(e.recall![c]).toBeCloseTo(r, 12);
        expect(e.f1![c]).toBeCloseTo(p + r > 0 ? (2 * p * r) / (p + r) : 0, 12);
      }
      expect(e.macro!.f1).toBeCloseTo(e.f1!.reduce((a, b) => a + b) / 3, 12);
      net.dispose();
    }
  });

  test("a binary (sigmoid) model gets loss and accuracy only", () => {
    const net = new Network({ inputSize: 2, layers: [{ units: 1, activation: "sigmoid" }], seed: 1 });
    const e = net.evaluate(randomArray(new Random(1), 8), [0, 1, 0, 1]);
    expect(Object.keys(e).sort()).toEqual(["accuracy", "loss"]);
    net.dispose();
  });
});

describe("gradient clipping", () => {
  const opts = (clip: object) => ({
    inputSize: 4,
    layers: [{ units: 3, activation: "softmax" as const }],
    optimizer: { type: "sgd" as const, learningRate: 1, ...clip },
    seed: 2,
  });
  const { x, y } = blobs(12, 9);
  test("clipValue clamps every gradient entry before the update (wasm and reference agree)", () => {
    for (const make of [(o: object) => new Network(opts(o)), (o: object) => new ReferenceNetwork(opts(o))]) {
      const net = make({ clipValue: 0.01 }),
        plain = make({});
      const before = net.getWeights();
      const { grads } = plain.gradients(x, y);
      expect(grads.some(({ dW }) => dW.some((v) => Math.abs(v) > 0.05))).toBe(true); // so the clip bites
      net.trainBatch(x, y);
      net.getWeights().forEach((w, t) => {
        const gt = t % 2 === 0 ? grads[t >> 1].dW : grads[t >> 1].db;
        w.forEach((v, j) => expect(v).toBeCloseTo(before[t][j] - Math.min(Math.max(gt[j], -0.01), 0.01), 6));
      });
      [net, plain].forEach((n) => n.dispose());
    }
  });
  test("clipNorm scales all gradients together to that global norm", () => {
    const net = new Network(opts({ clipNorm: 0.05 })),
      plain = new Network(opts({}));
    const before = net.getWeights();
    const g = plain
      .gradients(x, y)
      .grads.flatMap(({ dW, db }) => [dW, db])
      .map((t) => Array.from(t));
    const norm = Math.sqrt(g.flat().reduce((s, v) => s + v * v, 0));
    expect(norm).toBeGreaterThan(0.05);
    net.trainBatch(x, y);
    net.getWeights().forEach((w, t) => w.forEach((v, j) => expect(v).toBeCloseTo(before[t][j] - (g[t][j] * 0.05) / norm, 6)));
    expect(() => new Network(opts({ clipNorm: 1, clipValue: 1 }))).toThrow(/clipNorm or clipValue, not both/);
    expect(() => new Network(opts({ clipNorm: 0 }))).toThrow(/optimizer.clipNorm must be a finite number in \(0, ∞\]/);
    [net, plain].forEach((n) => n.dispose());
  });
});

describe("sampleWeight and classWeight", () => {
  const { x, y } = blobs(12, 11);
  test("a weighted step equals the step of the weighted loss: wasm and reference agree, and weight 2 equals a duplicated sample", () => {
    const w = Float32Array.from({ length: 12 }, (_, i) => (i % 4) / 2);
    const a = new Network({ ...options, optimizer: "sgd" }),
      b = new ReferenceNetwork({ ...options, optimizer: "sgd" });
    const ha = a.fit(x, y, { epochs: 2, batchSize: 12, shuffle: false, sampleWeight: w });
    const hb = b.fit(x, y, { epochs: 2, batchSize: 12, shuffle: false, sampleWeight: w });
    expect(ha.loss[0]).toBeCloseTo(hb.loss[0], 5);
    a.getWeights().forEach((t, i) => t.forEach((v, j) => expect(v).toBeCloseTo(b.getWeights()[i][j], 5)));
    // Doubling sample 0's weight = listing it twice (the mean's denominator aside: 13 vs 12 rows).
    const twice = new ReferenceNetwork({ ...options, optimizer: "sgd" }),
      dup = new ReferenceNetwork({ ...options, optimizer: "sgd" });
    const w2 = new Float32Array(12).fill(1);
    w2[0] = 2;
    twice.fit(x, y, { epochs: 1, batchSize: 12, shuffle: false, sampleWeight: w2 });
    const x13 = new Float32Array(13 * 4);
    x13.set(x);
    x13.set(x.subarray(0, 4), 48);
    dup.fit(x13, [...y, y[0]], { epochs: 1, batchSize: 13, shuffle: false });
    // Same direction, scaled by 13/12: compare the weight changes.
    const w0 = new ReferenceNetwork({ ...options, optimizer: "sgd" }).getWeights();
    twice.getWeights().forEach((t, i) => t.forEach((v, j) => expect((v - w0[i][j]) * 12).toBeCloseTo((dup.getWeights()[i][j] - w0[i][j]) * 13, 8)));
    a.dispose();
  });

  test("classWeight scales each sample by its class's weight, like the same sampleWeight", () => {
    const a = new Network(options),
      b = new Network(options);
    a.fit(x, y, { epochs: 2, batchSize: 4, classWeight: { 0: 1, 1: 3, 2: 0.5 } });
    b.fit(x, y, { epochs: 2, batchSize: 4, sampleWeight: Array.from(y, (c) => [1, 3, 0.5][c]) });
    expect(a.getWeights()).toEqual(b.getWeights());
    [a, b].forEach((n) => n.dispose());
  });

  test("bad weights are refused, naming them", () => {
    const net = new Network(options);
    expect(() => net.fit(x, y, { sampleWeight: [1, 2] })).toThrow(/sampleWeight has 2 values, expected one per sample \(12\)/);
    expect(() => net.fit(x, y, { sampleWeight: Array(12).fill(-1) })).toThrow(/sampleWeight\[0\] is -1; sample weights must be finite and non-negative/);
    expect(() => net.fit(x, y, { classWeight: { 7: 2 } })).toThrow(/classWeight names class 7; classes are 0 to 2/);
    const bin = new Network({ inputSize: 4, layers: [{ units: 1, activation: "sigmoid" }] });
    expect(() =>
      bin.fit(
        x,
        Array.from(y, (c) => c % 2),
        { classWeight: [1, 2] },
      ),
    ).toThrow(/classWeight needs a classifier with several softmax outputs/);
    [net, bin].forEach((n) => n.dispose());
  });
});
