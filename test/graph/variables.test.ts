// Training variables without a Network: the notes' logistic regression (example 1 of note 000)
// and a 2-layer network written in tensors take the steps Network.trainBatch takes from the same
// weights; a custom loss on integer class labels through takeAlongAxis equals categorical
// cross-entropy on one-hot rows; a non-finite gradient changes nothing; state saves and loads.
import { beforeAll, expect, test } from "vitest";
import { Network, init, memoryStats } from "wasmlp";
import * as g from "wasmlp/graph";
import { type Tensor, adam, optimizer, sgd, tensor, variable } from "wasmlp/graph";
import { Random, expectClose, randomArray } from "../helpers.js";

beforeAll(async () => {
  await init();
});

/** Variables holding a network's weights: W (units × fan-in) and b per layer. */
function variablesOf(net: Network): Tensor[] {
  const sizes = [net.inputSize, ...net.layers.map((l) => l.units)];
  return net.getWeights().map((w, i) => (i % 2 ? variable(w) : variable(w, [sizes[(i >> 1) + 1], sizes[i >> 1]])));
}

test("the notes' logistic regression, y = σ(wx + b) with cross-entropy, trained by sgd over variables, takes Network's steps (seed 0)", () => {
  const start = memoryStats().bytesInUse;
  const rng = new Random(0);
  const m = 32,
    n = 3;
  const x = randomArray(rng, m * n, 2);
  const d = Float32Array.from({ length: m }, (_, i) => (x[i * n] - 0.5 * x[i * n + 1] + 0.2 > 0 ? 1 : 0));
  const net = new Network({
    inputSize: n,
    layers: [{ units: 1, activation: "sigmoid" }],
    loss: "binary-crossentropy",
    optimizer: { type: "sgd", learningRate: 0.5 },
    seed: 0,
  });
  const [w, b] = variablesOf(net);
  const opt = sgd(0.5);
  const X = tensor(x, [m, n]),
    D = tensor(d, [m, 1]);
  for (let step = 0; step < 20; step++) {
    const expected = net.trainBatch(x, d);
    const got = opt.minimize(() => {
      const y = g.sigmoid(g.add(g.matmul(X, w, { transposeB: true }), b));
      return g.mean(g.add(g.mul(D, g.log(y)), g.mul(g.sub(1, D), g.log(g.sub(1, y))))).neg();
    }, [w, b]);
    expect(Math.abs(got - expected)).toBeLessThan(1e-5);
  }
  const [ew, eb] = net.getWeights();
  expectClose(w.data(), ew, 1e-5, "w");
  expectClose(b.data(), eb, 1e-5, "b");
  [w, b, X, D].forEach((t) => t.dispose());
  opt.dispose();
  net.dispose();
  expect(memoryStats().bytesInUse).toBe(start);
});

test("a 2-layer network in tensors with adam over its variables matches Network.trainBatch; labels through takeAlongAxis equal one-hot cross-entropy", () => {
  const rng = new Random(5);
  const m = 16,
    n = 4,
    h = 6,
    k = 3;
  const x = randomArray(rng, m * n, 1.5);
  const labels = Array.from({ length: m }, (_, i) => i % k);
  const onehot = labels.map((c) => Array.from({ length: k }, (_, j) => (j === c ? 1 : 0)));
  const net = new Network({
    inputSize: n,
    layers: [
      { units: h, activation: "tanh" },
      { units: k, activation: "softmax" },
    ],
    optimizer: { type: "adam", learningRate: 0.01 },
    seed: 3,
  });
  const vars = variablesOf(net);
  const [W1, b1, W2, b2] = vars;
  const opt = adam(0.01);
  const X = tensor(x, [m, n]);
  const column = labels.map((c) => [c]);
  for (let step = 0; step < 10; step++) {
    const expected = net.trainBatch(x, onehot);
    const got = opt.minimize(() => {
      const hidden = g.tanh(g.add(g.matmul(X, W1, { transposeB: true }), b1));
      const logits = g.add(g.matmul(hidden, W2, { transposeB: true }), b2);
      // Cross-entropy on integer labels: each row's log-probability of its class.
      return g.mean(g.takeAlongAxis(g.logSoftmax(logits), column)).neg();
    }, vars);
    expect(Math.abs(got - expected)).toBeLessThan(1e-5);
  }
  net.getWeights().forEach((w, i) => expectClose(vars[i].data(), w, 1e-5, `weights ${i}`));
  vars.forEach((v) => v.dispose());
  X.dispose();
  opt.dispose();
  net.dispose();
});

test("a step with a non-finite gradient is refused and changes neither the variables nor the state; state saves and loads", () => {
  const w = variable([1, 2, 3]);
  const opt = optimizer({ type: "adam", learningRate: 0.1 });
  opt.minimize(() => g.sum(g.square(w)), [w]);
  const saved = opt.save([w]);
  const bad = tensor([1, 1, 1]);
  const inf = g.mul(bad, 3e38);
  const inf2 = g.mul(inf, 10); // overflows: +∞ by IEEE
  expect(() => opt.step([[w, inf2]])).toThrow(/non-finite value, so no update was applied/);
  expect(opt.save([w])).toEqual(saved);
  expect(() => opt.minimize(() => g.sum(g.log(g.sub(w, w))), [w])).toThrow(/the loss became -Infinity/);
  expect(opt.save([w])).toEqual(saved);
  // A second optimizer loads the first's state and then takes the same steps.
  const w2 = variable([0, 0, 0]);
  const opt2 = optimizer({ type: "adam", learningRate: 0.1 });
  opt2.load([w2], JSON.parse(JSON.stringify(saved)));
  for (let i = 0; i < 3; i++) {
    opt.minimize(() => g.sum(g.square(w)), [w]);
    opt2.minimize(() => g.sum(g.square(w2)), [w2]);
  }
  expect(Array.from(w2.data())).toEqual(Array.from(w.data()));
  expect(() => opt2.load([w2], { ...saved, variables: [{ ...saved.variables[0], states: [[1, 2, 3]] }] })).toThrow(/has 1 state vectors, adam keeps 2/);
  expect(() => opt2.load([w2], { ...saved, step: -1 })).toThrow(/step is -1/);
  expect(() => sgd(0.1).load([w2], saved)).toThrow(/the state is of optimizer/);
  [w, w2, bad, inf, inf2].forEach((t) => t.dispose());
  opt.dispose();
  opt2.dispose();
});
