// Option values a careless caller sends: null is a value (refused, never "use the default"),
// a softmax over one unit is refused for every loss, classWeight takes an array as documented.
import { describe, expect, test } from "vitest";
import { Layer, Network, init } from "wasmlp";
import { ReferenceNetwork } from "wasmlp/reference";
import { Random, randomArray } from "./helpers.js";

await init();

const base = {
  inputSize: 3,
  layers: [
    { units: 4, activation: "relu" as const },
    { units: 3, activation: "softmax" as const },
  ],
  seed: 1,
};
const x = randomArray(new Random(5), 12 * 3),
  y = Int32Array.from({ length: 12 }, (_, i) => i % 3);

describe("null is refused wherever an option may be left out", () => {
  test.each([
    [
      "optimizer.learningRate",
      () => new Network({ ...base, optimizer: { type: "adam", learningRate: null as never } }),
      /optimizer\.learningRate must be a finite number in \(0, ∞\) or a schedule, received null/,
    ],
    [
      "optimizer.learningRate with a schedule",
      () =>
        new Network({
          ...base,
          optimizer: { type: "adam", learningRate: null, schedule: { type: "cosine", initialLearningRate: 0.1, decaySteps: 5 } } as never,
        }),
      /optimizer\.learningRate .* received null/,
    ],
    [
      "optimizer.momentum",
      () => new Network({ ...base, optimizer: { type: "momentum", momentum: null as never } }),
      /optimizer\.momentum must be a finite number in \[0, 1\), received null/,
    ],
    [
      "optimizer.epsilon",
      () => new Network({ ...base, optimizer: { type: "adam", epsilon: null as never } }),
      /optimizer\.epsilon must be a finite number in \(0, ∞\], received null/,
    ],
    ["optimizer.clipNorm", () => new Network({ ...base, optimizer: { type: "sgd", clipNorm: null as never } }), /optimizer\.clipNorm must be a finite number/],
    [
      "normalization.epsilon",
      () => new Layer({ units: 2, normalization: { type: "layer", epsilon: null as never } }),
      /normalization\.epsilon must be a finite number in \(0, 1\], received null/,
    ],
    [
      "normalization.momentum",
      () => new Layer({ units: 2, normalization: { type: "batch", momentum: null as never } }),
      /normalization\.momentum must be a finite number in \[0, 1\), received null/,
    ],
    ["useBias", () => new Layer({ units: 2, useBias: null as never }), /useBias must be true or false, received null/],
    ["alpha", () => new Layer({ units: 2, activation: "leaky-relu", alpha: null as never }), /alpha must be a finite number/],
    ["activation", () => new Layer({ units: 2, activation: null as never }), /activation must be one of .* received null/],
    ["loss", () => new Network({ ...base, loss: null as never }), /loss must be one of .* received null/],
    ["seed", () => new Network({ ...base, seed: null as never }), /seed must be an integer in \[0, 4294967295\], received null/],
  ])("%s: null", (_, make, message) => {
    expect(make).toThrow(message);
  });

  test.each([
    ["epochs", { epochs: null }, /epochs must be an integer ≥ 1, received null/],
    ["batchSize", { batchSize: null }, /batchSize must be an integer in \[1, 65536\], received null/],
    ["initialEpoch", { initialEpoch: null }, /initialEpoch must be an integer ≥ 0, received null/],
    ["shuffle", { shuffle: null }, /shuffle must be true or false, received null/],
    ["earlyStopping.patience", { earlyStopping: { patience: null } }, /earlyStopping\.patience must be an integer ≥ 0, received null/],
    ["earlyStopping.minDelta", { earlyStopping: { minDelta: null } }, /earlyStopping\.minDelta must be a finite number/],
    ["earlyStopping.restoreBestWeights", { earlyStopping: { restoreBestWeights: null } }, /restoreBestWeights must be true or false, received null/],
  ])("fit %s: null, and the weights do not move", (_, options, message) => {
    const net = new Network(base);
    const before = net.getWeights().map((w) => Array.from(w));
    expect(() => net.fit(x, y, options as never)).toThrow(message);
    expect(net.getWeights().map((w) => Array.from(w))).toEqual(before);
    net.dispose();
  });

  test("a model file with learningRate null is refused too", () => {
    const net = new Network({ ...base, optimizer: { type: "sgd", learningRate: 0.1 } });
    const file = JSON.parse(JSON.stringify(net));
    file.optimizer.learningRate = null;
    expect(() => Network.fromJSON(file)).toThrow(/optimizer\.learningRate .* received null/);
    net.dispose();
  });
});

