// wasmlp/tfjs in a page without a bundler: an import map names wasmlp's dist/, the page fetches
// model.json and its shards (written by saveTfjs, several of them) and gets the predictions
// Node gets, from the same Network class the page imported.
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, test } from "vitest";
import { saveTfjs } from "wasmlp/tfjs/node";
import { Network, init } from "../../src/index.js";
import { browserAvailable, useBrowserAndServer } from "./browser.js";

const env = useBrowserAndServer();
const maybe = browserAvailable ? test : test.skip;
const MODEL_DIR = fileURLToPath(new URL("./.tfjs-model/", import.meta.url));

beforeAll(async () => {
  await init();
});
afterAll(() => rmSync(MODEL_DIR, { recursive: true, force: true }));

maybe(
  "fromTfjs on fetched shards and toTfjs run in Chromium, agreeing with Node bit for bit",
  async () => {
    const net = new Network({
      inputSize: 7,
      layers: [
        { units: 9, activation: "leaky-relu", alpha: 0.1 },
        { units: 3, activation: "softmax" },
      ],
      seed: 17,
    });
    saveTfjs(net, MODEL_DIR, { shardBytes: 64 }); // (7·9 + 9 + 9·3 + 3)·4 = 408 bytes: 7 shards
    const x = [0.5, -1, 2, 0, 1.5, -0.25, 3];
    const expected = Array.from(net.predict(x));
    net.dispose();

    const page = await env.browser().newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${env.url()}/test/browser/tfjs.html`);
    // A script string, not a function: the test runner would rewrite a function's import().
    const got = (await page.evaluate(`(async () => {
    const { init, Network } = await import("wasmlp");
    const { fromTfjs, toTfjs } = await import("/dist/formats/tfjs.js");
    await init();
    const base = "/test/browser/.tfjs-model/";
    const json = await (await fetch(base + "model.json")).json();
    const shards = await Promise.all(json.weightsManifest.flatMap((g) => g.paths).map((p) => fetch(base + p).then((r) => r.arrayBuffer())));
    const net = fromTfjs(json, shards);
    const { modelJson, weightData } = toTfjs(net);
    const again = fromTfjs(modelJson, weightData);
    return { shards: shards.length, same: net instanceof Network, out: Array.from(net.predict(${JSON.stringify(x)})), again: Array.from(again.predict(${JSON.stringify(x)})) };
  })()`)) as { shards: number; same: boolean; out: number[]; again: number[] };
    expect(got.shards).toBe(7);
    expect(got.same).toBe(true);
    expect(got.out).toEqual(expected);
    expect(got.again).toEqual(expected);
    expect(errors).toEqual([]);
    await page.close();
  },
  60_000,
);
