// Every export path against every registry activation (plain, batch- and layer-normalized) and
// every loss: each writes the same file from a live network as from its model file (toOnnx =
// writeOnnx, toTfjs = writeTfjs, for float and int8 networks) and reads back as the same layers
// and weights, or is refused by an error naming the layer, the activation and the format. Never a
// silent stand-in: an activation with no mapping used to be written as an ONNX Identity. The
// outputs of each written file are checked against onnxruntime and tfjs-layers in onnx.test.ts
// and tfjs.test.ts, over the same registry.
import { beforeAll, describe, expect, test } from "vitest";
import { ACTIVATIONS, type Activation, LOSSES, Network, init } from "wasmlp";
import { UnsupportedFormatError, readOnnx, readQuantizedOnnx, toOnnx, writeOnnx } from "wasmlp/onnx";
import { readTfjs, toTfjs, writeTfjs } from "wasmlp/tfjs";
import { ONNX_UNWRITABLE } from "../../src/formats/onnx/names.js";
import { TFJS_UNWRITABLE } from "../../src/formats/tfjs/names.js";

beforeAll(async () => {
  await init();
});

type Normalization = "batch" | "layer" | null;

/** A network whose hidden layer has the activation (softmax as the output: it works on rows), its z normalized or not. */
function netWith(activation: Activation, normalization: Normalization = null): Network {
  const hidden = activation === "softmax" ? "tanh" : activation;
  const net = new Network({
    inputSize: 5,
    layers: [
      { units: 4, activation: hidden, ...(hidden === "leaky-relu" ? { alpha: 0.15 } : {}), ...(normalization ? { normalization } : {}) },
      { units: 3, activation: activation === "softmax" ? "softmax" : "linear" },
    ],
    seed: 11,
  });
  // Moving statistics and γ, β away from their initial 0 and 1, so a swapped tensor shows.
  net.setWeights(net.getWeights().map((w, i) => (i >= 4 ? w.map((v, j) => Math.abs(v) + 0.5 + j / 8) : w)));
  return net;
}

/** What a model file says about its layers, as a reader gives it back. */
const layersOf = (m: { layers: { units: number; activation: string; alpha?: number; normalization?: unknown }[] }) =>
  m.layers.map((l) => ({ units: l.units, activation: l.activation, alpha: l.alpha ?? 0, normalization: l.normalization ?? null }));

const NORMALIZATIONS: Normalization[] = [null, "batch", "layer"];

describe.each(ACTIVATIONS)("%s", (activation) => {
  test.each(NORMALIZATIONS)(
    "ONNX (normalization %s): toOnnx and writeOnnx write the same bytes and readOnnx gives back the layers and weights, or both refuse by name",
    (normalization) => {
      const net = netWith(activation, normalization);
      const why = ONNX_UNWRITABLE.get(activation);
      if (why !== undefined) {
        for (const [fn, run] of [
          ["toOnnx", () => toOnnx(net)],
          ["writeOnnx", () => writeOnnx(net.toJSON())],
        ] as const)
          expect(run).toThrow(`${fn}: layer 0 (${activation}) has no ONNX equivalent: ${why}`);
      } else {
        const bytes = toOnnx(net);
        expect(writeOnnx(net.toJSON())).toEqual(bytes);
        const back = readOnnx(bytes);
        expect(layersOf(back)).toEqual(layersOf(net.toJSON()));
        expect(back.weights).toEqual(net.toJSON().weights);
      }
      net.dispose();
    },
  );

  test("int8 ONNX: a quantized network and its file write the same bytes and readQuantizedOnnx gives back its int8 layers, or both refuse by name", () => {
    const net = netWith(activation);
    const q = net.quantize();
    const why = ONNX_UNWRITABLE.get(activation);
    if (why !== undefined) {
      expect(() => toOnnx(q)).toThrow(`toOnnx: layer 0 (${activation}) has no ONNX equivalent: ${why}`);
    } else {
      const bytes = toOnnx(q);
      expect(writeOnnx(q.toJSON())).toEqual(bytes);
      const back = readQuantizedOnnx(bytes, { activations: q.activations });
      const file = q.toJSON();
      expect(layersOf(back)).toEqual(layersOf(file));
      expect(back.layers.map((l) => [l.weights, l.scales, l.bias])).toEqual(file.layers.map((l) => [l.weights, l.scales, l.bias]));
    }
    [q, net].forEach((n) => n.dispose());
  });

  test.each(NORMALIZATIONS)(
    "tfjs (normalization %s): toTfjs and writeTfjs write the same model and readTfjs gives back the layers and weights, or both refuse by name",
    (normalization) => {
      const net = netWith(activation, normalization);
      const why = TFJS_UNWRITABLE.get(activation);
      if (why !== undefined) {
        for (const [fn, run] of [
          ["toTfjs", () => toTfjs(net)],
          ["writeTfjs", () => writeTfjs(net.toJSON())],
        ] as const)
          expect(run).toThrow(`${fn}: layer 0 (${activation}) has no tfjs-layers equivalent: ${why}`);
      } else {
        const { modelJson, weightData } = toTfjs(net);
        const data = writeTfjs(net.toJSON());
        expect(data.modelJson).toEqual(modelJson);
        expect(new Uint8Array(data.weightData)).toEqual(new Uint8Array(weightData));
        const back = readTfjs(modelJson, weightData);
        expect(layersOf(back)).toEqual(layersOf(net.toJSON()));
        expect(back.weights).toEqual(net.toJSON().weights);
      }
      net.dispose();
    },
  );
});

