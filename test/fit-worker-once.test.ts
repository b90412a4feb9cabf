// One worker run per network at a time: a second fitInWorker on a network whose first has not
// settled is refused, the first's epochs all arrive, and the network is free again afterwards
// (after a success or an error alike).
import { expect, test } from "vitest";
import { Network, fitInWorker, init } from "wasmlp";
import { Random, randomArray } from "./helpers.js";

await init();

const x = randomArray(new Random(9), 40 * 6),
  y = Int32Array.from({ length: 40 }, (_, i) => i % 4);
const make = () =>
  new Network({
    inputSize: 6,
    layers: [
      { units: 8, activation: "tanh" },
      { units: 4, activation: "softmax" },
    ],
    optimizer: { type: "adam", learningRate: 0.01 },
    seed: 12,
  });
const bits = (n: Network) => n.getWeights().map((w) => Array.from(new Uint32Array(Float32Array.from(w).buffer)));

test("a second call before the first settles is refused; no epoch is lost", async () => {
  const here = make();
  here.fit(x, y, { epochs: 2, batchSize: 8 });
  const away = make();
  const first = fitInWorker(away, x, y, { epochs: 2, batchSize: 8 });
  const second = fitInWorker(away, x, y, { epochs: 2, batchSize: 8 });
  await expect(second).rejects.toThrow("fitInWorker: this network is already training in a worker; await that call's promise before starting another");
  const history = await first;
  expect(history.epoch).toEqual([0, 1]);
  expect(away.epochsTrained).toBe(2);
  expect(bits(away)).toEqual(bits(here));

  // Settled: the network may train in a worker again, continuing where it stopped.
  here.fit(x, y, { epochs: 3, initialEpoch: 2, batchSize: 8 });
  await fitInWorker(away, x, y, { epochs: 3, initialEpoch: away.epochsTrained, batchSize: 8 });
  expect(bits(away)).toEqual(bits(here));
  [here, away].forEach((n) => n.dispose());
});

test("a call that fails frees the network too; other networks are never blocked", async () => {
  const a = make(),
    b = make();
  const bad = fitInWorker(a, x, y, { epochs: 1, batchSize: 0 });
  const other = fitInWorker(b, x, y, { epochs: 1, batchSize: 8 });
  await expect(bad).rejects.toThrow(/batchSize must be an integer in \[1, 65536\], received 0/);
  await other;
  await fitInWorker(a, x, y, { epochs: 1, batchSize: 8 });
  expect(a.epochsTrained).toBe(1);
  [a, b].forEach((n) => n.dispose());
});
