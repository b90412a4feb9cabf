// The tfjs layers format against TensorFlow.js itself: models built and saved by tfjs-layers
// load into wasmlp and predict the same; wasmlp networks exported load into tfjs-layers and
// predict the same; round trips keep every weight bit; everything else is refused by name.
import { beforeAll, describe, expect, test } from "vitest";
import { fromTfjs, toTfjs } from "wasmlp/tfjs";
import { ACTIVATIONS, type Activation, init, memoryStats, Network } from "../../src/index.js";
import { ACTIVATION_REGISTRY } from "../../src/activations.js";
import { TFJS_UNWRITABLE } from "../../src/formats/tfjs/names.js";
import { ReferenceNetwork } from "../../src/reference/index.js";
import { type TfLayer, asModelJson, maxRelDiff, predictTf, randomInputs, randomizeWeights, save, tf, tfl, tfReady } from "./tfjs-helpers.js";

beforeAll(async () => {
  await init();
  await tfReady();
});

// Agreement bound: float32 sums of up to ~70 terms in different orders (tfjs's matMul vs the
// SIMD kernels) differ by a few k·ε (k·2^-24 ≈ 4e-6 here) relative to the output's scale.
const TOL = 1e-5;

async function expectSamePredictions(model: tfl.LayersModel, net: Network, inputShape: number[], seed: number): Promise<void> {
  const x = randomInputs(seed, 6 * inputShape.reduce((a, b) => a * b, 1));
  const theirs = predictTf(model, x, inputShape);
  const ours = net.predict(x);
  expect(ours.length).toBe(theirs.length);
  expect(maxRelDiff(ours, theirs)).toBeLessThan(TOL);
}

