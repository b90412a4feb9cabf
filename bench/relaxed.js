// Question: how much faster are the relaxed-SIMD build's float kernels (f32x4.relaxed_madd) than
// the plain build's, on the GEMM shapes training runs and on batch inference (the fused forward
// pass of 784-256-128-10 at 1,024 samples, and dense_nt_forward at 1 and 8)? Both modules run in
// this one process, in alternating rounds (a shared machine's clock drifts), on the same data;
// the figure is the median of the rounds' ratios. Node 20 needs the flags:
//   node --experimental-wasm-relaxed-simd --no-liftoff bench/relaxed.js [--quick]
import { readFileSync } from "node:fs";
import { machine, measure, table } from "./util.js";
import { MATMUL_CASES } from "./shapes.js";

const quick = process.argv.includes("--quick");
const rounds = quick ? 3 : 5;
const maxTime = quick ? 0.1 : 0.25;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function load(file) {
  const bytes = readFileSync(new URL(`../build/${file}`, import.meta.url));
  const { instance } = await WebAssembly.instantiate(bytes, {
    env: {
      abort() {
        throw new Error("abort");
      },
    },
  });
  const k = instance.exports;
  let top = (k.heap_base() + 63) & ~63;
  const alloc = (bytes) => {
    const at = top;
    top = (top + bytes + 63) & ~63;
    const need = top - k.memory.buffer.byteLength;
    if (need > 0) k.memory.grow(Math.ceil(need / 65536));
    return at;
  };
  const fill = (at, n, seed) => {
    const v = new Float32Array(k.memory.buffer, at, n);
    for (let i = 0; i < n; i++) v[i] = (((i + seed) * 7919) % 997) / 997 - 0.5;
  };
  return { k, alloc, fill, work: alloc(k.matmul_workspace_bytes()) };
}

const builds = [await load("wasmlp.wasm"), await load("wasmlp.relaxed.wasm")];
if (!builds[1].k.relaxed_madd_probe) throw new Error("build/wasmlp.relaxed.wasm is not the relaxed build");

const KERNEL = { A·B: "matmul_nn", A·Bᵀ: "matmul_nt", Aᵀ·B: "matmul_tn" };
const cases = MATMUL_CASES.filter((c) => c.name.includes("b64") || c.name.includes("b128") || c.name === "256³" || c.name === "512³").map((c) => ({
  label: `${c.name} ${c.form}`,
  flop: 2 * c.m * c.n * c.k,
  setup: (b) => {
    const a = b.alloc(4 * c.m * c.k),
      w = b.alloc(4 * c.k * c.n),
      out = b.alloc(4 * c.m * c.n);
    b.fill(a, c.m * c.k, 1);
    b.fill(w, c.k * c.n, 2);
    return () => b.k[KERNEL[c.form]](c.m, c.n, c.k, a, w, out, b.work, 0);
  },
}));
// Batch inference: 784-256-128-10's three fused forward layers (relu, relu, linear: act codes 2, 2, 4).
for (const [label, m, kernel] of [
  ["784-256-128-10 batch 1,024 (matmul_nt_forward)", 1024, "matmul_nt_forward"],
  ["784-256-128-10 batch 8 (dense_nt_forward)", 8, "dense_nt_forward"],
  ["784-256-128-10 one sample (dense_nt_forward)", 1, "dense_nt_forward"],
]) {
  const sizes = [784, 256, 128, 10];
  cases.push({
    label,
    flop: 2 * m * (784 * 256 + 256 * 128 + 128 * 10),
    setup: (b) => {
      const acts = sizes.map((n) => {
        const p = b.alloc(4 * m * n);
        b.fill(p, m * n, n);
        return p;
      });
      const layers = sizes.slice(1).map((n, l) => {
        const w = b.alloc(4 * n * sizes[l]),
          bias = b.alloc(4 * n);
        b.fill(w, n * sizes[l], 3);
        b.fill(bias, n, 4);
        return { w, bias, n, k: sizes[l], act: l < 2 ? 2 : 4 };
      });
      return kernel === "matmul_nt_forward"
        ? () => layers.forEach((L, l) => b.k.matmul_nt_forward(m, L.n, L.k, acts[l], L.w, L.bias, acts[l + 1], b.work, L.act, 0))
        : () => layers.forEach((L, l) => b.k.dense_nt_forward(m, L.n, L.k, acts[l], L.w, L.bias, acts[l + 1], L.act, 0));
    },
  });
}

const rows = [];
for (const c of cases) {
  const fns = builds.map((b) => c.setup(b));
  const times = builds.map(() => []),
    ratios = [];
  for (let r = 0; r < rounds; r++) {
    const t = fns.map((f, i) => measure(`${c.label} ${i}`, f, { maxTime }));
    t.forEach((s, i) => times[i].push(s));
    ratios.push(t[0] / t[1]);
  }
  const [plain, relaxed] = times.map(median);
  rows.push([
    c.label,
    (c.flop / plain / 1e9).toFixed(1),
    (c.flop / relaxed / 1e9).toFixed(1),
    `${median(ratios).toFixed(2)}×`,
    `${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}`,
  ]);
}
console.log(`Relaxed against plain SIMD, one thread — ${machine()}; ${process.execArgv.join(" ") || "no flags"}\n`);
console.log(table(["case", "plain GFLOP/s", "relaxed GFLOP/s", "speed-up (median of rounds)", "rounds"], rows));
