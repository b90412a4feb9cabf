// Learning-rate schedules: Keras's formulas at chosen steps, training that follows them (wasm
// and reference alike), model files that keep them, and bad schedules refused by name.
import { describe, expect, test } from "vitest";
import { Network, init } from "../src/index.js";
import { ReferenceNetwork } from "../src/reference/index.js";
import { learningRateAt, parseSchedule } from "../src/schedules.js";

await init();

describe("rates at chosen steps (Keras's formulas)", () => {
  test("exponential, smooth and staircase", () => {
    const s = parseSchedule({ type: "exponential", initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    expect(learningRateAt(s, 0)).toBe(0.1);
    expect(learningRateAt(s, 10)).toBeCloseTo(0.05, 15);
    expect(learningRateAt(s, 5)).toBeCloseTo(0.1 * Math.SQRT1_2, 15);
    const stairs = parseSchedule({ type: "exponential", initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
    expect(learningRateAt(stairs, 9)).toBe(0.1);
    expect(learningRateAt(stairs, 25)).toBeCloseTo(0.025, 15);
  });
  test("piecewise constant: values[i] while step ≤ boundaries[i]", () => {
    const s = parseSchedule({ type: "piecewise", boundaries: [100, 200], values: [1, 0.5, 0.1] });
    expect([0, 100, 101, 200, 201, 10_000].map((t) => learningRateAt(s, t))).toEqual([1, 1, 0.5, 0.5, 0.1, 0.1]);
  });
  test("cosine with alpha, constant after decaySteps", () => {
    const s = parseSchedule({ type: "cosine", initialLearningRate: 0.2, decaySteps: 100, alpha: 0.1 });
    expect(learningRateAt(s, 0)).toBeCloseTo(0.2, 15);
    expect(learningRateAt(s, 50)).toBeCloseTo(0.2 * (0.9 * 0.5 + 0.1), 15);
    expect(learningRateAt(s, 100)).toBeCloseTo(0.02, 15);
    expect(learningRateAt(s, 500)).toBeCloseTo(0.02, 15);
  });
  test("warm-up rises linearly to the first rate, then the schedule starts", () => {
    const s = parseSchedule({ type: "cosine", initialLearningRate: 0.4, decaySteps: 10, warmupSteps: 4 });
    expect([0, 1, 2, 3].map((t) => learningRateAt(s, t))).toEqual([0.1, 0.2, 0.30000000000000004, 0.4]);
    expect(learningRateAt(s, 4)).toBeCloseTo(0.4, 15);
    expect(learningRateAt(s, 9)).toBeCloseTo(0.4 * 0.5 * (1 + Math.cos(Math.PI / 2)), 15);
  });
});

test("training follows the schedule: SGD steps of the scheduled sizes; wasm and reference agree", () => {
  const learningRate = { type: "piecewise" as const, boundaries: [0], values: [0.5, 0.1] };
  const options = {
    inputSize: 2,
    layers: [{ units: 1, activation: "linear" as const }],
    loss: "mse" as const,
    optimizer: { type: "sgd" as const, learningRate },
    seed: 3,
  };
  const x = [[1, 2]],
    y = [[1]];
  for (const net of [new Network(options), new ReferenceNetwork(options)]) {
    const rates: number[] = [];
    for (let t = 0; t < 3; t++) {
      const before = net.getWeights()[1][0];
      const db = net.gradients(x, y).grads[0].db[0];
      net.trainBatch(x, y);
      rates.push((before - net.getWeights()[1][0]) / db);
    }
    rates.forEach((r, t) => expect(r).toBeCloseTo(t === 0 ? 0.5 : 0.1, 5));
    net.dispose();
  }
  const a = new Network(options),
    b = new ReferenceNetwork(options);
  a.fit(
    [
      [1, 2],
      [3, -1],
      [0, 1],
    ],
    [1, 0, 2],
    { epochs: 4, batchSize: 1 },
  );
  b.fit(
    [
      [1, 2],
      [3, -1],
      [0, 1],
    ],
    [1, 0, 2],
    { epochs: 4, batchSize: 1 },
  );
  a.getWeights().forEach((w, i) => w.forEach((v, j) => expect(v).toBeCloseTo(b.getWeights()[i][j], 5)));
});

test("a model file keeps the schedule; a checkpoint resumes on it bit for bit", () => {
  const options = {
    inputSize: 3,
    layers: [{ units: 2, activation: "softmax" as const }],
    optimizer: { type: "adam" as const, learningRate: { type: "exponential" as const, initialLearningRate: 0.05, decaySteps: 2, decayRate: 0.5 } },
    seed: 4,
  };
  const x = [
      [1, 0, 2],
      [0, 1, -1],
      [2, 2, 0],
      [1, -1, 1],
    ],
    y = [0, 1, 1, 0];
  const straight = new Network(options);
  straight.fit(x, y, { epochs: 4, batchSize: 2 });
  const first = new Network(options);
  first.fit(x, y, { epochs: 2, batchSize: 2 });
  const file = JSON.parse(JSON.stringify(first.toJSON({ includeOptimizerState: true })));
  expect(file.optimizer.schedule).toEqual({ type: "exponential", initialLearningRate: 0.05, decaySteps: 2, decayRate: 0.5 });
  expect(String(first)).toContain("schedule=exponential");
  const resumed = Network.fromJSON(file);
  resumed.fit(x, y, { epochs: 4, initialEpoch: 2, batchSize: 2 });
  expect(resumed.getWeights()).toEqual(straight.getWeights());
  [straight, first, resumed].forEach((n) => n.dispose());
});

test("bad schedules are refused, naming the field", () => {
  const make = (learningRate: unknown) => () => new Network({ inputSize: 1, layers: [{ units: 1 }], optimizer: { type: "sgd", learningRate } as never });
  expect(make({ type: "linear" })).toThrow(/optimizer.learningRate.type must be one of "exponential", "piecewise", "cosine", received "linear"/);
  expect(make({ type: "exponential", initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.5 })).toThrow(/decaySteps must be an integer/);
  expect(make({ type: "exponential", initialLearningRate: 0.1, decaySteps: 5, decayRate: 1.5 })).toThrow(/decayRate must be a finite number in \(0, 1\]/);
  expect(make({ type: "piecewise", boundaries: [10, 5], values: [1, 2, 3] })).toThrow(/boundaries must increase/);
  expect(make({ type: "piecewise", boundaries: [10], values: [1] })).toThrow(/needs boundaries \(n steps\) and values \(n \+ 1 rates\)/);
  expect(make({ type: "cosine", initialLearningRate: 0.1, decaySteps: 5, warmup: 3 })).toThrow(/warmup/);
});
