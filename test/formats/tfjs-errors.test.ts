// Everything a tfjs layers model may hold that wasmlp cannot represent, and damaged input, is
// refused with an error naming the layer or weight and what is wrong; nothing is left behind.
import { beforeAll, describe, expect, test } from "vitest";
import { MAX_TFJS_JSON_BYTES, MAX_TFJS_UNITS, MAX_TFJS_WEIGHT_BYTES, fromTfjs } from "wasmlp/tfjs";
import { MAX_UNITS } from "../../src/config.js";
import { init, memoryStats } from "../../src/index.js";
import { type Saved, type TfLayer, asModelJson, save, tfl, tfReady } from "./tfjs-helpers.js";

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let base: Saved; // dense(5 → 4, relu) → dense(4 → 3, softmax)

beforeAll(async () => {
  await init();
  await tfReady();
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 4, activation: "relu", inputShape: [5], name: "hidden" }),
      tfl.layers.dense({ units: 3, activation: "softmax", name: "out" }),
    ],
  });
  base = await save(model);
  model.dispose();
});

/** model.json of the base model, changed by `edit` (a deep copy). */
function edited(edit: (json: Json) => void): Json {
  const json = structuredClone(asModelJson(base)) as Json;
  edit(json);
  return json;
}

/** Expects fromTfjs to throw `kind` with a message matching `message`, leaving memory as it was. */
function refused(call: () => unknown, kind: ErrorConstructor | RangeErrorConstructor | TypeErrorConstructor | SyntaxErrorConstructor, message: RegExp): void {
  const before = memoryStats();
  let error: unknown = null;
  try {
    call();
  } catch (e) {
    error = e;
  }
  expect(error, "expected an error").toBeInstanceOf(kind);
  expect((error as Error).message).toMatch(message);
  const after = memoryStats();
  expect(after.liveRegions).toBe(before.liveRegions);
  expect(after.bytesInUse).toBe(before.bytesInUse);
}

async function savedOf(layers: () => TfLayer[]): Promise<Saved> {
  const model = tfl.sequential({ layers: layers() });
  const saved = await save(model);
  model.dispose();
  return saved;
}

