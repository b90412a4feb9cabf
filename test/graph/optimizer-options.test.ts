// Optimizers over variables take the Network's clipNorm, clipValue and learning-rate schedules:
// a 2-layer network written in tensors and trained with each takes the steps Network.trainBatch
// takes from the same weights with the same optimizer options; the gradients passed to step()
// are left as they were; a saved state resumes the schedule where it stopped.
import { beforeAll, expect, test } from "vitest";
import { Network, type OptimizerOptions, init, memoryStats } from "wasmlp";
import * as g from "wasmlp/graph";
import { type Tensor, optimizer, sgd, tensor, variable } from "wasmlp/graph";
import { learningRateAt } from "../../src/schedules.js";
import { Random, expectClose, randomArray } from "../helpers.js";

beforeAll(async () => {
  await init();
});

type Options = Exclude<OptimizerOptions, string>;
const CONFIGS: Options[] = [
  { type: "sgd", learningRate: { type: "piecewise", boundaries: [2, 5], values: [0.5, 0.2, 0.05] }, clipValue: 0.02 },
  { type: "adam", learningRate: { type: "exponential", initialLearningRate: 0.05, decaySteps: 3, decayRate: 0.5, warmupSteps: 2 }, clipNorm: 0.05 },
  { type: "momentum", learningRate: { type: "cosine", initialLearningRate: 0.3, decaySteps: 6, alpha: 0.1 }, clipNorm: 0.2 },
  { type: "rmsprop", learningRate: 0.01, clipValue: 0.01 },
  { type: "adam", learningRate: { type: "cosine", initialLearningRate: 0.02, decaySteps: 4, warmupSteps: 3 } },
];

/** Variables holding a network's weights: W (units × fan-in) and b per layer. */
function variablesOf(net: Network): Tensor[] {
  const sizes = [net.inputSize, ...net.layers.map((l) => l.units)];
  return net.getWeights().map((w, i) => (i % 2 ? variable(w) : variable(w, [sizes[(i >> 1) + 1], sizes[i >> 1]])));
}

const m = 12,
  n = 5,
  h = 7,
  k = 3,
  STEPS = 9;
const rng = new Random(17);
const x = randomArray(rng, m * n, 2);
const labels = Array.from({ length: m }, (_, i) => (i * 7) % k);
const onehot = labels.map((c) => Array.from({ length: k }, (_, j) => (j === c ? 1 : 0)));
const netOf = (o: OptimizerOptions): Network =>
  new Network({
    inputSize: n,
    layers: [
      { units: h, activation: "tanh" },
      { units: k, activation: "softmax" },
    ],
    optimizer: o,
    seed: 9,
  });

function lossOf(X: Tensor, [W1, b1, W2, b2]: Tensor[]): Tensor {
  const hidden = g.tanh(g.add(g.matmul(X, W1, { transposeB: true }), b1));
  const logits = g.add(g.matmul(hidden, W2, { transposeB: true }), b2);
  return g
    .mean(
      g.takeAlongAxis(
        g.logSoftmax(logits),
        labels.map((c) => [c]),
      ),
    )
    .neg();
}

for (const o of CONFIGS) {
  test(`${JSON.stringify(o)}: the steps of Network.trainBatch`, () => {
    const start = memoryStats().bytesInUse;
    const net = netOf(o);
    const vars = variablesOf(net);
    const opt = optimizer(o);
    const X = tensor(x, [m, n]);
    for (let step = 0; step < STEPS; step++) {
      const schedule = opt.spec.schedule;
      expect(opt.learningRate).toBe(schedule ? learningRateAt(schedule, step) : opt.spec.learningRate);
      const expected = net.trainBatch(x, onehot);
      const got = opt.minimize(() => lossOf(X, vars), vars);
      expect(Math.abs(got - expected)).toBeLessThan(1e-5);
    }
    net.getWeights().forEach((w, i) => expectClose(vars[i].data(), w, 2e-5, `weights ${i}`));
    // The clipping mattered: the same options without it end elsewhere.
    if ("clipNorm" in o || "clipValue" in o) {
      const free = { ...o } as Record<string, unknown>;
      delete free.clipNorm;
      delete free.clipValue;
      const unclipped = netOf(free as Options);
      for (let step = 0; step < STEPS; step++) unclipped.trainBatch(x, onehot);
      const diff = Math.max(...unclipped.getWeights().flatMap((w, i) => Array.from(w, (v, j) => Math.abs(v - vars[i].data()[j]))));
      expect(diff).toBeGreaterThan(1e-3);
      unclipped.dispose();
    }
    vars.forEach((v) => v.dispose());
    X.dispose();
    opt.dispose();
    net.dispose();
    expect(memoryStats().bytesInUse).toBe(start);
  });
}

test("step() clips copies: the gradients passed in keep their values; float64 variables clip alike", () => {
  for (const dtype of ["float32", "float64"] as const) {
    const w = variable([1, 1, 1, 1], undefined, { dtype });
    const grad = tensor([3, -4, 0.5, 0], undefined, { dtype });
    const byNorm = sgd(1);
    const o = optimizer({ type: "sgd", learningRate: 1, clipNorm: 1 });
    o.step([[w, grad]]);
    expect(Array.from(grad.data())).toEqual([3, -4, 0.5, 0]);
    // ‖g‖ = √25.25: w − g/‖g‖.
    const norm = Math.sqrt(25.25);
    expectClose(w.data(), [1 - 3 / norm, 1 + 4 / norm, 1 - 0.5 / norm, 1], 1e-6, `${dtype} clipNorm`);
    const v = optimizer({ type: "sgd", learningRate: 1, clipValue: 1 });
    v.step([[w, grad]]);
    expectClose(w.data(), [-3 / norm, 2 + 4 / norm, 0.5 - 0.5 / norm, 1], 1e-6, `${dtype} clipValue`);
    [w, grad].forEach((t) => t.dispose());
    [byNorm, o, v].forEach((t) => t.dispose());
  }
  expect(() => optimizer({ type: "sgd", clipNorm: 1, clipValue: 1 })).toThrow("optimizer: give clipNorm or clipValue, not both (as Keras)");
});

test("a saved state resumes the schedule where it stopped", () => {
  const options: OptimizerOptions = {
    type: "adam",
    learningRate: { type: "exponential", initialLearningRate: 0.1, decaySteps: 2, decayRate: 0.5 },
    clipNorm: 0.5,
  };
  const run = (split: number): number[] => {
    const w = variable([0.3, -0.8, 1.5]);
    let opt = optimizer(options);
    for (let i = 0; i < 6; i++) {
      if (i === split) {
        const state = JSON.parse(JSON.stringify(opt.save([w])));
        opt.dispose();
        opt = optimizer(options);
        opt.load([w], state);
        expect(opt.iterations).toBe(split);
      }
      opt.minimize(() => g.sum(g.pow(w, 4)), [w]);
    }
    expect(opt.learningRate).toBeCloseTo(0.1 * 0.5 ** 3, 12);
    const out = Array.from(w.data());
    w.dispose();
    opt.dispose();
    return out;
  };
  expect(run(3)).toEqual(run(-1));
});
