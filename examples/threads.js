// Shows threads: the same training on 2 threads gives the same weights, bit for bit, as on 1
// (a child process runs the 1-thread half, since init() is once per process).
// Usage: node examples/threads.js [samples=4096] [threads=2]
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { init, Network, threadCount } from "wasmlp";

const samples = Number(process.argv[2] ?? 4096);
const threads = process.argv[3] ?? "2";
await init({ threads: threads === "auto" ? "auto" : Number(threads) });
let state = 7;
const random = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32;
const x = Float32Array.from({ length: samples * 256 }, random);
const y = Int32Array.from({ length: samples }, (_, i) => i % 10);
const net = new Network({
  inputSize: 256,
  layers: [
    { units: 256, activation: "relu" },
    { units: 10, activation: "softmax" },
  ],
  seed: 1,
});
const start = performance.now();
net.fit(x, y, { epochs: 2, batchSize: 128 });
const ms = performance.now() - start;
const bytes = Buffer.from(new Float32Array(net.getWeights().flatMap((w) => Array.from(w))).buffer).toString("base64");
net.dispose();
if (process.env.WASMLP_EXAMPLE_CHILD === "1") {
  process.stdout.write(bytes); // the weights, for the parent to compare
} else {
  console.log(`${threadCount()} threads: 2 epochs of ${samples} samples in ${ms.toFixed(0)} ms`);
  const one = execFileSync(process.execPath, [fileURLToPath(import.meta.url), String(samples), "1"], {
    env: { ...process.env, WASMLP_EXAMPLE_CHILD: "1" },
    maxBuffer: 1 << 30,
  }).toString();
  console.log(`weights equal to 1 thread's: ${one === bytes}`);
}
