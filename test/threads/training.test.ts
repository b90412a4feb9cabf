// A network trained with 4 threads has the same bytes as one trained on 1 thread, and the
// threads really shared the work.
import { expect, test } from "vitest";
import { init, Layer, Network, threadCount } from "../../src/index.js";
import { runtime } from "../../src/runtime.js";
import { Random, randomArray } from "../helpers.js";

type Hidden = { activation: "relu" | "sigmoid" | "gelu" | "swish"; normalization?: "batch" | "layer" };
const PLAIN: Hidden[] = [{ activation: "relu" }, { activation: "sigmoid" }];
// Kept z (gelu, swish) and the normalization kernels, which run on the calling thread between split passes.
const NORMALIZED: Hidden[] = [
  { activation: "gelu", normalization: "batch" },
  { activation: "swish", normalization: "layer" },
];

/**
 * Trains two epochs; `regrow`: 300 samples (a last batch of 44), and after the first batch a
 * trainBatch of 200 samples, which regrows the training buffers while fit reads ahead. Returns the
 * network's JSON, and whether the next batch's rows were being read ahead after the first batch.
 */
function train(hidden: Hidden[] = PLAIN, regrow = false): { json: string; readAhead: boolean } {
  const rng = new Random(5);
  const m = regrow ? 300 : 256,
    inputs = 300;
  const x = randomArray(rng, m * inputs);
  const y = new Float32Array(m * 10);
  for (let i = 0; i < m; i++) y[i * 10 + (i % 10)] = 1;
  const net = new Network({
    inputSize: inputs,
    layers: [new Layer({ units: 256, ...hidden[0] }), new Layer({ units: 128, ...hidden[1] }), new Layer({ units: 10, activation: "softmax" })],
    loss: "categorical-crossentropy",
    optimizer: { type: "adam", learningRate: 1e-3 },
    seed: 11,
  });
  let readAhead = false;
  net.fit(x, y, {
    epochs: 2,
    batchSize: 128,
    onBatchEnd: (batch, logs) => {
      if (batch !== 0 || logs.epoch !== 0) return;
      readAhead = runtime().parallel.idle !== null;
      if (regrow) net.trainBatch(x.subarray(0, 200 * inputs), y.subarray(0, 200 * 10));
    },
  });
  const json = JSON.stringify(net.toJSON());
  net.dispose();
  return { json, readAhead };
}

test("4 threads and 1 thread train to the same bytes", async () => {
  await init({ threads: 4 });
  expect(threadCount()).toBe(4);
  const parallel = runtime().parallel;
  const four = train();
  const fourNormalized = train(NORMALIZED);
  const fourRegrown = train(PLAIN, true);
  expect(parallel.splitCalls).toBeGreaterThan(0);
  // While a step waited for the workers, fit copied the next batch's rows (loadX in engine/schedule.ts).
  expect(four.readAhead && fourRegrown.readAhead).toBe(true);
  expect(parallel.idle).toBeNull(); // nothing left armed once fit returns (the network is disposed)
  await parallel.close();
  expect(threadCount()).toBe(1);
  const before = parallel.splitCalls;
  const one = train();
  const oneNormalized = train(NORMALIZED);
  const oneRegrown = train(PLAIN, true);
  expect(parallel.splitCalls).toBe(before);
  expect(one.readAhead).toBe(false);
  expect(four.json).toBe(one.json);
  expect(fourNormalized.json).toBe(oneNormalized.json);
  expect(fourRegrown.json).toBe(oneRegrown.json);
});
