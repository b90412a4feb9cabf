// Question: how much faster is a training step, a large matmul and a Fashion-MNIST epoch on 2
// threads than on 1? Both counts run in one process on the threads build, in many short
// alternating rounds (1, 2, 1, 2, ...), so each pair shares the machine's state of the moment:
// on a shared host a core's speed drifts within seconds. Rates are medians over the rounds; the
// speed-up is the median of the rounds' own ratios, with their interquartile range.
// Usage: node bench/threads.js [--threads N] [--quick] [--data DIR]
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Network, init, threadCount } from "../dist/index.js";
import { runtime } from "../dist/runtime.js";
import { F32Region } from "../dist/memory.js";
import { loadDirectory } from "../dist/data/node.js";
import { TRAINING_NETS as NETS } from "./shapes.js";
import { batchOf } from "./train.js";
import { machine, measure, table } from "./util.js";

const { values } = parseArgs({ options: { threads: { type: "string" }, quick: { type: "boolean" }, data: { type: "string" } } });
const many = Number(values.threads ?? 2);
const quick = values.quick ?? false;
await init({ threads: many });
const parallel = runtime().parallel;
if (threadCount() < many) console.log(`(only ${threadCount()} thread(s) available)`);

const counts = [1, threadCount()];
const rounds = quick ? 4 : 15;
const maxTime = quick ? 0.05 : 0.1;

const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
/**
 * Over alternating rounds: the median seconds per call of fn for each thread count, and the
 * rounds' ratios (1 thread / n); `alsoEachRound` runs after each round's counts.
 */
function sideBySide(name, fn, alsoEachRound = () => {}) {
  const samples = counts.map(() => []);
  for (let r = 0; r < rounds; r++) {
    counts.forEach((n, i) => {
      parallel.useThreads(n);
      samples[i].push(measure(`${name} ×${n}`, fn, { maxTime, minSamples: 5 }));
    });
    alsoEachRound();
  }
  parallel.useThreads(Infinity);
  const ratios = samples[0].map((t, r) => t / samples[1][r]);
  return { times: samples.map((s) => quantile(s, 0.5)), ratios };
}
const speedUp = (ratios) => `${quantile(ratios, 0.5).toFixed(2)}× (${quantile(ratios, 0.25).toFixed(2)}–${quantile(ratios, 0.75).toFixed(2)})`;

const rows = [];
for (const [name, batch, options] of NETS) {
  const { x, y } = batchOf(batch);
  const net = new Network(options);
  const {
    times: [one, two],
    ratios,
  } = sideBySide(name, () => net.trainBatch(x, y));
  net.dispose();
  rows.push([name, "samples/s", Math.round(batch / one).toLocaleString("en-US"), Math.round(batch / two).toLocaleString("en-US"), speedUp(ratios)]);
}
{
  const n = 512,
    rt = runtime();
  const a = new F32Region(rt.heap, n * n),
    b = new F32Region(rt.heap, n * n),
    c = new F32Region(rt.heap, n * n);
  a.view.forEach((_, i, v) => {
    v[i] = ((i * 7919) % 997) / 997 - 0.5;
  });
  b.view.forEach((_, i, v) => {
    v[i] = ((i * 104729) % 991) / 991 - 0.5;
  });
  // One core's wasm SIMD ceiling (build/peak.wasm, npm run asbuild:bench), timed in the same
  // rounds: the GEMM's register tile on L1-resident data, to set against native peers' GEMMs
  // (bench/peers/native_threads.py). This host's clock swung by half within an hour.
  const peakWasm = new URL("../build/peak.wasm", import.meta.url);
  const peak = existsSync(peakWasm)
    ? (
        await WebAssembly.instantiate(readFileSync(peakWasm), {
          env: {
            abort() {
              throw new Error("abort");
            },
          },
        })
      ).instance.exports
    : null;
  const steps = 1 << 20,
    peakSeconds = [];
  const {
    times: [one, two],
    ratios,
  } = sideBySide(
    "gemm",
    () => parallel.matmul("nn", n, n, n, a.ptr, b.ptr, c.ptr, false),
    () => peak && peakSeconds.push(measure("simd_peak", () => peak.simd_peak(steps, 1e-3), { maxTime, minSamples: 5 })),
  );
  rows.push(["GEMM 512³ (A·B)", "GFLOP/s", ((2 * n ** 3) / one / 1e9).toFixed(1), ((2 * n ** 3) / two / 1e9).toFixed(1), speedUp(ratios)]);
  if (peak) rows.push(["simd_peak, one core's wasm SIMD ceiling", "GFLOP/s", ((64 * steps) / quantile(peakSeconds, 0.5) / 1e9).toFixed(1), "", ""]);
  [a, b, c].forEach((r) => r.dispose());
}
const dir = values.data ?? "/usr/share/datasets/fashion-mnist";
if (!quick && existsSync(dir)) {
  const data = loadDirectory(dir);
  // The first two networks, one epoch each (the scikit-learn peer trains the same two).
  for (const [label, [, batchSize, options]] of [
    ["784-128-10 sigmoid, SGD b64", NETS[0]],
    ["784-256-128-10 b128", NETS[1]],
  ]) {
    const epoch = (n) => {
      parallel.useThreads(n);
      const net = new Network(options);
      const start = performance.now();
      net.fit(data.train.pixels, data.train.labels, { epochs: 1, batchSize });
      net.dispose();
      return (performance.now() - start) / 1000;
    };
    const seconds = counts.map(() => []);
    for (let r = 0; r < 3; r++) counts.forEach((n, i) => seconds[i].push(epoch(n)));
    parallel.useThreads(Infinity);
    const ratios = seconds[0].map((t, r) => t / seconds[1][r]);
    rows.push([`Fashion-MNIST epoch, ${label}`, "seconds", quantile(seconds[0], 0.5).toFixed(2), quantile(seconds[1], 0.5).toFixed(2), speedUp(ratios)]);
  }
}
console.log(`Threads: 1 and ${counts[1]} side by side (threads build, alternating rounds) — ${machine()}\n`);
console.log(table(["case", "unit", "1 thread", `${counts[1]} threads`, "speed-up (quartiles)"], rows));
console.log(`\nRates: medians of ${rounds} alternating rounds; speed-up: the median of the rounds' ratios, quartiles in brackets (the epochs: 3 rounds).`);
