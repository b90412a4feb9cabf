// The demo page in a real browser: a short training run through the page's own controls.
import { mkdirSync } from "node:fs";
import { expect, test } from "vitest";
import { HIDDEN_ACTIVATIONS } from "../../src/activations.js";
import { OPTIMIZERS } from "../../src/config.js";
import { QuantizedNetwork } from "../../src/quantize.js";
import { setup } from "../helpers.js";
import { browserAvailable, browserRequired, useBrowserAndServer } from "./browser.js";

const OUTPUT = new URL("../../test-results/", import.meta.url);
const env = useBrowserAndServer();

test.skipIf(browserAvailable || !browserRequired)("Chromium is installed (required in CI)", () => {
  expect.fail("WASMLP_REQUIRE_BROWSER=1 but /usr/bin/chromium is missing: apt-get install -y chromium");
});

const maybe = browserAvailable ? test : test.skip;

maybe(
  "trains through the page's controls, updates the chart, reports a real accuracy, and shows the int8 model beside the float one",
  async () => {
    const page = await env.browser().newPage({ viewport: { width: 1000, height: 1100 } });
    const errors: string[] = [];
    page.on("console", (msg) => {
      if (msg.type() === "error") errors.push(msg.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${env.url()}/demo/`);
    await page.waitForFunction(() => !(document.getElementById("train") as HTMLButtonElement).disabled, null, { timeout: 30_000 });
    // The activation menu is the registry's list of hidden activations, relu first chosen.
    expect(await page.locator("#activation option").allTextContents()).toEqual([...HIDDEN_ACTIVATIONS]);
    expect(await page.inputValue("#activation")).toBe("relu");
    // So is the optimizer menu: the registry's optimizers, adam first chosen.
    expect(await page.locator("#optimizer option").allTextContents()).toEqual([...OPTIMIZERS]);
    expect(await page.inputValue("#optimizer")).toBe("adam");
    await page.fill("#layers", "128");
    await page.selectOption("#activation", "relu");
    await page.selectOption("#optimizer", "adam");
    await page.fill("#lr", "0.002");
    await page.fill("#batch-size", "64");
    await page.fill("#epochs", "3");
    await page.click("#train");
    await page.waitForFunction(() => document.getElementById("chart")!.dataset.points === "1", null, { timeout: 30_000 });
    await page.waitForFunction(() => document.body.dataset.state === "done", null, { timeout: 60_000 });
    expect(await page.textContent("#status")).toMatch(/^Done: test accuracy 0\.\d{4}/);
    expect(await page.getAttribute("#chart", "data-points")).toBe("3");
    // Three epochs on 8,000 images reach about 0.8; an untrained or broken network stays near 0.1.
    const accuracy = Number(await page.textContent("#test-accuracy"));
    expect(accuracy).toBeGreaterThan(0.7);
    expect(await page.textContent("#throughput")).toMatch(/[\d,]+ samples\/s/);
    // The int8 twin beside the float model: file sizes, one-sample latencies and accuracies shown,
    // and its outputs on the grid's images equal Node's bit for bit (the same file, the same kernels).
    await page.waitForFunction(() => document.body.dataset.quantized === "ready", null, { timeout: 30_000 });
    expect(await page.textContent("#float-size")).toMatch(/^\d+ KiB$/);
    expect(await page.textContent("#int8-size")).toMatch(/^\d+ KiB \(0\.2\d×\)$/);
    expect(await page.textContent("#float-latency")).toMatch(/^\d+\.\d µs$/);
    expect(await page.textContent("#int8-latency")).toMatch(/^\d+\.\d µs \(\d+\.\d\d×\)$/);
    expect(Math.abs(Number(await page.textContent("#float-accuracy")) - accuracy)).toBeLessThan(0.001);
    expect(Math.abs(Number(await page.textContent("#int8-accuracy")) - accuracy)).toBeLessThan(0.01);
    const shown = await page.evaluate(
      () => (globalThis as unknown as { wasmlpDemo: { quantized: { model: string; outputs: number[]; pixels: number[] } } }).wasmlpDemo.quantized,
    );
    await setup();
    const q = QuantizedNetwork.fromJSON(shown.model);
    expect(Array.from(q.predict(Float32Array.from(shown.pixels)))).toEqual(shown.outputs);
    q.dispose();
    // The server sends COOP/COEP, so the worker trains on every core (init({ threads: "auto" })).
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(Number(await page.textContent("#threads"))).toBe(await page.evaluate(() => navigator.hardwareConcurrency));
    expect(await page.locator("#grid figure").count()).toBe(24);
    const wrong = await page.locator("#grid figure.wrong").count();
    expect(wrong).toBeLessThan(12);
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: new URL("demo.png", OUTPUT).pathname, fullPage: true });
    expect(errors, errors.join("\n")).toEqual([]);
    await page.close();
  },
  120_000,
);

maybe(
  "Stop ends a long run after the current epoch, and the page stays responsive while it trains",
  async () => {
    const page = await env.browser().newPage();
    await page.goto(`${env.url()}/demo/`);
    await page.waitForFunction(() => !(document.getElementById("train") as HTMLButtonElement).disabled, null, { timeout: 30_000 });
    await page.fill("#layers", "64");
    await page.fill("#epochs", "500");
    await page.click("#train");
    await page.waitForFunction(() => document.getElementById("chart")!.dataset.points === "1", null, { timeout: 30_000 });
    // The main thread answers while the worker trains.
    expect(await page.evaluate(() => 6 * 7)).toBe(42);
    await page.click("#stop");
    await page.waitForFunction(() => document.body.dataset.state === "done", null, { timeout: 30_000 });
    expect(await page.textContent("#status")).toMatch(/^Stopped: test accuracy 0\.\d{4}/);
    expect(Number(await page.getAttribute("#chart", "data-points"))).toBeLessThan(500);
    expect(await page.isDisabled("#train")).toBe(false);
    await page.close();
  },
  60_000,
);

maybe(
  "trains with the new options: AdamW, gelu, batch normalization, dropout, and early stopping that keeps the best epoch",
  async () => {
    const page = await env.browser().newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${env.url()}/demo/`);
    await page.waitForFunction(() => !(document.getElementById("train") as HTMLButtonElement).disabled, null, { timeout: 30_000 });
    await page.fill("#layers", "64");
    await page.selectOption("#activation", "gelu");
    await page.selectOption("#normalization", "batch");
    await page.selectOption("#optimizer", "adamw");
    expect(await page.inputValue("#lr")).toBe("0.001");
    await page.fill("#lr", "0.03"); // large enough that the test loss soon stops falling
    await page.fill("#dropout", "0.2");
    await page.check("#early-stopping");
    await page.fill("#epochs", "60");
    await page.click("#train");
    await page.waitForFunction(() => document.body.dataset.state === "done", null, { timeout: 90_000 });
    const text = await page.textContent("#status");
    expect(text).toMatch(/^Done: test accuracy 0\.\d{4}, [\d,]+ samples\/s\. Stopped early: no lower test loss after epoch (\d+), whose weights are kept\.$/);
    expect(await page.evaluate(() => document.body.dataset.network)).toMatch(/^Network\(784 → 64 batch-norm gelu \(dropout 0\.2\) → 10 softmax; /);
    const best = Number(/after epoch (\d+)/.exec(text!)![1]);
    expect(Number(await page.getAttribute("#chart", "data-points"))).toBe(best + 3);
    // A rate of 1 is outside the field's range: the form does not submit.
    await page.fill("#dropout", "1");
    expect(await page.$eval("#dropout", (el) => (el as HTMLInputElement).validity.valid)).toBe(false);
    await page.click("#train");
    expect(await page.textContent("#status")).toBe(text);
    expect(errors, errors.join("\n")).toEqual([]);
    await page.close();
  },
  120_000,
);

maybe(
  "shows a clear message where WebAssembly SIMD is missing",
  async () => {
    const page = await env.browser().newPage();
    // Pretend SIMD is unsupported: every validate() answers false before the page's scripts run.
    await page.addInitScript(() => {
      WebAssembly.validate = () => false;
    });
    await page.goto(`${env.url()}/demo/`);
    await page.waitForSelector("#unsupported:not([hidden])");
    expect(await page.textContent("#unsupported")).toContain("does not support WebAssembly SIMD");
    expect(await page.isDisabled("#train")).toBe(true);
    await page.close();
  },
  60_000,
);
