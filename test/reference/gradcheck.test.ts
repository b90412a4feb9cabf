// Backprop against central finite differences for every activation × loss pair the API
// allows, on networks of 1 to 4 layers.
import { beforeAll, describe, expect, test } from "vitest";
import { ACTIVATIONS, type Activation, type Loss } from "../../src/config.js";
import { Network, init } from "../../src/index.js";
import { gradCheck } from "../../src/reference/index.js";
import { Random, randomArray } from "../helpers.js";

beforeAll(async () => {
  await init();
});

const HIDDEN = ACTIVATIONS.filter((a) => a !== "softmax");
/** Output activation and loss pairs that the API accepts. */
const HEADS: { output: Activation; loss: Loss; units: number }[] = [
  { output: "sigmoid", loss: "binary-crossentropy", units: 3 },
  { output: "softmax", loss: "categorical-crossentropy", units: 4 },
  ...ACTIVATIONS.map((output) => ({ output, loss: "mse" as Loss, units: 3 })),
  { output: "linear", loss: "mae", units: 3 },
  { output: "tanh", loss: "huber", units: 3 },
  { output: "linear", loss: "hinge", units: 2 },
];

function targets(loss: Loss, m: number, n: number, rng: Random): Float32Array {
  const y = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    if (loss === "categorical-crossentropy") y[i * n + (rng.uint32() % n)] = 1;
    else if (loss === "hinge") for (let j = 0; j < n; j++) y[i * n + j] = rng.uint32() % 2 ? 1 : -1;
    // Huber's targets spread over ±3, so both its quadratic and its linear part are checked.
    else
      for (let j = 0; j < n; j++) y[i * n + j] = loss === "mse" || loss === "mae" ? rng.symmetric(1) : loss === "huber" ? rng.symmetric(3) : rng.uint32() % 2;
  }
  return y;
}

// Hinge is kinked at t·a = 1: behind kinked hidden layers (relu and kin) a finite difference
// that crosses a kink of either compares one side's slope with an average of two; check hinge
// behind smooth hidden layers only.
const KINKED = ["relu", "leaky-relu", "hard-sigmoid"];
describe.each(HEADS)("output $output with $loss", ({ output, loss, units }) => {
  test.each(HIDDEN.filter((h) => loss !== "hinge" || !KINKED.includes(h)))("hidden %s: relative error below 1e-3 for 1 to 4 layers", (hidden) => {
    const rng = new Random(12);
    for (let depth = 1; depth <= 4; depth++) {
      const sizes = [5, 7, 6, 4].slice(0, depth - 1);
      const net = new Network({
        inputSize: 6,
        layers: [...sizes.map((u) => ({ units: u, activation: hidden })), { units, activation: output }],
        loss,
        seed: depth,
      });
      const m = 5;
      const x = randomArray(rng, m * 6, 1.5);
      const result = gradCheck(net, x, targets(loss, m, units, rng));
      expect(result.tensors).toHaveLength(2 * depth);
      expect(result.maxRelativeError, `${depth} layers: ${JSON.stringify(result.tensors)}`).toBeLessThan(1e-3);
      net.dispose();
    }
  });
});

test("gradCheck notices a wrong gradient", () => {
  // A network whose backward is sabotaged must fail the check: the check can fail.
  const net = new Network({ inputSize: 3, layers: [{ units: 2, activation: "sigmoid" }], loss: "binary-crossentropy", seed: 1 });
  const original = net.gradients.bind(net);
  net.gradients = (x, y) => {
    const g = original(x, y);
    g.grads[0].dW[0] += 0.05;
    return g;
  };
  const result = gradCheck(
    net,
    [
      [1, 2, 3],
      [0, 1, -1],
    ],
    [
      [1, 0],
      [0, 1],
    ],
  );
  expect(result.tensors[0].relativeError).toBeGreaterThan(1e-2);
  expect(result.tensors[1].relativeError).toBeLessThan(1e-3);
});
