// The command line with TensorFlow.js models (the built dist/, as a user runs it): export
// --format tfjs writes what eval/predict --from-tfjs read back to the same results, a model
// made by tfjs-layers is evaluated directly, and bad uses get one line and an exit code.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { wasmlp } from "./run.js";
import { beforeAll, describe, expect, test } from "vitest";
import { saveTfjs } from "wasmlp/tfjs/node";
import { init, Network } from "../../src/index.js";
import { asModelJson, randomizeWeights, save, tfl, tfReady } from "../formats/tfjs-helpers.js";

const dir = mkdtempSync(join(tmpdir(), "wasmlp-cli-tfjs-"));

const accuracyOf = (stdout: string): string =>
  /test loss (\d\.\d{4}) {2}test accuracy (\d\.\d{4})/.exec(stdout)?.slice(1).join(" ") ?? `no result in ${stdout}`;

beforeAll(async () => {
  await init();
  await tfReady();
});

describe("export --format tfjs, then eval and predict --from-tfjs", () => {
  const model = join(dir, "model.json");
  const out = join(dir, "exported");

  beforeAll(async () => {
    const net = new Network({
      inputSize: 784,
      inputShape: [28, 28],
      layers: [
        { units: 24, activation: "tanh" },
        { units: 10, activation: "softmax" },
      ],
      seed: 5,
    });
    writeFileSync(model, JSON.stringify(net.toJSON()));
    net.dispose();
  });

  test("export writes model.json and one shard, and says so", async () => {
    const r = await wasmlp("export", "--format", "tfjs", "--model", model, "--out", out);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Network(784 → 24 tanh → 10 softmax");
    expect(r.stdout).toContain(`wrote tfjs: ${join(out, "model.json")}, ${join(out, "group1-shard1of1.bin")}`);
    expect(readdirSync(out).sort()).toEqual(["group1-shard1of1.bin", "model.json"]);
    const json = JSON.parse(readFileSync(join(out, "model.json"), "utf8"));
    expect(json.modelTopology.config.layers[0]).toMatchObject({ class_name: "Flatten", config: { batch_input_shape: [null, 28, 28] } }); // the image shape travels
  });

  test("eval and predict give the same results from the exported directory as from the wasmlp file", async () => {
    const a = await wasmlp("eval", "--model", model);
    const b = await wasmlp("eval", "--from-tfjs", out);
    expect(b.stderr).toBe("");
    expect(b.code).toBe(0);
    expect(accuracyOf(b.stdout)).toBe(accuracyOf(a.stdout));
    const p = await wasmlp("predict", "--model", model, "--index", "3,14,159");
    const q = await wasmlp("predict", "--from-tfjs", join(out, "model.json"), "--index", "3,14,159");
    expect(q.code).toBe(0);
    expect(q.stdout).toBe(p.stdout);
  });

  test("a model exported from TensorFlow.js itself evaluates", async () => {
    const m = tfl.sequential({ layers: [tfl.layers.flatten({ inputShape: [28, 28] }), tfl.layers.dense({ units: 10 }), tfl.layers.softmax()] });
    randomizeWeights(m, 3, 0.05);
    const saved = await save(m);
    m.dispose();
    const tfDir = join(dir, "from-tf");
    mkdirSync(tfDir);
    writeFileSync(join(tfDir, "model.json"), JSON.stringify(asModelJson(saved)));
    writeFileSync(join(tfDir, "group1-shard1of1.bin"), new Uint8Array(saved.weightData));
    const r = await wasmlp("eval", "--from-tfjs", tfDir);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("Network(784 → 10 softmax");
    expect(r.stdout).toMatch(/test accuracy 0\.\d{4} on 2,000 images/);
  });
});

describe("bad uses: one line on stderr, exit 2 for usage, 1 for a bad model", () => {
  const conv = join(dir, "conv");
  beforeAll(async () => {
    const m = tfl.sequential({
      layers: [tfl.layers.conv2d({ filters: 1, kernelSize: 3, inputShape: [28, 28, 1], name: "conv" }), tfl.layers.flatten(), tfl.layers.dense({ units: 10 })],
    });
    const saved = await save(m);
    m.dispose();
    mkdirSync(conv);
    writeFileSync(join(conv, "model.json"), JSON.stringify(asModelJson(saved)));
    writeFileSync(join(conv, "group1-shard1of1.bin"), new Uint8Array(saved.weightData));
    const net = new Network({ inputSize: 3, layers: [{ units: 2 }], seed: 1 });
    saveTfjs(net, join(dir, "small"));
    net.dispose();
    const wide = new Network({ inputSize: 784, inputShape: [14, 56], layers: [{ units: 10, activation: "softmax" }], seed: 1 });
    saveTfjs(wide, join(dir, "wide"));
    wide.dispose();
  });

  test.each([
    [["eval", "--from-tfjs", "/no/such/dir"], 1, /^wasmlp: error: TensorFlow.js model directory \/no\/such\/dir does not exist\n$/],
    [
      ["eval", "--from-tfjs", join(dir, "conv")],
      1,
      /is not a usable TensorFlow.js layers model: tfjs layer "conv" \(Conv2D\) is not supported: wasmlp imports InputLayer, Dense/,
    ],
    [["predict", "--from-tfjs", join(dir, "small")], 1, /the model takes 3 inputs, but the images have 784 pixels/],
    [["eval", "--from-tfjs", join(dir, "wide")], 1, /the model was trained on 14×56 images, but these are 28×28/],
    [["eval", "--model", "a.json", "--from-tfjs", "d"], 2, /eval: give one model, received --model and --from-tfjs/],
    [["eval"], 2, /eval: --model FILE is required \(or --from-tfjs DIR, --from-onnx FILE; see wasmlp eval --help\)/],
    [["export", "--model", "a.json", "--out", "d"], 2, /export: --format NAME is required: tfjs/],
    [["export", "--format", "keras", "--model", "a.json", "--out", "d"], 2, /--format must be one of tfjs.*, received "keras"/],
    [["export", "--format", "tfjs", "--model", "a.json"], 2, /export: --out DIR is required/],
    [["export", "--format", "tfjs", "--out", "d"], 2, /export: --model FILE is required/],
    [["export", "--format", "tfjs", "--model", "/no/such.json", "--out", join(dir, "never")], 1, /model file \/no\/such.json does not exist/],
  ])("wasmlp %j", async (args, code, message) => {
    const r = await wasmlp(...args);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stdout).toBe("");
  });

  test("help names the formats and the model flags", async () => {
    expect((await wasmlp("export", "--help")).stdout).toMatch(
      /Usage: wasmlp export --format NAME \(--model FILE \| --from-tfjs DIR.*\) --out PATH[\s\S]*tfjs +--out DIR/,
    );
    expect((await wasmlp("eval", "--help")).stdout).toMatch(/--from-tfjs DIR +a TensorFlow.js layers model/);
    expect((await wasmlp("predict", "--help")).stdout).toMatch(/--from-tfjs DIR/);
    expect((await wasmlp("--help")).stdout).toMatch(/export +write a model in another library's format/);
    expect(existsSync(join(dir, "never"))).toBe(false);
  });
});
