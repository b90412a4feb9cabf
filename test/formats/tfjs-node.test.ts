// tfjs layers models as directories: model.json plus weight shards, read in manifest order
// (several groups, several shards, shards that split a tensor), written atomically in shards.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { MAX_TFJS_JSON_BYTES, MAX_TFJS_WEIGHT_BYTES, TFJS_SHARD_BYTES, WriteTargetError, loadTfjs, saveTfjs, writeTfjsFolder } from "wasmlp/tfjs/node";
import { init, memoryStats, Network } from "../../src/index.js";
import { maxRelDiff, predictTf, randomInputs, randomizeWeights, save, tf, tfl, tfReady } from "./tfjs-helpers.js";

const root = mkdtempSync(join(tmpdir(), "wasmlp-tfjs-"));
const bits = (a: ArrayLike<number>): number[] => Array.from(new Uint32Array(Float32Array.from(a).buffer));

beforeAll(async () => {
  await init();
  await tfReady();
});

/** What tfjs does with a model.json on disk: its own manifest reader, the shards concatenated in order. */
async function tfjsLoadDirectory(dir: string): Promise<tfl.LayersModel> {
  const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8")) as tf.io.ModelJSON;
  const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const buffers = manifest.flatMap((g) => g.paths.map((p) => new Uint8Array(readFileSync(join(dir, p))).buffer as ArrayBuffer));
    return [tf.io.getWeightSpecs(manifest), tf.io.concatenateArrayBuffers(buffers)];
  });
  return tfl.loadLayersModel(tf.io.fromMemory(artifacts));
}

describe("a model.json with several groups and shards, as the converter writes", () => {
  test("shards split mid-tensor, in two groups, in a subfolder; read in manifest order", async () => {
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ units: 9, activation: "tanh", inputShape: [7] }), tfl.layers.dense({ units: 3, activation: "softmax" })],
    });
    randomizeWeights(model, 4);
    const saved = await save(model);
    const dir = join(root, "converted");
    mkdirSync(join(dir, "w"), { recursive: true });
    const bytes = new Uint8Array(saved.weightData);
    // Group 1: the first layer's kernel and bias ((7·9 + 9)·4 = 288 bytes) in shards of 100; group 2: the rest.
    const cuts = [0, 100, 200, 288, 350, bytes.length];
    const names = ["w/group1-shard1of3.bin", "w/group1-shard2of3.bin", "w/group1-shard3of3.bin", "group2-shard1of2.bin", "group2-shard2of2.bin"];
    names.forEach((n, i) => writeFileSync(join(dir, n), bytes.subarray(cuts[i], cuts[i + 1])));
    writeFileSync(
      join(dir, "model.json"),
      JSON.stringify({
        format: "layers-model",
        generatedBy: "test",
        convertedBy: null,
        modelTopology: saved.modelTopology,
        weightsManifest: [
          { paths: names.slice(0, 3), weights: saved.weightSpecs.slice(0, 2) },
          { paths: names.slice(3), weights: saved.weightSpecs.slice(2) },
        ],
      }),
    );
    for (const path of [dir, join(dir, "model.json")]) {
      const net = loadTfjs(path);
      const x = randomInputs(2, 5 * 7);
      expect(maxRelDiff(net.predict(x), predictTf(model, x, [7]))).toBeLessThan(1e-5);
      net.dispose();
    }
    // Shards out of order are a different model: the checks catch nothing, so the outputs must differ.
    writeFileSync(
      join(dir, "model.json"),
      JSON.stringify({
        format: "layers-model",
        modelTopology: saved.modelTopology,
        weightsManifest: [
          { paths: [names[1], names[0], names[2]], weights: saved.weightSpecs.slice(0, 2) },
          { paths: names.slice(3), weights: saved.weightSpecs.slice(2) },
        ],
      }),
    );
    const swapped = loadTfjs(dir);
    const x = randomInputs(2, 5 * 7);
    expect(maxRelDiff(swapped.predict(x), predictTf(model, x, [7]))).toBeGreaterThan(1e-3);
    swapped.dispose();
    model.dispose();
  });
});

