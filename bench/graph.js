// Question: what does an op of the computation graph (wasmlp/graph) cost? Per-op overhead on
// scalars (the notes' circuits are a handful of scalars), the notes' circuit with its gradients,
// and a dense layer's forward and backward through the graph: wasmlp float32 (wasm), the same
// graph on the float64 reference (pure TS), and TensorFlow.js's tf.grads on its cpu backend, side
// by side in one run (alternating rounds, medians); then a 2-layer training step written in
// tensors with an optimizer over variables against Network.trainBatch on the same shapes.
//   node bench/graph.js [--quick] [--rounds R] [--simd relaxed] [--threads N]
//   (--simd relaxed: the float32 graph on the relaxed-SIMD build, init({ simd: "relaxed" }); Node 20
//   needs --experimental-wasm-relaxed-simd --no-liftoff. --threads N: init({ threads: N }), the
//   graph's large matmuls split across the pool; the float64 path stays on one thread.)
//   node bench/graph.js --baseline .baseline/dist [--rounds R]: this build's float32 graph against
//   another build's dist/ (copied inside the repository with its package.json beside it, e.g.
//   .baseline/{dist,build,package.json}, so that its own imports resolve to it), alternating rounds.
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-layers"; // registers tfjs-core's gradients (as @tensorflow/tfjs does)
import { Network, init, memoryStats, simdFeatures } from "../dist/index.js";
import * as graph from "../dist/graph/index.js";
import { machine, measure, table } from "./util.js";

const { values: args } = parseArgs({
  options: { quick: { type: "boolean" }, baseline: { type: "string" }, rounds: { type: "string" }, simd: { type: "string" }, threads: { type: "string" } },
});
const quick = args.quick ?? false;
if (args.simd !== undefined && args.simd !== "relaxed") throw new Error(`--simd takes "relaxed", received ${JSON.stringify(args.simd)}`);
const threads = Number(args.threads ?? 1);
if (!Number.isInteger(threads) || threads < 1) throw new Error(`--threads takes a whole number ≥ 1, received ${JSON.stringify(args.threads)}`);
await init({ ...(args.simd ? { simd: "relaxed" } : {}), ...(threads > 1 ? { threads } : {}) });
if (args.simd && simdFeatures().build !== "relaxed")
  throw new Error("--simd relaxed: this engine has no relaxed SIMD (Node 20: --experimental-wasm-relaxed-simd --no-liftoff)");
await tf.setBackend("cpu");
const CHAIN = 1000;
const rounds = Number(args.rounds ?? (quick ? 3 : 7));
const maxTime = quick ? 0.2 : 0.5;

/** The notes' f(x, y) = (x + σ(y)) / (σ(x) + (x + y)²). */
const circuitOf = (g) => (x, y) => g.div(g.add(x, g.sigmoid(y)), g.add(g.sigmoid(x), g.pow(g.add(x, y), 2)));
const tfCircuit = (x, y) => tf.div(tf.add(x, tf.sigmoid(y)), tf.add(tf.sigmoid(x), tf.pow(tf.add(x, y), 2)));

function graphCases(dtype, g = graph) {
  const o = { dtype };
  const a = g.tensor(1, undefined, o),
    b = g.tensor(1e-3, undefined, o),
    w = g.variable(1, undefined, o);
  const circuitGrads = g.valueAndGrads(circuitOf(g));
  const x64 = g.tensor(
    new Float32Array(64 * 784).map((_, i) => Math.sin(i)),
    [64, 784],
    o,
  );
  const W = g.tensor(
    new Float32Array(128 * 784).map((_, i) => 0.01 * Math.cos(i)),
    [128, 784],
    o,
  );
  const dense = g.grads((W) => g.mean(g.sigmoid(g.matmul(x64, W, { transposeB: true }))));
  const cases = {
    "scalar add, not recorded": () =>
      g.tidy(() => {
        let t = a;
        for (let i = 0; i < CHAIN; i++) t = g.add(t, b);
      }),
    "scalar add, recorded": () =>
      g.tidy(() => {
        let t = w;
        for (let i = 0; i < CHAIN; i++) t = g.add(t, b);
      }),
    "scalar add, recorded + backward": () =>
      g.tidy(() => {
        let t = w;
        for (let i = 0; i < CHAIN; i++) t = g.add(t, b);
        t.backward();
        w.zeroGrad();
      }),
    "notes' f(x, y) with gradients": () =>
      g.tidy(() => {
        circuitGrads(a, b);
      }),
    "dense 64×784·784×128ᵀ, sigmoid, mean: gradient": () =>
      g.tidy(() => {
        dense(W);
      }),
  };
  // Attention scores, [batch, heads, t, d]·[batch, heads, t, d]ᵀ, softmax, weighted values: the
  // gradient w.r.t. q (this build only: the baseline's graph has rank ≤ 2).
  if (g === graph) {
    const shape = [8, 4, 32, 16],
      n = shape.reduce((a, b) => a * b, 1);
    const k = g.tensor(
        new Float32Array(n).map((_, i) => Math.cos(i)),
        shape,
        o,
      ),
      v = g.tensor(
        new Float32Array(n).map((_, i) => Math.sin(2 * i)),
        shape,
        o,
      );
    const q = g.tensor(
      new Float32Array(n).map((_, i) => Math.sin(i)),
      shape,
      o,
    );
    const attention = g.grad((q) => g.sum(g.matmul(g.softmax(g.matmul(q, k, { transposeB: true }).mul(0.25)), v)));
    cases["attention [8, 4, 32, 16], batched matmul: gradient"] = () =>
      g.tidy(() => {
        attention(q);
      });
  }
  return cases;
}

