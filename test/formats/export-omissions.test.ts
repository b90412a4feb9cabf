// Exports never drop a part of the network silently (issues 23 and 25): tfjs layers models carry
// dropout as Dropout layers and kernel penalties as Keras L1L2 regularizers (tfjs-layers loads
// them, and they read back); ONNX, which has no place for them, refuses them unless the caller
// names them in `omit`; a feature spec is folded into the weights where that is exact (numeric
// columns, regression targets) and otherwise refused unless omitted; what is left out is listed.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as ort from "onnxruntime-web";
import protobuf from "protobufjs/light.js";
import { beforeAll, describe, expect, test } from "vitest";
import { Network, init } from "wasmlp";
import { ExportOmissionError, fromOnnx, toOnnx, writeOnnx } from "wasmlp/onnx";
import { fromTfjs, readTfjs, toTfjs, writeTfjs } from "wasmlp/tfjs";
import { saveTfjs } from "wasmlp/tfjs/node";
import { ONNX_SCHEMA } from "../../src/formats/onnx-schema.js";
import { wasmlp } from "../cli/run.js";
import { type Saved, asModelJson, maxRelDiff, predictTf, randomInputs, save, tf, tfReady, tfl } from "./tfjs-helpers.js";

const Model = protobuf.Root.fromJSON({ nested: { onnx: ONNX_SCHEMA } } as protobuf.INamespace).lookupType("onnx.ModelProto");
const metadata = (bytes: Uint8Array): { key: string; value: string }[] =>
  (Model.toObject(Model.decode(bytes), { defaults: true, arrays: true }) as { metadataProps: { key: string; value: string }[] }).metadataProps;

beforeAll(async () => {
  await init();
  await tfReady();
  ort.env.wasm.numThreads = 1;
});

const trainingNet = () =>
  new Network({
    inputSize: 5,
    layers: [
      { units: 6, activation: "relu", dropout: 0.25, kernelRegularizer: { l2: 0.01 } },
      { units: 4, activation: "tanh", normalization: "batch", dropout: 0.1 },
      { units: 3, activation: "leaky-relu", alpha: 0.2, dropout: 0.5, kernelRegularizer: { l1: 0.001, l2: 0.002 } },
      { units: 2, activation: "softmax", kernelRegularizer: { l1: 0.003 } },
    ],
    seed: 7,
  });

async function loadInTfjs(modelJson: { modelTopology: unknown; weightsManifest: { weights: unknown }[] }, weightData: ArrayBuffer): Promise<tfl.LayersModel> {
  return tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: modelJson.modelTopology as never, weightSpecs: modelJson.weightsManifest[0].weights as never, weightData }),
  );
}

