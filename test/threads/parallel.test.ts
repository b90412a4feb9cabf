// The thread dispatcher over 1..4 threads: every split gives the bytes of the undivided
// single-threaded kernel; a kernel that throws or a worker that dies fails one call with a clear
// error, and the dispatcher then works on the calling thread alone.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ACTIVATION_REGISTRY, activationKernels } from "../../src/activations.js";
import { init } from "../../src/index.js";
import { Heap } from "../../src/memory.js";
import { availableCores, Parallel, type Form, splitElements, splitMatmul, startThreads } from "../../src/threads/index.js";
import { MAX_TILES, MIN_MATMUL_WORK, MIN_TILE_WORK, TILES_PER_THREAD } from "../../src/threads/split.js";
import { POLL_US_OWN_CORE, POLL_US_SHARED, type Pool } from "../../src/threads/pool.js";
import type { Kernels } from "../../src/kernels.js";
import { Random, expectSameBits, randomArray } from "../helpers.js";

/** The plain (single-threaded, unshared) build: what every thread count must reproduce. */
let plain: Kernels;
let plainHeap: Heap;
let plainWork: number;
beforeAll(async () => {
  plain = await init();
  plainHeap = new Heap(plain.memory, plain.heap_base());
  plainWork = plainHeap.alloc(plain.matmul_workspace_bytes());
});

