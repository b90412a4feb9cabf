// Network.quantize() and QuantizedNetwork: predict against the reference of the same scheme (bit
// for bit) and against the float network (within the stated bound), model files, bad input.
import { beforeAll, describe, expect, test } from "vitest";
import { Network } from "../../src/network.js";
import { QuantizedNetwork, activationRange, quantizeWeights } from "../../src/quantize.js";
import { qmatmulReference, quantizeRowsReference } from "../../src/reference/quantized.js";
import { Random, randomArray, setup } from "../helpers.js";

beforeAll(async () => {
  await setup();
});

function mlp(layers: { units: number; activation: string }[], loss?: string, inputSize = 20): Network {
  return new Network({ inputSize, layers: layers as never, seed: 3, ...(loss ? { loss: loss as never } : {}) });
}

describe("QuantizedNetwork.predict", () => {
  test("is the reference of the scheme, bit for bit (relu hidden layers, linear output; int16 and int8 activations; 1 to 1,030 samples)", () => {
    const net = mlp(
      [
        { units: 13, activation: "relu" },
        { units: 9, activation: "relu" },
        { units: 3, activation: "linear" },
      ],
      "mse",
      37,
    );
    const rng = new Random(31);
    for (const type of ["int16", "int8"] as const) {
      const q = net.quantize({ activations: type });
      for (const m of [1, 2, 7, 1030]) {
        const x = randomArray(rng, m * 37, 2);
        let a: Float32Array = x,
          k = 37;
        q.layers.forEach((l, i) => {
          const { q: qx, scales } = quantizeRowsReference(m, k, a, activationRange(type, k));
          a = qmatmulReference(m, l.units, k, qx, scales, l.weights, l.scales, l.bias, i < 2 ? "relu" : "linear");
          k = l.units;
        });
        const got = q.predict(x);
        expect(Array.from(new Uint32Array(got.buffer)), `${type}, ${m} samples`).toEqual(Array.from(new Uint32Array(a.buffer)));
      }
      q.dispose();
    }
    net.dispose();
  });

  test("is within 0.02 of the float network's softmax outputs on 784-256-128-10, and agrees on the class of at least 97% of samples", () => {
    const net = mlp(
      [
        { units: 256, activation: "relu" },
        { units: 128, activation: "relu" },
        { units: 10, activation: "softmax" },
      ],
      undefined,
      784,
    );
    const rng = new Random(32);
    const x = randomArray(rng, 300 * 784, 1).map(Math.abs);
    const want = net.predict(x);
    for (const type of ["int16", "int8"] as const) {
      const q = net.quantize({ activations: type });
      const got = q.predict(x);
      let worst = 0,
        same = 0;
      for (let i = 0; i < 300; i++) {
        let a = 0,
          b = 0;
        for (let j = 0; j < 10; j++) {
          worst = Math.max(worst, Math.abs(got[i * 10 + j] - want[i * 10 + j]));
          if (got[i * 10 + j] > got[i * 10 + a]) a = j;
          if (want[i * 10 + j] > want[i * 10 + b]) b = j;
        }
        if (a === b) same++;
      }
      expect(worst, type).toBeLessThan(0.02);
      expect(same / 300, type).toBeGreaterThanOrEqual(0.97);
      // One sample alone: the same bits as inside the batch.
      expect(Array.from(q.predict(x.subarray(784, 1568)))).toEqual(Array.from(got.subarray(10, 20)));
      q.dispose();
    }
    net.dispose();
  });

  test("evaluate gives the float network's loss and accuracy closely; a non-finite input is the float network's error", () => {
    const net = mlp([
      { units: 16, activation: "tanh" },
      { units: 4, activation: "softmax" },
    ]);
    const rng = new Random(33);
    const x = randomArray(rng, 200 * 20, 1),
      y = Int32Array.from({ length: 200 }, (_, i) => i % 4);
    const q = net.quantize();
    const f = net.evaluate(x, y),
      e = q.evaluate(x, y);
    expect(Math.abs(e.loss - f.loss)).toBeLessThan(0.01);
    expect(Math.abs(e.accuracy - f.accuracy)).toBeLessThanOrEqual(0.03);
    const bad = x.slice(0, 40);
    bad[27] = NaN;
    let floatError = "";
    try {
      net.predict(bad);
    } catch (err) {
      floatError = (err as Error).message;
    }
    expect(floatError).not.toBe("");
    expect(() => q.predict(bad)).toThrow(floatError);
    expect(() => q.predict(new Float32Array(19))).toThrow(/20/);
    q.dispose();
    net.dispose();
  });
});