function tfCases() {
  const a = tf.scalar(1),
    b = tf.scalar(1e-3),
    w = tf.variable(tf.scalar(1));
  const circuitGrads = tf.valueAndGrads(tfCircuit);
  const x64 = tf.tensor2d(
    new Float32Array(64 * 784).map((_, i) => Math.sin(i)),
    [64, 784],
  );
  const W = tf.tensor2d(
    new Float32Array(128 * 784).map((_, i) => 0.01 * Math.cos(i)),
    [128, 784],
  );
  const dense = tf.grad((W) => tf.mean(tf.sigmoid(tf.matMul(x64, W, false, true))));
  const shape = [8, 4, 32, 16],
    n = shape.reduce((a, b) => a * b, 1);
  const k = tf.tensor(
      new Float32Array(n).map((_, i) => Math.cos(i)),
      shape,
    ),
    v = tf.tensor(
      new Float32Array(n).map((_, i) => Math.sin(2 * i)),
      shape,
    );
  const q = tf.tensor(
    new Float32Array(n).map((_, i) => Math.sin(i)),
    shape,
  );
  const attention = tf.grad((q) => tf.sum(tf.matMul(tf.softmax(tf.mul(tf.matMul(q, k, false, true), 0.25)), v)));
  return {
    "scalar add, not recorded": () =>
      tf.tidy(() => {
        let t = a;
        for (let i = 0; i < CHAIN; i++) t = tf.add(t, b);
      }),
    "scalar add, recorded": null, // tfjs records for variableGrads only, which runs backward too
    "scalar add, recorded + backward": () =>
      tf.tidy(() => {
        tf.variableGrads(() => {
          let t = w;
          for (let i = 0; i < CHAIN; i++) t = tf.add(t, b);
          return t;
        }, [w]);
      }),
    "notes' f(x, y) with gradients": () =>
      tf.tidy(() => {
        circuitGrads([a, b]);
      }),
    "dense 64×784·784×128ᵀ, sigmoid, mean: gradient": () =>
      tf.tidy(() => {
        dense(W);
      }),
    "attention [8, 4, 32, 16], batched matmul: gradient": () =>
      tf.tidy(() => {
        attention(q);
      }),
  };
}

if (args.baseline) {
  // This build against the baseline's float32 graph, in alternating rounds (a ratio per round).
  const dir = resolve(args.baseline);
  const base = await import(pathToFileURL(resolve(dir, "index.js")).href);
  await base.init();
  const baseGraph = await import(pathToFileURL(resolve(dir, "graph/index.js")).href);
  const [head, before] = [graphCases("float32"), graphCases("float32", baseGraph)];
  const names = Object.keys(head).filter((name) => before[name]);
  const R = Number(args.rounds ?? (quick ? 3 : 7));
  const ratios = names.map(() => []);
  const times = names.map(() => [[], []]);
  for (let r = 0; r < R; r++) {
    names.forEach((name, c) => {
      const b = measure(`baseline ${name}`, before[name], { maxTime });
      const h = measure(`this ${name}`, head[name], { maxTime });
      times[c][0].push(b);
      times[c][1].push(h);
      ratios[c].push(h / b);
    });
  }
  const q = (xs, f) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(f * xs.length))];
  const fmtT = (s) => (s < 1e-3 ? `${(s * 1e6).toFixed(2)} µs` : `${(s * 1e3).toFixed(2)} ms`);
  const per = (name) => (name.startsWith("scalar") ? CHAIN : 1);
  console.log(`wasmlp/graph float32, this build against ${args.baseline}, ${R} alternating rounds — ${machine()}\n`);
  console.log(
    table(
      ["case", "baseline", "this", "this / baseline (median, quartiles)"],
      names.map((name, c) => [
        name,
        fmtT(q(times[c][0], 0.5) / per(name)),
        fmtT(q(times[c][1], 0.5) / per(name)),
        `${q(ratios[c], 0.5).toFixed(3)} (${q(ratios[c], 0.25).toFixed(3)}–${q(ratios[c], 0.75).toFixed(3)})`,
      ]),
    ),
  );
  process.exit(0);
}

