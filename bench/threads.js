// Question: how much faster is a training step, a large matmul and a Fashion-MNIST epoch on 2
// threads than on 1? Both counts run in one process on the threads build, in alternating
// rounds (1, 2, 1, 2, ...), so they share the machine's state; each figure is the median.
// Usage: node bench/threads.js [--threads N] [--quick] [--data DIR]
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { Network, init, threadCount } from "../dist/index.js";
import { runtime } from "../dist/runtime.js";
import { F32Region } from "../dist/memory.js";
import { loadDirectory } from "../dist/data/node.js";
import { batchOf } from "./train.js";
import { machine, measure, table } from "./util.js";

const { values } = parseArgs({ options: { threads: { type: "string" }, quick: { type: "boolean" }, data: { type: "string" } } });
const many = Number(values.threads ?? 2);
const quick = values.quick ?? false;
await init({ threads: many });
const parallel = runtime().parallel;
if (threadCount() < many) console.log(`(only ${threadCount()} thread(s) available)`);

const relu = (units) => ({ units, activation: "relu" });
const NETS = [
  ["784-128-10 sigmoid, SGD, b64", 64, { inputSize: 784, layers: [{ units: 128, activation: "sigmoid" }, { units: 10, activation: "softmax" }], optimizer: { type: "sgd", learningRate: 0.1 }, seed: 1 }],
  ["784-256-128-10 relu, Adam, b128", 128, { inputSize: 784, layers: [relu(256), relu(128), { units: 10, activation: "softmax" }], optimizer: { type: "adam", learningRate: 1e-3 }, seed: 1 }],
  ["784-512-256-10 relu, Adam, b256", 256, { inputSize: 784, layers: [relu(512), relu(256), { units: 10, activation: "softmax" }], optimizer: { type: "adam", learningRate: 1e-3 }, seed: 1 }],
];
const counts = [1, threadCount()];
const rounds = quick ? 2 : 3;
const maxTime = quick ? 0.2 : 0.6;

/** Median over alternating rounds of seconds per call of fn, for each thread count. */
function sideBySide(name, fn) {
  const samples = counts.map(() => []);
  for (let r = 0; r < rounds; r++) {
    counts.forEach((n, i) => {
      parallel.useThreads(n);
      samples[i].push(measure(`${name} ×${n}`, fn, { maxTime }));
    });
  }
  parallel.useThreads(Infinity);
  return samples.map((s) => s.sort((a, b) => a - b)[Math.floor(s.length / 2)]);
}

const rows = [];
for (const [name, batch, options] of NETS) {
  const { x, y } = batchOf(batch);
  const net = new Network(options);
  const [one, two] = sideBySide(name, () => net.trainBatch(x, y));
  net.dispose();
  rows.push([name, "samples/s", Math.round(batch / one).toLocaleString("en-US"), Math.round(batch / two).toLocaleString("en-US"), `${(one / two).toFixed(2)}×`]);
}
{
  const n = 512, rt = runtime();
  const a = new F32Region(rt.heap, n * n), b = new F32Region(rt.heap, n * n), c = new F32Region(rt.heap, n * n);
  a.view.forEach((_, i, v) => { v[i] = ((i * 7919) % 997) / 997 - 0.5; });
  b.view.forEach((_, i, v) => { v[i] = ((i * 104729) % 991) / 991 - 0.5; });
  const [one, two] = sideBySide("gemm", () => parallel.matmul("nn", n, n, n, a.ptr, b.ptr, c.ptr, false));
  rows.push(["GEMM 512³ (A·B)", "GFLOP/s", (2 * n ** 3 / one / 1e9).toFixed(1), (2 * n ** 3 / two / 1e9).toFixed(1), `${(one / two).toFixed(2)}×`]);
  [a, b, c].forEach((r) => r.dispose());
}
const dir = values.data ?? "/usr/share/datasets/fashion-mnist";
if (!quick && existsSync(dir)) {
  const data = loadDirectory(dir);
  const seconds = counts.map((n) => {
    parallel.useThreads(n);
    const net = new Network(NETS[1][2]);
    const start = performance.now();
    net.fit(data.train.pixels, data.train.labels, { epochs: 1, batchSize: 128 });
    net.dispose();
    return (performance.now() - start) / 1000;
  });
  parallel.useThreads(Infinity);
  rows.push(["Fashion-MNIST epoch, 784-256-128-10 b128", "seconds", seconds[0].toFixed(2), seconds[1].toFixed(2), `${(seconds[0] / seconds[1]).toFixed(2)}×`]);
}
console.log(`Threads: 1 and ${counts[1]} side by side (threads build, alternating rounds) — ${machine()}\n`);
console.log(table(["case", "unit", "1 thread", `${counts[1]} threads`, "speed-up"], rows));
