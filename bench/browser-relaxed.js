// Question: in Chromium, how do the relaxed-SIMD build's float and int8 predict compare with the
// plain build's, one sample and batch 1,024 of 784-256-128-10? Both builds load in one page (two
// copies of dist/wasmlp.browser.js, init({ simd }) each) and are timed in alternating rounds;
// each figure is the median of the rounds' medians. Needs /usr/bin/chromium (Debian's) and a
// built dist/ and build/wasmlp.relaxed.wasm.
//   node bench/browser-relaxed.js [--quick]
import { chromium } from "playwright-core";
import { serve } from "../demo/serve.js";
import { table } from "./util.js";

const quick = process.argv.includes("--quick");
const server = await serve();
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu"],
});
try {
  const page = await browser.newPage();
  await page.goto(`${server.url}/test/browser/blank.html`);
  const result = await page.evaluate(
    async ({ rounds, ms }) => {
      const plain = await import("/dist/wasmlp.browser.js?plain");
      const relaxed = await import("/dist/wasmlp.browser.js?relaxed");
      await plain.init({ simd: "plain" });
      await relaxed.init({ simd: "relaxed" });
      const spec = {
        inputSize: 784,
        layers: [
          { units: 256, activation: "relu" },
          { units: 128, activation: "relu" },
          { units: 10, activation: "softmax" },
        ],
        seed: 1,
      };
      const pf = new plain.Network(spec),
        rf = new relaxed.Network(spec);
      const paths = [
        ["plain float", pf],
        ["plain int8", pf.quantize()],
        ["relaxed float", rf],
        ["relaxed int8", rf.quantize()],
      ];
      const sample = Float32Array.from({ length: 784 }, (_, i) => ((i * 7919) % 255) / 255);
      const batch = Float32Array.from({ length: 1024 * 784 }, (_, i) => ((i * 104729) % 255) / 255);
      const time = (f) => {
        for (let i = 0; i < 3; i++) f();
        const xs = [];
        const end = performance.now() + ms;
        while (performance.now() < end || xs.length < 5) {
          let n = 1,
            t0 = performance.now(),
            t = 0;
          for (;;) {
            for (let i = 0; i < n; i++) f();
            t = performance.now() - t0;
            if (t > 2) break;
            n *= 2;
            t0 = performance.now();
          }
          xs.push(t / n);
        }
        return xs.sort((a, b) => a - b)[xs.length >> 1];
      };
      const out = { features: relaxed.simdFeatures(), rows: [] };
      for (const [what, x] of [
        ["1 sample", sample],
        ["batch 1,024", batch],
      ]) {
        const ts = paths.map(() => []);
        for (let r = 0; r < rounds; r++) paths.forEach(([, n], i) => ts[i].push(time(() => n.predict(x))));
        out.rows.push({ what, ms: ts.map((t) => t.sort((a, b) => a - b)[t.length >> 1]) });
      }
      return out;
    },
    { rounds: quick ? 3 : 7, ms: quick ? 150 : 400 },
  );
  console.log(`Chromium ${browser.version()}, relaxed build: ${JSON.stringify(result.features)}\n`);
  const names = ["plain float", "plain int8", "relaxed float", "relaxed int8"];
  const rows = [];
  for (const { what, ms } of result.rows) {
    const per = what === "1 sample" ? 1 : 1024;
    names.forEach((name, i) =>
      rows.push([
        what,
        name,
        per === 1 ? `${(ms[i] * 1000).toFixed(1)} µs` : `${Math.round((per * 1000) / ms[i]).toLocaleString("en-US")}/s`,
        i === 0 ? "" : `${(ms[i] / ms[0]).toFixed(2)}× the time`,
        i < 2 ? "" : `${(ms[i] / ms[i - 2]).toFixed(2)}× the time`,
      ]),
    );
  }
  console.log(table(["input", "path", "time or rate", "vs plain float", "vs the plain build's same path"], rows));
} finally {
  await browser.close();
  await server.close();
}
