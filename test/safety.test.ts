// Issue 8's classes, each with a test that would have caught it: no write after dispose
// (callbacks), exception-safe allocation (every allocation failed in turn), every input form
// checked alike for float32 overflow, targets the loss is defined for, frozen settings,
// non-finite outputs as errors, model files that cannot load NaN-producing weights — and a
// twin network whose weights must never change, with memoryStats() back at its start.
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { type FitOptions, Network, type NetworkOptions, init, memoryStats } from "../src/index.js";
import { ReferenceNetwork } from "../src/reference/index.js";
import { runtime } from "../src/runtime.js";
import { Random, randomArray } from "./helpers.js";

beforeAll(async () => {
  await init();
});
afterEach(() => {
  runtime().heap.failAfter(null);
});

const options: NetworkOptions = {
  inputSize: 6,
  layers: [
    { units: 9, activation: "tanh" },
    { units: 3, activation: "softmax" },
  ],
  optimizer: { type: "adam", learningRate: 0.01 },
  seed: 11,
};
const rng = new Random(5);
const x = randomArray(rng, 40 * 6),
  y = Int32Array.from({ length: 40 }, (_, i) => i % 3);

/** The bytes and regions in use: what must return to its start (memoryBytes only grows in wasm). */
function inUse(): { bytesInUse: number; liveRegions: number } {
  const s = memoryStats();
  return { bytesInUse: s.bytesInUse, liveRegions: s.liveRegions };
}

function isAlive(net: Network): boolean {
  try {
    net.getWeights();
    return true;
  } catch {
    return false;
  }
}

/** A network that must be untouched by whatever another does; check() compares its weights. */
function twin(): { check: () => void; dispose: () => void } {
  const net = new Network({ ...options, seed: 99 });
  const before = net.getWeights();
  return {
    check: () => net.getWeights().forEach((w, i) => expect(w, `twin tensor ${i}`).toEqual(before[i])),
    dispose: () => net.dispose(),
  };
}

describe("dispose inside a fit callback stops fit; nothing is written afterwards", () => {
  const points: { name: string; make: (net: Network) => FitOptions; epochsDone: number }[] = [];
  for (const batch of [0, 1, 4, 5, 9]) {
    // 40 samples, batch 8: five batches an epoch, two epochs
    points.push({
      name: `onBatchEnd, batch ${batch}`,
      make: (net) => ({
        onBatchEnd: (b, logs) => {
          if (logs.epoch * 5 + b === batch) net.dispose();
        },
      }),
      epochsDone: batch < 5 ? 0 : 1,
    });
  }
  for (const epoch of [0, 1]) {
    points.push({
      name: `onEpochEnd, epoch ${epoch}`,
      make: (net) => ({
        onEpochEnd: (e) => {
          if (e === epoch) net.dispose();
        },
      }),
      epochsDone: epoch + 1,
    });
  }
  test.each(points)("$name", ({ make, epochsDone }) => {
    const start = inUse();
    const other = twin();
    const net = new Network(options);
    let batchesAfter = 0;
    let disposedAt = -1;
    const o = make(net);
    const inner = o.onBatchEnd;
    const history = net.fit(x, y, {
      ...o,
      epochs: 2,
      batchSize: 8,
      validationData: [x, y],
      onBatchEnd: (b, logs) => {
        if (disposedAt >= 0) batchesAfter++;
        inner?.(b, logs);
        if (disposedAt < 0 && !isAlive(net)) disposedAt = logs.epoch * 5 + b;
      },
    });
    expect(batchesAfter).toBe(0);
    expect(history.loss).toHaveLength(epochsDone);
    expect(history.valLoss).toHaveLength(epochsDone);
    expect(() => net.predict(x)).toThrow(/disposed/);
    // A network created now reuses the freed memory; the old one must not write into it.
    const after = new Network({ ...options, seed: 7 });
    const w = after.getWeights();
    expect(() => net.trainBatch(x, y)).toThrow(/disposed/);
    after.getWeights().forEach((t, i) => expect(t).toEqual(w[i]));
    after.dispose();
    other.check();
    other.dispose();
    expect(inUse()).toEqual(start);
  });
});

