// Names from outside (options, model files, command-line flags) are looked up as names, never as
// properties of a plain object: every Object.prototype name is refused with the error that names
// the field, lists what it accepts and quotes the name received ("…, received "constructor", an
// unknown name"), and nothing changes. Written against the public API (wasmlp, wasmlp/reference,
// the CLI commands), so it holds while the lookups move into the op registry.
import { describe, expect, test } from "vitest";
import { Layer, Network, init } from "wasmlp";
import { ReferenceNetwork, math } from "wasmlp/reference";
import { UsageError } from "../src/cli/args.js";
import { train } from "../src/cli/commands.js";
import { exportModel } from "../src/cli/export.js";
import { run } from "../src/cli/main.js";

await init();

/** Every name an object literal inherits from Object.prototype. */
const NAMES = ["constructor", "__proto__", "toString", "valueOf", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable", "toLocaleString"];

const base = () => ({
  inputSize: 2,
  layers: [
    { units: 3, activation: "relu" as const },
    { units: 2, activation: "softmax" as const },
  ],
  seed: 3,
});
/** A model file (checkpoint) as JSON.parse returns it: plain objects with own keys. */
const file = (): Record<string, any> => {
  const net = new Network({
    ...base(),
    layers: [
      { units: 3, activation: "relu", normalization: "batch" },
      { units: 2, activation: "softmax" },
    ],
    optimizer: { type: "adam", learningRate: { type: "cosine", initialLearningRate: 0.01, decaySteps: 10 } },
  });
  const json = JSON.parse(JSON.stringify(net.toJSON({ includeOptimizerState: true })));
  net.dispose();
  return json;
};
const edited = (edit: (f: Record<string, any>) => void): string => {
  const f = file();
  edit(f);
  return JSON.stringify(f);
};

/** Entry points keyed by a name: each builds something from `name` and must throw. */
const LIBRARY: [string, RegExp, (name: string) => unknown][] = [
  [
    "Layer activation",
    /Layer options\.activation must be one of "sigmoid", .*"softmax", received "NAME", an unknown name/,
    (n) => new Layer({ units: 2, activation: n as never }),
  ],
  [
    "Network layers[i].activation",
    /layers\[0\]\.activation must be one of .* received "NAME", an unknown name/,
    (n) => new Network({ inputSize: 2, layers: [{ units: 2, activation: n as never }] }),
  ],
  [
    "Network loss",
    /^loss must be one of "binary-crossentropy", .*"hinge", received "NAME", an unknown name/,
    (n) => new Network({ ...base(), loss: n as never }),
  ],
  [
    "Network optimizer (a name)",
    /optimizer\.type must be one of "sgd", .*"adagrad", received "NAME", an unknown name/,
    (n) => new Network({ ...base(), optimizer: n as never }),
  ],
  [
    "Network optimizer.type",
    /optimizer\.type must be one of .* received "NAME", an unknown name/,
    (n) => new Network({ ...base(), optimizer: { type: n } as never }),
  ],
  [
    "Layer normalization (a name)",
    /normalization\.type must be one of "batch", "layer", received "NAME", an unknown name/,
    (n) => new Layer({ units: 2, normalization: n as never }),
  ],
  [
    "Layer normalization.type",
    /normalization\.type must be one of "batch", "layer", received "NAME", an unknown name/,
    (n) => new Layer({ units: 2, normalization: { type: n } as never }),
  ],
  [
    "schedule as learningRate",
    /optimizer\.learningRate\.type must be one of "exponential", "piecewise", "cosine", received "NAME", an unknown name/,
    (n) => new Network({ ...base(), optimizer: { type: "sgd", learningRate: { type: n } as never } }),
  ],
  [
    "schedule as schedule",
    /optimizer\.learningRate\.type must be one of .* received "NAME", an unknown name/,
    (n) => new Network({ ...base(), optimizer: { type: "sgd", schedule: { type: n } } as never }),
  ],
  [
    "fit earlyStopping.monitor",
    /earlyStopping\.monitor must be one of "loss", "accuracy", "valLoss", "valAccuracy", received "NAME", an unknown name/,
    (n) => {
      const net = new Network(base());
      try {
        return net.fit([[1, 2]], [0], { earlyStopping: { monitor: n as never } });
      } finally {
        net.dispose();
      }
    },
  ],
  [
    "fromJSON layers[i].activation",
    /model\.layers\[0\]\.activation must be one of .* received "NAME", an unknown name/,
    (n) =>
      Network.fromJSON(
        edited((f) => {
          f.layers[0].activation = n;
        }),
      ),
  ],
  [
    "fromJSON loss",
    /^loss must be one of .* received "NAME", an unknown name/,
    (n) =>
      Network.fromJSON(
        edited((f) => {
          f.loss = n;
        }),
      ),
  ],
  [
    "fromJSON optimizer.type",
    /optimizer\.type must be one of .* received "NAME", an unknown name/,
    (n) =>
      Network.fromJSON(
        edited((f) => {
          f.optimizer.type = n;
        }),
      ),
  ],
  [
    "fromJSON optimizer.schedule.type",
    /optimizer\.learningRate\.type must be one of .* received "NAME", an unknown name/,
    (n) =>
      Network.fromJSON(
        edited((f) => {
          f.optimizer.schedule.type = n;
        }),
      ),
  ],
  [
    "fromJSON normalization.type",
    /model\.layers\[0\]\.normalization\.type must be one of .* received "NAME", an unknown name/,
    (n) =>
      Network.fromJSON(
        edited((f) => {
          f.layers[0].normalization.type = n;
        }),
      ),
  ],
  [
    "ReferenceNetwork fromJSON activation",
    /model\.layers\[1\]\.activation must be one of .* received "NAME", an unknown name/,
    (n) =>
      ReferenceNetwork.fromJSON(
        edited((f) => {
          f.layers[1].activation = n;
        }),
      ),
  ],
  [
    "ReferenceNetwork optimizer",
    /optimizer\.type must be one of .* received "NAME", an unknown name/,
    (n) => new ReferenceNetwork({ ...base(), optimizer: n as never }),
  ],
  [
    "reference math.activationForward",
    /^activation must be one of .* received "NAME", an unknown name/,
    (n) => math.activationForward(n as never, 1, 1, [0], new Float64Array(1)),
  ],
  [
    "reference math.activationBackward",
    /^activation must be one of .* received "NAME", an unknown name/,
    (n) => math.activationBackward(n as never, 1, 1, [0], [0], new Float64Array(1)),
  ],
  ["reference math.lossSum", /^loss must be one of .* received "NAME", an unknown name/, (n) => math.lossSum(n as never, 1, 1, [0], [0])],
  [
    "reference math.lossGrad",
    /^loss must be one of .* received "NAME", an unknown name/,
    (n) => math.lossGrad(n as never, 1, 1, [0], [0], new Float64Array(1)),
  ],
  // Names used as option keys: own keys of a parsed object, refused as unknown options.
  [
    "a Network option named so",
    /Network options has an unknown option "NAME"/,
    (n) => new Network(JSON.parse(`{"inputSize": 2, "layers": [{"units": 2}], "${n}": 1}`)),
  ],
  ["a Layer option named so", /Layer options has an unknown option "NAME"/, (n) => new Layer(JSON.parse(`{"units": 2, "${n}": 1}`))],
  [
    "a model file field named so",
    /model has an unknown field "NAME"/,
    (n) =>
      Network.fromJSON(
        edited((f) => {
          Object.defineProperty(f, n, { value: 1, enumerable: true });
        }),
      ),
  ],
  [
    "a checkpoint training field named so",
    /model\.training has an unknown option "NAME"/,
    (n) =>
      Network.fromJSON(
        edited((f) => {
          Object.defineProperty(f.training, n, { value: 1, enumerable: true });
        }),
      ),
  ],
  [
    "an optimizer setting named so",
    /optimizer \(adam\) has an unknown option "NAME"/,
    (n) => new Network({ ...base(), optimizer: JSON.parse(`{"type": "adam", "${n}": 1}`) }),
  ],
  [
    "a fit option named so",
    /fit options has an unknown option "NAME"/,
    (n) => {
      const net = new Network(base());
      try {
        return net.fit([[1, 2]], [0], JSON.parse(`{"${n}": 1}`));
      } finally {
        net.dispose();
      }
    },
  ],
  [
    "a classWeight key",
    /classWeight names class NAME; classes are 0 to 1/,
    (n) => {
      const net = new Network(base());
      try {
        return net.fit([[1, 2]], [0], { classWeight: JSON.parse(`{"${n}": 2}`) });
      } finally {
        net.dispose();
      }
    },
  ],
];

const quote = (name: string) => name.replace(/[_$]/g, (c) => `\\${c}`);
const pattern = (re: RegExp, name: string) => new RegExp(re.source.replaceAll("NAME", quote(name)));

describe.each(LIBRARY)("%s", (_, message, call) => {
  test.each(NAMES)("%s is refused by name", (name) => {
    let thrown: unknown = null;
    try {
      call(name);
    } catch (e) {
      thrown = e;
    }
    expect(thrown, `no error for ${name}`).toBeInstanceOf(Error);
    // A named error of wasmlp's, never an internal TypeError such as "x is not a function".
    expect(thrown).toSatisfy((e: unknown) => e instanceof RangeError || e instanceof TypeError);
    expect((thrown as Error).message).toMatch(pattern(message, name));
  });
});

test("a refused name leaves the network it was given to unchanged", () => {
  const net = new Network(base());
  const before = net.getWeights().map((w) => Array.from(w));
  for (const name of NAMES) {
    expect(() => net.fit([[1, 2]], [0], { earlyStopping: { monitor: name as never } })).toThrow(/an unknown name/);
    expect(() => net.fit([[1, 2]], [0], { classWeight: JSON.parse(`{"${name}": 2}`) })).toThrow(/classWeight names class/);
  }
  expect(net.getWeights().map((w) => Array.from(w))).toEqual(before);
  net.dispose();
});

// ---- the command line: every choice flag, the export format and the command name ----------

const out = { write: () => {}, isTTY: false, columns: 80 };
const CLI: [string, RegExp, (name: string) => Promise<number>][] = [
  ["train --activation", /--activation must be one of sigmoid, .*, received "NAME", an unknown name/, (n) => train(["--activation", n], out)],
  ["train --optimizer", /--optimizer must be one of sgd, .*adagrad, received "NAME", an unknown name/, (n) => train(["--optimizer", n], out)],
  [
    "train --lr-schedule",
    /--lr-schedule must be one of constant, cosine, exponential, received "NAME", an unknown name/,
    (n) => train(["--lr-schedule", n], out),
  ],
  ["train --normalization", /--normalization must be one of batch, layer, received "NAME", an unknown name/, (n) => train(["--normalization", n], out)],
  ["train --threads", /--threads must be a whole number from 1 to 256 written in digits, received "NAME"/, (n) => train(["--threads", n], out)],
  ["train --NAME (a flag)", /train: unknown option --NAME/, (n) => train([`--${n}`, "1"], out)],
  [
    "export --format",
    /--format must be one of tfjs, onnx, received "NAME", an unknown name/,
    (n) => exportModel(["--format", n, "--model", "m.json", "--out", "x"], out),
  ],
  ["export --NAME (a model flag)", /export: unknown option --NAME/, (n) => exportModel([`--${n}`, "m.json", "--format", "tfjs", "--out", "x"], out)],
];

describe.each(CLI)("%s", (_, message, call) => {
  test.each(NAMES)("%s is a usage error naming it", async (name) => {
    let thrown: unknown = null;
    try {
      await call(name);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(UsageError);
    expect((thrown as Error).message).toMatch(pattern(message, name));
  });
});

test("wasmlp NAME: an unknown command, exit code 2, for every Object.prototype name", async () => {
  for (const name of NAMES) {
    let stderr = "";
    const code = await run([name], {
      stdout: out,
      stderr: (t) => {
        stderr += t;
      },
    });
    expect(stderr).toBe(`wasmlp: error: unknown command "${name}"; commands: train, eval, predict, export, quantize (see wasmlp --help)\n`);
    expect(code).toBe(2);
  }
});
