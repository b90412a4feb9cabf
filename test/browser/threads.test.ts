// Threads in Chromium: the demo server makes pages cross-origin isolated, init({ threads: 2 })
// starts a Web Worker, and training on the page's 2 threads gives the bytes Node gives on 1.
import { beforeAll, expect, test } from "vitest";
import { Network, init, threadCount } from "../../src/index.js";
import { browserAvailable, useBrowserAndServer } from "./browser.js";

const env = useBrowserAndServer();
const maybe = browserAvailable ? test : test.skip;

beforeAll(async () => {
  await init();
});

// Layers large enough that the first layer's matmuls and the Adam step are split (see
// test/threads/training.test.ts for the split counts with this shape).
const OPTIONS = {
  inputSize: 300,
  layers: [
    { units: 256, activation: "relu" as const },
    { units: 10, activation: "softmax" as const },
  ],
  loss: "categorical-crossentropy" as const,
  optimizer: { type: "adam" as const, learningRate: 1e-3 },
  seed: 3,
};
const DATA = `
  const m = 256, x = new Float32Array(m * 300), y = new Int32Array(m);
  for (let i = 0; i < x.length; i++) x[i] = ((i * 7919) % 1000) / 1000 - 0.5;
  for (let i = 0; i < m; i++) y[i] = (i * 7) % 10;`;

maybe(
  "a cross-origin-isolated page trains on 2 threads to the bytes Node trains to on 1",
  async () => {
    const expected = new Function(`${DATA}; return [x, y];`)() as [Float32Array, Int32Array];
    const net = new Network(OPTIONS);
    net.fit(expected[0], expected[1], { epochs: 2, batchSize: 128, shuffle: false });
    const nodeJson = JSON.stringify(net.toJSON());
    net.dispose();
    expect(threadCount()).toBe(1);

    const page = await env.browser().newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${env.url()}/test/browser/blank.html`);
    const got = (await page.evaluate(`(async () => {
    const { init, Network, threadCount } = await import("/dist/wasmlp.browser.js");
    await init({ threads: 2 });
    ${DATA}
    const net = new Network(${JSON.stringify(OPTIONS)});
    net.fit(x, y, { epochs: 2, batchSize: 128, shuffle: false });
    return { isolated: crossOriginIsolated, threads: threadCount(), json: JSON.stringify(net.toJSON()) };
  })()`)) as { isolated: boolean; threads: number; json: string };
    expect(got.isolated).toBe(true);
    expect(got.threads).toBe(2);
    expect(got.json).toBe(nodeJson);
    expect(errors).toEqual([]);
    await page.close();
  },
  60_000,
);
