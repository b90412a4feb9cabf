// The relaxed build on threads: the pool's workers run the calling thread's build (a worker on
// the plain build would round its tiles' multiply-adds twice and change the bytes), and so does
// fitInWorker's worker.
import { expect, test } from "vitest";
import { fitInWorker, init, Network, simdFeatures, threadCount } from "../../src/index.js";
import { runtime } from "../../src/runtime.js";
import { Random, randomArray } from "../helpers.js";

function data() {
  const rng = new Random(7);
  const m = 256,
    inputs = 300;
  const x = randomArray(rng, m * inputs);
  const y = new Float32Array(m * 10);
  for (let i = 0; i < m; i++) y[i * 10 + (i % 10)] = 1;
  return { x, y };
}
const make = () =>
  new Network({
    inputSize: 300,
    layers: [
      { units: 256, activation: "relu" },
      { units: 128, activation: "sigmoid" },
      { units: 10, activation: "softmax" },
    ],
    optimizer: { type: "adam", learningRate: 1e-3 },
    seed: 11,
  });

test("2 threads and 1 thread train to the same bytes on the relaxed build, int8 predicts the same bits; fitInWorker too", async () => {
  await init({ simd: "relaxed", threads: 2 });
  expect(simdFeatures()).toEqual({ build: "relaxed", relaxedMadd: true, relaxedDot: true });
  expect(threadCount()).toBe(2);
  const { x, y } = data();
  const parallel = runtime().parallel;
  // The relaxed int8 layers (qmatmul7_nt_forward) split across the pool: the same bits on 2 threads and on 1.
  const big = make(),
    q = big.quantize();
  const xq = x.subarray(0, 200 * 300);
  const twoQ = q.predict(xq);
  expect(parallel.splitCalls).toBeGreaterThan(0);
  parallel.useThreads(1);
  expect(Array.from(q.predict(xq))).toEqual(Array.from(twoQ));
  parallel.useThreads(2);
  q.dispose();
  big.dispose();
  const net2 = make();
  const before = parallel.splitCalls;
  net2.fit(x, y, { epochs: 2, batchSize: 128 });
  expect(parallel.splitCalls).toBeGreaterThan(before);
  const two = JSON.stringify(net2.toJSON());
  await parallel.close();
  const net1 = make();
  net1.fit(x, y, { epochs: 2, batchSize: 128 });
  expect(JSON.stringify(net1.toJSON())).toBe(two);
  const inWorker = make();
  await fitInWorker(inWorker, x, y, { epochs: 2, batchSize: 128 });
  expect(JSON.stringify(inWorker.toJSON())).toBe(two);
  [net1, net2, inWorker].forEach((n) => n.dispose());
}, 120_000);