describe("tfjs layers models carry dropout and kernel penalties exactly as Keras does", () => {
  test("toTfjs writes Dropout layers after each layer's activation and L1L2 kernel_regularizers; tfjs-layers loads them and computes the same", async () => {
    const net = trainingNet();
    const { modelJson, weightData, omitted } = toTfjs(net);
    expect(omitted).toEqual([]);
    const model = await loadInTfjs(modelJson, weightData);
    // The layer sequence as tfjs-layers built it.
    expect(model.layers.map((l) => l.getClassName())).toEqual([
      "Dense",
      "Dropout",
      "Dense",
      "BatchNormalization",
      "Activation",
      "Dropout",
      "Dense",
      "LeakyReLU",
      "Dropout",
      "Dense",
    ]);
    expect(model.layers.filter((l) => l.getClassName() === "Dropout").map((l) => l.getConfig().rate)).toEqual([0.25, 0.1, 0.5]);
    const dense = model.layers.filter((l) => l.getClassName() === "Dense");
    expect(dense.map((l) => l.getConfig().kernelRegularizer ?? null)).toEqual([
      { className: "L1L2", config: { l1: 0, l2: 0.01 } },
      null,
      { className: "L1L2", config: { l1: 0.001, l2: 0.002 } },
      { className: "L1L2", config: { l1: 0.003, l2: 0 } },
    ]);
    // tfjs's penalty on the kernels is wasmlp's l1·Σ|W| + l2·ΣW² (float32 sums).
    const weights = net.getWeights();
    [
      [0, 0, 0.01],
      [2, 0.001, 0.002],
      [3, 0.003, 0],
    ].forEach(([li, l1, l2]) => {
      const w = weights[2 * li];
      const want = w.reduce((s, v) => s + l1 * Math.abs(v) + l2 * v * v, 0);
      const layer = dense[li] as unknown as { kernelRegularizer: { apply(x: tf.Tensor): tf.Scalar }; kernel: { read(): tf.Tensor } };
      const got = tf.tidy(() => layer.kernelRegularizer.apply(layer.kernel.read()).dataSync()[0]);
      expect(Math.abs(got - want), `layer ${li}`).toBeLessThan(1e-6 * (1 + want));
    });
    const x = randomInputs(3, 6 * 5);
    expect(maxRelDiff(predictTf(model, x, [5]), net.predict(x))).toBeLessThan(1e-5);
    model.dispose();
    net.dispose();
  });

  test("they read back: the network from the file has the same layers, dropout and penalties, and weights", () => {
    const net = trainingNet();
    const { modelJson, weightData } = toTfjs(net);
    const back = fromTfjs(modelJson, weightData);
    expect(back.layers.map(String)).toEqual(net.layers.map(String));
    expect(back.layers.map((l) => [l.dropout, l.kernelRegularizer])).toEqual(net.layers.map((l) => [l.dropout, l.kernelRegularizer]));
    expect(back.getWeights()).toEqual(net.getWeights());
    // The data level agrees, with and without wasm.
    const file = Network.fromJSON(readTfjs(modelJson, weightData, { seed: 1 }));
    expect(file.layers.map((l) => [l.dropout, l.kernelRegularizer])).toEqual(net.layers.map((l) => [l.dropout, l.kernelRegularizer]));
    file.dispose();
    const again = writeTfjs(net.toJSON());
    expect(again.modelJson).toEqual(modelJson);
    [net, back].forEach((n) => n.dispose());
  });

  test("a model tfjs-layers wrote with Dropout and l1l2 regularizers imports with them", async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 4, activation: "relu", inputShape: [3], kernelRegularizer: tfl.regularizers.l1l2({ l1: 0.01, l2: 0.02 }) }),
        tfl.layers.dropout({ rate: 0.3 }),
        tfl.layers.dense({ units: 2, activation: "softmax", kernelRegularizer: tfl.regularizers.l2({ l2: 0.05 }) }),
        tfl.layers.dropout({ rate: 0.2 }), // after the output: wasmlp does not drop outputs, and inference is the same
      ],
    });
    const saved: Saved = await save(model);
    const net = fromTfjs(asModelJson(saved), saved.weightData);
    expect(net.layers.map((l) => [l.dropout, l.kernelRegularizer])).toEqual([
      [0.3, { l1: 0.01, l2: 0.02 }],
      [0, { l1: 0, l2: 0.05 }],
    ]);
    model.dispose();
    net.dispose();
  });

  test("saveTfjs writes them; with omit, what is left out is in the result and in model.json", () => {
    const net = trainingNet();
    const dir = mkdtempSync(join(tmpdir(), "wasmlp-omit-"));
    saveTfjs(net, join(dir, "kept"));
    const kept = JSON.parse(readFileSync(join(dir, "kept", "model.json"), "utf8"));
    expect(kept.modelTopology.config.layers.filter((l: { class_name: string }) => l.class_name === "Dropout")).toHaveLength(3);
    expect(kept.userDefinedMetadata).toBeUndefined();
    const { modelJson, omitted } = toTfjs(net, { omit: ["dropout"] });
    expect(omitted).toEqual(["layer 0 dropout 0.25", "layer 1 dropout 0.1", "layer 2 dropout 0.5"]);
    expect(JSON.stringify(modelJson)).not.toContain("Dropout");
    saveTfjs(net, join(dir, "left"), { omit: ["dropout", "kernelRegularizer"], shardBytes: 64 });
    const left = JSON.parse(readFileSync(join(dir, "left", "model.json"), "utf8"));
    expect(left.userDefinedMetadata.wasmlp.omitted).toEqual([
      "layer 0 dropout 0.25",
      "layer 1 dropout 0.1",
      "layer 2 dropout 0.5",
      "layer 0 kernelRegularizer (l2 0.01)",
      "layer 2 kernelRegularizer (l1 0.001, l2 0.002)",
      "layer 3 kernelRegularizer (l1 0.003)",
    ]);
    net.dispose();
  });
});

