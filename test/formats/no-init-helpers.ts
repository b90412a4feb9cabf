// A small tfjs-layers model saved as a folder (model.json and one shard), for the tests that
// read folders.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { asModelJson, randomizeWeights, save, tfl, tfReady } from "./tfjs-helpers.js";

/** Saves a 4 → 6 relu → 2 softmax tfjs model into dir/tf and returns that folder. */
export async function saveTfjsModel(dir: string, name = "tf"): Promise<string> {
  await tfReady();
  const m = tfl.sequential({
    layers: [tfl.layers.dense({ units: 6, activation: "relu", inputShape: [4] }), tfl.layers.dense({ units: 2, activation: "softmax" })],
  });
  randomizeWeights(m, 11);
  const saved = await save(m);
  m.dispose();
  const tfDir = join(dir, name);
  mkdirSync(tfDir, { recursive: true });
  writeFileSync(join(tfDir, "model.json"), JSON.stringify(asModelJson(saved)));
  writeFileSync(join(tfDir, "group1-shard1of1.bin"), new Uint8Array(saved.weightData));
  return tfDir;
}
