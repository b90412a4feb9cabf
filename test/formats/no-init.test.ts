// Formats are data: a TensorFlow.js model converts to ONNX and back to a wasmlp model file in a
// process where init() was never called (this file is its own module context: vitest runs each
// file in a fresh fork, and nothing here loads the wasm), through the library and through the
// CLI's export command called in-process.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { Network } from "wasmlp";
import { readOnnx, writeOnnx } from "wasmlp/onnx";
import { ReferenceNetwork } from "wasmlp/reference";
import { readTfjs, writeTfjs } from "wasmlp/tfjs";
import { saveTfjsModel } from "./no-init-helpers.js";
import { maxRelDiff, predictTf, randomInputs, randomizeWeights, save, tfl, tfReady } from "./tfjs-helpers.js";
import { exportModel } from "../../src/cli/export.js";

const wasmNotLoaded = (): void => {
  expect(() => new Network({ inputSize: 2, layers: [{ units: 1 }] })).toThrow(/not initialised: call `await init\(\)`/);
};

test("tfjs → wasmlp model file → ONNX → model file, with init() never called; the result predicts as TensorFlow.js", async () => {
  wasmNotLoaded();
  await tfReady();
  const m = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 9, inputShape: [7] }),
      tfl.layers.layerNormalization(),
      tfl.layers.activation({ activation: "tanh" }),
      tfl.layers.dense({ units: 5, activation: "relu" }),
      tfl.layers.dense({ units: 3, activation: "softmax" }),
    ],
  });
  randomizeWeights(m, 7);
  const saved = await save(m);
  const fromTf = readTfjs({ modelTopology: saved.modelTopology, weightSpecs: saved.weightSpecs }, saved.weightData, { seed: 3 });
  const onnx = writeOnnx(fromTf);
  const back = readOnnx(onnx, { seed: 3 });
  expect(back.weights).toEqual(fromTf.weights); // float32 bits travel unchanged
  expect(back.layers).toEqual(fromTf.layers);
  // The float64 reference (no wasm either) built from the converted file predicts as tfjs does.
  const x = randomInputs(1, 4 * 7);
  const ref = ReferenceNetwork.fromJSON(back);
  expect(maxRelDiff(ref.predict(x), predictTf(m, x, [7]))).toBeLessThan(1e-5);
  // And back to tfjs: the same topology wasmlp writes for a live network.
  const again = writeTfjs(back);
  expect(again.weightData.byteLength).toBe(new Uint8Array(saved.weightData).byteLength);
  m.dispose();
  wasmNotLoaded();
});

test("wasmlp export --from-tfjs DIR --format onnx runs in-process without loading wasm", async () => {
  wasmNotLoaded();
  const dir = mkdtempSync(join(tmpdir(), "wasmlp-no-init-"));
  const tfDir = await saveTfjsModel(dir);
  const out = join(dir, "m.onnx");
  let printed = "";
  const code = await exportModel(["--from-tfjs", tfDir, "--format", "onnx", "--out", out], {
    write: (t) => {
      printed += t;
    },
    isTTY: false,
    columns: 80,
  });
  expect(code).toBe(0);
  expect(printed).toMatch(/^Network\(4 → 6 relu → 2 softmax; loss categorical-crossentropy; adam\(.*\); 44 parameters\)\nwrote onnx: /);
  const model = readOnnx(readFileSync(out));
  expect(model.layers.map((l) => l.units)).toEqual([6, 2]);
  // And back to tfjs from the ONNX file.
  writeFileSync(join(dir, "again.onnx"), readFileSync(out));
  expect(
    await exportModel(["--from-onnx", join(dir, "again.onnx"), "--format", "tfjs", "--out", join(dir, "tf2")], { write: () => {}, isTTY: false, columns: 80 }),
  ).toBe(0);
  expect(JSON.parse(readFileSync(join(dir, "tf2", "model.json"), "utf8")).format).toBe("layers-model");
  wasmNotLoaded();
});
