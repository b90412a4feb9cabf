// The CSV page in a real browser: a committed table chosen through the file input, the target
// picked, the inferred types shown, a short training run in the worker, held-out metrics (a
// confusion matrix, or a predicted-vs-true plot), and a downloaded model that predicts in Node
// what it predicted in the page.
import { mkdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, expect, test } from "vitest";
import { parseCsv, tableRows } from "../../src/data/index.js";
import { Network, init } from "../../src/index.js";
import { browserAvailable, useBrowserAndServer } from "./browser.js";

const env = useBrowserAndServer();
const maybe = browserAvailable ? test : test.skip;
const OUTPUT = new URL("../../test-results/", import.meta.url);
const GRUNFELD = fileURLToPath(new URL("../fixtures/tabular/grunfeld.csv", import.meta.url));

beforeAll(async () => {
  await init();
});

/** Loads the page, chooses the file and the target, and trains; returns the page and the downloaded model's text. */
async function trainOnPage(target: string, epochs: number) {
  const page = await env.browser().newPage({ viewport: { width: 1000, height: 1200 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(msg.text());
  });
  await page.goto(`${env.url()}/demo/csv.html`);
  await page.waitForFunction(() => document.getElementById("status")!.textContent!.startsWith("Ready"), null, { timeout: 30_000 });
  await page.setInputFiles("#file", GRUNFELD);
  await page.waitForFunction(() => !(document.getElementById("target") as HTMLSelectElement).disabled, null, { timeout: 30_000 });
  expect(await page.locator("#target option").allTextContents()).toEqual(["invest", "value", "capital", "firm", "year"]);
  await page.selectOption("#target", target);
  await page.waitForFunction(() => !(document.getElementById("train") as HTMLButtonElement).disabled, null, { timeout: 30_000 });
  await page.fill("#epochs", String(epochs));
  await page.click("#train");
  await page.waitForFunction(() => document.body.dataset.state === "done" || document.body.dataset.state === "error", null, { timeout: 90_000 });
  expect(await page.textContent("#status")).toMatch(/^Done: held-out /);
  expect(await page.getAttribute("#chart", "data-points")).toBe(String(epochs));
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  const model = readFileSync((await download.path())!, "utf8");
  const predictions = JSON.parse((await page.evaluate(() => document.body.dataset.predictions))!);
  expect(errors, errors.join("\n")).toEqual([]);
  return { page, model, predictions };
}

/** The file's first rows without the target, as the page predicted them. */
function firstRows(target: string, n: number): Record<string, unknown>[] {
  const table = parseCsv(readFileSync(GRUNFELD, "utf8"), { name: "grunfeld.csv" });
  const rows = tableRows(table);
  return Array.from({ length: n }, (_, r) => Object.fromEntries(table.columns.filter((c) => c !== target).map((c) => [c, rows.get(r, c)])));
}

maybe(
  "a classifier: inferred types, a confusion matrix, and a downloaded model that predicts as the page did",
  async () => {
    const { page, model, predictions } = await trainOnPage("firm", 40);
    // The inferred types of the training rows' columns, with their encodings.
    const types = await page.$$eval("#columns tbody tr", (trs) =>
      trs.map((tr) =>
        Array.from(tr.querySelectorAll("td"))
          .slice(0, 2)
          .map((td) => td.textContent),
      ),
    );
    expect(types).toEqual([
      ["invest", "number"],
      ["value", "number"],
      ["capital", "number"],
      ["year", "integer"],
    ]);
    expect(await page.textContent("#task")).toBe("classification (3 classes)");
    const cells = await page.$$eval("#confusion tr", (trs) => trs.map((tr) => Array.from(tr.children).map((c) => c.textContent)));
    expect(cells[0]).toEqual(["", "General Electric", "General Motors", "US Steel"]);
    expect(cells.length).toBe(4);
    const held = cells
      .slice(1)
      .flatMap((r) => r.slice(1).map(Number))
      .reduce((a, b) => a + b, 0);
    expect(held).toBe(12); // 20% of 60 rows, stratified: 4 per firm
    expect(Number(/accuracy (0\.\d{4}|1\.0000)/.exec((await page.textContent("#status"))!)![1])).toBeGreaterThanOrEqual(0);
    // Threads where the page is cross-origin isolated (demo/serve.js sends COOP/COEP).
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(Number(await page.textContent("#threads"))).toBe(await page.evaluate(() => navigator.hardwareConcurrency));
    const net = Network.fromJSON(model);
    expect(net.predict(firstRows("firm", predictions.length))).toEqual(predictions);
    net.dispose();
    await page.close();
  },
  120_000,
);

maybe(
  "a regression: a predicted-vs-true plot, R², and the same predictions in Node",
  async () => {
    const { page, model, predictions } = await trainOnPage("invest", 30);
    expect(await page.textContent("#task")).toBe("regression");
    expect(await page.textContent("#status")).toMatch(/^Done: held-out R² -?\d+\.\d{4}, MAE [\d.e+]+, RMSE [\d.e+]+\.$/);
    expect(await page.isHidden("#confusion")).toBe(true);
    expect(await page.getAttribute("#scatter", "data-points")).toBe("12");
    const types = await page.$$eval("#columns tbody tr", (trs) => trs.map((tr) => tr.querySelectorAll("td")[1].textContent));
    expect(types).toEqual(["number", "number", "category", "integer"]);
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: new URL("csv-demo.png", OUTPUT).pathname, fullPage: true });
    const net = Network.fromJSON(model);
    const got = net.predict(firstRows("invest", predictions.length)) as number[];
    got.forEach((v, i) => expect(Math.abs(v - predictions[i])).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(predictions[i]))));
    net.dispose();
    await page.close();
  },
  120_000,
);

maybe(
  "a file that is not a table gets one clear message",
  async () => {
    const page = await env.browser().newPage();
    await page.goto(`${env.url()}/demo/csv.html`);
    await page.waitForFunction(() => document.getElementById("status")!.textContent!.startsWith("Ready"), null, { timeout: 30_000 });
    await page.setInputFiles("#file", { name: "image.csv", mimeType: "text/csv", buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]) });
    await page.waitForFunction(() => document.body.dataset.state === "error", null, { timeout: 30_000 });
    expect(await page.textContent("#status")).toBe("Error: image.csv line 1, column 1: not UTF-8 text (byte 0x89 at offset 0); give a CSV file saved as UTF-8");
    await page.close();
  },
  60_000,
);
