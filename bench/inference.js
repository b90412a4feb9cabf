// Question: how long does Network.predict take for one sample, and how many samples/s does it
// answer in batches of 8, 16, 32 (micro-batches: the matrix-vector path and the packed-weights
// GEMM) and 1,024 — for the networks of issue 13 (784-128-10 and 784-256-128-10,
// relu, softmax out)? With --baseline DIR (another build's dist/, copied inside the repository
// so that its imports resolve, e.g. .baseline/dist, which git ignores) both builds run in this
// one process, in alternating rounds, so the ratio holds on a shared machine; each figure is
// the median of the rounds' medians.
//   node bench/inference.js [--baseline DIR] [--quick]
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { machine, measure, table } from "./util.js";

const { values } = parseArgs({ options: { baseline: { type: "string" }, quick: { type: "boolean" } } });
const quick = values.quick ?? false;
const builds = [["this build", new URL("../dist/index.js", import.meta.url).href]];
if (values.baseline) builds.push(["baseline", pathToFileURL(resolve(values.baseline, "index.js")).href]);

const libs = [];
for (const [name, url] of builds) {
  const lib = await import(url);
  await lib.init();
  libs.push({ name, lib });
}

const NETS = [
  ["784-128-10", [128]],
  ["784-256-128-10", [256, 128]],
];
const rounds = quick ? 3 : 7;
const maxTime = quick ? 0.15 : 0.4;
const sample = Float32Array.from({ length: 784 }, (_, i) => ((i * 7919) % 255) / 255);
const batch = Float32Array.from({ length: 1024 * 784 }, (_, i) => ((i * 104729) % 255) / 255);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const rows = [];
for (const [label, hidden] of NETS) {
  const nets = libs.map(({ lib }) => new lib.Network({
    inputSize: 784, layers: [...hidden.map((units) => ({ units, activation: "relu" })), { units: 10, activation: "softmax" }], seed: 1,
  }));
  const cases = [["1 sample", sample, 1], ["batch 8", batch.subarray(0, 8 * 784), 8], ["batch 16", batch.subarray(0, 16 * 784), 16],
    ["batch 32", batch.subarray(0, 32 * 784), 32], ["batch 1,024", batch, 1024]];
  for (const [what, x, per] of cases) {
    const samples = nets.map(() => []);
    for (let r = 0; r < rounds; r++) nets.forEach((net, i) => samples[i].push(measure(`${label} ${what} ${i}`, () => net.predict(x), { maxTime })));
    const t = samples.map(median);
    const cells = t.map((s) => (per === 1 ? `${(s * 1e6).toFixed(1)} µs` : `${Math.round(per / s).toLocaleString("en-US")}/s`));
    rows.push([label, what, ...cells, ...(t.length > 1 ? [`${(t[1] / t[0]).toFixed(2)}×`] : [])]);
  }
  nets.forEach((n) => n.dispose());
}
console.log(`Network.predict, one thread — ${machine()}\n`);
console.log(table(["network", "input", ...libs.map((l) => l.name), ...(libs.length > 1 ? ["speed-up"] : [])], rows));
