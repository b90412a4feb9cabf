// Int8 batches on threads: each layer's qmatmul_nt_forward is cut into blocks of samples, and
// 2 threads give the bits 1 thread gives (a sample's int8 outputs depend only on its row).
import { expect, test } from "vitest";
import { init, Network, threadCount } from "../../src/index.js";
import { runtime } from "../../src/runtime.js";
import { splitRows } from "../../src/threads/split.js";
import { Random } from "../helpers.js";

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

test("splitRows: blocks of 8 rows covering every sample once; one block when small or on one thread", () => {
  expect(splitRows(1024, 784 * 256, 1)).toEqual([[0, 1024]]);
  expect(splitRows(3, 784 * 256, 2)).toEqual([[0, 3]]);
  expect(splitRows(8, 10, 2)).toEqual([[0, 8]]);
  for (const [m, threads] of [
    [1024, 2],
    [1000, 3],
    [77, 2],
    [9, 4],
  ] as const) {
    const parts = splitRows(m, 100_000, threads);
    expect(parts[0][0]).toBe(0);
    expect(parts[parts.length - 1][1]).toBe(m);
    for (let i = 1; i < parts.length; i++) expect(parts[i][0]).toBe(parts[i - 1][1]);
    for (const [s, e] of parts) {
      expect(s % 8).toBe(0);
      expect(e).toBeGreaterThan(s);
    }
    expect(parts.length).toBeLessThanOrEqual(4 * threads);
  }
});

test("2 threads and 1 thread give a quantized network's batch the same bits, and the layers were split", async () => {
  await init({ threads: 2 });
  expect(threadCount()).toBe(2);
  const net = new Network({
    inputSize: 784,
    layers: [
      { units: 256, activation: "relu" },
      { units: 128, activation: "tanh" },
      { units: 10, activation: "softmax" },
    ],
    seed: 3,
  });
  const rng = new Random(9);
  const x = Float32Array.from({ length: 300 * 784 }, () => rng.symmetric(1));
  const parallel = runtime().parallel;
  for (const activations of ["int16", "int8"] as const) {
    const q = net.quantize({ activations });
    const before = parallel.splitCalls;
    const two = q.predict(x);
    expect(parallel.splitCalls - before, activations).toBeGreaterThan(0);
    parallel.useThreads(1);
    const one = q.predict(x);
    parallel.useThreads(2);
    expect(bits(two), activations).toEqual(bits(one));
    // And each sample's bits alone.
    expect(bits(q.predict(x.subarray(784 * 123, 784 * 124)))).toEqual(bits(two.subarray(1230, 1240)));
    q.dispose();
  }
  net.dispose();
}, 60_000);
