// Question: how fast is wasmlp's int8 inference against onnxruntime running the same quantized
// ONNX file? 784-256-128-10 relu/softmax quantized by net.quantize(), exported by toOnnx (quantize_dynamic's
// DynamicQuantizeLinear + MatMulInteger graph); onnxruntime-web (its wasm backend, one thread) and
// onnxruntime-node (native, one intra-op thread) run that file; wasmlp's float path and int8 path
// (int16 activations) run beside them. One sample and a batch of 1,024, in alternating rounds in
// one process; per call, the median over rounds of CPU time (process.cpuUsage, every thread of the
// process: robust to a shared machine's load) and of wall time. The machine and its load are printed.
//   npm --prefix bench/peers ci (with ONNXRUNTIME_NODE_INSTALL=skip), npm run build, then
//   node bench/peers/int8.js [--quick]
import os from "node:os";
import { createRequire } from "node:module";
import * as ortWeb from "onnxruntime-web";
import { Network, init } from "../../dist/index.js";
import { toOnnx } from "../../dist/formats/onnx.js";
import { machine, table } from "../util.js";

const quick = process.argv.includes("--quick");
const require = createRequire(import.meta.url);
let ortNode = null;
try {
  ortNode = require("onnxruntime-node");
} catch {
  console.log("(onnxruntime-node is not installed in bench/peers: ONNXRUNTIME_NODE_INSTALL=skip npm --prefix bench/peers ci)\n");
}
await init();
ortWeb.env.wasm.numThreads = 1;
const net = new Network({
  inputSize: 784,
  layers: [
    { units: 256, activation: "relu" },
    { units: 128, activation: "relu" },
    { units: 10, activation: "softmax" },
  ],
  seed: 1,
});
const q = net.quantize();
const bytes = toOnnx(q);
const web = await ortWeb.InferenceSession.create(bytes);
const native = ortNode ? await ortNode.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 }) : null;
const load = os
  .loadavg()
  .map((v) => v.toFixed(1))
  .join(", ");

/** Seconds of CPU (user + system, all threads) and of wall clock per call, over `calls` calls. */
async function timed(fn, calls) {
  const c0 = process.cpuUsage(),
    t0 = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await fn();
  const c = process.cpuUsage(c0),
    t = Number(process.hrtime.bigint() - t0) / 1e9;
  return { cpu: (c.user + c.system) / 1e6 / calls, wall: t / calls };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const rows = [];
for (const [what, m] of [
  ["1 sample", 1],
  ["batch 1,024", 1024],
]) {
  const x = Float32Array.from({ length: m * 784 }, (_, i) => ((i * 7919) % 255) / 255);
  const tWeb = new ortWeb.Tensor("float32", x, [m, 784]);
  const tNode = ortNode ? new ortNode.Tensor("float32", x, [m, 784]) : null;
  const contestants = [
    ["wasmlp float32", async () => net.predict(x)],
    ["wasmlp int8", async () => q.predict(x)],
    ["onnxruntime-web int8 (wasm)", () => web.run({ input: tWeb })],
    ...(native ? [["onnxruntime-node int8 (native)", () => native.run({ input: tNode })]] : []),
  ];
  // Calls per round: about 0.1 s (0.04 s quick) of the float path.
  const probe = await timed(contestants[0][1], m === 1 ? 200 : 2);
  const calls = Math.max(2, Math.round((quick ? 0.04 : 0.1) / probe.wall));
  for (const [, fn] of contestants) await timed(fn, calls); // warm-up: tier-up, lazy allocation
  const results = contestants.map(() => ({ cpu: [], wall: [] }));
  for (let r = 0; r < (quick ? 5 : 15); r++) {
    for (let c = 0; c < contestants.length; c++) {
      const t = await timed(contestants[c][1], calls);
      results[c].cpu.push(t.cpu);
      results[c].wall.push(t.wall);
    }
  }
  const cpuInt8 = median(results[1].cpu);
  contestants.forEach(([name], c) => {
    const cpu = median(results[c].cpu),
      wall = median(results[c].wall);
    const cell = (s) => (m === 1 ? `${(s * 1e6).toFixed(1)} µs` : `${Math.round(m / s).toLocaleString("en-US")}/s`);
    rows.push([what, name, cell(cpu), cell(wall), `${(cpu / cpuInt8).toFixed(2)}×`]);
  });
}
console.log(
  `784-256-128-10 relu/softmax, int8 file ${bytes.length.toLocaleString("en-US")} bytes; one thread each — ${machine()}; load average ${load} at the start; onnxruntime-web ${ortWeb.env.versions?.web ?? ""}${ortNode ? `, onnxruntime-node ${ortNode.env.versions?.node ?? ""}` : ""}\n`,
);
console.log(table(["input", "runs", "CPU time (median)", "wall time (median)", "CPU time / wasmlp int8's"], rows));
console.log(
  `\n(load average ${os
    .loadavg()
    .map((v) => v.toFixed(1))
    .join(", ")} at the end; above 1× the contestant takes longer than wasmlp's int8 path.)`,
);
[q, net].forEach((n) => n.dispose());
await web.release();
if (native) await native.release();
