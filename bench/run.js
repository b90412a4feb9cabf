// npm run bench: every core benchmark in one process, so the ratios share one machine state.
import { spawnSync } from "node:child_process";
import { init } from "../dist/index.js";
import { benchDense, printDense } from "./dense.js";
import { benchMatmul, printMatmul } from "./matmul.js";
import { benchTrain, printTrain } from "./train.js";
import { machine } from "./util.js";

await init();
const quick = process.argv.includes("--quick");
console.log(`wasmlp benchmarks, single thread — ${machine()}, ${new Date().toISOString().slice(0, 10)}\n`);
console.log("Matrix multiply (GFLOP/s = 2·m·n·k per second, median of benchmark.js samples)\n");
printMatmul(benchMatmul({ quick }));
console.log("\nTraining (trainBatch: forward, loss, backward, optimizer step)\n");
printTrain(benchTrain({ quick }));
console.log("\nDense forward, fused dense_nt_forward against matmul_nt + add_bias + activation (interleaved rounds)\n");
printDense(benchDense({ quick }));

console.log("");
// Inference with its bounds (probes from build/peak.wasm), and threads: each in its own process
// (threads.js needs init({ threads }), which is once per process; this one is single-threaded).
for (const script of ["./inference.js", "./threads.js"]) {
  spawnSync(process.execPath, [new URL(script, import.meta.url).pathname, ...(quick ? ["--quick"] : [])], { stdio: "inherit" });
  console.log("");
}
