// Checkpoints: a model file with the training state resumes bit for bit, in both engines;
// files without it still load; the training block is validated like the rest of the file.
import { describe, expect, test } from "vitest";
import { Network, fitInWorker, init } from "../src/index.js";
import { ReferenceNetwork } from "../src/reference/index.js";
import { Random, randomArray } from "./helpers.js";

await init(); // the describe blocks below build networks while the file is collected

const rng = new Random(31);
const x = randomArray(rng, 60 * 5),
  y = Int32Array.from({ length: 60 }, (_, i) => i % 3);
const layers = [
  { units: 7, activation: "relu" as const },
  { units: 3, activation: "softmax" as const },
];
const bits = (ws: ArrayLike<number>[]) => ws.map((w) => Array.from(new Uint32Array(Float32Array.from(w).buffer)));

describe.each([
  ["adam", { type: "adam" as const, learningRate: 0.01 }],
  ["momentum", { type: "momentum" as const, learningRate: 0.05 }],
  ["sgd", { type: "sgd" as const, learningRate: 0.1 }],
])("%s", (_, optimizer) => {
  test("2 epochs, saved after the 1st and resumed, equal 2 epochs straight, bit for bit", () => {
    const options = { inputSize: 5, layers, optimizer, seed: 5 };
    const straight = new Network(options);
    straight.fit(x, y, { epochs: 3, batchSize: 8 });

    const first = new Network(options);
    first.fit(x, y, { epochs: 1, batchSize: 8 });
    const file = JSON.parse(JSON.stringify(first.toJSON({ includeOptimizerState: true })));
    expect(file.training.epoch).toBe(1);
    expect(file.training.steps).toBe(8);
    const resumed = Network.fromJSON(file);
    expect(resumed.epochsTrained).toBe(1);
    const h = resumed.fit(x, y, { epochs: 3, initialEpoch: resumed.epochsTrained, batchSize: 8 });
    expect(h.epoch).toEqual([1, 2]);
    expect(bits(resumed.getWeights())).toEqual(bits(straight.getWeights()));

    // Without the training state the optimizer starts afresh: Adam and momentum then differ.
    const plain = Network.fromJSON(JSON.stringify(first));
    expect(plain.toJSON().training).toBeUndefined();
    plain.fit(x, y, { epochs: 3, initialEpoch: 1, batchSize: 8 });
    if (optimizer.type !== "sgd") expect(bits(plain.getWeights())).not.toEqual(bits(straight.getWeights()));
    [straight, first, resumed, plain].forEach((n) => n.dispose());
  });
});

test("the reference engine resumes too (its float64 state stored as float32: equal within 1e-6)", () => {
  const options = { inputSize: 5, layers, optimizer: { type: "adam" as const, learningRate: 0.01 }, seed: 6 };
  const straight = new ReferenceNetwork(options);
  straight.fit(x, y, { epochs: 2, batchSize: 8 });
  const first = new ReferenceNetwork(options);
  first.fit(x, y, { epochs: 1, batchSize: 8 });
  const resumed = ReferenceNetwork.fromJSON(first.toJSON({ includeOptimizerState: true }));
  resumed.fit(x, y, { epochs: 2, initialEpoch: 1, batchSize: 8 });
  resumed.getWeights().forEach((w, i) => w.forEach((v, j) => expect(Math.abs(v - straight.getWeights()[i][j])).toBeLessThan(1e-6)));
});

test("fitInWorker carries the optimizer state both ways: two worker runs equal one fit of both", async () => {
  const options = { inputSize: 5, layers, optimizer: { type: "adam" as const, learningRate: 0.01 }, seed: 8 };
  const here = new Network(options);
  here.fit(x, y, { epochs: 2, batchSize: 8 });
  const there = new Network(options);
  await fitInWorker(there, x, y, { epochs: 1, batchSize: 8 });
  expect(there.epochsTrained).toBe(1);
  await fitInWorker(there, x, y, { epochs: 2, initialEpoch: 1, batchSize: 8 });
  expect(bits(there.getWeights())).toEqual(bits(here.getWeights()));
  [here, there].forEach((n) => n.dispose());
});

describe("the training block is validated", () => {
  const net = new Network({ inputSize: 5, layers, seed: 1 });
  net.fit(x, y, { epochs: 1, batchSize: 16 });
  const good = net.toJSON({ includeOptimizerState: true });
  test.each([
    ["a missing field", { ...good.training, steps: undefined }, /model.training.steps is missing/],
    ["a negative step count", { ...good.training, steps: -1 }, /model.training.steps must be/],
    [
      "one state vector for Adam",
      { ...good.training, optimizerState: good.training!.optimizerState.slice(0, 1) },
      /must hold 2 state vectors, received an array of length 1/,
    ],
    [
      "a truncated state vector",
      { ...good.training, optimizerState: [good.training!.optimizerState[0].slice(0, 10), good.training!.optimizerState[1]] },
      /model.training.optimizerState\[0\]/,
    ],
    ["three shuffle words", { ...good.training, shuffle: [1, 2, 3] }, /model.training.shuffle must be 4 words/],
    ["an unknown field", { ...good.training, rng: 1 }, /rng/],
  ])("%s", (_, training, message) => {
    expect(() => Network.fromJSON({ ...good, training } as never)).toThrow(message);
  });
  test("toJSON's options are checked; JSON.stringify still gives the plain file", () => {
    expect(() => net.toJSON({ includeOptimizerState: "yes" } as never)).toThrow(/includeOptimizerState must be true or false/);
    expect(() => net.toJSON({ withState: true } as never)).toThrow(/withState/);
    expect(JSON.parse(JSON.stringify(net)).training).toBeUndefined();
  });
});
