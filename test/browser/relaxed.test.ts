// Relaxed SIMD in Chromium (shipped since 114): init({ simd: "relaxed" }) fetches
// build/wasmlp.relaxed.wasm beside the bundle, both instruction families pass their known
// answers, int8 predict gives the bits of the 7-bit integer reference computed here in Node,
// and a page on 2 threads trains to the bytes it trains to on 1 with the relaxed build.
import { expect, test } from "vitest";
import { activationOps } from "../../src/activations.js";
import { init, Network } from "../../src/index.js";
import { qmatmul7Reference, quantizeRows7Reference } from "../../src/reference/quantized.js";
import { runtime } from "../../src/runtime.js";
import { browserAvailable, useBrowserAndServer } from "./browser.js";

const env = useBrowserAndServer();
const maybe = browserAvailable ? test : test.skip;

const SPEC = {
  inputSize: 50,
  layers: [
    { units: 24, activation: "relu" as const },
    { units: 5, activation: "softmax" as const },
  ],
  seed: 4,
};
const X = Array.from({ length: 6 }, (_, i) => Array.from({ length: 50 }, (_, j) => Math.sin(i * 3.1 + j * 0.7) * (j % 3)));

maybe(
  "Chromium runs the relaxed build with both families; int8 predict is the 7-bit reference's bits",
  async () => {
    await init();
    const net = new Network(SPEC);
    const q = net.quantize();
    // The reference chain in Node: quantize_rows7 → qmatmul7 per layer, softmax through the kernel.
    let a: Float32Array = Float32Array.from(X.flat());
    for (const [i, l] of q.layers.entries()) {
      const { q: u, scales, zeros } = quantizeRows7Reference(6, l.inputs, a);
      a = qmatmul7Reference(6, l.units, l.inputs, u, scales, zeros, l.weights, l.scales, l.bias, i === 0 ? "relu" : "linear");
    }
    const rt = runtime();
    const r = rt.heap.alloc(4 * a.length);
    new Float32Array(rt.heap.memory.buffer, r, a.length).set(a);
    activationOps.softmax.kernels.forward(rt.kernels, 6, 5, r, r, 0);
    const want = Array.from(new Uint32Array(new Float32Array(rt.heap.memory.buffer, r, a.length).slice().buffer));
    rt.heap.release(r);
    const model = JSON.stringify(net.toJSON());
    net.dispose();
    q.dispose();

    const page = await env.browser().newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${env.url()}/test/browser/blank.html`);
    const got = (await page.evaluate(`(async () => {
    const warnings = [];
    console.warn = (m) => warnings.push(String(m));
    const { init, simdFeatures, Network } = await import("/dist/wasmlp.browser.js");
    await init({ simd: "relaxed" });
    const net = Network.fromJSON(${JSON.stringify(model)});
    const out = net.quantize().predict(${JSON.stringify(X)});
    return { features: simdFeatures(), bits: Array.from(new Uint32Array(out.buffer)), warnings };
  })()`)) as { features: unknown; bits: number[]; warnings: string[] };
    expect(got.features).toEqual({ build: "relaxed", relaxedMadd: true, relaxedDot: true });
    expect(got.warnings).toEqual([]);
    expect(got.bits).toEqual(want);
    expect(errors).toEqual([]);
    await page.close();
  },
  60_000,
);

maybe(
  "a page on the relaxed build trains to the same bytes on 2 threads as on 1",
  async () => {
    const page = await env.browser().newPage();
    await page.goto(`${env.url()}/test/browser/blank.html`);
    const train = `
    const m = 256, x = new Float32Array(m * 300), y = new Int32Array(m);
    for (let i = 0; i < x.length; i++) x[i] = ((i * 7919) % 1000) / 1000 - 0.5;
    for (let i = 0; i < m; i++) y[i] = (i * 7) % 10;
    const net = new Network({ inputSize: 300, layers: [{ units: 256, activation: "relu" }, { units: 10, activation: "softmax" }], optimizer: { type: "adam", learningRate: 1e-3 }, seed: 3 });
    net.fit(x, y, { epochs: 2, batchSize: 128, shuffle: false });
    return JSON.stringify(net.toJSON());`;
    const run = (threads: number) =>
      page.evaluate(`(async () => {
    const { init, Network, threadCount, simdFeatures } = await import("/dist/wasmlp.browser.js?threads=${threads}");
    await init({ simd: "relaxed", threads: ${threads} });
    if (simdFeatures().build !== "relaxed" || threadCount() !== ${threads}) throw new Error("not relaxed on ${threads} threads");
    ${train}
  })()`) as Promise<string>;
    const two = await run(2),
      one = await run(1);
    expect(two).toBe(one);
    await page.close();
  },
  120_000,
);
