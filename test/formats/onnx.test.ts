// ONNX in and out, against the real things: models PyTorch exported (test/fixtures/onnx, made by
// make.py with torch.onnx.export) must give PyTorch's outputs, and every network wasmlp exports
// must run in onnxruntime-web with wasmlp's outputs. Refusals name the node and what it lacks.
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-web";
import { describe, expect, test } from "vitest";
import { ACTIVATIONS, Network, init, memoryStats } from "wasmlp";
import { fromOnnx, toOnnx } from "wasmlp/onnx";
import { ONNX_SCHEMA } from "../../src/formats/onnx-schema.js";
import { ONNX_UNWRITABLE } from "../../src/formats/onnx/names.js";
import protobuf from "protobufjs/light.js";
import { Random, randomArray } from "../helpers.js";

await init();
ort.env.wasm.numThreads = 1;
const FIXTURES = new URL("../fixtures/onnx/", import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES));
const expected: { file: string; opset: number; inputShape: number[]; x: number[][]; y: number[][] }[] = JSON.parse(
  readFileSync(new URL("expected.json", FIXTURES), "utf8"),
);
const Model = protobuf.Root.fromJSON({ nested: { onnx: ONNX_SCHEMA } } as protobuf.INamespace).lookupType("onnx.ModelProto");

describe("models exported by PyTorch", () => {
  test.each(expected.filter((c) => !c.file.startsWith("conv")))("$file (opset $opset) gives PyTorch's outputs within 1e-5", ({ file, x, y, inputShape }) => {
    const net = fromOnnx(fixture(file));
    expect(net.inputSize).toBe(inputShape.reduce((a, b) => a * b, 1));
    if (inputShape.length > 1) expect(net.inputShape).toEqual(inputShape);
    const out = net.predict(x);
    y.flat().forEach((v, i) => expect(Math.abs(out[i] - v), `${file} output ${i}`).toBeLessThan(1e-5));
    net.dispose();
  });

  test("a convolution is refused, naming the node", () => {
    expect(() => fromOnnx(fixture("conv_opset13.onnx"))).toThrow(/onnx: node 0 \(Conv "[^"]*"\): operator Conv is not supported/);
  });
});

describe("networks wasmlp exports run in onnxruntime-web", () => {
  const rng = new Random(50);
  // Every registry activation not declared unwritable (none is): one without an ONNX operator or
  // pattern is refused by toOnnx, and fails here by name.
  const writable = ACTIVATIONS.filter((a) => !ONNX_UNWRITABLE.has(a));
  const heads = [...writable.filter((a) => a !== "softmax").map((a) => [a, "linear"]), ["relu", "softmax"], ["tanh", "sigmoid"]];
  test.each(heads)("hidden %s, output %s: onnxruntime's outputs equal predict's within 1e-5; the round trip keeps every bit", async (hidden, output) => {
    for (const sizes of [[3], [9, 4], [13, 7, 5]]) {
      const net = new Network({
        inputSize: 11,
        layers: [
          ...sizes.map((units) => ({ units, activation: hidden as never, ...(hidden === "leaky-relu" ? { alpha: 0.2 } : {}) })),
          { units: 3, activation: output as never },
        ],
        seed: sizes.length,
      });
      const x = randomArray(rng, 4 * 11, 2);
      const bytes = toOnnx(net);
      const session = await ort.InferenceSession.create(bytes);
      const got = (await session.run({ input: new ort.Tensor("float32", x, [4, 11]) })).output.data as Float32Array;
      const want = net.predict(x);
      want.forEach((v, i) => expect(Math.abs(got[i] - v), `${hidden}/${output} ${sizes} output ${i}`).toBeLessThan(1e-5));
      const back = fromOnnx(bytes);
      expect(back.getWeights()).toEqual(net.getWeights());
      expect(back.layers.map(String)).toEqual(net.layers.map(String));
      [net, back].forEach((n) => n.dispose());
    }
  });

  test("toOnnx returns a plain Uint8Array that owns exactly its bytes (not a Node Buffer in a shared pool, whose slice() is a view)", () => {
    const net = new Network({ inputSize: 3, layers: [{ units: 2, activation: "softmax" }], seed: 1 });
    const bytes = toOnnx(net);
    expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
    expect([bytes.byteOffset, bytes.buffer.byteLength]).toEqual([0, bytes.length]);
    const copy = bytes.slice();
    copy[0] ^= 1;
    expect(copy[0]).not.toBe(bytes[0]); // slice() copied: mutating a copy leaves the export alone
    net.dispose();
  });

  test("batch- and layer-normalized layers export as BatchNormalization and LayerNormalization, run in onnxruntime and come back bit for bit", async () => {
    const net = new Network({
      inputSize: 11,
      layers: [
        { units: 8, activation: "relu", normalization: { type: "batch", momentum: 0.8, epsilon: 0.01 } },
        { units: 6, activation: "gelu", normalization: "layer" },
        { units: 5, activation: "linear", normalization: "batch" },
        { units: 3, activation: "softmax" },
      ],
      seed: 5,
    });
    const x = randomArray(rng, 40 * 11, 2);
    net.fit(
      x,
      Array.from({ length: 40 }, (_, i) => i % 3),
      { epochs: 3, batchSize: 8 },
    ); // moving statistics away from 0 and 1
    const bytes = toOnnx(net);
    const decoded = Model.toObject(Model.decode(bytes), { defaults: true, arrays: true }) as { graph: { node: { opType: string }[] } };
    expect(decoded.graph.node.map((n) => n.opType).filter((op) => op.endsWith("Normalization"))).toEqual([
      "BatchNormalization",
      "LayerNormalization",
      "BatchNormalization",
    ]);
    const session = await ort.InferenceSession.create(bytes);
    const got = (await session.run({ input: new ort.Tensor("float32", x.subarray(0, 5 * 11), [5, 11]) })).output.data as Float32Array;
    net.predict(x.subarray(0, 5 * 11)).forEach((v, i) => expect(Math.abs(got[i] - v), `output ${i}`).toBeLessThan(1e-5));
    const back = fromOnnx(bytes);
    expect(back.getWeights()).toEqual(net.getWeights());
    expect(back.layers.map((l) => l.normalization)).toEqual(net.layers.map((l) => l.normalization));
    [net, back].forEach((n) => n.dispose());
  });

  test("a layer without bias exports as a Gemm without C, runs in onnxruntime and comes back without bias", async () => {
    const net = new Network({
      inputSize: 6,
      layers: [
        { units: 4, activation: "tanh", useBias: false },
        { units: 2, activation: "softmax" },
      ],
      seed: 8,
    });
    const bytes = toOnnx(net);
    const decoded = Model.toObject(Model.decode(bytes), { defaults: true, arrays: true }) as { graph: { node: { opType: string; input: string[] }[] } };
    expect(decoded.graph.node.filter((n) => n.opType === "Gemm").map((n) => n.input.length)).toEqual([2, 3]);
    const session = await ort.InferenceSession.create(bytes);
    const x = randomArray(rng, 3 * 6, 2);
    const got = (await session.run({ input: new ort.Tensor("float32", x, [3, 6]) })).output.data as Float32Array;
    net.predict(x).forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThan(1e-5));
    const back = fromOnnx(bytes);
    expect(back.layers.map((l) => l.useBias)).toEqual([false, true]);
    expect(back.getWeights()).toEqual(net.getWeights());
    [net, back].forEach((n) => n.dispose());
  });

  test("an input shape is exported as a Flatten and read back", async () => {
    const net = new Network({ inputSize: 6, inputShape: [2, 3], layers: [{ units: 2, activation: "softmax" }], seed: 2 });
    const bytes = toOnnx(net);
    const session = await ort.InferenceSession.create(bytes);
    const x = Float32Array.from({ length: 12 }, (_, i) => i / 7);
    const got = (await session.run({ input: new ort.Tensor("float32", x, [2, 2, 3]) })).output.data as Float32Array;
    net.predict(x).forEach((v, i) => expect(Math.abs(got[i] - v)).toBeLessThan(1e-6));
    expect(fromOnnx(bytes).inputShape).toEqual([2, 3]);
    net.dispose();
  });
});

