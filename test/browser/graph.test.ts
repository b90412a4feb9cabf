// wasmlp/graph in a page without a bundler: an import map names wasmlp (the browser bundle),
// the page imports /dist/graph/index.js, and its tensors share the bundle's init() and memory:
// the notes' circuit and a dense layer's gradient come out as in Node, bit for bit.
import { beforeAll, expect, test } from "vitest";
import { init } from "../../src/index.js";
import { add, div, grads, matmul, mean, pow, sigmoid, tensor, tidy } from "../../src/graph/index.js";
import type { Tensor } from "../../src/graph/index.js";
import { browserAvailable, useBrowserAndServer } from "./browser.js";

const env = useBrowserAndServer();
const maybe = browserAvailable ? test : test.skip;

beforeAll(async () => {
  await init();
});

const circuit = (x: Tensor, y: Tensor) => div(add(x, sigmoid(y)), add(sigmoid(x), pow(add(x, y), 2)));
const X = Array.from({ length: 5 * 7 }, (_, i) => Math.sin(i));
const W = Array.from({ length: 3 * 7 }, (_, i) => 0.1 * Math.cos(i));

maybe(
  "the graph runs in Chromium on the browser bundle's memory and agrees with Node bit for bit",
  async () => {
    const expected = tidy(() => ({
      circuit: grads(circuit)(tensor(3), tensor(-4)).map((t) => t.item()),
      dense: Array.from(grads((w) => mean(sigmoid(matmul(tensor(X, [5, 7]), w, { transposeB: true }))))(tensor(W, [3, 7]))[0].data()),
    }));
    const page = await env.browser().newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${env.url()}/test/browser/tfjs.html`); // its import map names wasmlp
    const got = (await page.evaluate(`(async () => {
    const { init, memoryStats } = await import("wasmlp");
    const g = await import("/dist/graph/index.js");
    await init();
    const start = memoryStats().bytesInUse;
    const circuit = (x, y) => g.div(g.add(x, g.sigmoid(y)), g.add(g.sigmoid(x), g.pow(g.add(x, y), 2)));
    const out = g.tidy(() => ({
      circuit: g.grads(circuit)(g.tensor(3), g.tensor(-4)).map((t) => t.item()),
      dense: Array.from(g.grads((w) => g.mean(g.sigmoid(g.matmul(g.tensor(${JSON.stringify(X)}, [5, 7]), w, { transposeB: true }))))(g.tensor(${JSON.stringify(W)}, [3, 7]))[0].data()),
    }));
    return { ...out, leaked: memoryStats().bytesInUse - start };
  })()`)) as { circuit: number[]; dense: number[]; leaked: number };
    expect(got.circuit).toEqual(expected.circuit);
    expect(got.dense).toEqual(expected.dense);
    expect(got.leaked).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  },
  60_000,
);
