// Question: does this build train faster on threads than another build? Both builds run in this
// one process (each with its own runtime and workers), in short alternating rounds (this build's
// 1 thread, the baseline's N threads, this build's N threads, ...), so each comparison shares the
// machine's state of the moment; it reports the median of the rounds' own ratios with their
// quartiles. The baseline is another build's dist/, copied inside the repository so that its
// imports resolve (e.g. .baseline/dist, which git ignores).
// With --epochs, a round is one Fashion-MNIST epoch of fit (shuffled minibatches gathered from
// the data set) instead of about 120 ms of trainBatch on one batch, for the two networks the
// scikit-learn peer trains.
// Usage: node bench/ab.js --baseline .baseline/dist [--threads N] [--rounds R] [--epochs [--data DIR]]
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { TRAINING_NETS as NETS } from "./shapes.js";
import { batchOf } from "./train.js";
import { loadDirectory } from "../dist/data/node.js";
import { machine, table } from "./util.js";

const { values } = parseArgs({
  options: { baseline: { type: "string" }, threads: { type: "string" }, rounds: { type: "string" }, epochs: { type: "boolean" }, data: { type: "string" } },
});
if (!values.baseline) throw new Error("usage: node bench/ab.js --baseline DIR [--threads N] [--rounds R] (DIR: another build's dist/ inside the repository)");
const threads = Number(values.threads ?? 2);
const epochs = values.epochs ?? false;
const rounds = Number(values.rounds ?? (epochs ? 6 : 16));

async function load(dist) {
  const lib = await import(pathToFileURL(resolve(dist, "index.js")).href);
  const { runtime } = await import(pathToFileURL(resolve(dist, "runtime.js")).href);
  await lib.init({ threads });
  return { lib, parallel: runtime().parallel };
}
const [base, head] = [await load(values.baseline), await load(new URL("../dist", import.meta.url).pathname)];

const quantile = (xs, q) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const ratio = (xs) => `${quantile(xs, 0.5).toFixed(3)} (${quantile(xs, 0.25).toFixed(3)}–${quantile(xs, 0.75).toFixed(3)})`;

/** Seconds per trainBatch over about 120 ms, after 10 unmeasured steps. */
function timeSteps(net, x, y) {
  for (let i = 0; i < 10; i++) net.trainBatch(x, y);
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < 120) {
    net.trainBatch(x, y);
    n++;
  }
  return (performance.now() - start) / 1000 / n;
}

const data = epochs ? loadDirectory(values.data ?? "/usr/share/datasets/fashion-mnist") : null;
/** Seconds per sample of one epoch of fit over the training set, with a fresh network of this build. */
function timeEpoch(lib, options, batchSize) {
  const net = new lib.Network(options);
  const start = performance.now();
  net.fit(data.train.pixels, data.train.labels, { epochs: 1, batchSize });
  const seconds = (performance.now() - start) / 1000;
  net.dispose();
  return seconds / data.train.labels.length;
}

const rows = [];
for (const [name, batch, options] of epochs ? NETS.slice(0, 2) : NETS) {
  const { x, y } = batchOf(batch);
  const nets = [new base.lib.Network(options), new head.lib.Network(options)];
  const time = (build, net) => (epochs ? timeEpoch(build.lib, options, batch) : timeSteps(net, x, y) / batch);
  const one = [],
    baseMany = [],
    headMany = [];
  for (let r = 0; r < rounds; r++) {
    head.parallel.useThreads(1);
    one.push(time(head, nets[1]));
    base.parallel.useThreads(threads);
    baseMany.push(time(base, nets[0]));
    head.parallel.useThreads(threads);
    headMany.push(time(head, nets[1]));
  }
  nets.forEach((n) => n.dispose());
  const rate = (s) => Math.round(1 / quantile(s, 0.5)).toLocaleString("en-US");
  rows.push([
    name,
    rate(one),
    rate(baseMany),
    rate(headMany),
    ratio(one.map((t, i) => t / baseMany[i])),
    ratio(one.map((t, i) => t / headMany[i])),
    ratio(baseMany.map((t, i) => t / headMany[i])),
  ]);
}
console.log(
  `This build against ${values.baseline}, ${threads} threads, ${rounds} alternating rounds${epochs ? " of one Fashion-MNIST epoch" : ""} — ${machine()}\n`,
);
console.log(table(["network", "1 thread", `baseline ×${threads}`, `this ×${threads}`, "baseline speed-up", "this speed-up", "this / baseline"], rows));
console.log("\nRates: samples/s, medians over the rounds; ratios: medians of the rounds' own ratios, quartiles in brackets.");
process.exit(0);
