// Question: does this build train faster on threads than another build? Both builds run in this
// one process (each with its own runtime and workers), in short alternating rounds (this build's
// 1 thread, the baseline's N threads, this build's N threads, ...), so each comparison shares the
// machine's state of the moment; it reports the median of the rounds' own ratios with their
// quartiles. The baseline is another build's dist/, copied inside the repository so that its
// imports resolve (e.g. .baseline/dist, which git ignores).
// Usage: node bench/ab.js --baseline .baseline/dist [--threads N] [--rounds R]
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { batchOf } from "./train.js";
import { machine, table } from "./util.js";

const { values } = parseArgs({ options: { baseline: { type: "string" }, threads: { type: "string" }, rounds: { type: "string" } } });
if (!values.baseline) throw new Error("usage: node bench/ab.js --baseline DIR [--threads N] [--rounds R] (DIR: another build's dist/ inside the repository)");
const threads = Number(values.threads ?? 2);
const rounds = Number(values.rounds ?? 16);

async function load(dist) {
  const lib = await import(pathToFileURL(resolve(dist, "index.js")).href);
  const { runtime } = await import(pathToFileURL(resolve(dist, "runtime.js")).href);
  await lib.init({ threads });
  return { lib, parallel: runtime().parallel };
}
const [base, head] = [await load(values.baseline), await load(new URL("../dist", import.meta.url).pathname)];

const relu = (units) => ({ units, activation: "relu" });
const NETS = [
  ["784-128-10 sigmoid, SGD, b64", 64, { inputSize: 784, layers: [{ units: 128, activation: "sigmoid" }, { units: 10, activation: "softmax" }], optimizer: { type: "sgd", learningRate: 0.1 }, seed: 1 }],
  ["784-256-128-10 relu, Adam, b128", 128, { inputSize: 784, layers: [relu(256), relu(128), { units: 10, activation: "softmax" }], optimizer: { type: "adam", learningRate: 1e-3 }, seed: 1 }],
  ["784-512-256-10 relu, Adam, b256", 256, { inputSize: 784, layers: [relu(512), relu(256), { units: 10, activation: "softmax" }], optimizer: { type: "adam", learningRate: 1e-3 }, seed: 1 }],
];
const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const ratio = (xs) => `${quantile(xs, 0.5).toFixed(3)} (${quantile(xs, 0.25).toFixed(3)}–${quantile(xs, 0.75).toFixed(3)})`;

/** Seconds per trainBatch over about 120 ms, after 10 unmeasured steps. */
function timeSteps(net, x, y) {
  for (let i = 0; i < 10; i++) net.trainBatch(x, y);
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < 120) { net.trainBatch(x, y); n++; }
  return (performance.now() - start) / 1000 / n;
}

const rows = [];
for (const [name, batch, options] of NETS) {
  const { x, y } = batchOf(batch);
  const nets = [new base.lib.Network(options), new head.lib.Network(options)];
  const one = [], baseMany = [], headMany = [];
  for (let r = 0; r < rounds; r++) {
    head.parallel.useThreads(1);
    one.push(timeSteps(nets[1], x, y));
    base.parallel.useThreads(threads);
    baseMany.push(timeSteps(nets[0], x, y));
    head.parallel.useThreads(threads);
    headMany.push(timeSteps(nets[1], x, y));
  }
  nets.forEach((n) => n.dispose());
  const rate = (s) => Math.round(batch / quantile(s, 0.5)).toLocaleString("en-US");
  rows.push([name, rate(one), rate(baseMany), rate(headMany), ratio(one.map((t, i) => t / baseMany[i])), ratio(one.map((t, i) => t / headMany[i])), ratio(baseMany.map((t, i) => t / headMany[i]))]);
}
console.log(`This build against ${values.baseline}, ${threads} threads, ${rounds} alternating rounds — ${machine()}\n`);
console.log(table(["network", "1 thread", `baseline ×${threads}`, `this ×${threads}`, "baseline speed-up", "this speed-up", "this / baseline"], rows));
console.log("\nRates: samples/s, medians over the rounds; ratios: medians of the rounds' own ratios, quartiles in brackets.");
process.exit(0);
