// The Network API against the float64 reference and against its own contract.
import { readFileSync } from "node:fs";
import { beforeAll, expect, test } from "vitest";
import { ACTIVATIONS, Layer, Network, init } from "../src/index.js";
import { ReferenceNetwork } from "../src/reference/index.js";
import { Random, expectClose, randomArray } from "./helpers.js";

beforeAll(async () => {
  await init();
});

test("init() is idempotent and accepts bytes or a compiled module", async () => {
  const first = await init();
  expect(await init()).toBe(first);
  const bytes = readFileSync(new URL("../build/wasmlp.wasm", import.meta.url));
  expect(await init(bytes)).toBe(first); // already loaded: a no-op
  expect(WebAssembly.validate(bytes)).toBe(true);
});

test("forward and backward match the reference on random architectures", () => {
  const rng = new Random(20);
  for (let t = 0; t < 12; t++) {
    const depth = 1 + (rng.uint32() % 4);
    const inputSize = 1 + (rng.uint32() % 40);
    const hidden = ACTIVATIONS.filter((a) => a !== "softmax");
    const layers = Array.from({ length: depth }, (_, i) => ({
      units: i === depth - 1 ? 2 + (rng.uint32() % 9) : 1 + (rng.uint32() % 33),
      activation: i === depth - 1 ? ("softmax" as const) : hidden[rng.uint32() % hidden.length],
    }));
    const opts = { inputSize, layers, seed: t };
    const net = new Network(opts),
      ref = new ReferenceNetwork(opts);
    const m = 1 + (rng.uint32() % 70);
    const x = randomArray(rng, m * inputSize, 2);
    const tag = `${net} m=${m}`;
    expectClose(net.forward(x), ref.forward(x), 2e-6, `${tag} forward`);
    const dOut = randomArray(rng, m * net.outputSize);
    const a = net.backward(dOut),
      b = ref.backward(dOut);
    expectClose(a.dInput, b.dInput, 1e-4, `${tag} dInput`);
    a.grads.forEach((g, i) => {
      expectClose(g.dW, b.grads[i].dW, 1e-4 * m, `${tag} dW${i}`);
      expectClose(g.db, b.grads[i].db, 1e-4 * m, `${tag} db${i}`);
    });
    net.dispose();
  }
});

test("predict equals forward, also past the inference chunk size, and keeps forward's state", () => {
  const net = new Network({
    inputSize: 5,
    layers: [
      { units: 7, activation: "tanh" },
      { units: 3, activation: "softmax" },
    ],
    seed: 1,
  });
  const x = randomArray(new Random(21), 2500 * 5);
  const head = x.subarray(0, 10 * 5);
  const out = net.forward(head);
  const all = net.predict(x);
  expect(all).toHaveLength(2500 * 3);
  expectClose(all.subarray(0, 30), out, 0, "predict vs forward");
  const { dInput } = net.backward(new Float32Array(30).fill(1)); // still backpropagates the 10-sample forward
  expect(dInput).toHaveLength(50);
  const rows = Array.from({ length: 2500 }, (_, i) => Array.from(x.subarray(i * 5, i * 5 + 5)));
  expectClose(net.predict(rows), all, 0, "number[][] input");
  // Two samples take the unpacked kernel (up to 8 rows), whose summation order differs from
  // the GEMM's (assembly/README.md, "Summation order"): equal within float32 rounding.
  expectClose(net.predict(Array.from(x.subarray(0, 10))), all.subarray(0, 6), 2 * 2 ** -24, "flat number[] input");
});

test("up to 8 samples, a sample's outputs are the same bits alone or in any batch (the matrix-vector path)", () => {
  const net = new Network({
    inputSize: 37,
    layers: [
      { units: 19, activation: "relu" },
      { units: 5, activation: "softmax" },
    ],
    seed: 4,
  });
  const x = randomArray(new Random(8), 8 * 37, 2);
  const eight = net.predict(x);
  for (let m = 1; m <= 8; m++) {
    for (let start = 0; start + m <= 8; start += 3) {
      expect(Array.from(net.predict(x.subarray(start * 37, (start + m) * 37))), `${m} samples from ${start}`).toEqual(
        Array.from(eight.subarray(start * 5, (start + m) * 5)),
      );
    }
  }
  net.dispose();
});