test("opset 20's Gelu node reads as gelu, like the Div/Erf/Add/Mul/Mul pattern toOnnx writes at opset 17", () => {
  const net = new Network({
    inputSize: 5,
    layers: [
      { units: 4, activation: "gelu" },
      { units: 2, activation: "swish" },
    ],
    seed: 4,
  });
  const decoded = Model.toObject(Model.decode(toOnnx(net)), { defaults: true, arrays: true }) as {
    graph: { node: { opType: string; input: string[]; output: string[]; name: string; attribute: unknown[] }[] };
    opsetImport: { version: number }[];
  };
  const ops = decoded.graph.node.map((n) => n.opType);
  expect(ops).toEqual(["Gemm", "Div", "Erf", "Add", "Mul", "Mul", "Gemm", "Sigmoid", "Mul", "Identity"]);
  const [gemm, , , , , last] = decoded.graph.node;
  decoded.graph.node.splice(1, 5, { name: "gelu", opType: "Gelu", input: gemm.output, output: last.output, attribute: [] });
  decoded.opsetImport[0].version = 20;
  const back = fromOnnx(Model.encode(Model.fromObject(decoded)).finish());
  expect(back.layers.map(String)).toEqual(net.layers.map(String));
  expect(back.getWeights()).toEqual(net.getWeights());
  [net, back].forEach((n) => n.dispose());
});