describe("tfjs-layers models load into wasmlp and predict the same", () => {
  const cases: [string, number[], () => TfLayer[]][] = [
    ["1 layer, sigmoid, 1 unit", [5], () => [tfl.layers.dense({ units: 1, activation: "sigmoid", inputShape: [5] })]],
    [
      "2 layers tanh → softmax, odd sizes",
      [13],
      () => [tfl.layers.dense({ units: 7, activation: "tanh", inputShape: [13] }), tfl.layers.dense({ units: 3, activation: "softmax" })],
    ],
    [
      "3 layers relu → linear → sigmoid",
      [33],
      () => [
        tfl.layers.dense({ units: 17, activation: "relu", inputShape: [33] }),
        tfl.layers.dense({ units: 9 }),
        tfl.layers.dense({ units: 5, activation: "sigmoid" }),
      ],
    ],
    [
      "4 layers with Activation, ReLU, LeakyReLU and Softmax layers after linear Dense",
      [9],
      () => [
        tfl.layers.dense({ units: 31, inputShape: [9] }),
        tfl.layers.activation({ activation: "tanh" }),
        tfl.layers.dense({ units: 15 }),
        tfl.layers.reLU(),
        tfl.layers.dense({ units: 8 }),
        tfl.layers.leakyReLU({ alpha: 0.2 }),
        tfl.layers.dense({ units: 4 }),
        tfl.layers.softmax(),
      ],
    ],
    [
      "Dropout, AlphaDropout, GaussianDropout and GaussianNoise are the identity at inference",
      [6],
      () => [
        tfl.layers.dense({ units: 12, activation: "relu", inputShape: [6] }),
        tfl.layers.dropout({ rate: 0.5 }),
        tfl.layers.alphaDropout({ rate: 0.2 }),
        tfl.layers.dense({ units: 5 }),
        tfl.layers.gaussianDropout({ rate: 0.3 }),
        tfl.layers.activation({ activation: "sigmoid" }),
        tfl.layers.gaussianNoise({ stddev: 0.1 }),
        tfl.layers.dense({ units: 2, activation: "softmax" }),
      ],
    ],
    [
      "an Activation between Dropout and a linear Dense, a linear Activation anywhere",
      [4],
      () => [
        tfl.layers.dense({ units: 3, inputShape: [4] }),
        tfl.layers.dropout({ rate: 0.1 }),
        tfl.layers.activation({ activation: "relu" }),
        tfl.layers.activation({ activation: "linear" }),
        tfl.layers.dense({ units: 2, useBias: false }),
      ],
    ],
    [
      "use_bias false on every layer",
      [8],
      () => [
        tfl.layers.dense({ units: 5, activation: "tanh", useBias: false, inputShape: [8] }),
        tfl.layers.dense({ units: 3, useBias: false, activation: "softmax" }),
      ],
    ],
    [
      "InputLayer first",
      [10],
      () => [tfl.layers.inputLayer({ inputShape: [10] }), tfl.layers.dense({ units: 4, activation: "relu" }), tfl.layers.dense({ units: 1 })],
    ],
    [
      "Flatten of a 4×3 input",
      [4, 3],
      () => [
        tfl.layers.flatten({ inputShape: [4, 3] }),
        tfl.layers.dense({ units: 6, activation: "relu" }),
        tfl.layers.dense({ units: 2, activation: "sigmoid" }),
      ],
    ],
    [
      "elu, selu and softsign",
      [7],
      () => [
        tfl.layers.dense({ units: 9, activation: "elu", inputShape: [7] }),
        tfl.layers.dense({ units: 8, activation: "selu" }),
        tfl.layers.dense({ units: 5 }),
        tfl.layers.activation({ activation: "softsign" }),
        tfl.layers.dense({ units: 3, activation: "elu" }),
      ],
    ],
    [
      "a 784-64-10 classifier",
      [784],
      () => [tfl.layers.dense({ units: 64, activation: "relu", inputShape: [784] }), tfl.layers.dense({ units: 10, activation: "softmax" })],
    ],
  ];

  test.each(cases)("%s", async (_, inputShape, layers) => {
    const model = tfl.sequential({ layers: layers() });
    randomizeWeights(model, inputShape.length * 100 + model.layers.length);
    const saved = await save(model);
    const before = memoryStats().liveRegions;
    for (const net of [
      fromTfjs(asModelJson(saved), saved.weightData),
      fromTfjs(JSON.stringify(asModelJson(saved)), new Uint8Array(saved.weightData)),
      fromTfjs(saved),
    ]) {
      await expectSamePredictions(model, net, inputShape, 7);
      net.dispose();
    }
    expect(memoryStats().liveRegions).toBe(before);
    model.dispose();
  });

  test("Flatten of an already flat input (Keras allows it; tfjs-layers cannot build one) is the identity", async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 6, activation: "relu", inputShape: [5] }), tfl.layers.dense({ units: 2 })] });
    randomizeWeights(model, 8);
    const saved = await save(model);
    const layers = (saved.modelTopology.config as { layers: unknown[] }).layers;
    const flatten = { class_name: "Flatten", config: { name: "flatten", trainable: true, dtype: "float32", data_format: "channels_last" } };
    const topology = {
      ...saved.modelTopology,
      config: { name: "s", layers: [{ ...flatten, config: { ...flatten.config, batch_input_shape: [null, 5] } }, layers[0], flatten, layers[1]] },
    };
    (layers[0] as { config: Record<string, unknown> }).config.batch_input_shape = undefined;
    const net = fromTfjs({ ...saved, modelTopology: topology });
    await expectSamePredictions(model, net, [5], 2);
    net.dispose();
    model.dispose();
  });

  test("the imported network has the layers, activations and slope the file describes", async () => {
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ units: 5, inputShape: [3] }), tfl.layers.leakyReLU({ alpha: 0.25 }), tfl.layers.dense({ units: 2, activation: "softmax" })],
    });
    const saved = await save(model);
    const net = fromTfjs(saved, undefined, { optimizer: { type: "sgd", learningRate: 0.1 }, seed: 3 });
    expect(net.toString()).toBe("Network(3 → 5 leaky-relu → 2 softmax; loss categorical-crossentropy; sgd(lr=0.1); 32 parameters)");
    expect(net.layers[0].alpha).toBeCloseTo(0.25, 7);
    expect(net.seed).toBe(3);
    // Kernels are in × out in Keras, W is out × in in wasmlp.
    const kernel = model.getWeights()[0].dataSync();
    const w = net.getWeights()[0];
    for (let i = 0; i < 3; i++) for (let o = 0; o < 5; o++) expect(w[o * 3 + i]).toBe(kernel[i * 5 + o]);
    net.dispose();
    model.dispose();
  });

  test("a linear functional model (Input → Dense → Activation → Dense) loads", async () => {
    const input = tfl.input({ shape: [11] });
    const h = tfl.layers.dense({ units: 7 }).apply(input) as tfl.SymbolicTensor;
    const a = tfl.layers.activation({ activation: "tanh" }).apply(h) as tfl.SymbolicTensor;
    const d = tfl.layers.dropout({ rate: 0.5 }).apply(a) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 3, activation: "softmax" }).apply(d) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: out });
    randomizeWeights(model, 11);
    const saved = await save(model);
    expect((saved.modelTopology as { class_name: string }).class_name).toBe("Model");
    const net = fromTfjs(saved);
    expect(net.toString()).toContain("11 → 7 tanh (dropout 0.5) → 3 softmax"); // the Dropout after the activation is the layer's dropout
    await expectSamePredictions(model, net, [11], 3);
    net.dispose();
    model.dispose();
  });

  test("the Keras converter's topology wrapper (model_config) and scoped weight names (one with an output index) load", async () => {
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ units: 4, activation: "relu", inputShape: [3], name: "dense" }), tfl.layers.dense({ units: 2, name: "dense_1" })],
    });
    randomizeWeights(model, 5);
    const saved = await save(model);
    const wrapped = {
      format: "layers-model",
      generatedBy: "keras v2.15.0",
      convertedBy: "TensorFlow.js Converter v4.22.0",
      modelTopology: { keras_version: "2.15.0", backend: "tensorflow", model_config: saved.modelTopology, training_config: { loss: "mse" } },
      weightsManifest: [
        { paths: ["group1-shard1of1.bin"], weights: saved.weightSpecs.map((s, i) => ({ ...s, name: `sequential/${s.name}${i === 1 ? ":0" : ""}` })) },
      ],
    };
    const net = fromTfjs(wrapped, saved.weightData);
    await expectSamePredictions(model, net, [3], 1);
    net.dispose();
    model.dispose();
  });
  test("Keras 3's leaky_relu activation string (slope 0.2) computes what Dense + LeakyReLU(0.2) computes in tfjs", async () => {
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ units: 6, inputShape: [5], name: "d" }), tfl.layers.leakyReLU({ alpha: 0.2 }), tfl.layers.dense({ units: 2, name: "o" })],
    });
    randomizeWeights(model, 31);
    const saved = await save(model);
    const topology = structuredClone(saved.modelTopology) as { config: { layers: { class_name: string; config: Record<string, unknown> }[] } };
    topology.config.layers = topology.config.layers.filter((l) => l.class_name !== "LeakyReLU");
    topology.config.layers[0].config.activation = "leaky_relu";
    const net = fromTfjs({ ...saved, modelTopology: topology });
    expect(net.toString()).toContain("5 → 6 leaky-relu → 2 linear");
    expect(net.layers[0].alpha).toBe(0.2);
    await expectSamePredictions(model, net, [5], 9);
    net.dispose();
    model.dispose();
  });

  test("Keras 3's hard_sigmoid is wasmlp's hard-sigmoid: relu6(z + 3) / 6", async () => {
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 4, inputShape: [3], name: "d", activation: "hardSigmoid" })] });
    randomizeWeights(model, 12, 3);
    const saved = await save(model);
    const keras3 = { ...saved, modelTopology: { keras_version: "3.6.0", backend: "tensorflow", model_config: saved.modelTopology } };
    const net = fromTfjs(keras3);
    expect(net.toString()).toContain("3 → 4 hard-sigmoid");
    const [kernel, bias] = model.getWeights().map((w) => w.dataSync());
    const x = randomInputs(3, 5 * 3);
    const expected = Array.from({ length: 5 * 4 }, (_, k) => {
      const [i, o] = [Math.floor(k / 4), k % 4];
      let z = bias[o];
      for (let j = 0; j < 3; j++) z += x[i * 3 + j] * kernel[j * 4 + o];
      return Math.min(Math.max(z + 3, 0), 6) / 6;
    });
    expect(maxRelDiff(net.predict(x), expected)).toBeLessThan(TOL);
    net.dispose();
    model.dispose();
  });

  test("a Keras 3 functional topology (batch_shape, DTypePolicy, __keras_tensor__ nodes, a single-ref input_layers) loads", async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 3, activation: "relu", inputShape: [4], name: "dense" }),
        tfl.layers.dense({ units: 2, name: "dense_1" }),
        tfl.layers.activation({ activation: "sigmoid", name: "act" }),
      ],
    });
    randomizeWeights(model, 21);
    const saved = await save(model);
    const policy = { module: "keras", class_name: "DTypePolicy", config: { name: "float32" }, registered_name: null };
    const node = (from: string): unknown[] => [
      { args: [{ class_name: "__keras_tensor__", config: { shape: [null, 4], dtype: "float32", keras_history: [from, 0, 0] } }], kwargs: {} },
    ];
    const dense = (name: string, units: number, activation: string, from: string): unknown => ({
      module: "keras.layers",
      class_name: "Dense",
      registered_name: null,
      name,
      build_config: { input_shape: [null, 4] },
      inbound_nodes: node(from),
      config: {
        name,
        trainable: true,
        dtype: policy,
        units,
        activation,
        use_bias: true,
        kernel_initializer: { module: "keras.initializers", class_name: "GlorotUniform", config: { seed: null } },
        bias_initializer: { class_name: "Zeros", config: {} },
        kernel_regularizer: null,
        bias_regularizer: null,
        kernel_constraint: null,
        bias_constraint: null,
      },
    });
    const topology = {
      class_name: "Functional",
      config: {
        name: "functional",
        trainable: true,
        layers: [
          {
            module: "keras.layers",
            class_name: "InputLayer",
            registered_name: null,
            name: "input_layer",
            inbound_nodes: [],
            config: { batch_shape: [null, 4], dtype: "float32", sparse: false, name: "input_layer" },
          },
          dense("dense", 3, "relu", "input_layer"),
          dense("dense_1", 2, "linear", "dense"),
          {
            module: "keras.layers",
            class_name: "Activation",
            registered_name: null,
            name: "act",
            inbound_nodes: node("dense_1"),
            config: { name: "act", trainable: true, dtype: policy, activation: "sigmoid" },
          },
        ],
        input_layers: ["input_layer", 0, 0],
        output_layers: ["act", 0, 0],
      },
    };
    const net = fromTfjs({ ...saved, modelTopology: { keras_version: "3.6.0", backend: "tensorflow", model_config: topology } });
    expect(net.toString()).toContain("4 → 3 relu → 2 sigmoid");
    await expectSamePredictions(model, net, [4], 4);
    net.dispose();
    model.dispose();
  });
});