const engines = [
  ["wasmlp float32", graphCases("float32")],
  ["wasmlp float64 (pure TS)", graphCases("float64")],
  ["tfjs-cpu", tfCases()],
];
const names = Object.keys(engines[0][1]);
// Each case's engines back to back within a round, so a round's ratios see the same machine (its
// clock drifts within minutes); the ratio columns are medians of the rounds' ratios.
const samples = engines.map(() => names.map(() => []));
const [bytesBefore, tensorsBefore] = [memoryStats().bytesInUse, tf.memory().numTensors];
for (let r = 0; r < rounds; r++) {
  names.forEach((name, c) =>
    engines.forEach(([label, cases], e) => samples[e][c].push(cases[name] ? measure(`${label} ${name}`, cases[name], { maxTime }) : NaN)),
  );
}
// Steady state: every case frees what it makes (else the timings would include a growing heap).
if (memoryStats().bytesInUse !== bytesBefore || tf.memory().numTensors !== tensorsBefore) throw new Error("a case leaked tensors");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs, f) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(f * xs.length))];
const perOp = (name) => (name.startsWith("scalar") ? CHAIN : 1);
const fmt = (s) => (Number.isNaN(s) ? "—" : s < 1e-3 ? `${(s * 1e6).toFixed(2)} µs` : `${(s * 1e3).toFixed(2)} ms`);
/** Median (and quartiles) of the rounds' ratios engine e / engine 0 for case c. */
const ratio = (e, c, spread = false) => {
  const rs = samples[e][c].map((t, r) => t / samples[0][c][r]);
  if (rs.some(Number.isNaN)) return "—";
  const mid = `${median(rs).toFixed(1)}×`;
  return spread ? `${mid} (${quantile(rs, 0.25).toFixed(1)}–${quantile(rs, 0.75).toFixed(1)})` : mid;
};
console.log(
  `wasmlp/graph, per op (scalar chains of ${CHAIN}) or per call, ${args.simd ? "relaxed" : "plain"} SIMD build, float32 on ${threads} thread${threads > 1 ? "s" : ""}, ${rounds} rounds — ${machine()}\n`,
);
console.log(
  table(
    ["case", ...engines.map(([l]) => l), "float64 / float32 (quartiles)", "tfjs-cpu / wasmlp"],
    names.map((name, c) => [name, ...engines.map((_, e) => fmt(median(samples[e][c]) / perOp(name))), ratio(1, c, true), ratio(2, c)]),
  ),
);
console.log('\n(tfjs records ops only inside variableGrads/grads, which also run the backward pass: no "recorded" row.)');

// A training step of a 2-layer network, m×784 → 128 relu → 10 softmax, cross-entropy, Adam: written
// in tensors with an optimizer over variables, against Network.trainBatch (fused kernels, on
// --threads threads as the graph) from the same weights, in alternating rounds.
const [m, nIn, nHidden, nOut] = [64, 784, 128, 10];
const net = new Network({
  inputSize: nIn,
  layers: [
    { units: nHidden, activation: "relu" },
    { units: nOut, activation: "softmax" },
  ],
  optimizer: { type: "adam", learningRate: 1e-3 },
  seed: 1,
});
const xs = new Float32Array(m * nIn).map((_, i) => Math.sin(i) * 0.5 + 0.5);
const labels = Array.from({ length: m }, (_, i) => i % nOut);
const ys = new Float32Array(m * nOut).map((_, i) => (i % nOut === labels[Math.floor(i / nOut)] ? 1 : 0));
const sizes = [nIn, nHidden, nOut];
const vars = net.getWeights().map((w, i) => (i % 2 ? graph.variable(w) : graph.variable(w, [sizes[(i >> 1) + 1], sizes[i >> 1]])));
const [W1, b1, W2, b2] = vars;
const X = graph.tensor(xs, [m, nIn]),
  column = labels.map((c) => [c]);
const opt = graph.adam(1e-3);
const tensorStep = () =>
  opt.minimize(() => {
    const hidden = graph.relu(graph.add(graph.matmul(X, W1, { transposeB: true }), b1));
    const logits = graph.add(graph.matmul(hidden, W2, { transposeB: true }), b2);
    return graph.mean(graph.takeAlongAxis(graph.logSoftmax(logits), column)).neg();
  }, vars);
const networkStep = () => net.trainBatch(xs, ys);
const steps = [[], []];
for (let r = 0; r < rounds; r++) {
  steps[0].push(measure("network step", networkStep, { maxTime }));
  steps[1].push(measure("tensor step", tensorStep, { maxTime }));
}
const [tn, tt] = steps.map(median);
console.log(
  `\nTraining step, ${m}×${nIn} → ${nHidden} relu → ${nOut} softmax, cross-entropy, Adam (float32, ${threads} thread${threads > 1 ? "s" : ""}), ${rounds} alternating rounds\n`,
);
console.log(
  table(
    ["path", "per step", "samples/s", "/ Network.trainBatch"],
    [
      ["Network.trainBatch (fused)", fmt(tn), (m / tn).toFixed(0), "1.00×"],
      ["tensors + adam over variables", fmt(tt), (m / tt).toFixed(0), `${(tt / tn).toFixed(2)}×`],
    ],
  ),
);
[...vars, X].forEach((t) => t.dispose());
opt.dispose();
net.dispose();
