// Question: on real tables, is wasmlp as accurate as scikit-learn's MLP and at least twice as
// fast on one thread? Like for like: the same encoded splits (wasmlp's feature spec, fitted on
// each seed's training rows, so both get identical inputs), the same hidden layers, Adam with the
// same learning rate and batch size, alpha = wasmlp's L2 (0), tol=0 and n_iter_no_change = epochs
// so both run every epoch; OPENBLAS_NUM_THREADS=1. Held-out accuracy (classification) or R² (regression,
// in the target's units), mean ± standard deviation over 5 seeds, and training seconds.
// Also reads a generated CSV through the streaming reader and reports MB/s and peak RSS
// (bench/csv-read.js does that alone, at any size, with the 1 GB train --csv run).
// Usage: node bench/tabular.js [--seeds N] [--only NAME,…] [--read-mb N]   (needs Debian's python3-sklearn, python3-statsmodels)
import { spawnSync } from "node:child_process";
import { closeSync, createReadStream, existsSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { gunzipSync } from "node:zlib";
import { Network, init } from "../dist/index.js";
import {
  CsvReader,
  SKLEARN_FEATURES,
  fitFeatures,
  parseCsv,
  parseSklearnCsv,
  parseSklearnDiabetes,
  splitTable,
  tableRows,
  textChunks,
  argmaxRows,
  classificationMetrics,
  regressionMetrics,
} from "../dist/data/index.js";
import { machine, table } from "./util.js";

const { values } = parseArgs({ options: { seeds: { type: "string" }, only: { type: "string" }, "read-mb": { type: "string" } } });
const SEEDS = Number(values.seeds ?? 5);
const SK = "/usr/lib/python3/dist-packages/sklearn/datasets/data";
const SM = "/usr/lib/python3/dist-packages/statsmodels/datasets";
const text = (p) => (p.endsWith(".gz") ? gunzipSync(readFileSync(p)) : readFileSync(p)).toString("utf8");

// name, how to read it, target, columns to ignore, epochs, batch size, learning rate, hidden layers
const DATASETS = [
  {
    name: "iris",
    read: () => parseSklearnCsv(text(`${SK}/iris.csv`), "iris.csv", SKLEARN_FEATURES.get("iris")),
    target: "target",
    epochs: 200,
    batch: 16,
    lr: 0.01,
    hidden: [32],
  },
  {
    name: "wine",
    read: () => parseSklearnCsv(text(`${SK}/wine_data.csv`), "wine_data.csv"),
    target: "target",
    epochs: 200,
    batch: 16,
    lr: 0.001,
    hidden: [32],
  },
  {
    name: "breast cancer",
    read: () => parseSklearnCsv(text(`${SK}/breast_cancer.csv`), "breast_cancer.csv"),
    target: "target",
    epochs: 100,
    batch: 32,
    lr: 0.001,
    hidden: [32],
  },
  {
    name: "diabetes",
    read: () => parseSklearnDiabetes(text(`${SK}/diabetes_data_raw.csv.gz`), text(`${SK}/diabetes_target.csv.gz`)),
    target: "target",
    epochs: 200,
    batch: 32,
    lr: 0.001,
    hidden: [32],
  },
  {
    name: "grunfeld",
    read: () => parseCsv(text(`${SM}/grunfeld/grunfeld.csv`), { name: "grunfeld.csv" }),
    target: "invest",
    epochs: 300,
    batch: 16,
    lr: 0.003,
    hidden: [32],
  },
  { name: "fair", read: () => parseCsv(text(`${SM}/fair/fair.csv`), { name: "fair.csv" }), target: "affairs", epochs: 30, batch: 64, lr: 0.001, hidden: [64] },
];

async function trainWasmlp(d, spec, train, test, seed) {
  const classify = spec.task === "classification";
  const rows = tableRows(train);
  const { x, kept } = spec.encode(rows);
  const y = spec.encodeTarget(rows, kept);
  const net = new Network({
    inputSize: spec.inputSize,
    seed,
    features: spec,
    layers: [...d.hidden.map((units) => ({ units, activation: "relu" })), { units: spec.outputSize, activation: classify ? "softmax" : "linear" }],
    loss: classify ? "categorical-crossentropy" : "mse",
    optimizer: { type: "adam", learningRate: d.lr },
  });
  const t0 = performance.now();
  net.fit(x, y, { epochs: d.epochs, batchSize: d.batch });
  const seconds = (performance.now() - t0) / 1000;
  const testRows = tableRows(test);
  const enc = spec.encode(testRows);
  const yt = spec.encodeTarget(testRows, enc.kept);
  const out = net.predict(enc.x);
  net.dispose();
  const score = classify
    ? classificationMetrics(yt, argmaxRows(out, spec.outputSize), spec.outputSize).accuracy
    : regressionMetrics(spec.unscale(yt), spec.unscale(out), spec.outputSize).r2;
  return { score, seconds, x, y, xt: enc.x, yt };
}

const stats = (a) => {
  const mean = a.reduce((s, v) => s + v, 0) / a.length;
  return { mean, std: Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length) };
};

