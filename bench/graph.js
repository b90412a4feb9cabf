// Question: what does an op of the computation graph (wasmlp/graph) cost? Per-op overhead on
// scalars (the notes' circuits are a handful of scalars), the notes' circuit with its gradients,
// and a dense layer's forward and backward through the graph: wasmlp float32 (wasm), the same
// graph on the float64 reference (pure TS), and TensorFlow.js's tf.grads on its cpu backend, side
// by side in one run (alternating rounds, medians).
//   node bench/graph.js [--quick]
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-layers"; // registers tfjs-core's gradients (as @tensorflow/tfjs does)
import { init, memoryStats } from "../dist/index.js";
import * as g from "../dist/graph/index.js";
import { machine, measure, table } from "./util.js";

const quick = process.argv.includes("--quick");
await init();
await tf.setBackend("cpu");
const CHAIN = 1000;
const rounds = quick ? 3 : 5;
const maxTime = quick ? 0.2 : 0.5;

/** The notes' f(x, y) = (x + σ(y)) / (σ(x) + (x + y)²). */
const circuit = (x, y) => g.div(g.add(x, g.sigmoid(y)), g.add(g.sigmoid(x), g.pow(g.add(x, y), 2)));
const tfCircuit = (x, y) => tf.div(tf.add(x, tf.sigmoid(y)), tf.add(tf.sigmoid(x), tf.pow(tf.add(x, y), 2)));

function graphCases(dtype) {
  const o = { dtype };
  const a = g.tensor(1, undefined, o), b = g.tensor(1e-3, undefined, o), w = g.variable(1, undefined, o);
  const circuitGrads = g.valueAndGrads(circuit);
  const x64 = g.tensor(new Float32Array(64 * 784).map((_, i) => Math.sin(i)), [64, 784], o);
  const W = g.tensor(new Float32Array(128 * 784).map((_, i) => 0.01 * Math.cos(i)), [128, 784], o);
  const dense = g.grads((W) => g.mean(g.sigmoid(g.matmul(x64, W, { transposeB: true }))));
  return {
    "scalar add, not recorded": () => g.tidy(() => { let t = a; for (let i = 0; i < CHAIN; i++) t = g.add(t, b); }),
    "scalar add, recorded": () => g.tidy(() => { let t = w; for (let i = 0; i < CHAIN; i++) t = g.add(t, b); }),
    "scalar add, recorded + backward": () => g.tidy(() => { let t = w; for (let i = 0; i < CHAIN; i++) t = g.add(t, b); t.backward(); w.zeroGrad(); }),
    "notes' f(x, y) with gradients": () => g.tidy(() => { circuitGrads(a, b); }),
    "dense 64×784·784×128ᵀ, sigmoid, mean: gradient": () => g.tidy(() => { dense(W); }),
  };
}

function tfCases() {
  const a = tf.scalar(1), b = tf.scalar(1e-3), w = tf.variable(tf.scalar(1));
  const circuitGrads = tf.valueAndGrads(tfCircuit);
  const x64 = tf.tensor2d(new Float32Array(64 * 784).map((_, i) => Math.sin(i)), [64, 784]);
  const W = tf.tensor2d(new Float32Array(128 * 784).map((_, i) => 0.01 * Math.cos(i)), [128, 784]);
  const dense = tf.grad((W) => tf.mean(tf.sigmoid(tf.matMul(x64, W, false, true))));
  return {
    "scalar add, not recorded": () => tf.tidy(() => { let t = a; for (let i = 0; i < CHAIN; i++) t = tf.add(t, b); }),
    "scalar add, recorded": null, // tfjs records for variableGrads only, which runs backward too
    "scalar add, recorded + backward": () => tf.tidy(() => { tf.variableGrads(() => { let t = w; for (let i = 0; i < CHAIN; i++) t = tf.add(t, b); return t; }, [w]); }),
    "notes' f(x, y) with gradients": () => tf.tidy(() => { circuitGrads([a, b]); }),
    "dense 64×784·784×128ᵀ, sigmoid, mean: gradient": () => tf.tidy(() => { dense(W); }),
  };
}

const engines = [["wasmlp float32", graphCases("float32")], ["wasmlp float64 (pure TS)", graphCases("float64")], ["tfjs-cpu", tfCases()]];
const names = Object.keys(engines[0][1]);
const samples = engines.map(() => names.map(() => []));
const [bytesBefore, tensorsBefore] = [memoryStats().bytesInUse, tf.memory().numTensors];
for (let r = 0; r < rounds; r++) {
  engines.forEach(([label, cases], e) => names.forEach((name, c) => samples[e][c].push(cases[name] ? measure(`${label} ${name}`, cases[name], { maxTime }) : NaN)));
}
// Steady state: every case frees what it makes (else the timings would include a growing heap).
if (memoryStats().bytesInUse !== bytesBefore || tf.memory().numTensors !== tensorsBefore) throw new Error("a case leaked tensors");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const perOp = (name) => (name.startsWith("scalar") ? CHAIN : 1);
const fmt = (s) => (Number.isNaN(s) ? "—" : s < 1e-3 ? `${(s * 1e6).toFixed(2)} µs` : `${(s * 1e3).toFixed(2)} ms`);
console.log(`wasmlp/graph, per op (scalar chains of ${CHAIN}) or per call — ${machine()}\n`);
console.log(table(["case", ...engines.map(([l]) => l), "tfjs-cpu / wasmlp"], names.map((name, c) => {
  const t = engines.map((_, e) => median(samples[e][c]) / perOp(name));
  return [name, ...t.map(fmt), Number.isNaN(t[2]) ? "—" : `${(t[2] / t[0]).toFixed(1)}×`];
})));
console.log("\n(tfjs records ops only inside variableGrads/grads, which also run the backward pass: no \"recorded\" row.)");
