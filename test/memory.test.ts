// The allocator: warm steps allocate nothing, memory stays flat, dispose returns everything,
// and growth mid-training leaves no stale view behind.
import { beforeAll, expect, test } from "vitest";
import { Network, init, memoryStats } from "../src/index.js";
import { Heap } from "../src/memory.js";
import { ReferenceNetwork } from "../src/reference/index.js";
import { Random, expectClose, randomArray } from "./helpers.js";

beforeAll(async () => {
  await init();
});

const options = {
  inputSize: 20,
  layers: [
    { units: 16, activation: "relu" as const },
    { units: 5, activation: "softmax" as const },
  ],
  optimizer: { type: "adam" as const, learningRate: 0.01 },
  seed: 3,
};

test("a warm trainBatch allocates nothing and memory does not grow over thousands of steps", () => {
  const net = new Network(options);
  const rng = new Random(1);
  const x = randomArray(rng, 32 * 20),
    y = Int32Array.from({ length: 32 }, () => rng.uint32() % 5);
  net.trainBatch(x, y);
  const warm = memoryStats();
  for (let i = 0; i < 3000; i++) net.trainBatch(x, y);
  net.fit(x, y, { epochs: 20, batchSize: 8 }); // smaller batches reuse the same buffers
  expect(memoryStats()).toEqual(warm);
  net.dispose();
});

test("dispose returns everything the network held", () => {
  const before = memoryStats();
  const net = new Network(options);
  net.fit(
    randomArray(new Random(2), 100 * 20),
    Int32Array.from({ length: 100 }, (_, i) => i % 5),
    { batchSize: 50 },
  );
  net.predict(randomArray(new Random(3), 3000 * 20));
  expect(memoryStats().bytesInUse).toBeGreaterThan(before.bytesInUse);
  net.dispose();
  const after = memoryStats();
  expect(after.bytesInUse).toBe(before.bytesInUse);
  expect(after.liveRegions).toBe(before.liveRegions);
});

test("a batch larger than any before grows memory mid-training, and results stay right", () => {
  const rng = new Random(4);
  // Plain SGD: Adam's first steps are ±lr whatever the gradient's size, so tiny float32/float64
  // differences in a gradient's sign would swamp the comparison.
  const big = {
    ...options,
    optimizer: { type: "sgd" as const, learningRate: 0.1 },
    inputSize: 3000,
    layers: [
      { units: 64, activation: "tanh" as const },
      { units: 5, activation: "softmax" as const },
    ],
  };
  const net = new Network(big),
    ref = new ReferenceNetwork(big);
  const small = randomArray(rng, 2 * 3000),
    ys = [0, 1];
  net.trainBatch(small, ys);
  ref.trainBatch(small, ys);
  const grows = memoryStats().grows;
  const m = 400; // 400 × 3000 floats: several MB more than the heap has
  const x = randomArray(rng, m * 3000),
    y = Int32Array.from({ length: m }, (_, i) => i % 5);
  const loss = net.trainBatch(x, y),
    refLoss = ref.trainBatch(x, y);
  expect(memoryStats().grows).toBeGreaterThan(grows);
  expect(loss).toBeCloseTo(refLoss, 5);
  expectClose(net.predict(x.subarray(0, 30 * 3000)), ref.predict(x.subarray(0, 30 * 3000)), 1e-5, "after growth");
  net.getWeights().forEach((w, i) => expectClose(w, ref.getWeights()[i], 1e-5, `tensor ${i}`));
  net.dispose();
});

test("the heap reuses and merges freed regions", () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const heap = new Heap(memory, 100);
  const a = heap.alloc(1000),
    b = heap.alloc(1000),
    c = heap.alloc(10);
  expect(a % 64).toBe(0);
  expect(b).toBeGreaterThanOrEqual(a + 1000);
  heap.release(a);
  heap.release(b);
  const d = heap.alloc(2000); // fits in the merged a+b hole
  expect(d).toBe(a);
  heap.release(c);
  heap.release(d);
  expect(heap.stats().bytesInUse).toBe(0);
  const e = heap.alloc(200_000); // more than the initial page: grows
  expect(heap.stats().grows).toBe(1);
  expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(e + 200_000);
  expect(() => heap.release(12345)).toThrow(/unknown region/);
});

test("small regions wait in exact-size bins: reused at once, counted right, never handed out twice", () => {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const heap = new Heap(memory, 100);
  const small = Array.from({ length: 200 }, (_, i) => heap.alloc(1 + (i % 64) * 4)); // 64 to 256 bytes
  const big = heap.alloc(1000);
  expect(heap.stats().liveRegions).toBe(201);
  for (let i = 0; i < small.length; i += 2) heap.release(small[i]);
  expect(heap.stats().liveRegions).toBe(101);
  const again = Array.from({ length: 100 }, (_, j) => heap.alloc(1 + ((2 * j) % 64) * 4));
  // Every freed small region was reused (same sizes, so the same set of addresses), none twice.
  expect(new Set(again)).toEqual(new Set(small.filter((_, i) => i % 2 === 0)));
  expect(() => heap.release(small[0] + 64 * 1000)).toThrow(/unknown region/);
  [...again, ...small.filter((_, i) => i % 2 === 1), big].forEach((p) => heap.release(p));
  expect(() => heap.release(big)).toThrow(/unknown region/); // a second release of the same region
  expect(heap.stats()).toMatchObject({ bytesInUse: 0, liveRegions: 0 });
});

test("allocationHook sees every heap region and every reader buffer before it is made; a file claiming a huge shape asks for nothing", async () => {
  const { allocationHook } = await import("../src/memory.js");
  const { fromTfjs, toTfjs } = await import("../src/formats/tfjs.js");
  const { fromOnnx, toOnnx } = await import("../src/formats/onnx.js");
  const seen: [number, string][] = [];
  allocationHook.request = (bytes, source) => {
    seen.push([bytes, source]);
  };
  try {
    const net = new Network(options);
    expect(seen.some(([b, s]) => s === "heap" && b >= 20 * 16 * 4)).toBe(true); // the parameters, W of 20 × 16 among them
    const { modelJson, weightData } = toTfjs(net);
    const onnx = toOnnx(net);
    seen.length = 0;
    fromTfjs(modelJson, weightData).dispose();
    expect(seen.some(([b, s]) => s === "reader" && b === 20 * 16 * 4)).toBe(true); // the decoded kernel, in JS
    seen.length = 0;
    fromOnnx(onnx).dispose();
    expect(seen.some(([b, s]) => s === "reader" && b === 20 * 16 * 4)).toBe(true);
    // A manifest claiming a 65,536 × 65,536 kernel over the same few bytes: refused before any buffer is asked for.
    const huge = structuredClone(modelJson) as typeof modelJson;
    const spec = huge.weightsManifest[0].weights[0] as { shape: number[] };
    spec.shape = [65_536, 65_536];
    (huge.modelTopology as unknown as { config: { layers: { config: { units: number } }[] } }).config.layers[0].config.units = 65_536;
    seen.length = 0;
    expect(() => fromTfjs(huge, weightData)).toThrow(/^tfjs/);
    expect(Math.max(0, ...seen.map(([b]) => b))).toBeLessThanOrEqual(weightData.byteLength);
    net.dispose();
  } finally {
    allocationHook.request = null;
  }
});