interface Threaded {
  parallel: Parallel;
  heap: Heap;
  kernels: Kernels;
  pool: Pool;
}
const pools: Parallel[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

async function threaded(threads: number, timeoutMs?: number): Promise<Threaded> {
  const { exports, pool } = await startThreads(threads, timeoutMs);
  const kernels = exports as unknown as Kernels;
  const heap = new Heap(kernels.memory, kernels.heap_base());
  const work = Array.from({ length: threads }, () => heap.alloc(kernels.matmul_workspace_bytes()));
  const parallel = new Parallel(kernels, pool, work);
  pools.push(parallel);
  return { parallel, heap, kernels, pool };
}

function put(heap: Heap, values: Float32Array): number {
  const ptr = heap.alloc(values.length * 4);
  new Float32Array(heap.memory.buffer, ptr, values.length).set(values);
  return ptr;
}
function get(heap: Heap, ptr: number, n: number): Uint32Array {
  return new Uint32Array(heap.memory.buffer.slice(ptr, ptr + 4 * n));
}

const PLAIN = { nn: "matmul_nn", nt: "matmul_nt", tn: "matmul_tn" } as const;

/** C = op(A)·op(B) (+C0) on the plain build, as raw bits. */
function plainMatmul(form: Form, m: number, n: number, k: number, a: Float32Array, b: Float32Array, c0: Float32Array, acc: boolean): Uint32Array {
  const pa = put(plainHeap, a),
    pb = put(plainHeap, b),
    pc = put(plainHeap, c0);
  plain[PLAIN[form]](m, n, k, pa, pb, pc, plainWork, acc ? 1 : 0);
  const out = get(plainHeap, pc, m * n);
  [pa, pb, pc].forEach((p) => plainHeap.release(p));
  return out;
}

// Real layer shapes (784-256-128-10 at b128: forward nt, backward tn with small m, nn), odd sizes,
// and blocks larger than one packed panel of B (n > 512, k > 256).
const SHAPES: [Form, number, number, number][] = [
  ["nt", 128, 256, 784],
  ["tn", 256, 784, 128],
  ["nn", 128, 784, 256],
  ["tn", 10, 128, 128],
  ["nt", 67, 45, 301],
  ["nn", 130, 1030, 260],
  ["tn", 33, 77, 515],
  ["nt", 7, 600, 700],
];

// 1 thread is the plain kernel call every case compares against; 3 splits unevenly, 4 oversubscribes 2 cores.
describe.each([2, 3, 4])("%i threads", (threads) => {
  let t: Threaded;
  beforeAll(async () => {
    t = await threaded(threads);
  });

  test("reports its thread count", () => {
    expect(t.parallel.threads).toBe(threads);
  });

  test.each(SHAPES)("matmul_%s %i×%i×%i equals the single-threaded bytes", (form, m, n, k) => {
    // Every shape large enough is really cut into parts here (else this test would prove nothing).
    const large = threads > 1 && m >= 4 && m * n * k >= 2 * MIN_MATMUL_WORK;
    expect(splitMatmul(m, n, k, threads).length > 1).toBe(large);
    const rng = new Random(m * 31 + n * 7 + k);
    const a = randomArray(rng, m * k),
      b = randomArray(rng, k * n),
      c0 = randomArray(rng, m * n);
    for (const acc of [false, true]) {
      const pa = put(t.heap, a),
        pb = put(t.heap, b),
        pc = put(t.heap, c0);
      t.parallel.matmul(form, m, n, k, pa, pb, pc, acc);
      expectSameBits(get(t.heap, pc, m * n), plainMatmul(form, m, n, k, a, b, c0, acc), `${form} ${m}×${n}×${k}`);
      [pa, pb, pc].forEach((p) => t.heap.release(p));
    }
  });

  // Every fused store (the epilogue codes of the activation registry), on a column split
  // (the 784-256 layer at b128) and on a row split (n below 2 parts of 8 columns).
  test.each([
    [128, 256, 784],
    [200, 12, 1500],
    [9, 130, 900],
  ])("the forward pass %i×%i×%i with each fused activation equals the single-threaded bytes", (m, n, k) => {
    expect(splitMatmul(m, n, k, threads).length > 1).toBe(threads > 1);
    const rng = new Random(m + n + k);
    const a = randomArray(rng, m * k),
      w = randomArray(rng, n * k, 0.1),
      bias = randomArray(rng, n);
    const plainA = put(plainHeap, a),
      plainW = put(plainHeap, w),
      plainBias = put(plainHeap, bias),
      plainZ = plainHeap.alloc(4 * m * n);
    const pa = put(t.heap, a),
      pw = put(t.heap, w),
      pbias = put(t.heap, bias),
      pz = t.heap.alloc(4 * m * n);
    for (const a of ACTIVATION_REGISTRY.values()) {
      const epilogue = a.code,
        alpha = a.alpha ? 0.2 : 1;
      plain.matmul_nt_forward(m, n, k, plainA, plainW, plainBias, plainZ, plainWork, epilogue, alpha);
      t.parallel.forwardNT(m, n, k, pa, pw, pbias, pz, epilogue, alpha);
      expectSameBits(get(t.heap, pz, m * n), get(plainHeap, plainZ, m * n), `epilogue ${epilogue}`);
    }
    [plainA, plainW, plainBias, plainZ].forEach((p) => plainHeap.release(p));
    [pa, pw, pbias, pz].forEach((p) => t.heap.release(p));
  });

  test("maxAbs over a split pass equals the kernel's, and finds a NaN or infinity in any part", () => {
    const rng = new Random(threads + 40);
    const n = 300_007; // shared from 262,144 floats
    const x = randomArray(rng, n, 3);
    const ptr = put(t.heap, x);
    const plainPtr = put(plainHeap, x);
    const whole = plain.max_abs(n, plainPtr);
    plainHeap.release(plainPtr);
    expect(t.parallel.maxAbs(n, ptr)).toBe(whole);
    const view = new Float32Array(t.kernels.memory.buffer, ptr, n);
    for (const [at, bad] of [
      [n - 1, NaN],
      [n >> 1, -Infinity],
      [7, Infinity],
    ] as const) {
      const keep = view[at];
      view[at] = bad;
      const got = t.parallel.maxAbs(n, ptr);
      if (Number.isNaN(bad)) expect(got).toBeNaN();
      else expect(got).toBe(Infinity);
      view[at] = keep;
    }
    t.heap.release(ptr);
  });

  test("a pass is shared from a size that depends on its kernel's cost", () => {
    const size = 262_144;
    const [g, w, m, v] = [0, 1, 2, 3].map(() => put(t.heap, new Float32Array(size).fill(0.5)));
    const shared = t.parallel.kernelsShared;
    const splits = (run: () => void) => {
      const before = t.parallel.splitCalls;
      run();
      return t.parallel.splitCalls - before;
    };
    const many = threads > 1 ? 1 : 0;
    // Memory-bound passes from 65,536 floats (two threads' 32,768); sharing 784-128-10's 101,770
    // parameters keeps each thread's part of the weights in its cache.
    expect(splits(() => shared.sgd_step(65_535, g, w, 0.1))).toBe(0);
    expect(splits(() => shared.sgd_step(101_770, g, w, 0.1))).toBe(many);
    // max_abs, which keeps nothing in cache for later, from four times that.
    expect(splits(() => t.parallel.maxAbs(235_146, g))).toBe(0);
    expect(splits(() => t.parallel.maxAbs(size, g))).toBe(many);
    // A square root and a division per element (Adam) from half of that, an exp (sigmoid) from an eighth:
    // sigmoid over 8,192 floats took 21 µs alone and 19 µs shared, Adam over 32,768 17 and 11 µs.
    expect(splits(() => shared.adam_step(32_767, g, w, m, v, 1e-3, 0.1, 0.001, 1e-7, 1, 1))).toBe(0);
    expect(splits(() => shared.adam_step(32_768, g, w, m, v, 1e-3, 0.1, 0.001, 1e-7, 1, 1))).toBe(many);
    expect(splits(() => shared.sigmoid_forward(8_191, g, w))).toBe(0);
    expect(splits(() => shared.sigmoid_forward(8_192, g, w))).toBe(many);
    [g, w, m, v].forEach((p) => t.heap.release(p));
  });

  test("activation, softmax and Adam passes equal the single-threaded bytes", () => {
    const rng = new Random(threads);
    const n = 128 * 784 + 13;
    const z = randomArray(rng, n, 4),
      g = randomArray(rng, n),
      w = randomArray(rng, n),
      m1 = randomArray(rng, n, 0.1),
      v = randomArray(rng, n, 0.01).map(Math.abs);
    const runBoth = (name: "sigmoid_forward" | "adam_step" | "softmax_forward", inputs: Float32Array[], scalars: number[], rowLength = 1) => {
      const tp = inputs.map((x) => put(t.heap, x));
      const pp = inputs.map((x) => put(plainHeap, x));
      const count = rowLength > 1 ? Math.floor(n / rowLength) * rowLength : n;
      t.parallel.elementwise(name, count, tp, scalars, rowLength);
      const fn = (plain as unknown as Record<string, (...a: number[]) => void>)[name];
      fn(...(rowLength > 1 ? [count / rowLength, rowLength] : [count]), ...pp, ...scalars);
      inputs.forEach((_, i) => expectSameBits(get(t.heap, tp[i], n), get(plainHeap, pp[i], n), `${name} buffer ${i}`));
      tp.forEach((p) => t.heap.release(p));
      pp.forEach((p) => plainHeap.release(p));
    };
    runBoth("sigmoid_forward", [z, new Float32Array(n)], []);
    runBoth("adam_step", [g, w, m1, v], [1e-3, 0.1, 0.001, 1e-8, 1 / (1 - 0.9 ** 3), 1 / (1 - 0.999 ** 3)]);
    runBoth("softmax_forward", [z, new Float32Array(n)], [], 10);
  });

  // Every activation kernel of the registry, forward and backward, split as the threads split it.
  test.each(activationKernels().map((k) => [k.name, k] as const))("%s split across threads equals the single-threaded bytes", (name, k) => {
    const rng = new Random(threads + name.length);
    const rowLength = k.rows ? 10 : 1,
      n = k.rows ? 10 * 10_000 : 128 * 784 + 13;
    const pointers = [...k.signature].filter((c) => c === "p").length,
      scalars = k.signature.endsWith("f") ? [0.2] : [];
    const inputs = Array.from({ length: pointers }, (_, i) => (i < pointers - 1 ? randomArray(rng, n, 4) : new Float32Array(n)));
    const tp = inputs.map((x) => put(t.heap, x)),
      pp = inputs.map((x) => put(plainHeap, x));
    t.parallel.elementwise(name as Parameters<Parallel["elementwise"]>[0], n, tp, scalars, rowLength);
    const fn = (plain as unknown as Record<string, (...a: number[]) => void>)[name];
    fn(...(rowLength > 1 ? [n / rowLength, rowLength] : [n]), ...pp, ...scalars);
    expectSameBits(get(t.heap, tp[pointers - 1], n), get(plainHeap, pp[pointers - 1], n), name);
    tp.forEach((p) => t.heap.release(p));
    pp.forEach((p) => plainHeap.release(p));
  });
});

describe("splitting", () => {
  test("tiles cover C once, cut at whole register tiles, never below the small-m path", () => {
    for (const [m, n, k] of [
      [128, 256, 784],
      [256, 784, 128],
      [10, 128, 128],
      [4, 4096, 4096],
      [130, 9, 9000],
      [3, 512, 4096],
    ]) {
      for (let threads = 1; threads <= 16; threads++) {
        const tiles = splitMatmul(m, n, k, threads);
        expect(tiles.length).toBeLessThanOrEqual(Math.min(threads * TILES_PER_THREAD, MAX_TILES));
        if (tiles.length > 1) expect(m * n * k).toBeGreaterThanOrEqual(tiles.length * MIN_TILE_WORK);
        const cover = new Uint8Array(m * n);
        for (const t of tiles) {
          expect(t.col % 8).toBe(0);
          expect(t.row % 4).toBe(0);
          if (tiles.length > 1) expect(t.rows).toBeGreaterThanOrEqual(4);
          for (let i = t.row; i < t.row + t.rows; i++) for (let j = t.col; j < t.col + t.cols; j++) cover[i * n + j]++;
        }
        expect(
          cover.every((c) => c === 1),
          `${m}×${n}×${k} on ${threads}`,
        ).toBe(true);
      }
    }
    expect(splitMatmul(3, 512, 4096, 4)).toHaveLength(1); // fewer than 4 rows: one part
    expect(splitMatmul(8, 8, 8, 4)).toHaveLength(1); // too small to pay for a wake
    expect(splitMatmul(10, 128, 128, 2)).toHaveLength(1); // 164k multiply-adds: one part
    // Aᵀ·B with small m: columns, several tiles per thread so a slow thread takes fewer.
    expect(splitMatmul(10, 784, 256, 2).map((t) => t.cols)).toEqual([96, 96, 96, 104, 96, 96, 96, 104]);
    expect(splitMatmul(128, 256, 784, 2).map((t) => t.cols)).toEqual(Array(8).fill(32)); // the 784-256 layer's forward
  });

  test("a machine with more threads than a job has tiles gets at most MAX_TILES of them", () => {
    expect(splitElements(1 << 24, 128)).toHaveLength(MAX_TILES);
    expect(splitMatmul(4096, 4096, 4096, 128)).toHaveLength(MAX_TILES);
  });

  test("elementwise parts are contiguous, 64-byte aligned, and small passes stay whole", () => {
    expect(splitElements(1000, 4)).toEqual([[0, 1000]]);
    expect(splitElements(65_535, 2)).toEqual([[0, 65_535]]); // below two threads' 32,768
    expect(splitElements(100_003, 1)).toEqual([[0, 100_003]]);
    expect(splitElements(235_146, 2)).toHaveLength(2 * TILES_PER_THREAD);
    // Up to TILES_PER_THREAD per thread, each at least a quarter of perThread (8,192): 100,003 has room for 12.
    const parts = splitElements(100_003, 4);
    expect(parts).toHaveLength(12);
    expect(parts[0][0]).toBe(0);
    expect(parts[parts.length - 1][1]).toBe(100_003);
    for (let i = 1; i < parts.length; i++) {
      expect(parts[i][0]).toBe(parts[i - 1][1]);
      expect(parts[i][0] % 16).toBe(0);
    }
  });
});

// Deterministic interleavings of the pool (who takes which tile, closing out, idle work,
// deadlines, a kernel that throws) are in pool.test.ts; these run real threads.
describe("real threads", () => {
  test("workers poll between calls only where every thread has a core; polling never changes the bits", async () => {
    const cores = await availableCores();
    const two = await threaded(2);
    const pool2 = (two.parallel as unknown as { pool: Pool }).pool;
    expect(pool2.pollMicros).toBe(cores >= 2 ? POLL_US_OWN_CORE : POLL_US_SHARED);
    const many = await threaded(cores + 1);
    expect((many.parallel as unknown as { pool: Pool }).pool.pollMicros).toBe(POLL_US_SHARED);
    pool2.pollMicros = -5;
    expect(pool2.pollMicros).toBe(0);
    // Blocking after every call (0 µs) and polling give the same result.
    const m = 64,
      n = 96,
      k = 300,
      rng = new Random(5);
    const a = put(two.heap, randomArray(rng, m * k)),
      b = put(two.heap, randomArray(rng, k * n));
    const c = two.heap.alloc(4 * m * n);
    const results = [0, POLL_US_OWN_CORE].map((us) => {
      pool2.pollMicros = us;
      two.parallel.matmul("nn", m, n, k, a, b, c, false);
      return new Float32Array(two.kernels.memory.buffer, c, m * n).slice();
    });
    expect(results[1]).toEqual(results[0]);
  });

  test("a worker that dies fails the next call with a clear error; later calls run on one thread", async () => {
    const { parallel, heap, pool } = await threaded(3);
    // The pool hears of the exit first (its listener was added first), then this test does.
    const worker = pool.handles[1] as unknown as import("node:worker_threads").Worker;
    const exited = new Promise((r) => worker.once("exit", r));
    await worker.terminate();
    await exited;
    const rng = new Random(10);
    const a = randomArray(rng, 128 * 256),
      b = randomArray(rng, 256 * 256),
      c0 = new Float32Array(128 * 256);
    const pa = put(heap, a),
      pb = put(heap, b),
      pc = put(heap, c0);
    expect(() => parallel.matmul("nt", 128, 256, 256, pa, pb, pc, false)).toThrow(/thread exited.*continues on one thread/);
    expect(parallel.threads).toBe(1);
    parallel.matmul("nt", 128, 256, 256, pa, pb, pc, false);
    expectSameBits(get(heap, pc, 128 * 256), plainMatmul("nt", 128, 256, 256, a, b, c0, false), "nt 128×256×256");
  });
});