describe("saveTfjs writes what tfjs-layers loads", () => {
  test("one shard by default; several when the weights are larger than a shard; bit-exact both ways", async () => {
    const net = new Network({
      inputSize: 45,
      layers: [
        { units: 17, activation: "relu" },
        { units: 5, activation: "leaky-relu", alpha: 0.1 },
        { units: 2, activation: "softmax" },
      ],
      seed: 12,
    });
    const one = join(root, "one");
    expect(saveTfjs(net, one).map((p) => p.slice(one.length + 1))).toEqual(["model.json", "group1-shard1of1.bin"]);
    expect(TFJS_SHARD_BYTES).toBe(4 * 1024 * 1024);
    const many = join(root, "many");
    const files = saveTfjs(net, many, { shardBytes: 1000 }); // (45·17 + 17 + 17·5 + 5 + 5·2 + 2)·4 = 3,536 bytes
    expect(files.map((p) => p.slice(many.length + 1))).toEqual([
      "model.json",
      "group1-shard1of4.bin",
      "group1-shard2of4.bin",
      "group1-shard3of4.bin",
      "group1-shard4of4.bin",
    ]);
    expect(readdirSync(many).sort()).toEqual(["group1-shard1of4.bin", "group1-shard2of4.bin", "group1-shard3of4.bin", "group1-shard4of4.bin", "model.json"]); // no temporary file left
    for (const dir of [one, many]) {
      const model = await tfjsLoadDirectory(dir);
      const x = randomInputs(5, 45 * 8);
      expect(maxRelDiff(predictTf(model, x, [45]), net.predict(x))).toBeLessThan(1e-5);
      model.dispose();
      const back = loadTfjs(dir);
      net.getWeights().forEach((w, i) => expect(bits(back.getWeights()[i])).toEqual(bits(w)));
      back.dispose();
    }
    expect(() => saveTfjs(net, join(root, "bad"), { shardBytes: 6 })).toThrow(/shardBytes must be a positive multiple of 4, received 6/);
    net.dispose();
  });
});

describe("saveTfjs and writeTfjsFolder check the folder before writing (one helper with the command line's --out)", () => {
  const net = () => new Network({ inputSize: 3, layers: [{ units: 2, activation: "sigmoid" }], seed: 1 });
  const writers = [
    [
      "saveTfjs",
      (dir: string) => {
        const n = net();
        try {
          return saveTfjs(n, dir);
        } finally {
          n.dispose();
        }
      },
    ],
    [
      "writeTfjsFolder",
      (dir: string) => {
        const n = net();
        try {
          return writeTfjsFolder(n.toJSON(), dir);
        } finally {
          n.dispose();
        }
      },
    ],
  ] as const;

  test.each(writers)("%s /proc/self/x fails at once with a WriteTargetError (a recursive mkdir spins there)", (name, write) => {
    if (!existsSync("/proc/self")) return;
    expect(() => write("/proc/self/x")).toThrow(WriteTargetError);
    expect(() => write("/proc/self/x")).toThrow(`${name} /proc/self/x: the folder /proc/self is not writable`);
  });

  test.each(writers)("%s: a file where the folder should be, or among its parents, is refused and nothing is written", (name, write) => {
    const file = join(root, `${name}-file`);
    writeFileSync(file, "not a folder");
    expect(() => write(file)).toThrow(`${name} ${file} is a file; expected a folder`);
    expect(() => write(join(file, "sub"))).toThrow(`${name} ${join(file, "sub")}: ${file} is a file, not a folder`);
    expect(readFileSync(file, "utf8")).toBe("not a folder");
  });

  test.each(writers)("%s: a folder named model.json inside the target is refused before any shard is written", (name, write) => {
    const dir = join(root, `${name}-dir`);
    mkdirSync(join(dir, "model.json"), { recursive: true });
    expect(() => write(dir)).toThrow(WriteTargetError);
    expect(readdirSync(dir)).toEqual(["model.json"]);
  });

  test.each(writers)("%s makes missing folders one level at a time", (name, write) => {
    const dir = join(root, `${name}-deep`, "a", "b");
    expect(write(dir).map((p) => p.slice(dir.length + 1))).toEqual(["model.json", "group1-shard1of1.bin"]);
  });
});