test("an activation with no ONNX mapping is refused by name, never written as an Identity (float and int8)", () => {
  const layers = [{ units: 1, activation: "mish" as Activation, alpha: 0 }];
  const float = { inputSize: 2, layers, getWeights: () => [new Float32Array(2), new Float32Array(1)] };
  expect(() => toOnnx(float)).toThrow(UnsupportedFormatError);
  expect(() => toOnnx(float)).toThrow(/^toOnnx: layer 0 \(mish\) has no ONNX equivalent: the registry \(src\/activations\.ts\) gives it no ONNX operator/);
  const int8 = { inputSize: 2, layers: [{ ...layers[0], inputs: 2, weights: new Int8Array(2), scales: new Float32Array(1), bias: new Float32Array(1) }] };
  expect(() => toOnnx(int8)).toThrow(/^toOnnx: layer 0 \(mish\) has no ONNX equivalent/);
  expect(() => toTfjs(float)).toThrow(/^toTfjs: layer 0 \(mish\) has no tfjs-layers equivalent: the registry \(src\/activations\.ts\) gives it no tfjs name$/);
});

test("a QuantizedNetwork given to toTfjs is refused by name (not 'getWeights is not a function')", () => {
  const net = netWith("relu");
  const q = net.quantize();
  expect(() => toTfjs(q as never)).toThrow(/^toTfjs: a QuantizedNetwork's int8 layers have no tfjs-layers equivalent/);
  [q, net].forEach((n) => n.dispose());
});

// A loss is a training setting neither format holds: the file computes predict() whatever the
// loss, and the reader takes the loss as an option (ImportOptions.loss).
test.each(LOSSES)("loss %s: the files do not depend on it, and each reader takes it back as an option", (loss) => {
  const output = loss === "binary-crossentropy" ? "sigmoid" : loss === "categorical-crossentropy" ? "softmax" : "linear";
  const make = (l?: typeof loss) =>
    new Network({
      inputSize: 3,
      layers: [
        { units: 4, activation: "tanh" },
        { units: 2, activation: output },
      ],
      ...(l ? { loss: l } : {}),
      seed: 2,
    });
  const [net, plain] = [make(loss), make()];
  expect(toOnnx(net)).toEqual(toOnnx(plain));
  expect(toTfjs(net).modelJson).toEqual(toTfjs(plain).modelJson);
  expect(readOnnx(toOnnx(net), { loss }).loss).toBe(loss);
  const { modelJson, weightData } = toTfjs(net);
  expect(readTfjs(modelJson, weightData, { loss }).loss).toBe(loss);
  [net, plain].forEach((n) => n.dispose());
});