describe("wasmlp networks export to tfjs-layers, which loads them and predicts the same", () => {
  // Every registry activation not declared unwritable (TFJS_UNWRITABLE, with its reason): a new
  // one is exported and compared here, so one without a tfjs name fails here by name.
  const activations: Activation[] = ACTIVATIONS.filter((a) => !TFJS_UNWRITABLE.has(a));
  const shapes: [number, number[]][] = [
    [1, [1]],
    [7, [5, 3]],
    [33, [17, 9, 4]],
    [784, [65, 31, 15, 10]],
  ];

  test.each(shapes)("input %i, layers %j, every activation", async (inputSize, units) => {
    for (const [k, activation] of activations.entries()) {
      const layers = units
        .map((u, i) => ({
          units: u,
          activation: i === units.length - 1 ? activations[(k + 1) % activations.length] : activation,
          ...(activation === "leaky-relu" && i < units.length - 1 ? { alpha: 0.07 } : {}),
        }))
        .map((l) => (l.activation === "softmax" && l.units < 2 ? { ...l, activation: "sigmoid" as const } : l));
      const net = new Network({ inputSize, layers, seed: 40 + k, loss: "mse" });
      // Non-zero biases, so that the bias path is compared too.
      net.setWeights(net.getWeights().map((w, i) => (i % 2 ? w.map((_, j) => ((j % 5) - 2) / 10) : w)));
      const { modelJson, weightData } = toTfjs(net);
      const model = await tfl.loadLayersModel(
        tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData }),
      );
      await expectSamePredictions(model, net, [inputSize], k);
      model.dispose();
      net.dispose();
    }
  });

  test("an image inputShape exports as a Flatten of that shape and comes back", async () => {
    const net = new Network({
      inputSize: 12,
      inputShape: [4, 3],
      layers: [
        { units: 5, activation: "relu" },
        { units: 2, activation: "softmax" },
      ],
      seed: 8,
    });
    const { modelJson, weightData } = toTfjs(net);
    const model = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData }),
    );
    expect(model.inputs[0].shape).toEqual([null, 4, 3]);
    expect(model.layers.map((l) => l.getClassName())).toEqual(["Flatten", "Dense", "Dense"]);
    await expectSamePredictions(model, net, [4, 3], 6);
    const back = fromTfjs(modelJson, weightData);
    expect(back.inputShape).toEqual([4, 3]);
    const flat = fromTfjs(toTfjs(new Network({ inputSize: 12, layers: [{ units: 1 }], seed: 1 })).modelJson, new Float32Array(13));
    expect(flat.inputShape).toBeUndefined();
    for (const n of [net, back, flat]) n.dispose();
    model.dispose();
  });

  test("a float64 ReferenceNetwork exports too (weights rounded to float32)", async () => {
    const ref = new ReferenceNetwork({
      inputSize: 4,
      layers: [
        { units: 3, activation: "tanh" },
        { units: 2, activation: "softmax" },
      ],
      seed: 2,
    });
    const { modelJson, weightData } = toTfjs(ref);
    const model = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData }),
    );
    const x = randomInputs(1, 12);
    expect(maxRelDiff(predictTf(model, x, [4]), ref.predict(x))).toBeLessThan(TOL);
    model.dispose();
  });

  test("every activation declared unwritable is refused by name with its reason; hard-sigmoid (Keras 3's) says why", () => {
    expect([...TFJS_UNWRITABLE.keys()]).toEqual(ACTIVATIONS.filter((name) => !activations.includes(name)));
    for (const [a, why] of TFJS_UNWRITABLE) {
      expect(ACTIVATION_REGISTRY.get(a)!.tfjs, `${a} is declared unwritable, so the registry gives it no tfjs name`).toBeNull();
      const n = new Network({ inputSize: 3, layers: [{ units: 1, activation: a }], seed: 1 });
      expect(() => toTfjs(n), a).toThrow(`toTfjs: layer 0 (${a}) has no tfjs-layers equivalent: ${why}`);
      n.dispose();
    }
    const net = new Network({
      inputSize: 3,
      layers: [
        { units: 2, activation: "tanh" },
        { units: 1, activation: "hard-sigmoid" },
      ],
      seed: 1,
    });
    expect(() => toTfjs(net)).toThrow(
      /^toTfjs: layer 1 \(hard-sigmoid\) has no tfjs-layers equivalent: tfjs's hard_sigmoid is 0.2·z \+ 0.5, wasmlp's is Keras 3's relu6\(z \+ 3\) \/ 6$/,
    );
    net.dispose();
  });

  test("a disposed network cannot be exported", () => {
    const net = new Network({ inputSize: 2, layers: [{ units: 1 }], seed: 1 });
    net.dispose();
    expect(() => toTfjs(net)).toThrow(/disposed/);
  });
});