await init();
console.log(`Tabular data: wasmlp vs scikit-learn, like for like, ${SEEDS} seeds\n${machine()} (shared with other work while measured)\n`);
const only = values.only?.split(",");
const job = { datasets: [] };
const ours = new Map();
for (const d of DATASETS) {
  if (only && !only.includes(d.name)) continue;
  let tableAll;
  try {
    tableAll = d.read();
  } catch (e) {
    console.log(`${d.name}: skipped (${e.message})`);
    continue;
  }
  const entry = { name: d.name, runs: [], hidden: d.hidden, epochs: d.epochs, batch: d.batch, lr: d.lr, l2: 0 };
  const results = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const probe = fitFeatures(tableAll, { target: d.target });
    const stratify = probe.task === "classification" ? d.target : undefined;
    const { train, test } = splitTable(tableAll, { test: 0.2, seed, stratify });
    const spec = fitFeatures(train, { target: d.target });
    const r = await trainWasmlp(d, spec, train, test, seed);
    results.push(r);
    Object.assign(entry, {
      task: spec.task,
      inputs: spec.inputSize,
      outputs: spec.outputSize,
      ...(spec.task === "regression" ? { mean: spec.target.mean, std: spec.target.std } : {}),
    });
    entry.runs.push({
      seed,
      xTrain: Array.from(r.x),
      yTrain: Array.from(r.y),
      xTest: Array.from(r.xt),
      yTest: Array.from(r.yt),
      yTestRaw: spec.task === "regression" ? Array.from(spec.unscale(r.yt)) : undefined,
    });
  }
  ours.set(d.name, { results, rows: tableAll.rows.length, task: entry.task, inputs: entry.inputs, d });
  job.datasets.push(entry);
}

let peer = null;
if (existsSync("/usr/bin/python3")) {
  const r = spawnSync("/usr/bin/python3", [new URL("./tabular_sklearn.py", import.meta.url).pathname], {
    input: JSON.stringify(job),
    encoding: "utf8",
    maxBuffer: 1 << 30,
    env: { ...process.env, OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1", MKL_NUM_THREADS: "1" },
  });
  if (r.status === 0) peer = JSON.parse(r.stdout);
  else console.log(`scikit-learn: not run (${(r.stderr || r.error?.message || "").trim().split("\n").pop()})`);
}
if (peer)
  console.log(
    `scikit-learn threadpools: ${peer.threadpools.map((p) => `${p.internal_api} ${p.version ?? ""} ${p.num_threads} thread${p.num_threads === 1 ? "" : "s"}`).join("; ")}\n`,
  );

const rows = [];
for (const [name, o] of ours) {
  const w = stats(o.results.map((r) => r.score)),
    wt = stats(o.results.map((r) => r.seconds));
  const theirs = peer ? peer.results.filter((r) => r.dataset === name) : [];
  const s = theirs.length ? stats(theirs.map((r) => r.score)) : null,
    st = theirs.length ? stats(theirs.map((r) => r.seconds)) : null;
  const metric = o.task === "classification" ? "accuracy" : "R²";
  rows.push([
    name,
    `${o.rows}×${o.inputs}`,
    `${o.d.hidden.join("-")}, ${o.d.epochs} ep, b${o.d.batch}, lr ${o.d.lr}`,
    metric,
    `${w.mean.toFixed(4)} ± ${w.std.toFixed(4)}`,
    s ? `${s.mean.toFixed(4)} ± ${s.std.toFixed(4)}` : "-",
    wt.mean.toFixed(3),
    st ? st.mean.toFixed(3) : "-",
    st ? `${(st.mean / wt.mean).toFixed(1)}×` : "-",
    s ? (w.mean >= s.mean - s.std ? "yes" : "NO") : "-",
  ]);
}
console.log(table(["dataset", "rows×inputs", "settings", "metric", "wasmlp (5 seeds)", "scikit-learn", "wasmlp s", "sklearn s", "speed-up", "acc ok"], rows));

// Reading speed: a generated CSV streamed through CsvReader (rows counted, not kept).
const readMb = Number(values["read-mb"] ?? 200);
if (readMb > 0) {
  const path = join(tmpdir(), `wasmlp-bench-${readMb}mb.csv`);
  if (!existsSync(path) || statSync(path).size < readMb * 1e6) {
    const line = (i) =>
      `${(i % 997) / 10},${(i * 7919) % 10007},${["red", "green", "blue", '"a, b"'][i % 4]},${i % 3 === 0 ? "true" : "false"},${((i * 31) % 1000) / 7}\n`;
    let size = 0,
      i = 0,
      block = "";
    const fd = openSync(path, "w");
    writeSync(fd, "x,n,color,flag,y\n");
    while (size < readMb * 1e6) {
      block = "";
      for (let k = 0; k < 10000; k++) block += line(i++);
      writeSync(fd, block);
      size += block.length;
    }
    closeSync(fd);
  }
  const bytes = statSync(path).size;
  let count = 0,
    peak = process.memoryUsage().rss;
  // The streaming readers' path (onBlock: quote-free pieces scanned once, numbers parsed on the way).
  const reader = new CsvReader(
    { name: path },
    () => {},
    (block) => {
      count += block.count;
    },
  );
  const t0 = performance.now();
  for await (const t of textChunks(createReadStream(path, { highWaterMark: 1 << 20 }), path)) {
    reader.push(t);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  reader.push("", true);
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `\nstreaming read of ${(bytes / 1e6).toFixed(0)} MB (${count.toLocaleString("en-US")} rows): ${(bytes / 1e6 / seconds).toFixed(1)} MB/s, peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB`,
  );
}
