// The pages of examples/ run in Chromium from the demo server: browser.html (cross-origin
// isolated, so on 2 threads) gives the same training as Node's quickstart; quantized.html
// quantizes a trained network and reads its file back.
import { expect, test } from "vitest";
import { browserAvailable, useBrowserAndServer } from "./browser.js";

const env = useBrowserAndServer();
const maybe = browserAvailable ? test : test.skip;

maybe(
  "examples/browser.html trains XOR in a page on 2 threads",
  async () => {
    const page = await env.browser().newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${env.url()}/examples/browser.html?epochs=1000`);
    await page.waitForSelector("#out[data-done]", { timeout: 60_000 });
    const text = await page.textContent("#out");
    expect(text).toContain("Network(2 → 8 tanh → 1 sigmoid");
    expect(text).toContain("threads: 2 (cross-origin isolated: true)");
    expect(text).toContain("-> 0.0033 after 1000 epochs"); // the quickstart's final loss in Node
    expect(text).toContain("predictions 0.00 1.00 1.00 0.00");
    expect(errors).toEqual([]);
    await page.close();
  },
  90_000,
);

maybe(
  "examples/quantized.html quantizes a trained network in a page and reads its file back",
  async () => {
    const page = await env.browser().newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${env.url()}/examples/quantized.html?samples=600`);
    await page.waitForSelector("#out[data-done]", { timeout: 60_000 });
    const text = (await page.textContent("#out")) ?? "";
    expect(text).toContain("QuantizedNetwork(16 → 32 relu → 3 softmax; int8 weights, int16 activations");
    const [, floatAcc, int8Acc] = /held-out accuracy: float (\d\.\d+), int8 (\d\.\d+) on 120 samples/.exec(text) ?? [];
    expect(Math.abs(Number(floatAcc) - Number(int8Acc))).toBeLessThanOrEqual(0.02);
    const [, agree] = /predicted classes agree on (\d+) of 120/.exec(text) ?? [];
    expect(Number(agree)).toBeGreaterThanOrEqual(117);
    const [, floatChars, quantChars] = /model file: (\d+) characters float, (\d+) quantized/.exec(text) ?? [];
    expect(Number(quantChars)).toBeLessThan(Number(floatChars) / 2);
    expect(text).toContain("read back from its file, the same predictions: true");
    expect(errors).toEqual([]);
    await page.close();
  },
  90_000,
);
