// Int8 networks in ONNX: what toOnnx writes runs in onnxruntime-web (wasm backend, one thread),
// one sample at a time, within the derived bound of wasmlp's quantized predict (onnx-bound.ts) and
// within the accuracy bound of the float network; readQuantizedOnnx reads it back bit for bit.
import * as ort from "onnxruntime-web";
import { beforeAll, describe, expect, test } from "vitest";
import { fromQuantizedOnnx, readQuantizedOnnx, toOnnx, writeOnnx } from "../../src/formats/onnx.js";
import { Network } from "../../src/network.js";
import { QuantizedNetwork } from "../../src/quantize.js";
import { Random, randomArray, setup } from "../helpers.js";
import { ModelProto } from "../../src/formats/onnx/proto.js";
import { layerBound, networkBound } from "./onnx-bound.js";

beforeAll(async () => {
  await setup();
});
ort.env.wasm.numThreads = 1;

/**
 * onnxruntime-web's outputs of every layer, one sample per run (where its per-tensor scale is a
 * per-sample one): the exported graph with each layer's output added as a graph output.
 */
async function runLayers(bytes: Uint8Array, x: Float32Array, k: number, layers: number): Promise<Float32Array[][]> {
  const model = ModelProto.decode(bytes) as unknown as { graph: { node: { opType: string; input: string[] }[]; output: object[] } };
  const names = model.graph.node
    .filter((n) => n.opType === "DynamicQuantizeLinear")
    .slice(1)
    .map((n) => n.input[0]);
  expect(names).toHaveLength(layers - 1);
  for (const name of names) model.graph.output.push({ name, type: { tensorType: { elemType: 1 } } });
  const session = await ort.InferenceSession.create(ModelProto.encode(model as never).finish());
  const out: Float32Array[][] = [];
  for (let i = 0; i < x.length / k; i++) {
    const got = await session.run({ input: new ort.Tensor("float32", x.slice(i * k, (i + 1) * k), [1, k]) });
    out.push([...names, "output"].map((name) => Float32Array.from(got[name].data as Float32Array)));
  }
  await session.release();
  return out;
}

const CASES = [
  {
    name: "784-256-128-10 relu/softmax, inputs in [0, 1)",
    inputSize: 784,
    layers: [
      [256, "relu"],
      [128, "relu"],
      [10, "softmax"],
    ],
    signed: false,
  },
  {
    name: "40-24-16-3 tanh/sigmoid/softmax, signed inputs",
    inputSize: 40,
    layers: [
      [24, "tanh"],
      [16, "sigmoid"],
      [3, "softmax"],
    ],
    signed: true,
  },
] as const;