test("predict's packed weights give forward()'s bits, and follow every change of the weights", () => {
  const net = new Network({
    inputSize: 29,
    layers: [
      { units: 21, activation: "tanh" },
      { units: 6, activation: "softmax" },
    ],
    optimizer: { type: "adam", learningRate: 0.1 },
    seed: 6,
  });
  const rng = new Random(12);
  const x = randomArray(rng, 40 * 29, 2),
    y = Array.from({ length: 40 }, (_, i) => i % 6);
  const same = (when: string) => expect(Array.from(net.predict(x)), when).toEqual(Array.from(net.forward(x)));
  same("fresh");
  net.trainBatch(x, y);
  same("after trainBatch");
  net.fit(x, y, { epochs: 2, batchSize: 16 });
  same("after fit");
  net.setWeights(net.getWeights().map((w) => w.map((v) => -v)));
  same("after setWeights");
  net.forward(x);
  net.backward(new Float32Array(40 * 6).fill(0.01));
  net.applyGradients();
  same("after applyGradients");
  net.dispose();
});

test("loss, gradients and evaluate agree with each other and with the reference", () => {
  const opts = {
    inputSize: 4,
    layers: [
      { units: 6, activation: "relu" as const },
      { units: 3, activation: "softmax" as const },
    ],
    seed: 9,
  };
  const net = new Network(opts),
    ref = new ReferenceNetwork(opts);
  const rng = new Random(22);
  const x = randomArray(rng, 50 * 4),
    y = Array.from({ length: 50 }, () => rng.uint32() % 3);
  const l = net.loss(x, y);
  expect(l).toBeCloseTo(ref.loss(x, y), 6);
  expect(net.gradients(x, y).loss).toBeCloseTo(l, 6);
  const e = net.evaluate(x, y);
  expect(e.loss).toBeCloseTo(l, 6);
  const out = net.predict(x);
  const correct = y.filter((c, i) => [0, 1, 2].reduce((b, j) => (out[i * 3 + j] > out[i * 3 + b] ? j : b), 0) === c).length;
  expect(e.accuracy).toBe(correct / 50);
  // one-hot targets give the same numbers as class indices
  const oneHot = y.map((c) => [0, 1, 2].map((j) => (j === c ? 1 : 0)));
  expect(net.evaluate(x, oneHot)).toEqual(e);
});

test("trainBatch lowers the loss and returns the loss before its step", () => {
  const net = new Network({ inputSize: 3, layers: [{ units: 1, activation: "sigmoid" }], optimizer: { type: "sgd", learningRate: 1 }, seed: 2 });
  const x = [
      [1, 0, 1],
      [0, 1, 1],
      [1, 1, 0],
    ],
    y = [1, 0, 1];
  const before = net.loss(x, y);
  expect(net.trainBatch(x, y)).toBeCloseTo(before, 6);
  expect(net.loss(x, y)).toBeLessThan(before);
});

test("toJSON / fromJSON round-trips exactly, and a corrupt file is refused", () => {
  const net = new Network({
    inputSize: 4,
    layers: [
      { units: 5, activation: "leaky-relu", alpha: 0.2 },
      { units: 2, activation: "sigmoid" },
    ],
    optimizer: "momentum",
    seed: 4,
  });
  net.fit(
    randomArray(new Random(23), 40),
    Float32Array.from({ length: 20 }, (_, i) => i % 2),
    { epochs: 2, batchSize: 4 },
  );
  const text = JSON.stringify(net);
  const copy = Network.fromJSON(text);
  expect(copy.toString()).toBe(net.toString());
  copy.getWeights().forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(net.getWeights()[i])));
  const x = randomArray(new Random(24), 12);
  expect(Array.from(copy.predict(x))).toEqual(Array.from(net.predict(x)));
  expect(ReferenceNetwork.fromJSON(text).predict(x)[0]).toBeCloseTo(net.predict(x)[0], 6);

  const file = JSON.parse(text);
  expect(() => Network.fromJSON("{not json")).toThrow(/not valid JSON/);
  expect(() => Network.fromJSON({ ...file, format: "keras" })).toThrow(/not a wasmlp model: format is "keras"/);
  expect(() => Network.fromJSON({ ...file, version: 99 })).toThrow("model was written by a newer wasmlp (format 99; this reads up to 1)");
  expect(() => Network.fromJSON({ ...file, weights: file.weights.slice(1) })).toThrow(/must hold 4 tensors/);
  expect(() => Network.fromJSON({ ...file, layers: [{ units: 6, activation: "leaky-relu", alpha: 0.2 }, file.layers[1]] })).toThrow(
    /model.weights\[0\] holds 20 float32 values, expected 24/,
  );
  const nan = new Float32Array(2).fill(NaN);
  const badWeights = [...file.weights.slice(0, 3), Buffer.from(nan.buffer).toString("base64")];
  expect(() => Network.fromJSON({ ...file, weights: badWeights })).toThrow(/model.weights\[3\]\[0\] is NaN/);
});

