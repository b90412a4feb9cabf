// Every bad input gets a clear error naming expected and received, and changes nothing.
import { beforeAll, describe, expect, test } from "vitest";
import { Layer, Network, init } from "../src/index.js";

beforeAll(async () => {
  await init();
});

function makeNet(): Network {
  return new Network({
    inputSize: 3,
    layers: [new Layer({ units: 4, activation: "relu" }), new Layer({ units: 3, activation: "softmax" })],
    loss: "categorical-crossentropy",
    optimizer: { type: "sgd", learningRate: 0.1 },
    seed: 1,
  });
}

const X = [
  [1, 2, 3],
  [0, -1, 0.5],
];

/** Runs a call that must throw `message`, and checks the network's weights did not move. */
function rejects(net: Network, call: () => unknown, message: RegExp, kind: ErrorConstructor = Error): void {
  const before = net.getWeights();
  let thrown: unknown = null;
  try {
    call();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected an error matching ${message}`).toBeInstanceOf(kind);
  expect((thrown as Error).message).toMatch(message);
  net.getWeights().forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(before[i])));
}

describe("inputs", () => {
  test.each([
    ["wrong sample length (flat)", new Float32Array(7), /7 values.*samples of 3/],
    [
      "wrong sample length (rows)",
      [
        [1, 2, 3],
        [1, 2],
      ],
      /x\[1\] has 2 values, expected 3/,
    ],
    ["empty batch", [], /empty.*at least one sample of 3/],
    ["empty typed array", new Float32Array(0), /empty/],
    ["NaN", [[1, NaN, 3]], /sample 0, value 1 is NaN/],
    ["Infinity", Float32Array.of(1, 2, 3, 4, Infinity, 6), /sample 1, value 1 is Infinity/],
    ["not an array", "1,2,3", /expected a Float32Array/],
    ["a row that is not an array", [[1, 2, 3], 5], /x\[1\] is 5; expected an array of 3 numbers/],
    ["a flat array with a string", [1, "2", 3], /x\[1\] is "2"; expected a number/],
    ["a flat array of the wrong length", [1, 2, 3, 4], /x has 4 values, which is not a whole number of samples of 3 values/],
    ["a string inside a row", [[1, "2", 3]], /x\[0\]\[1\] is "2"; expected a number/],
  ])("%s", (_, x, message) => {
    const net = makeNet();
    rejects(net, () => net.trainBatch(x as never, [0]), message);
    rejects(net, () => net.predict(x as never), message);
    rejects(net, () => net.forward(x as never), message);
  });
});

describe("labels", () => {
  test.each([
    ["class index out of range", [0, 3], /y\[1\] is 3; expected a class index, an integer in \[0, 3\)/],
    ["negative class index", Int32Array.of(0, -1), /y\[1\] is -1/],
    ["fractional class index", [0, 1.5], /y\[1\] is 1.5/],
    ["too few labels", [0], /1 labels, expected 2/],
    [
      "one-hot rows of the wrong width",
      [
        [1, 0],
        [0, 1],
      ],
      /y\[0\] has 2 values, expected 3/,
    ],
    ["targets for the wrong number of samples", new Float32Array(9), /3 samples of 3 values, expected 2/],
    ["NaN target", Float32Array.of(1, 0, 0, 0, NaN, 0), /y sample 1, value 1 is NaN/],
  ])("%s", (_, y, message) => {
    const net = makeNet();
    rejects(net, () => net.trainBatch(X, y as never), message);
    rejects(net, () => net.gradients(X, y as never), message);
    rejects(net, () => net.fit(X, y as never), message);
  });

  test("class indices are refused for losses other than categorical cross-entropy", () => {
    const net = new Network({ inputSize: 3, layers: [{ units: 2, activation: "sigmoid" }], seed: 1 });
    expect(() => net.trainBatch(X, Int32Array.of(0, 1))).toThrow(/class indices \(an Int32Array of length 2\), which only categorical-crossentropy takes/);
    // a flat number[] is targets here, sample-major
    expect(net.loss(X, [1, 0, 0, 1])).toBeCloseTo(
      net.loss(X, [
        [1, 0],
        [0, 1],
      ]),
      6,
    );
    expect(() => net.loss(X, [1, 0, 0])).toThrow(/y has 3 values, which is not a whole number of samples of 2 values/);
  });
});

describe("construction", () => {
  test.each([
    ["unknown activation", { inputSize: 3, layers: [{ units: 2, activation: "mish" }] }, /activation must be one of .* received "mish"/],
    ["unknown loss", { inputSize: 3, layers: [{ units: 2, activation: "sigmoid" }], loss: "poisson" }, /loss must be one of .* received "poisson"/],
    ["unknown optimizer", { inputSize: 3, layers: [{ units: 2 }], optimizer: { type: "lion" } }, /optimizer.type must be one of .* received "lion"/],
    ["unknown optimizer option", { inputSize: 3, layers: [{ units: 2 }], optimizer: { type: "sgd", momentum: 0.9 } }, /unknown option "momentum"/],
    ["unknown network option", { inputSize: 3, layers: [{ units: 2 }], hidden: [4] }, /unknown option "hidden"/],
    ["unknown layer option", { inputSize: 3, layers: [{ units: 2, biasRegularizer: "l2" }] }, /unknown option "biasRegularizer"/],
    ["zero units", { inputSize: 3, layers: [{ units: 0 }] }, /units must be an integer in \[1, 65536\], received 0/],
    ["fractional input size", { inputSize: 2.5, layers: [{ units: 2 }] }, /inputSize must be an integer/],
    ["no layers", { inputSize: 3, layers: [] }, /layers must be a non-empty array/],
    [
      "BCE on a softmax output",
      { inputSize: 3, layers: [{ units: 2, activation: "softmax" }], loss: "binary-crossentropy" },
      /"binary-crossentropy" needs a "sigmoid" output layer.*"softmax"/,
    ],
    [
      "CCE on a relu output",
      { inputSize: 3, layers: [{ units: 2, activation: "relu" }], loss: "categorical-crossentropy" },
      /needs a "softmax" output layer.*"relu"/,
    ],
    [
      "CCE with one output",
      { inputSize: 3, layers: [{ units: 1, activation: "softmax" }], loss: "categorical-crossentropy" },
      /at least 2 output units, received 1/,
    ],
    [
      "negative learning rate",
      { inputSize: 3, layers: [{ units: 2 }], optimizer: { type: "sgd", learningRate: -1 } },
      /learningRate must be a finite number in \(0, ∞\], received -1/,
    ],
    ["beta1 of 1", { inputSize: 3, layers: [{ units: 2 }], optimizer: { type: "adam", beta1: 1 } }, /beta1 must be a finite number in \[0, 1\), received 1/],
    ["alpha on relu", { inputSize: 3, layers: [{ units: 2, activation: "relu", alpha: 0.1 }] }, /alpha applies to "leaky-relu" only/],
    ["negative seed", { inputSize: 3, layers: [{ units: 2 }], seed: -1 }, /seed must be an integer in \[0, 4294967295\], received -1/],
  ])("%s", (_, options, message) => {
    expect(() => new Network(options as never)).toThrow(message);
  });

  test("a Layer cannot join two networks", () => {
    const layer = new Layer({ units: 2, activation: "sigmoid" });
    new Network({ inputSize: 3, layers: [layer], seed: 1 });
    expect(() => new Network({ inputSize: 3, layers: [layer], seed: 1 })).toThrow(/already belongs to a network/);
  });
});

describe("other calls", () => {
  test("fit options", () => {
    const net = makeNet();
    rejects(net, () => net.fit(X, [0, 1], { epochs: 0 }), /epochs must be an integer ≥ 1, received 0/);
    rejects(net, () => net.fit(X, [0, 1], { batchSize: 2.5 }), /batchSize must be an integer/);
    rejects(net, () => net.fit(X, [0, 1], { verbose: true } as never), /unknown option "verbose"/);
    rejects(net, () => net.fit(X, [0, 1], { onEpochEnd: 3 } as never), /onEpochEnd must be a function/);
    rejects(net, () => net.fit(X, [0, 1], { validationData: [X, [0, 9]] }), /validationData y\[1\] is 9/);
  });

  test("backward without forward, or with the wrong batch", () => {
    const net = makeNet();
    rejects(net, () => net.backward([[1, 0, 0]]), /needs a forward\(\) first/);
    net.forward(X);
    rejects(net, () => net.backward([[1, 0, 0]]), /dOut has 1 samples, expected 2/);
    rejects(
      net,
      () =>
        net.backward([
          [1, 0],
          [0, 1],
        ]),
      /dOut\[0\] has 2 values, expected 3/,
    );
  });

  test("setWeights checks count, sizes and values before writing anything", () => {
    const net = makeNet();
    const good = net.getWeights();
    rejects(net, () => net.setWeights(good.slice(0, 3)), /expects 4 arrays.*received an array of length 3/);
    rejects(net, () => net.setWeights([good[0], good[1], new Float32Array(5), good[3]]), /weights\[2\] \(W of layer 1\) has 5 values, expected 12/);
    const bad = good.map((w) => w.slice());
    bad[3][1] = NaN;
    rejects(net, () => net.setWeights(bad), /weights\[3\]\[1\] \(b of layer 1\) is NaN/);
  });

  test("a disposed network refuses every call", () => {
    const net = makeNet();
    net.dispose();
    expect(() => net.predict(X)).toThrow(/has been disposed/);
    expect(() => net.getWeights()).toThrow(/has been disposed/);
    expect(() => net.layers[0].weights).toThrow(/not part of a network/);
    net.dispose(); // twice is harmless
  });

  test("a finite loss with overflowing gradients is refused before the update", () => {
    const net = new Network({ inputSize: 1, layers: [{ units: 1, activation: "linear" }], loss: "mse", optimizer: "sgd", seed: 1 });
    // loss (w·1e25)² ≈ 1e49 is finite in float64, but dW = dZ·x ≈ 1e50 overflows float32.
    rejects(net, () => net.trainBatch([[1e25]], [0]), /gradients became non-finite \(the loss was [\d.e+]+\), so no update was applied/);
  });

  test("divergence stops fit with a clear error and no NaN weights", () => {
    const net = new Network({
      inputSize: 1,
      layers: [{ units: 1, activation: "linear" }],
      loss: "mse",
      optimizer: { type: "sgd", learningRate: 1e6 },
      seed: 1,
    });
    const x = [[1e3], [2e3]],
      y = [5, -5];
    expect(() => net.fit(x, y, { epochs: 50, batchSize: 2 })).toThrow(/loss became (Infinity|NaN), so no update was applied/);
    for (const w of net.getWeights()) for (const v of w) expect(Number.isFinite(v)).toBe(true);
  });
});

describe("inputShape", () => {
  const layers = [{ units: 2, activation: "softmax" as const }];
  test("is kept (frozen), written to model files and read back", () => {
    const net = new Network({ inputSize: 6, inputShape: [2, 3], layers, seed: 1 });
    expect(net.inputShape).toEqual([2, 3]);
    expect(Object.isFrozen(net.inputShape)).toBe(true);
    const json = net.toJSON();
    expect(json.inputShape).toEqual([2, 3]);
    const back = Network.fromJSON(JSON.stringify(json));
    expect(back.inputShape).toEqual([2, 3]);
    expect(back.predict([[1, 2, 3, 4, 5, 6]])).toEqual(net.predict([[1, 2, 3, 4, 5, 6]]));
    const { inputShape: _, ...old } = json; // files without it still load
    expect(Network.fromJSON(old).inputShape).toBeUndefined();
    [net, back].forEach((n) => n.dispose());
  });

  test("must be positive whole numbers whose product is inputSize", () => {
    expect(() => new Network({ inputSize: 6, inputShape: [4, 2], layers })).toThrow(/inputShape \[4, 2\] holds 8 values, but inputSize is 6/);
    expect(() => new Network({ inputSize: 6, inputShape: [], layers })).toThrow(
      /inputShape must be a non-empty array of whole numbers, received an array of length 0/,
    );
    expect(() => new Network({ inputSize: 6, inputShape: [2, 1.5] as number[], layers })).toThrow(/inputShape\[1\]/);
    expect(() => new Network({ inputSize: 6, inputShape: "2x3" as unknown as number[], layers })).toThrow(TypeError);
  });
});

test("hinge takes class labels −1/1 or 0/1 only, naming the bad value", () => {
  const net = new Network({ inputSize: 2, layers: [{ units: 1, activation: "linear" }], loss: "hinge", seed: 1 });
  const before = net.getWeights();
  expect(() =>
    net.trainBatch(
      [
        [1, 2],
        [3, 4],
      ],
      [1, 0.5],
    ),
  ).toThrow(/y sample 1, value 0 is 0.5; hinge targets are class labels −1 or 1 \(or 0 or 1\)/);
  expect(net.getWeights()).toEqual(before);
  expect(
    Number.isFinite(
      net.trainBatch(
        [
          [1, 2],
          [3, 4],
        ],
        [1, -1],
      ),
    ),
  ).toBe(true);
  net.dispose();
});