describe("layers wasmlp cannot represent", () => {
  test.each([
    [
      "Conv2D",
      () => [tfl.layers.conv2d({ filters: 2, kernelSize: 2, inputShape: [4, 4, 1], name: "conv" }), tfl.layers.flatten(), tfl.layers.dense({ units: 2 })],
      /tfjs layer "conv" \(Conv2D\) is not supported: wasmlp imports InputLayer, Dense, /,
    ],
    [
      "BatchNormalization after an activation",
      () => [tfl.layers.dense({ units: 3, inputShape: [2], activation: "relu", name: "d" }), tfl.layers.batchNormalization({ name: "bn" })],
      /tfjs layer "bn" \(BatchNormalization\) comes after "d" applied relu: wasmlp normalizes z before the activation/,
    ],
    [
      "BatchNormalization over another axis",
      () => [
        tfl.layers.dense({ units: 3, inputShape: [2] }),
        tfl.layers.reshape({ targetShape: [3, 1] }),
        tfl.layers.batchNormalization({ axis: 1, name: "bn" }),
      ],
      /tfjs layer "\w+" \(Reshape\) is not supported/,
    ],
    [
      "Embedding",
      () => [tfl.layers.embedding({ inputDim: 10, outputDim: 3, inputLength: 2, name: "emb" }), tfl.layers.flatten(), tfl.layers.dense({ units: 1 })],
      /tfjs layer "emb" \(Embedding\) is not supported/,
    ],
    [
      "a nested Sequential",
      () => [
        tfl.sequential({ name: "inner", layers: [tfl.layers.dense({ units: 3, inputShape: [2] })] }) as unknown as TfLayer,
        tfl.layers.dense({ units: 1 }),
      ],
      /tfjs layer "inner" \(Sequential\) is a nested model: not supported/,
    ],
    [
      "a mish activation",
      () => [tfl.layers.dense({ units: 3, inputShape: [2], activation: "mish", name: "d" })],
      /tfjs layer "d" \(Dense\): activation "mish" is not supported; wasmlp has sigmoid, tanh, relu, leaky_relu, elu, selu, softsign, softplus, swish, silu, gelu, linear, softmax, hard_sigmoid/,
    ],
    [
      "tfjs's hard sigmoid (0.2·z + 0.5)",
      () => [tfl.layers.dense({ units: 3, inputShape: [2], activation: "hardSigmoid", name: "d" })],
      /tfjs layer "d" \(Dense\): activation "hard_sigmoid" of keras_version "tfjs-layers 4.22.0" is 0.2·z \+ 0.5 clipped \(Keras 2, tfjs\), which wasmlp does not have: its hard-sigmoid is Keras 3's relu6\(z \+ 3\) \/ 6/,
    ],
    [
      "a mish Activation layer",
      () => [tfl.layers.dense({ units: 3, inputShape: [2] }), tfl.layers.activation({ activation: "mish", name: "act" })],
      /tfjs layer "act" \(Activation\): activation "mish" is not supported/,
    ],
    [
      "an Activation after a Dense that has one",
      () => [tfl.layers.dense({ units: 3, inputShape: [2], activation: "tanh", name: "d" }), tfl.layers.activation({ activation: "relu", name: "act" })],
      /tfjs layer "act" \(Activation\) applies relu after "d" already applied tanh: a wasmlp layer has one activation/,
    ],
    [
      "two activation layers in a row",
      () => [tfl.layers.dense({ units: 3, inputShape: [2], name: "d" }), tfl.layers.reLU({ name: "r" }), tfl.layers.softmax({ name: "s" })],
      /tfjs layer "s" \(Softmax\) applies softmax after "r" already applied relu/,
    ],
    [
      "an activation on the input",
      () => [tfl.layers.activation({ activation: "tanh", inputShape: [2], name: "act" }), tfl.layers.dense({ units: 1 })],
      /tfjs layer "act" \(Activation\) applies tanh to the input, before any Dense layer/,
    ],
    [
      "a bias regularizer (a kernel regularizer is wasmlp's kernelRegularizer)",
      () => [tfl.layers.dense({ units: 3, inputShape: [2], biasRegularizer: tfl.regularizers.l2(), name: "d" })],
      /tfjs layer "d" \(Dense\): bias_regularizer .*L1L2.* is not supported/,
    ],
    [
      "a capped ReLU",
      () => [tfl.layers.dense({ units: 3, inputShape: [2] }), tfl.layers.reLU({ maxValue: 6, name: "r6" })],
      /tfjs layer "r6" \(ReLU\): max_value 6 \(a capped relu\) is not supported/,
    ],
    [
      "a LeakyReLU slope outside (0, 1)",
      () => [tfl.layers.dense({ units: 3, inputShape: [2] }), tfl.layers.leakyReLU({ alpha: 1.5, name: "lr" })],
      /tfjs layer "lr" \(LeakyReLU\): alpha 1.5 is not supported; wasmlp's leaky-relu slope lies in \(0, 1\)/,
    ],
    [
      "a Dense on a 2-d input",
      () => [tfl.layers.dense({ units: 3, inputShape: [4, 2], name: "d" })],
      /tfjs layer "d" \(Dense\) is applied to a 2-d input \[4, 2\] .*add a Flatten before it/,
    ],
    [
      "a channels_first Flatten",
      () => [tfl.layers.flatten({ inputShape: [2, 3], dataFormat: "channelsFirst", name: "f" }), tfl.layers.dense({ units: 1 })],
      /tfjs layer "f" \(Flatten\): data_format "channels_first" reorders a 2-d input/,
    ],
  ])("%s", async (_, layers, message) => {
    const saved = await savedOf(layers as () => TfLayer[]);
    refused(() => fromTfjs(saved), RangeError, message);
  });

  test("a residual connection (Add)", async () => {
    const input = tfl.input({ shape: [4], name: "x" });
    const a = tfl.layers.dense({ units: 4, name: "a" }).apply(input) as tfl.SymbolicTensor;
    const b = tfl.layers.dense({ units: 4, name: "b" }).apply(a) as tfl.SymbolicTensor;
    const sum = tfl.layers.add({ name: "sum" }).apply([a, b]) as tfl.SymbolicTensor;
    const saved = await save(tfl.model({ inputs: input, outputs: sum }));
    refused(() => fromTfjs(saved), RangeError, /tfjs layer "sum" \(Add\) takes 2 inputs: residual and multi-input graphs are not supported/);
  });

  test("two inputs (Concatenate)", async () => {
    const x = tfl.input({ shape: [2], name: "x" });
    const y = tfl.input({ shape: [3], name: "y" });
    const c = tfl.layers.concatenate({ name: "cat" }).apply([x, y]) as tfl.SymbolicTensor;
    const out = tfl.layers.dense({ units: 1 }).apply(c) as tfl.SymbolicTensor;
    const saved = await save(tfl.model({ inputs: [x, y], outputs: out }));
    refused(() => fromTfjs(saved), RangeError, /tfjs model has 2 input layers: only models with one input and one output are supported/);
  });

  test("two outputs, and a layer that feeds two others", async () => {
    const x = tfl.input({ shape: [2], name: "x" });
    const h = tfl.layers.dense({ units: 3, name: "h" }).apply(x) as tfl.SymbolicTensor;
    const p = tfl.layers.dense({ units: 1, name: "p" }).apply(h) as tfl.SymbolicTensor;
    const q = tfl.layers.dense({ units: 1, name: "q" }).apply(h) as tfl.SymbolicTensor;
    const saved = await save(tfl.model({ inputs: x, outputs: [p, q] }));
    refused(() => fromTfjs(saved), RangeError, /tfjs model has 2 output layers/);
    const topology = structuredClone(saved.modelTopology) as Json;
    topology.config.output_layers = [["p", 0, 0]];
    refused(
      () => fromTfjs({ ...saved, modelTopology: topology }),
      RangeError,
      /tfjs layer "h" feeds 2 layers \("p", "q"\): branching and residual graphs are not supported/,
    );
  });

  test("a shared layer applied twice", async () => {
    const x = tfl.input({ shape: [3], name: "x" });
    const shared = tfl.layers.dense({ units: 3, name: "twice" });
    const out = shared.apply(shared.apply(x)) as tfl.SymbolicTensor;
    const saved = await save(tfl.model({ inputs: x, outputs: out }));
    refused(() => fromTfjs(saved), RangeError, /tfjs layer "twice" \(Dense\) is applied 2 times \(a shared layer\): not supported/);
  });

  test.each([
    [
      "a float16 layer",
      (j: Json) => {
        j.modelTopology.config.layers[1].config.dtype = "float16";
      },
      /tfjs layer "out" \(Dense\) has dtype "float16": only float32 is supported/,
    ],
    [
      "a Keras 3 bfloat16 policy",
      (j: Json) => {
        j.modelTopology.config.layers[0].config.dtype = { class_name: "DTypePolicy", config: { name: "mixed_bfloat16" } };
      },
      /tfjs layer "hidden" \(Dense\) has dtype "mixed_bfloat16"/,
    ],
    [
      "an int32 weight",
      (j: Json) => {
        j.weightsManifest[0].weights[1].dtype = "int32";
      },
      /tfjs weight "hidden\/bias" has dtype "int32": only float32 is supported/,
    ],
    [
      "a quantized weight",
      (j: Json) => {
        j.weightsManifest[0].weights[0].quantization = { dtype: "uint8", scale: 0.1, min: -1 };
      },
      /tfjs weight "hidden\/kernel" is quantized .*not supported; convert without --quantize_\* options/,
    ],
    [
      "an unknown Dense attribute",
      (j: Json) => {
        j.modelTopology.config.layers[0].config.lora_rank = 4;
      },
      /tfjs layer "hidden" \(Dense\): lora_rank 4 is not supported/,
    ],
    [
      "an attribute wasmlp has never heard of",
      (j: Json) => {
        j.modelTopology.config.layers[1].config.frobnicate = true;
      },
      /tfjs layer "out" \(Dense\): attribute "frobnicate" \(true\) is not supported/,
    ],
    [
      "a variable input size",
      (j: Json) => {
        j.modelTopology.config.layers[0].config.batch_input_shape = [null, null];
      },
      /tfjs layer "hidden" \(Dense\): input shape \[null\] is not supported: every feature dimension must be a fixed size/,
    ],
    [
      "an input shape on a later layer",
      (j: Json) => {
        j.modelTopology.config.layers[1].config.batch_input_shape = [null, 4];
      },
      /tfjs layer "out" \(Dense\) declares an input shape but is not the first layer/,
    ],
    [
      "a graph model",
      (j: Json) => {
        j.format = "graph-model";
      },
      /tfjs model format "graph-model" is not supported: wasmlp reads "layers-model"/,
    ],
    [
      "an unknown model class",
      (j: Json) => {
        j.modelTopology.class_name = "Functionalish";
      },
      /tfjs modelTopology class "Functionalish" is not supported/,
    ],
    [
      "no Dense layer",
      (j: Json) => {
        j.modelTopology.config.layers = [{ class_name: "Dropout", config: { rate: 0.5, name: "drop", batch_input_shape: [null, 5] } }];
      },
      /tfjs model has no Dense layer/,
    ],
    [
      "a weight belonging to no layer",
      (j: Json) => {
        j.weightsManifest[0].weights[3].name = "ghost/bias";
      },
      /tfjs layer "out" \(Dense\): use_bias is true but there is no weight "out\/bias"/,
    ],
    [
      "a kernel of the wrong shape",
      (j: Json) => {
        j.weightsManifest[0].weights[2].shape = [3, 4];
      },
      /tfjs layer "out" \(Dense\): kernel "out\/kernel" has shape \[3, 4\], expected \[inputs, 3\]/,
    ],
    [
      "a kernel that does not fit the layer before",
      (j: Json) => {
        j.modelTopology.config.layers[0].config.batch_input_shape = [null, 6];
      },
      /tfjs layer "hidden" \(Dense\): kernel "hidden\/kernel" has shape \[5, 4\], expected \[6, 4\] \(the declared input size\)/,
    ],
    [
      "a bias on a layer without one",
      (j: Json) => {
        j.modelTopology.config.layers[1].config.use_bias = false;
      },
      /tfjs layer "out" \(Dense\): use_bias is false but the weights hold "out\/bias"/,
    ],
    [
      "a layer wider than wasmlp's widest",
      (j: Json) => {
        j.modelTopology.config.layers[1].config.units = 70000;
      },
      /tfjs layer "out" \(Dense\): 70000 units is more than wasmlp's widest layer \(65536\)/,
    ],
    [
      "an input wider than wasmlp's widest",
      (j: Json) => {
        j.modelTopology.config.layers[0].config.batch_input_shape = [null, 70000];
      },
      /tfjs layer "hidden" \(Dense\): an input of 70000 values \(\[70000\]\) is more than wasmlp's widest input \(65536\)/,
    ],
    [
      "an extra weight",
      (j: Json) => {
        j.weightsManifest[0].weights.push({ name: "stray/kernel", shape: [0], dtype: "float32" });
      },
      /tfjs weight "stray\/kernel" belongs to no Dense or normalization layer of the model/,
    ],
  ])("%s", (_, edit, message) => {
    refused(() => fromTfjs(edited(edit), base.weightData), RangeError, message);
  });
});