describe("quantize() and the model file", () => {
  test("toJSON → fromJSON gives the same outputs; the file is at most 0.3× the float model's", () => {
    const net = mlp(
      [
        { units: 64, activation: "leaky-relu" },
        { units: 10, activation: "softmax" },
      ],
      undefined,
      100,
    );
    const q = net.quantize();
    const text = JSON.stringify(q),
      back = QuantizedNetwork.fromJSON(text);
    const x = randomArray(new Random(34), 5 * 100, 1);
    expect(Array.from(back.predict(x))).toEqual(Array.from(q.predict(x)));
    expect(text.length / JSON.stringify(net).length).toBeLessThan(0.3);
    expect(String(back)).toMatch(/^QuantizedNetwork\(100 → 64 leaky-relu → 10 softmax; int8 weights, int16 activations/);
    [q, back, net].forEach((n) => n.dispose());
  });

  test("training a quantized network is refused with a clear error; the float network is untouched", () => {
    const net = mlp([
      { units: 4, activation: "relu" },
      { units: 2, activation: "softmax" },
    ]);
    const before = net.getWeights();
    const q = net.quantize();
    expect(() => q.fit()).toThrow(/fit\(\) is not available on a QuantizedNetwork: it is inference-only/);
    expect(() => q.trainBatch()).toThrow(/inference-only/);
    expect(() => q.quantize()).toThrow(/quantized already/);
    expect(net.getWeights()).toEqual(before);
    q.dispose();
    expect(() => q.predict(new Float32Array(20))).toThrow(/disposed/);
    net.dispose();
  });

  test("batch normalization is folded into W and b (its moving statistics): outputs close to the float network's", () => {
    const net = new Network({
      inputSize: 30,
      layers: [
        { units: 16, activation: "relu", normalization: "batch" },
        { units: 3, activation: "softmax" },
      ],
      seed: 5,
    });
    const rng = new Random(35);
    const x = randomArray(rng, 64 * 30, 1),
      y = Int32Array.from({ length: 64 }, (_, i) => i % 3);
    net.fit(x, y, { epochs: 3, batchSize: 16 }); // moving statistics away from (0, 1)
    const q = net.quantize();
    const want = net.predict(x),
      got = q.predict(x);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    expect(worst).toBeLessThan(0.02);
    expect(q.layers[0].units).toBe(16);
    [q, net].forEach((n) => n.dispose());
  });

  test("bad input: an all-zero layer, a normalized layer, non-finite weights, unknown options", () => {
    const net = mlp([
      { units: 4, activation: "relu" },
      { units: 2, activation: "softmax" },
    ]);
    const w = net.getWeights();
    net.setWeights([w[0], w[1], new Float32Array(8), w[3]]);
    expect(() => net.quantize()).toThrow(/cannot quantize layers\[1\]: all its weights are zero/);
    expect(() => net.quantize({ activations: "int4" as never })).toThrow(/int16/);
    expect(() => net.quantize({ bits: 8 } as never)).toThrow(/bits/);
    net.dispose();
    const norm = new Network({
      inputSize: 3,
      layers: [
        { units: 4, activation: "relu", normalization: "layer" },
        { units: 2, activation: "softmax" },
      ],
      seed: 1,
    });
    expect(() => norm.quantize()).toThrow(/layers\[0\]: it is layer-normalized, which depends on each sample/);
    norm.dispose();
    expect(() => quantizeWeights(Float32Array.of(1, NaN), 1, 2, "layers[0]")).toThrow(/W\[0\]\[1\] is NaN/);
    // A row of zeros alone is fine: scale 1, its outputs are its bias.
    expect(Array.from(quantizeWeights(Float32Array.of(0, 0, 1, -2), 2, 2, "x").scales)).toEqual([1, 2 / 127].map(Math.fround));
  });

  test("bad files: scales ≤ 0 or NaN, wrong byte counts, -128, a float model, another version", () => {
    const net = mlp(
      [
        { units: 3, activation: "relu" },
        { units: 2, activation: "softmax" },
      ],
      undefined,
      5,
    );
    const q = net.quantize();
    const good = q.toJSON();
    const edit = (f: (j: ReturnType<typeof q.toJSON>) => void): string => {
      const j = structuredClone(good);
      f(j);
      return JSON.stringify(j);
    };
    const f32 = (...v: number[]): string => Buffer.from(Float32Array.of(...v).buffer).toString("base64");
    expect(() =>
      QuantizedNetwork.fromJSON(
        edit((j) => {
          j.layers[0].scales = f32(1, 0, 1);
        }),
      ),
    ).toThrow(/layers\[0\]\.scales\[1\] is 0; every scale must be finite and greater than 0/);
    expect(() =>
      QuantizedNetwork.fromJSON(
        edit((j) => {
          j.layers[0].scales = f32(1, 1, -1);
        }),
      ),
    ).toThrow(/scales\[2\] is -1/);
    expect(() =>
      QuantizedNetwork.fromJSON(
        edit((j) => {
          j.layers[1].scales = f32(NaN, 1);
        }),
      ),
    ).toThrow(/layers\[1\]\.scales\[0\] is NaN/);
    expect(() =>
      QuantizedNetwork.fromJSON(
        edit((j) => {
          j.layers[0].weights = Buffer.alloc(14).toString("base64");
        }),
      ),
    ).toThrow(/holds 14 int8 values, expected 15/);
    expect(() =>
      QuantizedNetwork.fromJSON(
        edit((j) => {
          j.layers[0].weights = Buffer.alloc(15, 0x80).toString("base64");
        }),
      ),
    ).toThrow(/-128, outside the symmetric int8 range/);
    expect(() =>
      QuantizedNetwork.fromJSON(
        edit((j) => {
          j.layers[1].bias = f32(1);
        }),
      ),
    ).toThrow(/bias/);
    expect(() =>
      QuantizedNetwork.fromJSON(
        edit((j) => {
          j.version = 3;
        }),
      ),
    ).toThrow(/written by a newer wasmlp \(format 3; this reads up to 2\)/);
    expect(() => QuantizedNetwork.fromJSON(JSON.stringify(net))).toThrow(/a float model: load it with Network.fromJSON/);
    expect(() => QuantizedNetwork.fromJSON("{")).toThrow(SyntaxError);
    [q, net].forEach((n) => n.dispose());
  });
});