test("layers expose their shapes and copies of their weights", () => {
  const hidden = new Layer({ units: 3, activation: "tanh" });
  const net = new Network({ inputSize: 2, layers: [hidden, new Layer({ units: 1, activation: "sigmoid" })], seed: 1 });
  expect(hidden.inputSize).toBe(2);
  expect(hidden.weights).toHaveLength(6);
  expect(Array.from(hidden.bias)).toEqual([0, 0, 0]);
  hidden.weights[0] = 123; // a copy: the network is untouched
  expect(net.getWeights()[0][0]).not.toBe(123);
  expect(String(net)).toBe("Network(2 → 3 tanh → 1 sigmoid; loss binary-crossentropy; adam(lr=0.001, beta1=0.9, beta2=0.999, epsilon=1e-7); 13 parameters)");
  expect(String(hidden)).toBe("Dense(3, tanh)");
  expect(net.parameterCount).toBe(13);
});

test("fit reports history and callbacks, and stops when onEpochEnd returns false", () => {
  const net = new Network({
    inputSize: 2,
    layers: [
      { units: 4, activation: "tanh" },
      { units: 1, activation: "sigmoid" },
    ],
    seed: 1,
  });
  const x = randomArray(new Random(25), 40),
    y = Float32Array.from({ length: 20 }, (_, i) => i % 2);
  const batches: number[] = [];
  const epochs: number[] = [];
  const history = net.fit(x, y, {
    epochs: 10,
    batchSize: 8,
    validationData: [x, y],
    onBatchEnd: (b, logs) => {
      batches.push(logs.epoch * 10 + b);
      expect(logs.size).toBe(b === 2 ? 4 : 8);
    },
    onEpochEnd: (e, logs) => {
      epochs.push(e);
      expect(logs.valLoss).toBeGreaterThan(0);
      return e < 2;
    },
  });
  expect(epochs).toEqual([0, 1, 2]);
  expect(batches).toEqual([0, 1, 2, 10, 11, 12, 20, 21, 22]); // indices restart each epoch
  expect(history.loss).toHaveLength(3);
  expect(history.valAccuracy).toHaveLength(3);
  expect(history.seconds.every((s) => s >= 0)).toBe(true);
});

test("without a seed, each network draws its own and reports it", () => {
  const opts = { inputSize: 3, layers: [{ units: 4, activation: "tanh" as const }] };
  const a = new Network(opts),
    b = new Network(opts);
  expect(a.seed).not.toBe(b.seed);
  expect(Array.from(a.getWeights()[0])).not.toEqual(Array.from(b.getWeights()[0]));
  const again = new Network({ ...opts, seed: a.seed });
  expect(Array.from(again.getWeights()[0])).toEqual(Array.from(a.getWeights()[0]));
});

test("useBias false (Keras's use_bias): b stays exactly 0 through training on both engines, files keep it, setWeights refuses a bias", () => {
  const rng = new Random(31);
  const x = randomArray(rng, 24 * 5, 2),
    y = Array.from({ length: 24 }, (_, i) => i % 3);
  for (const Net of [Network, ReferenceNetwork]) {
    for (const optimizer of [{ type: "adamw" as const }, { type: "momentum" as const }]) {
      const net = new Net({
        inputSize: 5,
        layers: [
          { units: 7, activation: "tanh", useBias: false },
          { units: 3, activation: "softmax" },
        ],
        optimizer,
        seed: 2,
      });
      expect(String(net)).toContain("5 → 7 tanh (no bias) → 3 softmax");
      expect(net.layers[0].useBias).toBe(false);
      expect(Array.from(net.gradients(x, y).grads[0].db)).toEqual(new Array(7).fill(0));
      net.fit(x, y, { epochs: 3, batchSize: 8 });
      expect(Array.from(net.getWeights()[1])).toEqual(new Array(7).fill(0));
      expect(Array.from(net.getWeights()[3]).some((v) => v !== 0)).toBe(true); // the other layer's bias trains
      const back = Net.fromJSON(JSON.parse(JSON.stringify(net)));
      expect(back.layers[0].useBias).toBe(false);
      expect(JSON.parse(JSON.stringify(net)).layers[0].useBias).toBe(false);
      const weights = net.getWeights();
      weights[1][3] = 0.5;
      expect(() => net.setWeights(weights)).toThrow("weights[1][3] (b of layer 0) is 0.5, but layer 0 has no bias (useBias false): its b must be all zeros");
      [net, back].forEach((n) => n.dispose());
    }
  }
  expect(() => new Network({ inputSize: 2, layers: [{ units: 1, useBias: 0 as unknown as boolean }] })).toThrow(
    "layers[0].useBias must be true or false, received 0",
  );
});