test("the guard is structural: the engine and its regions refuse work after release, whoever calls them", () => {
  const net = new Network(options);
  net.trainBatch(x, y);
  const engine = (
    net as unknown as { engine: { runForward: (s: number, m: number) => unknown; applyStep: () => void; writeParams: (w: Float32Array[]) => void } }
  ).engine;
  const regions = (engine as unknown as { store: { params: { ptr: number; view: Float32Array } } }).store.params;
  net.dispose();
  const fresh = new Network({ ...options, seed: 5 }); // likely reuses the freed memory
  const w = fresh.getWeights();
  expect(() => engine.runForward(0, 40)).toThrow(/disposed: its memory is released/);
  expect(() => engine.applyStep()).toThrow(/disposed/);
  expect(() => engine.writeParams(w)).toThrow(/disposed/);
  expect(() => regions.ptr).toThrow(/used after it was released/);
  expect(() => regions.view).toThrow(/used after it was released/);
  fresh.getWeights().forEach((t, i) => expect(t).toEqual(w[i]));
  fresh.dispose();
});

describe("out of memory at every allocation: the state is exactly as before", () => {
  test("constructor: every allocation failed in turn releases everything and frees the Layers", async () => {
    const { Layer } = await import("../src/index.js");
    const other = twin();
    const start = inUse();
    let failures = 0;
    for (let k = 0; ; k++) {
      const layers = [new Layer({ units: 9, activation: "tanh" }), new Layer({ units: 3, activation: "softmax" })];
      runtime().heap.failAfter(k);
      let net: Network | null = null;
      try {
        net = new Network({ ...options, layers });
      } catch (e) {
        failures++;
        expect(e).toBeInstanceOf(RangeError);
        expect((e as Error).message).toMatch(/out of memory: could not allocate the 93 parameters.*\d+ bytes requested/);
        expect(inUse()).toEqual(start);
        // The Layers are free to join another network.
        const again = new Network({ ...options, layers });
        again.dispose();
        continue;
      } finally {
        runtime().heap.failAfter(null);
      }
      net.dispose();
      break;
    }
    expect(failures).toBe(4); // params, grads, Adam's two state buffers
    other.check();
    other.dispose();
  });

  const operations: { name: string; run: (net: Network) => unknown }[] = [
    { name: "trainBatch", run: (net) => net.trainBatch(x, y) },
    { name: "fit", run: (net) => net.fit(x, y, { batchSize: 16 }) },
    { name: "forward", run: (net) => net.forward(x) },
    { name: "gradients", run: (net) => net.gradients(x, y) },
    { name: "predict", run: (net) => net.predict(x) },
    { name: "evaluate", run: (net) => net.evaluate(x, y) },
  ];
  test.each(operations)("$name: each of its allocations failed in turn", ({ name, run }) => {
    const other = twin();
    let failures = 0;
    for (let k = 0; ; k++) {
      const net = new Network(options);
      net.trainBatch(x.subarray(0, 12), y.subarray(0, 2)); // a smaller batch first: the old buffers exist
      net.predict(x.subarray(0, 12));
      const weights = net.getWeights();
      const start = inUse();
      runtime().heap.failAfter(k);
      let failed = false;
      try {
        run(net);
      } catch (e) {
        failed = true;
        failures++;
        expect(e, name).toBeInstanceOf(RangeError);
        expect((e as Error).message).toMatch(/out of memory: could not allocate the buffers of a batch of (40|16) samples \([\d,]+ bytes requested/);
        expect(inUse()).toEqual(start);
        net.getWeights().forEach((w, i) => expect(w).toEqual(weights[i]));
        // The network still works on the batch size it had.
        expect(Number.isFinite(net.trainBatch(x.subarray(0, 12), y.subarray(0, 2)))).toBe(true);
      } finally {
        runtime().heap.failAfter(null);
      }
      net.dispose();
      if (!failed) break;
    }
    expect(failures).toBeGreaterThan(2);
    other.check();
    other.dispose();
  });

  test("a batch too large for memory is a RangeError naming the batch size and the bytes", () => {
    const other = twin();
    const wide = new Network({
      inputSize: 1,
      layers: [
        { units: 65536, activation: "relu" },
        { units: 1, activation: "sigmoid" },
      ],
      seed: 1,
    });
    wide.trainBatch([0.5, -0.5], [[1], [0]]);
    const start = inUse();
    const before = wide.getWeights();
    // 65,536 samples × 65,536 units: 16 GiB for one layer's outputs, more than wasm32 can address.
    const m = 65536;
    const xs = new Float32Array(m).fill(0.25),
      ys = new Float32Array(m).fill(1);
    expect(() => wide.trainBatch(xs, ys)).toThrow(RangeError);
    expect(() => wide.trainBatch(xs, ys)).toThrow(
      /out of memory: could not allocate the buffers of a batch of 65,536 samples \(51,540,656,128 bytes requested; /,
    );
    expect(inUse()).toEqual(start);
    wide.getWeights().forEach((w, i) => expect(w).toEqual(before[i]));
    expect(Number.isFinite(wide.trainBatch([0.5, -0.5], [[1], [0]]))).toBe(true);
    wide.dispose();
    other.check();
    other.dispose();
  });
});

describe("every input form is checked alike for float32 overflow", () => {
  const big = 1e39;
  const forms: { name: string; make: () => unknown }[] = [
    {
      name: "Float64Array",
      make: () => {
        const a = Float64Array.from(x.subarray(0, 12));
        a[7] = big;
        return a;
      },
    },
    {
      name: "flat number[]",
      make: () => {
        const a = Array.from(x.subarray(0, 12));
        a[7] = big;
        return a;
      },
    },
    { name: "number[][]", make: () => [Array.from(x.subarray(0, 6)), Array.from(x.subarray(6, 12)).map((v, j) => (j === 1 ? big : v))] },
    { name: "Float64Array rows", make: () => [Float64Array.from(x.subarray(0, 6)), Float64Array.from(x.subarray(6, 12)).map((v, j) => (j === 1 ? big : v))] },
  ];
  test.each(forms)("$name holding 1e39 is rejected, naming sample 1 value 1, before any write", ({ make }) => {
    const net = new Network(options);
    net.forward(x);
    const w = net.getWeights();
    const allocations = memoryStats().allocations;
    for (const call of [() => net.predict(make() as number[]), () => net.trainBatch(make() as number[], [0, 1]), () => net.forward(make() as number[])]) {
      expect(call).toThrow(RangeError);
      expect(call).toThrow(/sample 1, value 1 is 1e\+39, beyond float32's range/);
    }
    expect(memoryStats().allocations).toBe(allocations);
    net.getWeights().forEach((t, i) => expect(t).toEqual(w[i]));
    net.dispose();
  });

  test.each(forms)("$name holding 1e39 is rejected the same way by predict's scan in wasm memory (the slot already has room)", ({ make }) => {
    const net = new Network(options);
    net.predict(new Float32Array(2 * 6)); // the inference slot has room for 2 samples: predict scans its copy there
    const allocations = memoryStats().allocations;
    expect(() => net.predict(make() as number[])).toThrow(/^x sample 1, value 1 is 1e\+39, beyond float32's range/);
    expect(memoryStats().allocations).toBe(allocations);
    net.dispose();
  });

  test.each(forms)("$name holding 1e39 is rejected the same way by trainBatch's scan of its copy in the training slot", ({ make }) => {
    const net = new Network(options);
    net.trainBatch(x.subarray(0, 12), [0, 1]); // the training slot has room for 2 samples and no forward() is pending
    const w = net.getWeights();
    const allocations = memoryStats().allocations;
    expect(() => net.trainBatch(make() as number[], [0, 1])).toThrow(/^x sample 1, value 1 is 1e\+39, beyond float32's range/);
    expect(memoryStats().allocations).toBe(allocations);
    net.getWeights().forEach((t, i) => expect(t).toEqual(w[i]));
    net.dispose();
  });

  test("a trainBatch rejected while a forward() awaits its backward() leaves that forward's input alone", () => {
    const net = new Network(options);
    net.trainBatch(x.subarray(0, 12), [0, 1]);
    const twin = new Network(options);
    twin.trainBatch(x.subarray(0, 12), [0, 1]);
    net.forward(x.subarray(0, 12));
    twin.forward(x.subarray(0, 12));
    const bad = x.slice(0, 12);
    bad[3] = NaN;
    expect(() => net.trainBatch(bad, [0, 1])).toThrow(/^x sample 0, value 3 is NaN, not finite/);
    const dOut = new Float32Array(2 * net.outputSize).fill(0.5);
    expect(net.backward(dOut).dInput).toEqual(twin.backward(dOut).dInput);
    net.dispose();
    twin.dispose();
  });

  test("predict finds a non-finite value in a later chunk of a large batch, and names it", () => {
    const net = new Network(options);
    const m = 2500; // three chunks of up to 1,024 samples
    const big = new Float32Array(m * 6).fill(0.5);
    net.predict(big); // the slot has room: every chunk is scanned in wasm memory
    for (const [at, value] of [
      [2100 * 6 + 4, NaN],
      [1024 * 6, -Infinity],
      [m * 6 - 1, Infinity],
    ] as const) {
      const bad = big.slice();
      bad[at] = value;
      expect(() => net.predict(bad)).toThrow(
        new RangeError(`x sample ${Math.floor(at / 6)}, value ${at % 6} is ${value}, not finite; every value must be a finite float32`),
      );
    }
    expect(net.predict(big)).toHaveLength(m * net.outputSize);
    net.dispose();
  });

  test("setWeights rejects a Float64Array or number[] value beyond float32, and writes nothing", () => {
    const net = new Network(options);
    const w = net.getWeights();
    const makers: ((a: Float32Array) => Float64Array | number[])[] = [(a) => Float64Array.from(a), (a) => Array.from(a)];
    for (const make of makers) {
      const bad: (Float64Array | number[])[] = w.map((t) => make(t));
      bad[2][3] = -4e38;
      expect(() => net.setWeights(bad)).toThrow(/weights\[2\]\[3\] \(W of layer 1\) is -4e\+38, beyond float32's range/);
    }
    net.getWeights().forEach((t, i) => expect(t).toEqual(w[i]));
    net.dispose();
  });

  test("NaN and Infinity in any position are caught before any kernel runs or any memory is taken", () => {
    const net = new Network(options);
    net.forward(x);
    const w = net.getWeights();
    const allocations = memoryStats().allocations;
    for (const bad of [NaN, Infinity, -Infinity]) {
      const a = Float32Array.from(x);
      a[a.length - 1] = bad;
      expect(() => net.fit(a, y)).toThrow(/sample 39, value 5 is (NaN|-?Infinity), not finite/);
      expect(() =>
        net.evaluate(
          x,
          Float32Array.from({ length: 120 }, (_, i) => (i === 4 ? bad : i % 3 === 0 ? 1 : 0)),
        ),
      ).toThrow(/y sample 1, value 1/);
      const ws = net.getWeights();
      ws[3][1] = bad;
      const dOut = new Float32Array(120);
      dOut[61] = bad;
      expect(() => net.backward(dOut)).toThrow(/dOut sample 20, value 1 is (NaN|-?Infinity), not finite/);
      expect(() => net.setWeights(ws)).toThrow(/weights\[3\]\[1\] \(b of layer 1\) is (NaN|-?Infinity)/);
    }
    expect(memoryStats().allocations).toBe(allocations);
    net.getWeights().forEach((t, i) => expect(t).toEqual(w[i]));
    net.dispose();
  });
});

describe("targets the loss is defined for", () => {
  test("categorical-crossentropy rows must sum to 1: multi-hot and all-zero rows are rejected, smoothed rows accepted", () => {
    const net = new Network(options);
    const rows = (r: number[]) => [[1, 0, 0], r];
    expect(() => net.trainBatch(x.subarray(0, 12), rows([1, 1, 0]))).toThrow(
      /y sample 1 sums to 2; categorical-crossentropy targets must be probabilities summing to 1 \(within 0.001\)/,
    );
    expect(() => net.trainBatch(x.subarray(0, 12), rows([0, 0, 0]))).toThrow(/y sample 1 sums to 0/);
    expect(() => net.trainBatch(x.subarray(0, 12), rows([1.2, -0.2, 0]))).toThrow(/must lie in \[0, 1\]/);
    const smoothed = [0.9 + 0.1 / 3, 0.1 / 3, 0.1 / 3];
    expect(Number.isFinite(net.trainBatch(x.subarray(0, 12), rows(smoothed)))).toBe(true);
    net.dispose();
  });

  test("binary-crossentropy targets must lie in [0, 1]", () => {
    const net = new Network({ inputSize: 6, layers: [{ units: 2, activation: "sigmoid" }], seed: 1 });
    expect(() => net.trainBatch(x.subarray(0, 6), [[1.5, 0]])).toThrow(/y sample 0, value 0 is 1.5; binary-crossentropy targets must lie in \[0, 1\]/);
    expect(() => net.evaluate(x.subarray(0, 6), [[0, -0.25]])).toThrow(/value 1 is -0.25/);
    expect(net.loss(x.subarray(0, 6), [[1, 0.3]])).toBeGreaterThan(0);
    net.dispose();
  });
});

test("optimizer settings are a frozen copy, and toJSON does not alias them", () => {
  const net = new Network(options);
  expect(Object.isFrozen(net.optimizer)).toBe(true);
  expect(() => {
    (net.optimizer as { learningRate: number }).learningRate = NaN;
  }).toThrow(TypeError);
  const file = net.toJSON();
  (file.optimizer as { learningRate: number }).learningRate = NaN;
  expect(net.optimizer.learningRate).toBe(0.01);
  expect(Number.isFinite(net.trainBatch(x, y))).toBe(true);
  net.getWeights().forEach((w) => expect(w.every(Number.isFinite)).toBe(true));
  net.dispose();
});

describe("non-finite outputs are errors naming the sample", () => {
  test("predict and evaluate refuse outputs that overflowed, naming the sample", () => {
    const net = new Network({ inputSize: 2, layers: [{ units: 2, activation: "linear" }], loss: "mse", seed: 1 });
    net.setWeights([
      [3e38, 3e38, 0, 0],
      [0, 0],
    ]);
    const inputs = [
      [0, 0],
      [0.1, 0.1],
      [1, 1],
    ]; // sample 2: 6e38 overflows float32
    expect(() => net.predict(inputs)).toThrow(/predict: the output of sample 2 is Infinity/);
    expect(() =>
      net.evaluate(inputs, [
        [0, 0],
        [0, 0],
        [0, 0],
      ]),
    ).toThrow(/evaluate: the output of sample 2 is Infinity/);
    expect(net.predict(inputs.slice(1, 2))[0] / 6e37).toBeCloseTo(1, 6); // below the overflow: a number
    net.dispose();
  });
});

describe("model files", () => {
  const file = () => {
    const net = new Network(options);
    const json = net.toJSON();
    net.dispose();
    return json;
  };

  test("finite but huge weights that overflow the network's own outputs are rejected, and nothing is kept", () => {
    const start = inUse();
    const net = new Network({ inputSize: 2, layers: [{ units: 2, activation: "linear" }], loss: "mse", seed: 1 });
    net.setWeights([
      [3e38, 3e38, 0, 0],
      [0, 0],
    ]);
    const json = net.toJSON();
    net.dispose();
    expect(() => Network.fromJSON(json)).toThrow(
      /model weights overflow float32: on a probe input of zeros \(sample 0\) or ones \(sample 1\), the output of sample 1 is Infinity/,
    );
    expect(() => ReferenceNetwork.fromJSON(json)).not.toThrow(); // float64 does not overflow there
    expect(inUse()).toEqual(start);
  });

  test.each(["inputSize", "loss", "optimizer", "seed", "layers", "weights"])("a file without %s is rejected, naming the field", (key) => {
    const json = file() as unknown as Record<string, unknown>;
    delete json[key];
    expect(() => Network.fromJSON(json as never)).toThrow(new RegExp(`model\\.${key} is missing; a model file written by toJSON always has it`));
  });

  test("truncated base64 says so", () => {
    const json = file();
    json.weights[0] = json.weights[0].slice(0, 10);
    expect(() => Network.fromJSON(json)).toThrow(
      /decodes to 7 bytes, not a whole number of 4-byte float32 values: the text is truncated or damaged \(expected 54 float32 values \(216 bytes\)\)/,
    );
  });
});

test("soak: 10,000 mixed operations against twins; memory returns to its start", () => {
  const start = inUse();
  const other = twin();
  const r = new Random(2024);
  const live: Network[] = [];
  const counts = { create: 0, dispose: 0, fitDispose: 0, grow: 0, failedAlloc: 0, train: 0, predict: 0 };
  for (let op = 0; op < 10000; op++) {
    const kind = r.uint32() % 8;
    if (kind === 0 || live.length === 0) {
      if (live.length < 6) {
        live.push(new Network({ ...options, seed: op }));
        counts.create++;
      }
      continue;
    }
    const i = r.uint32() % live.length;
    const net = live[i];
    const m = 1 + (r.uint32() % 40);
    const xs = x.subarray(0, m * 6),
      ys = y.subarray(0, m);
    if (kind === 1) {
      net.dispose();
      live.splice(i, 1);
      counts.dispose++;
    } else if (kind === 2) {
      const stopAt = r.uint32() % 4;
      const perEpoch = Math.ceil(m / 4);
      net.fit(xs, ys, {
        batchSize: 4,
        epochs: 2,
        onBatchEnd: (b, logs) => {
          if (logs.epoch * perEpoch + b === stopAt) net.dispose();
        },
      });
      if (stopAt < Math.ceil(m / 4) * 2) {
        live.splice(i, 1);
        counts.fitDispose++;
      }
    } else if (kind === 3) {
      // A batch larger than any before: may grow memory.
      const big = 40 + (r.uint32() % 200);
      net.predict(randomArray(r, big * 6));
      counts.grow++;
    } else if (kind === 4) {
      runtime().heap.failAfter(r.uint32() % 3);
      const w = net.getWeights();
      try {
        net.predict(randomArray(r, (300 + (r.uint32() % 300)) * 6));
      } catch (e) {
        expect(e).toBeInstanceOf(RangeError);
        net.getWeights().forEach((t, j) => expect(t).toEqual(w[j]));
        counts.failedAlloc++;
      } finally {
        runtime().heap.failAfter(null);
      }
    } else if (kind === 5 || kind === 6) {
      expect(Number.isFinite(net.trainBatch(xs, ys))).toBe(true);
      counts.train++;
    } else {
      expect(net.predict(xs).every(Number.isFinite)).toBe(true);
      counts.predict++;
    }
  }
  for (const net of live) net.dispose();
  other.check();
  other.dispose();
  expect(inUse()).toEqual(start);
  for (const [k, v] of Object.entries(counts)) expect(v, k).toBeGreaterThan(10);
});
