// Question: how fast does an imported ONNX model answer in wasmlp, in onnxruntime-web (its wasm
// backend, one thread) and, when bench/peers has it installed (npm run bench:peers installs it),
// in onnxruntime-node (native, one intra-op thread), on the same file? 784-256-128-10
// relu/softmax: one sample, batches of 8 and of 1,024; alternating rounds, medians of the rounds;
// the machine named.
//   node bench/onnx.js [--quick]
import { createRequire } from "node:module";
import * as ort from "onnxruntime-web";
import { Network, init } from "../dist/index.js";
import { fromOnnx, toOnnx } from "../dist/formats/onnx.js";
import { machine, measureAsync, table } from "./util.js";

const quick = process.argv.includes("--quick");
await init();
ort.env.wasm.numThreads = 1;
const source = new Network({
  inputSize: 784,
  layers: [
    { units: 256, activation: "relu" },
    { units: 128, activation: "relu" },
    { units: 10, activation: "softmax" },
  ],
  seed: 1,
});
const bytes = toOnnx(source);
source.dispose();
const net = fromOnnx(bytes);
const session = await ort.InferenceSession.create(bytes);
/** onnxruntime-node from bench/peers, or null: its install downloads GPU builds unless ONNXRUNTIME_NODE_INSTALL=skip. */
let native = null;
try {
  native = createRequire(new URL("./peers/package.json", import.meta.url))("onnxruntime-node");
} catch {
  console.log("(onnxruntime-node not installed in bench/peers: run npm run bench:peers once, or ONNXRUNTIME_NODE_INSTALL=skip npm --prefix bench/peers ci)\n");
}
const nativeSession = native ? await native.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 }) : null;
const rounds = quick ? 3 : 5,
  maxTime = quick ? 0.2 : 0.5;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const [what, m] of [
  ["1 sample", 1],
  ["batch 8", 8],
  ["batch 1,024", 1024],
]) {
  const x = Float32Array.from({ length: m * 784 }, (_, i) => ((i * 7919) % 255) / 255);
  const tensor = new ort.Tensor("float32", x, [m, 784]);
  const nativeTensor = native ? new native.Tensor("float32", x, [m, 784]) : null;
  const w = [],
    o = [],
    n = [];
  for (let r = 0; r < rounds; r++) {
    w.push(await measureAsync("wasmlp", async () => net.predict(x), { maxTime }));
    o.push(await measureAsync("onnxruntime-web", () => session.run({ input: tensor }), { maxTime }));
    if (nativeSession) n.push(await measureAsync("onnxruntime-node", () => nativeSession.run({ input: nativeTensor }), { maxTime }));
  }
  const [tw, to, tn] = [median(w), median(o), native ? median(n) : NaN];
  const cell = (s) => (Number.isNaN(s) ? "—" : m === 1 ? `${(s * 1e6).toFixed(1)} µs` : `${Math.round(m / s).toLocaleString("en-US")}/s`);
  rows.push([what, cell(tw), cell(to), cell(tn), `${(to / tw).toFixed(2)}×`, Number.isNaN(tn) ? "—" : `${(tn / tw).toFixed(2)}×`]);
}
console.log(
  `784-256-128-10 imported from ONNX (${bytes.length.toLocaleString("en-US")} bytes), one thread — ${machine()}, onnxruntime-web ${ort.env.versions?.web ?? ""}${native ? `, onnxruntime-node ${native.env.versions?.node ?? ""}` : ""}\n`,
);
console.log(table(["input", "wasmlp", "onnxruntime-web (wasm)", "onnxruntime-node (native)", "vs web", "vs node"], rows));
console.log("\n(\"vs\": the peer's time over wasmlp's; above 1, wasmlp is faster.)");
