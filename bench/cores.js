// Question: how much does this machine give two independent single-threaded processes, each
// running the same 512³ GEMM as bench/threads.js? The bound for any 2-thread speed-up here: on
// a shared or hyperthreaded host, two busy cores may each run slower than one alone. Rounds
// alternate one process alone and two at once; each figure is a median over the rounds.
//   node bench/cores.js [--rounds N]
import { spawnSync, spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { machine, table } from "./util.js";

const { values } = parseArgs({ options: { rounds: { type: "string" }, child: { type: "boolean" } } });

if (values.child) {
  // One process: GFLOP/s of parallel.matmul("nn", 512, 512, 512) on one thread for ~0.8 s.
  const { init } = await import("../dist/index.js");
  const { runtime } = await import("../dist/runtime.js");
  const { F32Region } = await import("../dist/memory.js");
  await init();
  const rt = runtime(),
    n = 512;
  const [a, b, c] = [0, 1, 2].map(() => new F32Region(rt.heap, n * n));
  a.view.forEach((_, i, v) => {
    v[i] = ((i * 7919) % 997) / 997 - 0.5;
  });
  b.view.forEach((_, i, v) => {
    v[i] = ((i * 104729) % 991) / 991 - 0.5;
  });
  const run = () => rt.parallel.matmul("nn", n, n, n, a.ptr, b.ptr, c.ptr, false);
  for (let i = 0; i < 5; i++) run();
  const start = performance.now();
  let calls = 0;
  while (performance.now() - start < 800) {
    run();
    calls++;
  }
  console.log(((2 * n ** 3 * calls) / ((performance.now() - start) / 1000) / 1e9).toFixed(2));
  process.exit(0);
}

const self = new URL(import.meta.url).pathname;
const one = () => Number(spawnSync(process.execPath, [self, "--child"], { encoding: "utf8" }).stdout);
const two = () =>
  Promise.all(
    [0, 1].map(
      () =>
        new Promise((resolve) => {
          let out = "";
          const child = spawn(process.execPath, [self, "--child"]);
          child.stdout.on("data", (d) => {
            out += d;
          });
          child.on("close", () => resolve(Number(out)));
        }),
    ),
  );

const rounds = Number(values.rounds ?? 5);
const alone = [],
  pairs = [];
for (let r = 0; r < rounds; r++) {
  alone.push(one());
  pairs.push(await two());
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const each = pairs.flat(),
  total = pairs.map(([x, y]) => x + y);
console.log(`Two processes against one — ${machine()}, ${rounds} alternating rounds\n`);
console.log(
  table(
    ["case", "GFLOP/s (median)", "range"],
    [
      ["one process alone", median(alone).toFixed(1), `${Math.min(...alone).toFixed(1)}–${Math.max(...alone).toFixed(1)}`],
      ["each of two at once", median(each).toFixed(1), `${Math.min(...each).toFixed(1)}–${Math.max(...each).toFixed(1)}`],
      ["two at once, together", median(total).toFixed(1), `${Math.min(...total).toFixed(1)}–${Math.max(...total).toFixed(1)}`],
    ],
  ),
);
console.log(`\ntogether / alone: ${(median(total) / median(alone)).toFixed(2)}× (the most a 2-thread GEMM could gain here)`);