describe("refusals", () => {
  const net = new Network({
    inputSize: 4,
    layers: [
      { units: 3, activation: "relu" },
      { units: 2, activation: "sigmoid" },
    ],
    seed: 3,
  });
  const good = Model.toObject(Model.decode(toOnnx(net)), { defaults: true, arrays: true }) as {
    graph: { node: { opType: string; input: string[]; attribute: { name: string; f?: number }[] }[]; initializer: { dataType: number }[] };
    opsetImport: { version: number }[];
  };
  const encode = (edit: (m: typeof good) => void): Uint8Array => {
    const copy = structuredClone(good);
    edit(copy);
    return Model.encode(Model.fromObject(copy)).finish();
  };
  test.each([
    [
      "an opset outside 11–21",
      (m: typeof good) => {
        m.opsetImport[0].version = 9;
      },
      /opset 9 of the default domain; wasmlp reads opsets 11–21/,
    ],
    [
      "a residual connection",
      (m: typeof good) => {
        m.graph.node[2].input = [m.graph.node[2].input[0], "input", ...m.graph.node[2].input.slice(1)];
      },
      /node 2 \(Gemm "dense_1"\) reads .*only chains of layers/,
    ],
    [
      "float64 weights",
      (m: typeof good) => {
        m.graph.initializer[0].dataType = 11;
      },
      /has data type 11; wasmlp reads float32 \(1\) only/,
    ],
    [
      "an unsupported operator",
      (m: typeof good) => {
        m.graph.node[1].opType = "Hardmax";
      },
      /node 1 \(Hardmax "dense_0.relu"\): operator Hardmax is not supported/,
    ],
    [
      "gelu's tanh approximation",
      (m: typeof good) => {
        m.opsetImport[0].version = 20;
        m.graph.node[1].opType = "Gelu";
        (m.graph.node[1].attribute as unknown[]) = [{ name: "approximate", type: 3, s: new TextEncoder().encode("tanh") }];
      },
      /node 1 \(Gelu "dense_0.relu"\) has approximate "tanh"; wasmlp's gelu is the exact erf form/,
    ],
    [
      "a HardSigmoid of another slope",
      (m: typeof good) => {
        m.graph.node[3].opType = "HardSigmoid";
        m.graph.node[3].attribute = [];
      },
      /node 3 \(HardSigmoid .*alpha 0.2, beta 0.5/,
    ],
  ])("%s", (_, edit, message) => {
    const before = memoryStats().bytesInUse;
    expect(() => fromOnnx(encode(edit as (m: typeof good) => void))).toThrow(message);
    expect(memoryStats().bytesInUse).toBe(before);
  });
  test("a BatchNormalization in training mode, and a LayerNormalization over another axis, are refused by name", () => {
    const normed = new Network({
      inputSize: 4,
      layers: [
        { units: 3, activation: "relu", normalization: "batch" },
        { units: 2, normalization: "layer" },
      ],
      seed: 3,
    });
    const m = Model.toObject(Model.decode(toOnnx(normed)), { defaults: true, arrays: true }) as typeof good;
    const edited = (edit: (c: typeof good) => void): Uint8Array => {
      const c = structuredClone(m);
      edit(c);
      return Model.encode(Model.fromObject(c)).finish();
    };
    expect(() =>
      fromOnnx(
        edited((c) => {
          (c.graph.node[1].attribute as unknown[]).push({ name: "training_mode", type: 2, i: 1 });
        }),
      ),
    ).toThrow(/node 1 \(BatchNormalization "dense_0.batch_norm"\) is in training mode; wasmlp reads inference BatchNormalization/);
    expect(() =>
      fromOnnx(
        edited((c) => {
          (c.graph.node[4].attribute as { name: string; i?: number }[]).find((a) => a.name === "axis")!.i = 0;
        }),
      ),
    ).toThrow(/node 4 \(LayerNormalization "dense_1.layer_norm"\) normalizes from axis 0; wasmlp normalizes over the features/);
    normed.dispose();
  });

  test("initializers in float_data (not raw_data) read the same", () => {
    const bytes = encode((m) => {
      for (const t of m.graph.initializer as unknown as { rawData: Uint8Array; floatData: number[] }[]) {
        t.floatData = Array.from(new Float32Array(t.rawData.slice().buffer));
        t.rawData = new Uint8Array(0);
      }
    });
    const back = fromOnnx(bytes);
    expect(back.getWeights()).toEqual(net.getWeights());
    back.dispose();
  });

  test("truncated, empty, and non-ONNX bytes; wrong argument types", () => {
    const bytes = toOnnx(net);
    for (const cut of [1, 10, bytes.length >> 1, bytes.length - 3]) expect(() => fromOnnx(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(/^onnx: /);
    expect(() => fromOnnx(new Uint8Array(0))).toThrow(/the model is empty/);
    expect(() => fromOnnx("model.onnx" as never)).toThrow(/expects the model's bytes/);
  });
});
