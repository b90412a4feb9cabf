// Issue 25's reader rules, against the public API: every file read goes through the one
// file-system seam and lies inside the folder the user named (a weight file linking elsewhere is
// refused, a shard named "..foo.bin" is not "outside"); deep nesting, negative dims and names
// that are Object.prototype's get wasmlp's named errors; a 1-unit softmax network is refused.
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import protobuf from "protobufjs/light.js";
import { beforeAll, describe, expect, test } from "vitest";
import { Network, init } from "wasmlp";
import { FormatError, UnsupportedFormatError, fromOnnx, readOnnx, toOnnx } from "wasmlp/onnx";
import { fromTfjs, loadTfjs, readTfjsFolder } from "wasmlp/tfjs/node";
import { exportModel } from "../../src/cli/export.js";
import { UsageError } from "../../src/cli/args.js";
import { type ReadFileSystem, isInside, nodeFileSystem, useFileSystem } from "../../src/formats/files.js";
import { MAX_JSON_DEPTH, resetWalkerHighWater, walkerHighWater } from "../../src/formats/limits.js";
import { ONNX_SCHEMA } from "../../src/formats/onnx-schema.js";
import { saveTfjsModel } from "./no-init-helpers.js";

const PROTOTYPE_NAMES = ["constructor", "__proto__", "toString", "valueOf", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable", "toLocaleString"];
const Model = protobuf.Root.fromJSON({ nested: { onnx: ONNX_SCHEMA } } as protobuf.INamespace).lookupType("onnx.ModelProto");
const root = mkdtempSync(join(tmpdir(), "wasmlp-reader-rules-"));
let tfDir: string;

beforeAll(async () => {
  await init();
  tfDir = await saveTfjsModel(root);
});

/** Runs `call` with a file system that records every path it is asked about. */
function recorded<T>(call: () => T): { result: T | Error; reads: string[]; looked: string[] } {
  const reads: string[] = [],
    looked: string[] = [];
  const recorder: ReadFileSystem = {
    realpath: (p) => {
      looked.push(p);
      return nodeFileSystem.realpath(p);
    },
    stat: (p) => {
      looked.push(p);
      return nodeFileSystem.stat(p);
    },
    read: (p, max) => {
      reads.push(p);
      return nodeFileSystem.read(p, max);
    },
  };
  const restore = useFileSystem(recorder);
  try {
    return { result: call(), reads, looked };
  } catch (e) {
    return { result: e as Error, reads, looked };
  } finally {
    restore();
  }
}

function copyModel(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  for (const f of ["model.json", "group1-shard1of1.bin"]) writeFileSync(join(dir, f), readFileSync(join(tfDir, f)));
  return dir;
}

describe("every file read goes through the seam and lies inside the folder", () => {
  test("a good folder: model.json and the shard are read, both inside", () => {
    const { result, reads } = recorded(() => readTfjsFolder(tfDir));
    expect(result).not.toBeInstanceOf(Error);
    expect(reads.map((p) => p.slice(realpathSync(tfDir).length + 1)).sort()).toEqual(["group1-shard1of1.bin", "model.json"]);
    for (const p of reads) expect(isInside(realpathSync(tfDir), p), p).toBe(true);
  });

  test("a weight file that is a link to a file outside the folder is refused; nothing outside is read", () => {
    const dir = copyModel("linked-shard");
    const outside = join(root, "outside.bin");
    writeFileSync(outside, readFileSync(join(dir, "group1-shard1of1.bin")));
    renameSync(join(dir, "group1-shard1of1.bin"), join(root, "moved.bin"));
    symlinkSync(outside, join(dir, "group1-shard1of1.bin"));
    for (const load of [(): unknown => loadTfjs(dir), (): unknown => readTfjsFolder(dir)]) {
      const { result, reads } = recorded(load);
      expect(result).toBeInstanceOf(FormatError);
      expect((result as Error).message).toMatch(
        /weight file "group1-shard1of1.bin" named in the manifest .* lies outside the model's folder .*: it is a link to .*outside.bin/,
      );
      for (const p of reads) expect(isInside(realpathSync(dir), p), p).toBe(true);
    }
  });

  test("a link inside the folder is followed; model.json linking outside a named folder is refused", () => {
    const dir = copyModel("linked-inside");
    renameSync(join(dir, "group1-shard1of1.bin"), join(dir, "real.bin"));
    symlinkSync("real.bin", join(dir, "group1-shard1of1.bin"));
    const net = loadTfjs(dir);
    expect(net.layers.map((l) => l.units)).toEqual([6, 2]);
    net.dispose();
    const away = copyModel("linked-model-json");
    renameSync(join(away, "model.json"), join(root, "away.json"));
    symlinkSync(join(root, "away.json"), join(away, "model.json"));
    expect(() => loadTfjs(away)).toThrow(/model.json .* lies outside the model's folder/);
  });

  test("a shard named ..foo.bin inside the folder is accepted; ../foo.bin is not", () => {
    const dir = copyModel("dotdot");
    renameSync(join(dir, "group1-shard1of1.bin"), join(dir, "..foo.bin"));
    const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8"));
    json.weightsManifest[0].paths = ["..foo.bin"];
    writeFileSync(join(dir, "model.json"), JSON.stringify(json));
    const { result, reads } = recorded(() => loadTfjs(dir));
    expect(result).toBeInstanceOf(Network);
    (result as Network).dispose();
    expect(reads.some((p) => p.endsWith("..foo.bin"))).toBe(true);
    json.weightsManifest[0].paths = ["../foo.bin"];
    writeFileSync(join(dir, "model.json"), JSON.stringify(json));
    expect(() => loadTfjs(dir)).toThrow(/weight file "..\/foo.bin" lies outside the model's directory/);
  });
});

describe("structures are capped before anything recurses", () => {
  test("a tfjs config nested 200,000 deep gives a named error, not a stack overflow", () => {
    const json = JSON.parse(readFileSync(join(tfDir, "model.json"), "utf8"));
    let deep: unknown = 1;
    for (let i = 0; i < 200_000; i++) deep = { a: deep };
    json.modelTopology.config.layers[0].config.kernel_initializer = deep;
    resetWalkerHighWater();
    expect(() => fromTfjs(json, readFileSync(join(tfDir, "group1-shard1of1.bin")))).toThrow(FormatError);
    expect(() => fromTfjs(json, readFileSync(join(tfDir, "group1-shard1of1.bin")))).toThrow(
      `tfjs model.json nests deeper than MAX_JSON_DEPTH (${MAX_JSON_DEPTH}) levels`,
    );
    expect(walkerHighWater.jsonDepth).toBe(MAX_JSON_DEPTH); // the walk stopped at the cap
    // As text, and nested in arrays.
    const fresh = JSON.parse(readFileSync(join(tfDir, "model.json"), "utf8"));
    const text = JSON.stringify({ ...fresh, modelTopology: { ...fresh.modelTopology, extra: null } }).replace(
      '"extra":null',
      `"extra":${"[".repeat(200_000)}${"]".repeat(200_000)}`,
    );
    expect(() => fromTfjs(text, readFileSync(join(tfDir, "group1-shard1of1.bin")))).toThrow(/nests deeper than MAX_JSON_DEPTH/);
  });

  test("ONNX initializer dims [-8, -4] give a named error", () => {
    const net = new Network({ inputSize: 4, layers: [{ units: 8, activation: "relu" }, { units: 2 }], seed: 1 });
    const decoded = Model.toObject(Model.decode(toOnnx(net)), { defaults: true, arrays: true }) as { graph: { initializer: { dims: number[] }[] } };
    net.dispose();
    decoded.graph.initializer[0].dims = [-8, -4];
    const bytes = Model.encode(Model.fromObject(decoded)).finish();
    expect(() => fromOnnx(bytes)).toThrow(FormatError);
    expect(() => readOnnx(bytes)).toThrow(
      /onnx: node 0 \(Gemm "dense_0"\)'s input \("dense_0.weight"\) has dimension 0 of -8; dimensions are whole numbers ≥ 0/,
    );
  });
});

describe("names from files that are Object.prototype's are unknown", () => {
  test.each(PROTOTYPE_NAMES)("tfjs activation, tfjs class_name and ONNX op_type %s", (name) => {
    const json = JSON.parse(readFileSync(join(tfDir, "model.json"), "utf8"));
    const shard = readFileSync(join(tfDir, "group1-shard1of1.bin"));
    const activation = structuredClone(json);
    activation.modelTopology.config.layers[0].config.activation = name;
    expect(() => fromTfjs(activation, shard)).toThrow(UnsupportedFormatError);
    expect(() => fromTfjs(activation, shard)).toThrow(`activation "${name}" is not supported; wasmlp has `);
    const layer = structuredClone(json);
    layer.modelTopology.config.layers.push({ class_name: name, config: { name: "odd" } });
    expect(() => fromTfjs(layer, shard)).toThrow(UnsupportedFormatError);
    expect(() => fromTfjs(layer, shard)).toThrow(`tfjs layer "odd" (${name}) is not supported: wasmlp imports`);
    const net = new Network({ inputSize: 4, layers: [{ units: 8, activation: "relu" }, { units: 2 }], seed: 1 });
    const decoded = Model.toObject(Model.decode(toOnnx(net)), { defaults: true, arrays: true }) as { graph: { node: { opType: string }[] } };
    net.dispose();
    decoded.graph.node[1].opType = name; // the Relu
    const bytes = Model.encode(Model.fromObject(decoded)).finish();
    expect(() => fromOnnx(bytes)).toThrow(UnsupportedFormatError);
    expect(() => fromOnnx(bytes)).toThrow(`operator ${name} is not supported`);
  });

  test.each(PROTOTYPE_NAMES)("wasmlp export --format %s is an unknown format", async (name) => {
    await expect(
      exportModel(["--format", name, "--from-tfjs", tfDir, "--out", join(root, "never")], { write: () => {}, isTTY: false, columns: 80 }),
    ).rejects.toThrow(new UsageError(`--format must be one of tfjs, onnx, received "${name}", an unknown name`));
  });
});

test("a 1-unit softmax network is refused when built, whatever the loss (softmax over one unit is always 1), so none is exported", () => {
  expect(
    () =>
      new Network({
        inputSize: 3,
        layers: [
          { units: 4, activation: "tanh" },
          { units: 1, activation: "softmax" },
        ],
        loss: "mse",
        seed: 2,
      }),
  ).toThrow(/a "softmax" output layer needs at least 2 units, received 1/);
});
