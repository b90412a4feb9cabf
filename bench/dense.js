// Question: for a dense layer's forward pass, how do the fused kernels the library runs —
// dense_nt_forward (A·Wᵀ + bias + activation, unpacked, assembly/dense.ts; 1–8 samples) and
// matmul_nt_forward (the GEMM with bias + activation in its store; 9 and more) — compare with
// the unfused path they replaced (matmul_nt, then add_bias, then the activation)? Interleaved: each round times all three, the table gives
// medians of the rounds. Kernels only: no API, validation or copies.
import { init } from "../dist/index.js";
import { F32Region } from "../dist/memory.js";
import { runtime } from "../dist/runtime.js";
import { DENSE_NETWORKS } from "./shapes.js";
import { machine, measure, table } from "./util.js";

const RELU = 2;

/** One network's layers on regions: weights, biases, activations for m samples. */
function layersOf(rt, sizes, m) {
  const layers = [];
  for (let l = 1; l < sizes.length; l++) {
    const [k, n] = [sizes[l - 1], sizes[l]];
    const w = new F32Region(rt.heap, n * k),
      b = new F32Region(rt.heap, n),
      z = new F32Region(rt.heap, m * n);
    w.view.forEach((_, i, v) => {
      v[i] = ((i * 7919) % 997) / 997 / Math.sqrt(k) - 0.5 / Math.sqrt(k);
    });
    b.view.fill(0.01);
    layers.push({ k, n, w, b, z });
  }
  return layers;
}

function forwardDense(rt, m, x, layers) {
  let a = x;
  for (const { k, n, w, b, z } of layers) {
    rt.kernels.dense_nt_forward(m, n, k, a, w.ptr, b.ptr, z.ptr, RELU, 0);
    a = z.ptr;
  }
}

function forwardEpilogue(rt, m, x, layers) {
  let a = x;
  for (const { k, n, w, b, z } of layers) {
    rt.kernels.matmul_nt_forward(m, n, k, a, w.ptr, b.ptr, z.ptr, rt.workspace, RELU, 0);
    a = z.ptr;
  }
}

function forwardGemm(rt, m, x, layers) {
  let a = x;
  for (const { k, n, w, b, z } of layers) {
    rt.kernels.matmul_nt(m, n, k, a, w.ptr, z.ptr, rt.workspace, 0);
    rt.kernels.add_bias(m, n, b.ptr, z.ptr);
    rt.kernels.relu_forward(m * n, z.ptr, z.ptr);
    a = z.ptr;
  }
}

export function benchDense({ quick = false, rounds = quick ? 1 : 3 } = {}) {
  const rt = runtime();
  const rows = [];
  for (const { name, sizes } of DENSE_NETWORKS) {
    for (const m of [1, 2, 4, 8, 64, 1024]) {
      const x = new F32Region(rt.heap, m * sizes[0]);
      x.view.forEach((_, i, v) => {
        v[i] = ((i * 104729) % 1000) / 1000;
      });
      const layers = layersOf(rt, sizes, m);
      const fused = [],
        epi = [],
        gemm = [];
      const opts = { maxTime: quick ? 0.1 : 0.3 };
      for (let r = 0; r < rounds; r++) {
        fused.push(measure(`dense ${name} ${m}`, () => forwardDense(rt, m, x.ptr, layers), opts));
        epi.push(measure(`epilogue ${name} ${m}`, () => forwardEpilogue(rt, m, x.ptr, layers), opts));
        gemm.push(measure(`gemm ${name} ${m}`, () => forwardGemm(rt, m, x.ptr, layers), opts));
      }
      const med = (xs) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
      rows.push({ name, m, fused: med(fused), epi: med(epi), gemm: med(gemm) });
      [x, ...layers.flatMap((l) => [l.w, l.b, l.z])].forEach((r) => r.dispose());
    }
  }
  return rows;
}

export function printDense(rows) {
  console.log(
    table(
      ["layers (relu)", "samples", "matmul_nt+bias+act µs", "samples/s", "matmul_nt_forward µs", "speed-up", "dense_nt_forward µs", "speed-up"],
      rows.map((r) => [
        r.name,
        r.m,
        (r.gemm * 1e6).toFixed(1),
        Math.round(r.m / r.gemm).toLocaleString("en-US"),
        (r.epi * 1e6).toFixed(1),
        `${(r.gemm / r.epi).toFixed(2)}×`,
        (r.fused * 1e6).toFixed(1),
        `${(r.gemm / r.fused).toFixed(2)}×`,
      ]),
    ),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await init();
  console.log(`dense forward (kernels only, no API overhead), single thread — ${machine()}\n`);
  printDense(benchDense({ quick: process.argv.includes("--quick") }));
}