describe("toOnnx of a QuantizedNetwork runs in onnxruntime-web", () => {
  test.each(CASES)(
    "$name: one sample at a time, every layer within the bound of wasmlp's, both within 0.02 of the float network",
    async ({ inputSize, layers, signed }) => {
      const net = new Network({ inputSize, layers: layers.map(([units, activation]) => ({ units, activation })) as never, seed: 7 });
      const rng = new Random(70);
      const m = 120,
        n = layers[layers.length - 1][0];
      const x = randomArray(rng, m * inputSize, 1).map((v) => (signed ? 2 * v : Math.abs(v)));
      const float = net.predict(x);
      for (const type of ["int16", "int8"] as const) {
        const q = net.quantize({ activations: type });
        const file = q.toJSON();
        // wasmlp's own activations after each layer: the network cut after it (the same kernels).
        const cut = layers.map((_, l) => QuantizedNetwork.fromJSON({ ...file, layers: file.layers.slice(0, l + 1) }));
        const ours = cut.map((c) => c.predict(x));
        const theirs = await runLayers(toOnnx(q), x, inputSize, layers.length);
        let worstGap = 0,
          worstRatio = 0,
          worstWhole = 0,
          worstOurs = 0,
          worstTheirs = 0;
        for (let i = 0; i < m; i++) {
          const sample = x.subarray(i * inputSize, (i + 1) * inputSize);
          const wasmlpAt = (l: number) => (l === 0 ? sample : ours[l - 1].subarray(i * q.layers[l - 1].units, (i + 1) * q.layers[l - 1].units));
          q.layers.forEach((l, li) => {
            const bound = layerBound(l, wasmlpAt(li), li === 0 ? sample : theirs[i][li - 1], type);
            const got = wasmlpAt(li + 1),
              want = theirs[i][li];
            for (let j = 0; j < l.units; j++) worstRatio = Math.max(worstRatio, Math.abs(got[j] - want[j]) / bound[j]);
          });
          const whole = networkBound(q.layers, wasmlpAt, type);
          for (let j = 0; j < n; j++) {
            const gap = Math.abs(ours[layers.length - 1][i * n + j] - theirs[i][layers.length - 1][j]);
            worstGap = Math.max(worstGap, gap);
            worstWhole = Math.max(worstWhole, gap / whole);
            worstOurs = Math.max(worstOurs, Math.abs(ours[layers.length - 1][i * n + j] - float[i * n + j]));
            worstTheirs = Math.max(worstTheirs, Math.abs(theirs[i][layers.length - 1][j] - float[i * n + j]));
          }
        }
        if (process.env.WASMLP_REPORT)
          console.log(
            `${inputSize} ${type}: max |Δ| ${worstGap}, per layer ${worstRatio} of the bound, whole ${worstWhole}; against float: wasmlp ${worstOurs}, onnxruntime ${worstTheirs}`,
          );
        expect(worstRatio, `${type}: per layer`).toBeLessThanOrEqual(1);
        expect(worstWhole, `${type}: whole network`).toBeLessThanOrEqual(1);
        expect(worstOurs, type).toBeLessThan(0.02);
        expect(worstTheirs, type).toBeLessThan(0.02);
        [q, ...cut].forEach((c) => c.dispose());
      }
      net.dispose();
    },
    60_000,
  );

  test("writeOnnx of the quantized model file is the same bytes; readQuantizedOnnx and fromQuantizedOnnx read them back bit for bit", () => {
    const net = new Network({
      inputSize: 12,
      layers: [
        { units: 9, activation: "leaky-relu", alpha: 0.1 },
        { units: 5, activation: "swish" },
        { units: 4, activation: "linear" },
      ],
      seed: 2,
      loss: "mse",
    });
    const q = net.quantize({ activations: "int8" });
    const bytes = toOnnx(q);
    expect(Array.from(writeOnnx(JSON.stringify(q)))).toEqual(Array.from(bytes));
    const file = readQuantizedOnnx(bytes, { activations: "int8", loss: "mse" });
    expect(file).toEqual(q.toJSON());
    const back = fromQuantizedOnnx(bytes, { activations: "int8", loss: "mse" });
    const x = randomArray(new Random(71), 7 * 12, 3);
    expect(Array.from(back.predict(x))).toEqual(Array.from(q.predict(x)));
    [back, q, net].forEach((n) => n.dispose());
  });

  test("an image input exports with a Flatten and reads back with its shape", async () => {
    const net = new Network({
      inputSize: 12,
      inputShape: [3, 4],
      layers: [
        { units: 5, activation: "relu" },
        { units: 3, activation: "softmax" },
      ],
      seed: 4,
    });
    const q = net.quantize();
    const bytes = toOnnx(q);
    const back = QuantizedNetwork.fromJSON(readQuantizedOnnx(bytes));
    expect(back.inputShape).toEqual([3, 4]);
    const session = await ort.InferenceSession.create(bytes);
    const x = randomArray(new Random(72), 12, 1).map(Math.abs);
    const got = (await session.run({ input: new ort.Tensor("float32", x, [1, 3, 4]) })).output.data as Float32Array;
    const want = q.predict(x);
    const hidden = QuantizedNetwork.fromJSON({ ...q.toJSON(), layers: q.toJSON().layers.slice(0, 1) });
    const whole = networkBound(q.layers, (l) => (l === 0 ? x : hidden.predict(x)), "int16");
    for (let j = 0; j < 3; j++) expect(Math.abs(got[j] - want[j])).toBeLessThanOrEqual(whole);
    hidden.dispose();
    [back, q, net].forEach((n) => n.dispose());
  });
});