describe("a softmax over one unit always outputs 1: refused whatever the loss", () => {
  test.each(["mse", "mae", "huber", "hinge", "binary-crossentropy", "categorical-crossentropy", undefined])("loss %s", (loss) => {
    for (const N of [Network, ReferenceNetwork]) {
      const make = () => new N({ inputSize: 3, layers: [{ units: 4 }, { units: 1, activation: "softmax" }], ...(loss ? { loss: loss as never } : {}) });
      expect(make).toThrow(RangeError);
      expect(make).toThrow(/at least 2 (output )?units, received 1|"binary-crossentropy" needs a "sigmoid" output layer/);
    }
  });
  test("the message says why and what to use", () => {
    expect(() => new Network({ inputSize: 3, layers: [{ units: 1, activation: "softmax" }], loss: "mse" })).toThrow(
      'a "softmax" output layer needs at least 2 units, received 1 (softmax over one unit is always 1, nothing to train); use "sigmoid" for one output',
    );
  });
  test("two units with mse are fine", () => {
    new Network({ inputSize: 3, layers: [{ units: 2, activation: "softmax" }], loss: "mse" }).dispose();
  });
  test("as a hidden layer too: Network, ReferenceNetwork, a model file and an import refuse it, holding no memory", async () => {
    const { memoryStats } = await import("wasmlp");
    const { fromTfjs, readTfjs, toTfjs } = await import("wasmlp/tfjs");
    const message =
      'layers[1]: a "softmax" layer needs at least 2 units, received 1 (softmax over one unit is always 1, so the layers after it would see a constant)';
    const hidden = {
      inputSize: 3,
      layers: [{ units: 4 }, { units: 1, activation: "softmax" as const }, { units: 2, activation: "sigmoid" as const }],
      seed: 1,
    };
    const before = memoryStats();
    for (const N of [Network, ReferenceNetwork]) {
      expect(() => new N(hidden)).toThrow(RangeError);
      expect(() => new N(hidden)).toThrow(message);
    }
    // A model file and a tfjs model with that layer: a 1-unit sigmoid layer renamed by hand.
    const ok = new Network({ ...hidden, layers: [{ units: 4 }, { units: 1, activation: "sigmoid" as const }, { units: 2, activation: "sigmoid" as const }] });
    const file = JSON.parse(JSON.stringify(ok.toJSON()).replace('"sigmoid"', '"softmax"'));
    const { modelJson, weightData: data } = toTfjs(ok);
    ok.dispose();
    expect(() => Network.fromJSON(file)).toThrow(message);
    const layers = (modelJson.modelTopology as unknown as { config: { layers: { config: { activation: string } }[] } }).config.layers;
    layers[1].config.activation = "softmax";
    expect(() => fromTfjs(modelJson, data)).toThrow(`tfjs model: ${message}`);
    expect(() => readTfjs(modelJson, data)).toThrow(`tfjs model: ${message}`);
    expect(memoryStats()).toMatchObject({ liveRegions: before.liveRegions, bytesInUse: before.bytesInUse });
  });
});

describe("classWeight as an array (one weight per class), as the README says", () => {
  test("[1, 3, 0.5] trains exactly like { 0: 1, 1: 3, 2: 0.5 }; a Float32Array too", () => {
    const nets = [new Network(base), new Network(base), new Network(base)];
    nets[0].fit(x, y, { epochs: 2, batchSize: 4, classWeight: { 0: 1, 1: 3, 2: 0.5 } });
    nets[1].fit(x, y, { epochs: 2, batchSize: 4, classWeight: [1, 3, 0.5] });
    nets[2].fit(x, y, { epochs: 2, batchSize: 4, classWeight: Float32Array.of(1, 3, 0.5) as never });
    expect(nets[1].getWeights()).toEqual(nets[0].getWeights());
    expect(nets[2].getWeights()).toEqual(nets[0].getWeights());
    nets.forEach((n) => n.dispose());
  });
  test.each([
    ["too short", [1, 2], /classWeight has 2 values, expected one per class \(3\), or an object \{ class: weight \}/],
    ["too long", [1, 2, 3, 4], /classWeight has 4 values, expected one per class \(3\)/],
    ["a negative weight", [1, -2, 1], /classWeight\[1\] is -2; class weights must be finite and non-negative/],
    ["a NaN weight", [1, 1, NaN], /classWeight\[2\] is NaN; class weights must be finite and non-negative/],
    ["a string", "1,2,3", /classWeight must be an options object, received "1,2,3"/],
  ])("%s is refused and the weights do not move", (_, classWeight, message) => {
    const net = new Network(base);
    const before = net.getWeights().map((w) => Array.from(w));
    expect(() => net.fit(x, y, { classWeight: classWeight as never })).toThrow(message);
    expect(net.getWeights().map((w) => Array.from(w))).toEqual(before);
    net.dispose();
  });
});