describe("broken directories are refused by name", () => {
  async function writeBase(dir: string): Promise<void> {
    const net = new Network({ inputSize: 3, layers: [{ units: 2, activation: "sigmoid" }], seed: 1 });
    saveTfjs(net, dir, { shardBytes: 16 });
    net.dispose();
  }

  test.each([
    ["no model.json", (dir: string) => rmSync(join(dir, "model.json")), (dir: string) => new RegExp(`model.json ${join(dir, "model.json")} does not exist`)],
    [
      "a shard dropped from the manifest",
      (dir: string) => {
        const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
        json.weightsManifest[0].paths.pop();
        writeFileSync(join(dir, "model.json"), JSON.stringify(json));
      },
      () => /tfjs weight data has 16 bytes, but the weight specs describe 32 \(2 float32 tensors\): the weight data is truncated or a shard is missing/,
    ],
    [
      "a deleted shard",
      (dir: string) => rmSync(join(dir, "group1-shard2of2.bin")),
      (dir: string) => new RegExp(`weight file "group1-shard2of2.bin" named in the manifest ${join(dir, "group1-shard2of2.bin")} does not exist`),
    ],
    [
      "a truncated shard",
      (dir: string) => writeFileSync(join(dir, "group1-shard2of2.bin"), new Uint8Array(13)),
      () => /tfjs weight data has 29 bytes, but the weight specs describe 32/,
    ],
    [
      "a truncated model.json",
      (dir: string) => writeFileSync(join(dir, "model.json"), readFileSync(join(dir, "model.json"), "utf8").slice(0, 80)),
      () => /model.json is not valid JSON/,
    ],
    [
      "a manifest without paths",
      (dir: string) =>
        writeFileSync(
          join(dir, "model.json"),
          JSON.stringify({ ...JSON.parse(readFileSync(join(dir, "model.json"), "utf8")), weightsManifest: [{ weights: [] }] }),
        ),
      () => /weightsManifest\[0\].paths must be a list of file names/,
    ],
    // Sparse files: the sizes are real, the disk blocks are not; the caps must trip before any read.
    [
      "a model.json over the cap",
      (dir: string) => truncateSync(join(dir, "model.json"), MAX_TFJS_JSON_BYTES + 1),
      (dir: string) => new RegExp(`${join(dir, "model.json")} is 16777217 bytes, over the cap MAX_TFJS_JSON_BYTES`),
    ],
    [
      "shards over the cap",
      (dir: string) => truncateSync(join(dir, "group1-shard2of2.bin"), MAX_TFJS_WEIGHT_BYTES),
      () => /the weight files hold more than MAX_TFJS_WEIGHT_BYTES \(1073741824\) bytes/,
    ],
    [
      "a shard outside the directory",
      (dir: string) => {
        const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
        json.weightsManifest[0].paths[0] = "../elsewhere.bin";
        writeFileSync(join(dir, "model.json"), JSON.stringify(json));
      },
      () => /weight file "..\/elsewhere.bin" lies outside the model's directory/,
    ],
    [
      "a shard named but absent",
      (dir: string) => {
        const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
        json.weightsManifest[0].paths.push("group1-shard3of2.bin");
        writeFileSync(join(dir, "model.json"), JSON.stringify(json));
      },
      (dir: string) => new RegExp(`weight file "group1-shard3of2.bin" named in the manifest ${join(dir, "group1-shard3of2.bin")} does not exist`),
    ],
  ])("%s", async (name, breakIt, message) => {
    const dir = join(root, `broken-${name.replace(/\W+/g, "-")}`);
    await writeBase(dir);
    breakIt(dir);
    const before = memoryStats().liveRegions;
    expect(() => loadTfjs(dir)).toThrow(message(dir));
    expect(memoryStats().liveRegions).toBe(before);
  });
});
