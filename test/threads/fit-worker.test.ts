// fitInWorker: training in a Node worker thread gives net.fit's bytes, keeps the calling thread
// free, relays callbacks (onEpochEnd can stop), and reports errors as net.fit would.
// Runs against dist/ (the worker loads the built module, as it does in an installed package).
import { beforeAll, expect, test } from "vitest";
import { type Network as NetworkType } from "../../src/index.js";
import { Random, randomArray } from "../helpers.js";

type Dist = typeof import("../../src/index.js");
let lib: Dist;
beforeAll(async () => {
  lib = (await import(new URL("../../dist/index.js", import.meta.url).href)) as Dist;
  await lib.init();
});

function data(m: number): [Float32Array, Int32Array] {
  const rng = new Random(4);
  return [randomArray(rng, m * 100), Int32Array.from({ length: m }, (_, i) => (i * 3) % 10)];
}
function network(): NetworkType {
  return new lib.Network({
    inputSize: 100,
    layers: [new lib.Layer({ units: 64, activation: "tanh" }), new lib.Layer({ units: 10, activation: "softmax" })],
    loss: "categorical-crossentropy",
    optimizer: { type: "adam", learningRate: 1e-3 },
    seed: 21,
  });
}

test("trains to the bytes net.fit gives, with callbacks relayed and the calling thread free", async () => {
  const [x, y] = data(2000);
  const here = network();
  const expected = here.fit(x, y, { epochs: 3, batchSize: 50 });
  const away = network();
  const batches: number[] = [];
  const epochs: number[] = [];
  let ticks = 0;
  const timer = setInterval(() => {
    ticks++;
  }, 0);
  const history = await lib.fitInWorker(away, x, y, {
    epochs: 3,
    batchSize: 50,
    threads: 2,
    onBatchEnd: (b) => {
      batches.push(b);
    },
    onEpochEnd: (e) => {
      epochs.push(e);
    },
  });
  clearInterval(timer);
  expect(ticks).toBeGreaterThan(0);
  expect(history.loss).toEqual(expected.loss);
  expect(history.accuracy).toEqual(expected.accuracy);
  expect(JSON.stringify(away.toJSON())).toBe(JSON.stringify(here.toJSON()));
  expect(epochs).toEqual([0, 1, 2]);
  expect(batches).toHaveLength(3 * 40);
  here.dispose();
  away.dispose();
});

test("onEpochEnd returning false stops the worker's training", async () => {
  const [x, y] = data(200);
  const net = network();
  const history = await lib.fitInWorker(net, x, y, { epochs: 5, batchSize: 50, onEpochEnd: (e) => e < 1 });
  expect(history.loss).toHaveLength(2);
  net.dispose();
});

test("a bad argument fails as it would in net.fit, and the network is untouched", async () => {
  const [x] = data(200);
  const net = network();
  const before = JSON.stringify(net.toJSON());
  await expect(lib.fitInWorker(net, x, new Int32Array(3), { epochs: 1 })).rejects.toThrow(RangeError);
  expect(JSON.stringify(net.toJSON())).toBe(before);
  net.dispose();
});
