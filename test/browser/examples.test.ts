// examples/browser.html runs in Chromium from the demo server (cross-origin isolated, so on 2
// threads) and gives the same training as Node's quickstart.
import { expect, test } from "vitest";
import { browserAvailable, useBrowserAndServer } from "./browser.js";

const env = useBrowserAndServer();
const maybe = browserAvailable ? test : test.skip;

maybe("examples/browser.html trains XOR in a page on 2 threads", async () => {
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
}, 90_000);