describe("ONNX has no place for training settings: refused unless omitted, then listed", () => {
  test("toOnnx and writeOnnx refuse dropout and penalties with an ExportOmissionError naming them and the option", () => {
    const net = trainingNet();
    for (const [name, write] of [
      ["toOnnx", () => toOnnx(net)],
      ["writeOnnx", () => writeOnnx(net.toJSON())],
    ] as const) {
      expect(write).toThrow(ExportOmissionError);
      expect(write).toThrow(
        `${name}: an ONNX model has no place for layer 0 dropout 0.25, layer 1 dropout 0.1, layer 2 dropout 0.5 (training settings; predictions do not depend on them); pass { omit: ["dropout"] } to export without them`,
      );
    }
    expect(() => toOnnx(net, { omit: ["dropout"] })).toThrow(
      `toOnnx: an ONNX model has no place for layer 0 kernelRegularizer (l2 0.01), layer 2 kernelRegularizer (l1 0.001, l2 0.002), layer 3 kernelRegularizer (l1 0.003)`,
    );
    net.dispose();
  });

  test("with omit, the file runs in onnxruntime as predict does and says what it leaves out", async () => {
    const net = trainingNet();
    const bytes = toOnnx(net, { omit: ["dropout", "kernelRegularizer"] });
    expect(metadata(bytes)).toEqual([
      {
        key: "wasmlp.omitted",
        value:
          "layer 0 dropout 0.25\nlayer 1 dropout 0.1\nlayer 2 dropout 0.5\nlayer 0 kernelRegularizer (l2 0.01)\nlayer 2 kernelRegularizer (l1 0.001, l2 0.002)\nlayer 3 kernelRegularizer (l1 0.003)",
      },
    ]);
    const x = randomInputs(4, 3 * 5);
    const session = await ort.InferenceSession.create(bytes);
    const got = (await session.run({ input: new ort.Tensor("float32", x, [3, 5]) })).output.data as Float32Array;
    expect(maxRelDiff(got, net.predict(x))).toBeLessThan(1e-5);
    const back = fromOnnx(bytes);
    expect(back.getWeights()).toEqual(net.getWeights());
    [net, back].forEach((n) => n.dispose());
    // A network without them needs no option and writes no metadata.
    const plain = new Network({ inputSize: 2, layers: [{ units: 2, activation: "softmax" }], seed: 1 });
    expect(metadata(toOnnx(plain))).toEqual([]);
    plain.dispose();
  });

  test("options are checked: an unknown omission (Object.prototype names too) or key is refused", () => {
    const net = new Network({ inputSize: 2, layers: [{ units: 2, activation: "softmax" }], seed: 1 });
    for (const name of ["constructor", "__proto__", "toString", "features"]) {
      expect(() => toOnnx(net, { omit: [name as never] })).toThrow(
        `toOnnx options.omit[0] is "${name}"; expected one of dropout, kernelRegularizer, featureSpec`,
      );
      expect(() => toTfjs(net, { omit: [name as never] })).toThrow(RangeError);
    }
    expect(() => toTfjs(net, { drop: [] } as never)).toThrow('toTfjs options: unknown option "drop"; expected omit');
    expect(() => toTfjs(net, null as never)).toThrow("toTfjs options must be an object, received null");
    expect(() => saveTfjs(net, "/nonexistent-dir-wasmlp", { omit: "dropout" } as never)).toThrow("saveTfjs options.omit must be an array");
    net.dispose();
  });
});