describe("round trips keep every weight bit for bit", () => {
  const bits = (a: ArrayLike<number>): number[] => Array.from(new Uint32Array(Float32Array.from(a).buffer));

  test("wasmlp → tfjs → wasmlp", () => {
    const net = new Network({
      inputSize: 29,
      layers: [
        { units: 13, activation: "leaky-relu", alpha: 0.05 },
        { units: 6, activation: "tanh" },
        { units: 3, activation: "softmax" },
      ],
      seed: 9,
    });
    net.setWeights(net.getWeights().map((w) => w.map((v, j) => v + j * 1e-3 - 0.01)));
    const { modelJson, weightData } = toTfjs(net);
    const back = fromTfjs(JSON.stringify(modelJson), weightData);
    expect(back.toString()).toBe(net.toString().replace(/adam\(.*?\)/, back.toString().match(/adam\(.*?\)/)![0]));
    net.getWeights().forEach((w, i) => expect(bits(back.getWeights()[i])).toEqual(bits(w)));
    expect(back.layers[0].alpha).toBe(net.layers[0].alpha);
    back.dispose();
    net.dispose();
  });

  test("tfjs → wasmlp → tfjs", async () => {
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ units: 9, activation: "relu", inputShape: [5] }), tfl.layers.dense({ units: 4, activation: "sigmoid" })],
    });
    randomizeWeights(model, 77, 3);
    const saved = await save(model);
    const net = fromTfjs(saved);
    const { modelJson, weightData } = toTfjs(net);
    expect(new Uint8Array(weightData)).toEqual(new Uint8Array(saved.weightData)); // same order, same bits
    const again = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData }),
    );
    model.getWeights().forEach((w, i) => expect(bits(again.getWeights()[i].dataSync())).toEqual(bits(w.dataSync())));
    again.dispose();
    model.dispose();
    net.dispose();
  });
});

