// Question: how fast does an imported ONNX model answer in wasmlp and in onnxruntime-web (its
// wasm backend, one thread), on the same file? 784-256-128-10 relu/softmax: one sample, and a
// batch of 1,024; alternating rounds, medians of the rounds; the machine named.
//   node bench/onnx.js [--quick]
import * as ort from "onnxruntime-web";
import { Network, init } from "../dist/index.js";
import { fromOnnx, toOnnx } from "../dist/formats/onnx.js";
import { machine, measureAsync, table } from "./util.js";

const quick = process.argv.includes("--quick");
await init();
ort.env.wasm.numThreads = 1;
const source = new Network({ inputSize: 784, layers: [{ units: 256, activation: "relu" }, { units: 128, activation: "relu" }, { units: 10, activation: "softmax" }], seed: 1 });
const bytes = toOnnx(source);
source.dispose();
const net = fromOnnx(bytes);
const session = await ort.InferenceSession.create(bytes);
const rounds = quick ? 3 : 5, maxTime = quick ? 0.2 : 0.5;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const [what, m] of [["1 sample", 1], ["batch 1,024", 1024]]) {
  const x = Float32Array.from({ length: m * 784 }, (_, i) => ((i * 7919) % 255) / 255);
  const tensor = new ort.Tensor("float32", x, [m, 784]);
  const w = [], o = [];
  for (let r = 0; r < rounds; r++) {
    w.push(await measureAsync("wasmlp", async () => net.predict(x), { maxTime }));
    o.push(await measureAsync("onnxruntime-web", () => session.run({ input: tensor }), { maxTime }));
  }
  const [tw, to] = [median(w), median(o)];
  const cell = (s) => (m === 1 ? `${(s * 1e6).toFixed(1)} µs` : `${Math.round(m / s).toLocaleString("en-US")}/s`);
  rows.push([what, cell(tw), cell(to), `${(to / tw).toFixed(2)}×`]);
}
console.log(`784-256-128-10 imported from ONNX (${bytes.length.toLocaleString("en-US")} bytes), one thread — ${machine()}, onnxruntime-web ${ort.env.versions?.web ?? ""}\n`);
console.log(table(["input", "wasmlp", "onnxruntime-web (wasm)", "wasmlp speed-up"], rows));
