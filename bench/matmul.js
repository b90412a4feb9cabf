// Question: how fast is the blocked SIMD matmul in each form backprop needs, against plain JS?
// Prints GFLOP/s (2·m·n·k per second, median) for wasm and for the float64 reference.
import { init } from "../dist/index.js";
import { runtime } from "../dist/runtime.js";
import { F32Region } from "../dist/memory.js";
import { matmul } from "../dist/reference/math.js";
import { machine, measure, table } from "./util.js";

import { FORMS, MATMUL_CASES } from "./shapes.js";

/** The float64 reference is only timed where it finishes in reasonable time. */
const REFERENCE_MAX_FLOP = 2 * 512 ** 3;

export function benchMatmul({ quick = false } = {}) {
  const rt = runtime();
  const rows = [];
  for (const { name, form, m, n, k } of MATMUL_CASES) {
    const { label, kernel, transA, transB } = FORMS.find((f) => f.label === form);
    const flop = 2 * m * n * k;
    const a = new F32Region(rt.heap, m * k),
      b = new F32Region(rt.heap, k * n),
      c = new F32Region(rt.heap, m * n);
    a.view.forEach((_, i, v) => {
      v[i] = ((i * 7919) % 997) / 997 - 0.5;
    });
    b.view.forEach((_, i, v) => {
      v[i] = ((i * 104729) % 991) / 991 - 0.5;
    });
    const ra = Float64Array.from(a.view),
      rb = Float64Array.from(b.view),
      rc = new Float64Array(m * n);
    {
      const f = rt.kernels[kernel];
      const wasm = measure(`${kernel} ${m}x${k}x${n}`, () => f(m, n, k, a.ptr, b.ptr, c.ptr, rt.workspace, 0), { maxTime: quick ? 0.2 : 1 });
      const ref =
        flop <= REFERENCE_MAX_FLOP && !quick
          ? measure(`reference ${m}x${k}x${n}`, () => matmul(transA, transB, m, n, k, ra, rb, rc), { maxTime: 1, minSamples: 5 })
          : NaN;
      rows.push({ shape: `${name} (${m}×${n}×${k})`, form: label, wasm: flop / wasm / 1e9, reference: flop / ref / 1e9 });
    }
    [a, b, c].forEach((r) => r.dispose());
  }
  return rows;
}

export function printMatmul(rows) {
  console.log(
    table(
      ["case (m×n×k)", "form", "wasm GFLOP/s", "float64 reference GFLOP/s", "wasm / reference"],
      rows.map((r) => [
        r.shape,
        r.form,
        r.wasm.toFixed(1),
        Number.isNaN(r.reference) ? "-" : r.reference.toFixed(2),
        Number.isNaN(r.reference) ? "-" : `${(r.wasm / r.reference).toFixed(0)}×`,
      ]),
    ),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await init();
  console.log(`matmul, single thread — ${machine()}\n`);
  printMatmul(benchMatmul({ quick: process.argv.includes("--quick") }));
}