describe("BatchNormalization and LayerNormalization, between a linear Dense and its activation", () => {
  /** Random weights, with every moving variance positive (a variance cannot be negative). */
  function randomizeWithVariances(model: tfl.LayersModel, seed: number): void {
    randomizeWeights(model, seed);
    model.setWeights(
      model.weights.map((w, i) => {
        const v = model.getWeights()[i];
        return w.name.includes("moving_variance") ? tf.tidy(() => tf.add(tf.abs(v), 0.5)) : v;
      }),
    );
  }

  test("tfjs-layers models with both load into wasmlp and predict the same; center/scale false too", async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 9, inputShape: [7] }),
        tfl.layers.batchNormalization({ momentum: 0.9, epsilon: 0.01 }),
        tfl.layers.activation({ activation: "relu" }),
        tfl.layers.dense({ units: 6 }),
        tfl.layers.layerNormalization({ epsilon: 1e-4 }),
        tfl.layers.activation({ activation: "tanh" }),
        tfl.layers.dense({ units: 5 }),
        tfl.layers.batchNormalization({ center: false, scale: false }),
        tfl.layers.leakyReLU({ alpha: 0.1 }),
        tfl.layers.dense({ units: 3, activation: "softmax" }),
      ],
    });
    randomizeWithVariances(model, 21);
    const saved = await save(model);
    const net = fromTfjs(saved);
    expect(net.layers.map((l) => l.normalization)).toEqual([
      { type: "batch", momentum: 0.9, epsilon: 0.01 },
      { type: "layer", epsilon: 1e-4 },
      { type: "batch", momentum: 0.99, epsilon: 1e-3 },
      null,
    ]);
    await expectSamePredictions(model, net, [7], 4);
    net.dispose();
    model.dispose();
  });

  test("wasmlp networks with both export, load in tfjs-layers and predict the same; the round trip keeps every bit", async () => {
    const net = new Network({
      inputSize: 11,
      layers: [
        { units: 8, activation: "gelu", normalization: { type: "batch", momentum: 0.8 } },
        { units: 6, activation: "leaky-relu", alpha: 0.1, normalization: "layer" },
        { units: 5, activation: "linear", normalization: "batch" },
        { units: 3, activation: "softmax" },
      ],
      seed: 12,
    });
    const x = randomInputs(3, 40 * 11);
    net.fit(
      x,
      Array.from({ length: 40 }, (_, i) => i % 3),
      { epochs: 3, batchSize: 8 },
    ); // moving statistics away from 0 and 1
    const { modelJson, weightData } = toTfjs(net);
    const model = await tfl.loadLayersModel(
      tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData }),
    );
    expect(model.layers.map((l) => l.getClassName())).toEqual([
      "Dense",
      "BatchNormalization",
      "Activation",
      "Dense",
      "LayerNormalization",
      "LeakyReLU",
      "Dense",
      "BatchNormalization",
      "Dense",
    ]);
    await expectSamePredictions(model, net, [11], 9);
    const back = fromTfjs(modelJson, weightData);
    const bits = (a: ArrayLike<number>): number[] => Array.from(new Uint32Array(Float32Array.from(a).buffer));
    net.getWeights().forEach((w, i) => expect(bits(back.getWeights()[i]), `tensor ${i}`).toEqual(bits(w)));
    expect(back.layers.map((l) => l.normalization)).toEqual(net.layers.map((l) => l.normalization));
    back.dispose();
    model.dispose();
    net.dispose();
  });

  test("normalization where wasmlp cannot put it is refused by name", async () => {
    const cases: [() => TfLayer[], RegExp][] = [
      [() => [tfl.layers.batchNormalization({ inputShape: [4] }), tfl.layers.dense({ units: 2 })], /normalizes the input, before any Dense layer/],
      [
        () => [tfl.layers.dense({ units: 3, activation: "relu", inputShape: [4] }), tfl.layers.batchNormalization({})],
        /comes after "[^"]+" applied relu: wasmlp normalizes z before the activation/,
      ],
      [
        () => [tfl.layers.dense({ units: 3, inputShape: [4] }), tfl.layers.batchNormalization({}), tfl.layers.layerNormalization({})],
        /a wasmlp layer has one normalization/,
      ],
    ];
    for (const [layers, message] of cases) {
      const model = tfl.sequential({ layers: layers() });
      const saved = await save(model);
      expect(() => fromTfjs(saved)).toThrow(message);
      model.dispose();
    }
    const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [2] }), tfl.layers.batchNormalization({})] });
    randomizeWeights(model, 3); // negative moving variances
    const saved = await save(model);
    expect(() => fromTfjs(saved)).toThrow(/moving_variance\[\d+\] is -[\d.e-]+; a variance cannot be negative/);
    model.dispose();
  });
});

test("use_bias false comes in as useBias false and goes out as use_bias false, with no bias weight; tfjs-layers agrees", async () => {
  const model = tfl.sequential({
    layers: [tfl.layers.dense({ units: 6, activation: "relu", useBias: false, inputShape: [4] }), tfl.layers.dense({ units: 2, activation: "softmax" })],
  });
  randomizeWeights(model, 13);
  const net = fromTfjs(await save(model));
  expect(net.layers.map((l) => l.useBias)).toEqual([false, true]);
  const { modelJson, weightData } = toTfjs(net);
  expect(modelJson.weightsManifest[0].weights.map((w) => w.name)).toEqual(["dense/kernel", "dense_1/kernel", "dense_1/bias"]);
  expect(weightData.byteLength).toBe(4 * (4 * 6 + 6 * 2 + 2));
  const again = await tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: modelJson.modelTopology, weightSpecs: modelJson.weightsManifest[0].weights, weightData }),
  );
  expect(again.layers[0].getConfig().useBias).toBe(false);
  await expectSamePredictions(again, net, [4], 5);
  [again, model].forEach((m) => m.dispose());
  net.dispose();
});