describe("a feature spec travels folded into the weights where exact, else is refused unless omitted", () => {
  const numeric = {
    columns: [
      { name: "a", type: "number", mean: 2, std: 3 },
      { name: "b", type: "integer", mean: -1, std: 0.5 },
      { name: "c", type: "boolean", mean: 0.4, std: 0.49 },
    ],
    target: { task: "regression", names: ["y", "z"], mean: [10, -3], std: [4, 0.25] },
    missing: [],
    onMissing: "error",
  };
  const classes = {
    columns: [
      { name: "a", type: "number", mean: 2, std: 3 },
      { name: "kind", type: "category", categories: ["x", "constructor"], other: false, mode: "x" },
    ],
    target: { task: "classification", name: "label", type: "category", classes: ["setosa", "virginica"] },
    missing: [],
    onMissing: "error",
  };
  const rows = [
    { a: 1, b: 2, c: true },
    { a: -4.5, b: 0, c: false },
    { a: 7, b: -3, c: true },
  ];
  const raw = Float32Array.from(rows.flatMap((r) => [r.a, r.b, r.c ? 1 : 0]));

  test.each([[false], [true]])(
    "numeric columns and regression targets (output normalized: %s): the file takes raw columns and gives targets, in tfjs-layers and onnxruntime",
    async (normalized) => {
      const net = new Network({
        inputSize: 3,
        layers: [
          { units: 5, activation: "tanh", normalization: "batch" },
          { units: 2, ...(normalized ? { normalization: "layer" as const } : {}) },
        ],
        loss: "mse",
        seed: 3,
        features: numeric as never,
      });
      const want = (net.predict(rows as never) as unknown as number[][]).flat();
      const { modelJson, weightData, omitted } = toTfjs(net);
      expect(omitted).toEqual([]);
      const model = await loadInTfjs(modelJson, weightData);
      expect(maxRelDiff(predictTf(model, raw, [3]), want)).toBeLessThan(1e-5);
      model.dispose();
      const session = await ort.InferenceSession.create(toOnnx(net));
      const got = (await session.run({ input: new ort.Tensor("float32", raw, [3, 3]) })).output.data as Float32Array;
      expect(maxRelDiff(got, want)).toBeLessThan(1e-5);
      expect(writeTfjs(net.toJSON()).modelJson).toEqual(modelJson);
      net.dispose();
    },
  );

  test("a category column or class names: ExportOmissionError naming why and the option; with omit, the encoded network and a note", () => {
    const net = new Network({
      inputSize: 3,
      layers: [
        { units: 4, activation: "relu" },
        { units: 2, activation: "softmax" },
      ],
      seed: 3,
      features: classes as never,
    });
    expect(() => toTfjs(net)).toThrow(ExportOmissionError);
    expect(() => toTfjs(net)).toThrow(
      'toTfjs: the feature spec cannot travel in a tfjs layers model: column "kind" is a category (one-hot encoded), which the weights cannot hold; pass { omit: ["featureSpec"] } to export the network on its encoded inputs',
    );
    expect(() => writeOnnx(net.toJSON())).toThrow('writeOnnx: the feature spec cannot travel in an ONNX model: column "kind" is a category');
    const { omitted, weightData } = toTfjs(net, { omit: ["featureSpec"] });
    expect(omitted).toEqual([
      "featureSpec (the file takes the encoded vector of 3 inputs and gives the network's raw outputs; the spec stays in the wasmlp model file)",
    ]);
    expect(new Float32Array(weightData).subarray(0, 12)).toEqual(
      Float32Array.from(Array.from({ length: 12 }, (_, k) => net.getWeights()[0][(k % 4) * 3 + Math.floor(k / 4)])),
    ); // not folded
    expect(metadata(toOnnx(net, { omit: ["featureSpec"] }))[0].value).toMatch(/^featureSpec \(the file takes the encoded vector of 3 inputs/);
    const numericClasses = new Network({
      inputSize: 1,
      layers: [{ units: 2, activation: "softmax" }],
      seed: 3,
      features: { ...classes, columns: [classes.columns[0]] } as never,
    });
    expect(() => toOnnx(numericClasses)).toThrow(
      'toOnnx: the feature spec cannot travel in an ONNX model: the class names ("setosa", "virginica") are not weights: the file would give probabilities in that order; pass { omit: ["featureSpec"] }',
    );
    const filled = new Network({ inputSize: 3, layers: [{ units: 2 }], loss: "mse", seed: 3, features: { ...numeric, onMissing: "fill" } as never });
    expect(() => toTfjs(filled)).toThrow(
      'toTfjs: the feature spec cannot travel in a tfjs layers model: missing values are filled with the training mean or mode (onMissing "fill"), which the weights cannot do',
    );
    [net, numericClasses, filled].forEach((n) => n.dispose());
  });
});

describe("later transformations keep the feature spec or refuse it", () => {
  const spec = {
    columns: [
      { name: "a", type: "number", mean: 2, std: 3 },
      { name: "kind", type: "category", categories: ["x", "__proto__"], other: false, mode: "x" },
    ],
    target: { task: "classification", name: "label", type: "category", classes: ["no", "yes"] },
    missing: [],
    onMissing: "error",
  };
  const rows = [
    { a: 1, kind: "x" },
    { a: -2, kind: "__proto__" },
  ];
  // The same small classifier, carrying the spec, for each transformation.
  const specNetwork = () =>
    new Network({
      inputSize: 3,
      layers: [
        { units: 4, activation: "relu" },
        { units: 2, activation: "softmax" },
      ],
      seed: 3,
      features: spec as never,
    });

  test("a copy through the model file keeps it: the same predictions on raw rows", () => {
    const net = specNetwork();
    const copy = Network.fromJSON(JSON.stringify(net));
    expect(copy.features?.toJSON()).toEqual(net.features?.toJSON());
    expect(copy.predict(rows as never)).toEqual(net.predict(rows as never));
    [net, copy].forEach((n) => n.dispose());
  });

  test("quantize() keeps it: the int8 twin predicts raw rows and its file holds the spec", () => {
    const net = specNetwork();
    const q = net.quantize();
    expect(q.features?.toJSON()).toEqual(net.features?.toJSON());
    expect((JSON.parse(JSON.stringify(q)) as { features?: unknown }).features).toEqual(net.features?.toJSON());
    [q, net].forEach((n) => n.dispose());
  });

  test("an int8 ONNX export refuses the spec (int8 weights cannot absorb it) unless omitted, then lists it; the CLI leaves it out and says so", async () => {
    const net = specNetwork();
    const q = net.quantize();
    const refused = /^(toOnnx|writeOnnx): the feature spec cannot travel in an int8 ONNX model .*pass \{ omit: \["featureSpec"\] \}/;
    expect(() => toOnnx(q)).toThrow(ExportOmissionError);
    expect(() => toOnnx(q)).toThrow(refused);
    expect(() => writeOnnx(q.toJSON())).toThrow(refused);
    const bytes = toOnnx(q, { omit: ["featureSpec"] });
    expect(metadata(bytes).map((m) => m.key)).toEqual(["wasmlp.omitted"]);
    expect(metadata(bytes)[0].value).toMatch(/^featureSpec \(the file takes the encoded vector of 3 inputs/);
    expect(writeOnnx(q.toJSON(), { omit: ["featureSpec"] })).toEqual(bytes);
    const dir = mkdtempSync(join(tmpdir(), "wasmlp-q-features-"));
    const file = join(dir, "q.json");
    writeFileSync(file, JSON.stringify(q));
    const r = await wasmlp("export", "--format", "onnx", "--model", file, "--out", join(dir, "q.onnx"));
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toMatch(/\nnote: the exported model does not carry the feature spec/);
    expect(metadata(readFileSync(join(dir, "q.onnx")))[0].value).toMatch(/^featureSpec /);
    [q, net].forEach((n) => n.dispose());
  });
});
