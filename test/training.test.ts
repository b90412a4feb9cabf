// Training end to end: loss falls, accuracy reaches its mark, and runs are reproducible.
import { beforeAll, expect, test } from "vitest";
import { Network, init } from "../src/index.js";
import { ReferenceNetwork } from "../src/reference/index.js";
import { Random, expectClose } from "./helpers.js";

beforeAll(async () => {
  await init();
});

/** Two interleaved half-moons, labels 0/1. */
function moons(n: number, rng: Random): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(2 * n),
    y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = Math.PI * rng.float(),
      upper = i % 2 === 0;
    x[2 * i] = (upper ? Math.cos(t) : 1 - Math.cos(t)) + rng.symmetric(0.1);
    x[2 * i + 1] = (upper ? Math.sin(t) : 0.5 - Math.sin(t)) + rng.symmetric(0.1);
    y[i] = upper ? 1 : 0;
  }
  return { x, y };
}

/** A 16×16 "digit" task: 10 random glyphs, each sample a glyph with 8% of pixels flipped and noise. */
function glyphs(n: number, rng: Random): { x: Float32Array; labels: Int32Array } {
  const protoRng = new Random(99);
  const protos = Array.from({ length: 10 }, () => Float32Array.from({ length: 256 }, () => (protoRng.float() < 0.3 ? 1 : 0)));
  const x = new Float32Array(n * 256),
    labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = rng.uint32() % 10;
    labels[i] = c;
    for (let j = 0; j < 256; j++) {
      const v = rng.float() < 0.08 ? 1 - protos[c][j] : protos[c][j];
      x[i * 256 + j] = v + rng.symmetric(0.2);
    }
  }
  return { x, labels };
}

test("XOR with three hidden layers: the loss falls and every point is classified", () => {
  const net = new Network({
    inputSize: 2,
    layers: [
      { units: 8, activation: "tanh" },
      { units: 8, activation: "tanh" },
      { units: 8, activation: "tanh" },
      { units: 1, activation: "sigmoid" },
    ],
    loss: "binary-crossentropy",
    optimizer: { type: "sgd", learningRate: 0.5 },
    seed: 7,
  });
  const x = [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ],
    y = [0, 1, 1, 0];
  const before = net.loss(x, y);
  const history = net.fit(x, y, { epochs: 2000, batchSize: 4 });
  expect(history.loss[history.loss.length - 1]).toBeLessThan(before / 10);
  expect(net.evaluate(x, y).accuracy).toBe(1);
  expect(Array.from(net.predict(x), (p) => (p > 0.5 ? 1 : 0))).toEqual(y);
});

test("two moons with three relu hidden layers reach 100% training accuracy", () => {
  const { x, y } = moons(200, new Random(8));
  const net = new Network({
    inputSize: 2,
    layers: [
      { units: 16, activation: "relu" },
      { units: 16, activation: "relu" },
      { units: 16, activation: "relu" },
      { units: 1, activation: "sigmoid" },
    ],
    optimizer: { type: "adam", learningRate: 0.01 },
    seed: 2,
  });
  const history = net.fit(x, y, { epochs: 300, batchSize: 32 });
  expect(history.loss[history.loss.length - 1]).toBeLessThan(history.loss[0] / 10);
  expect(net.evaluate(x, y).accuracy).toBe(1);
});

test("256 inputs, 10 classes, softmax + categorical cross-entropy: at least 97% on held-out samples", () => {
  const rng = new Random(9);
  const train = glyphs(2000, rng),
    test = glyphs(500, rng);
  const net = new Network({
    inputSize: 256,
    layers: [
      { units: 32, activation: "sigmoid" },
      { units: 10, activation: "softmax" },
    ],
    loss: "categorical-crossentropy",
    optimizer: { type: "sgd", learningRate: 0.5 },
    seed: 1,
  });
  const before = net.evaluate(test.x, test.labels);
  const history = net.fit(train.x, train.labels, { epochs: 10, batchSize: 32, validationData: [test.x, test.labels] });
  const after = net.evaluate(test.x, test.labels);
  expect(before.accuracy).toBeLessThan(0.3);
  expect(after.loss).toBeLessThan(before.loss / 5);
  expect(after.accuracy).toBeGreaterThanOrEqual(0.97);
  expect(history.valAccuracy[history.valAccuracy.length - 1]).toBe(after.accuracy);
});

test("the same seed twice gives identical weights after training, bit for bit", () => {
  const { x, y } = moons(100, new Random(10));
  const run = (): Float32Array[] => {
    const net = new Network({
      inputSize: 2,
      layers: [
        { units: 8, activation: "relu" },
        { units: 1, activation: "sigmoid" },
      ],
      seed: 42,
    });
    net.fit(x, y, { epochs: 5, batchSize: 16, shuffle: true });
    const w = net.getWeights();
    net.dispose();
    return w;
  };
  const [a, b] = [run(), run()];
  a.forEach((w, i) => expect(Buffer.from(w.buffer).equals(Buffer.from(b[i].buffer))).toBe(true));
  const other = new Network({
    inputSize: 2,
    layers: [
      { units: 8, activation: "relu" },
      { units: 1, activation: "sigmoid" },
    ],
    seed: 43,
  });
  expect(Array.from(other.getWeights()[0])).not.toEqual(Array.from(a[0]));
});

test.each(["sgd", "momentum", "adam"] as const)("%s: wasm training follows the float64 reference step for step", (type) => {
  const { x, y } = moons(64, new Random(11));
  const opts = {
    inputSize: 2,
    layers: [
      { units: 10, activation: "tanh" as const },
      { units: 6, activation: "leaky-relu" as const },
      { units: 1, activation: "sigmoid" as const },
    ],
    optimizer: { type, learningRate: 0.05 },
    seed: 5,
  };
  const net = new Network(opts),
    ref = new ReferenceNetwork(opts);
  const a = net.fit(x, y, { epochs: 5, batchSize: 16 }),
    b = ref.fit(x, y, { epochs: 5, batchSize: 16 });
  expectClose(a.loss, b.loss, 1e-4, "epoch losses");
  net.getWeights().forEach((w, i) => expectClose(w, ref.getWeights()[i], 1e-4, `tensor ${i}`));
});