describe("damaged, truncated and oversized input", () => {
  test("truncated or padded weight data", () => {
    const json = asModelJson(base);
    refused(
      () => fromTfjs(json, base.weightData.slice(0, -4)),
      RangeError,
      /tfjs weight data has 152 bytes, but the weight specs describe 156 \(4 float32 tensors\): the weight data is truncated or a shard is missing/,
    );
    refused(() => fromTfjs(json, base.weightData.slice(0, 61)), RangeError, /has 61 bytes, but the weight specs describe 156/);
    refused(() => fromTfjs(json, new Uint8Array(160)), RangeError, /has 160 bytes, .*the weight data has bytes no weight spec describes/);
    refused(() => fromTfjs(json, [new Uint8Array(base.weightData, 0, 64)]), RangeError, /has 64 bytes/);
  });

  test("truncated, corrupt and wrongly typed model.json", () => {
    const text = JSON.stringify(asModelJson(base));
    refused(() => fromTfjs(text.slice(0, text.length >> 1), base.weightData), SyntaxError, /^tfjs model.json is not valid JSON: /);
    refused(() => fromTfjs("\u0000\u0001garbage", base.weightData), SyntaxError, /not valid JSON/);
    refused(() => fromTfjs(42, base.weightData), TypeError, /tfjs model.json must be an object or its JSON text, received 42/);
    refused(() => fromTfjs([], base.weightData), TypeError, /received an array of length 0/);
    refused(() => fromTfjs({ format: "layers-model" }, base.weightData), RangeError, /tfjs model.json has no modelTopology object/);
    refused(() => fromTfjs({ modelTopology: base.modelTopology }, base.weightData), RangeError, /has neither weightsManifest nor weightSpecs/);
    refused(
      () =>
        fromTfjs(
          edited((j) => {
            j.weightsManifest = "x";
          }),
          base.weightData,
        ),
      TypeError,
      /weightsManifest must be an array of groups/,
    );
    refused(
      () =>
        fromTfjs(
          edited((j) => {
            j.weightsManifest[0].weights[0].shape = [5, -4];
          }),
          base.weightData,
        ),
      RangeError,
      /tfjs weight "hidden\/kernel": shape must be a list of whole numbers, received \[5,-4\]/,
    );
    refused(
      () =>
        fromTfjs(
          edited((j) => {
            j.modelTopology.config.layers = {};
          }),
          base.weightData,
        ),
      RangeError,
      /tfjs modelTopology has no layer list/,
    );
  });

  test("the width limit is wasmlp's own, and holds when only the kernel tells the input size", () => {
    expect(MAX_TFJS_UNITS).toBe(MAX_UNITS);
    const json = edited((j) => {
      delete j.modelTopology.config.layers[0].config.batch_input_shape;
      j.weightsManifest[0].weights[0].shape = [70000, 4];
    });
    refused(
      () => fromTfjs(json, new Float32Array(70000 * 4 + 4 + 4 * 3 + 3)),
      RangeError,
      /tfjs layer "hidden" \(Dense\): 70000 inputs is more than wasmlp's widest input \(65536\)/,
    );
  });

  test("options other than loss, optimizer and seed", () => {
    refused(() => fromTfjs(base, undefined, null as never), TypeError, /fromTfjs options must be an object, received null/);
    refused(() => fromTfjs(base, undefined, { epochs: 3 } as never), TypeError, /fromTfjs options: unknown option "epochs"; expected loss, optimizer, seed/);
    refused(() => fromTfjs(base, undefined, { loss: "binary-crossentropy" }), RangeError, /loss "binary-crossentropy" needs a "sigmoid" output layer/);
  });

  test("missing or wrongly typed weight data", () => {
    const json = asModelJson(base);
    refused(() => fromTfjs(json), TypeError, /tfjs weight data is missing/);
    refused(() => fromTfjs(json, "AAAA" as never), TypeError, /tfjs weight data must be an ArrayBuffer or a typed array, received "AAAA"/);
    refused(() => fromTfjs(json, [base.weightData, 7] as never), TypeError, /tfjs weight data\[1\] must be an ArrayBuffer/);
  });

  test("non-finite and overflowing weights", () => {
    const nan = new Float32Array(base.weightData.slice(0));
    nan[22] = NaN; // hidden/bias is 20..23
    refused(() => fromTfjs(asModelJson(base), nan), RangeError, /tfjs weight "hidden\/bias"\[2\] is NaN; every weight must be finite/);
    const inf = new Float32Array(base.weightData.slice(0));
    inf[3] = -Infinity;
    refused(() => fromTfjs(asModelJson(base), inf), RangeError, /tfjs weight "hidden\/kernel"\[3\] is -Infinity/);
    // Finite weights whose outputs overflow float32 are refused after the probe; the network built for it is freed.
    const huge = new Float32Array(base.weightData.slice(0)).fill(3e38);
    const linear = edited((j) => {
      j.modelTopology.config.layers[1].config.activation = "linear";
    });
    refused(() => fromTfjs(linear, huge), RangeError, /tfjs model: the weights overflow float32 on a probe input of zeros or ones/);
  });

  test("size caps are checked before anything is parsed", () => {
    refused(
      () => fromTfjs(" ".repeat(MAX_TFJS_JSON_BYTES + 1), base.weightData),
      RangeError,
      /tfjs model.json is 16777217 characters, over the cap MAX_TFJS_JSON_BYTES \(16777216\)/,
    );
    const big = new ArrayBuffer(400 * 1024 * 1024); // never touched: the pages stay unallocated
    refused(
      () => fromTfjs("not json at all", [big, big, big]),
      RangeError,
      new RegExp(`tfjs weight data is ${3 * big.byteLength} bytes, over the cap MAX_TFJS_WEIGHT_BYTES \\(${MAX_TFJS_WEIGHT_BYTES}\\)`),
    );
    refused(
      () =>
        fromTfjs(
          edited((j) => {
            j.weightsManifest[0].weights[0].shape = [65536, 65536];
          }),
          base.weightData,
        ),
      RangeError,
      /tfjs weight specs describe more than MAX_TFJS_WEIGHT_BYTES .* \(at "hidden\/kernel"\)/,
    );
  });
});
