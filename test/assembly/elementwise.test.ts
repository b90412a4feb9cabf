// elementwise_binary (every op, every broadcast of either operand), elementwise_unary and
// transpose against the float64 backend of the graph (src/graph/backend.ts), on edge sizes and
// with canary words after every output.
import { beforeAll, expect, test } from "vitest";
import { BINARY, type BinaryKind, UNARY, type UnaryKind, backends } from "../../src/graph/backend.js";
import type { Runtime } from "../../src/runtime.js";
import { EDGE_SIZES, EPS32, Random, expectClose, randomArray, region, setup } from "../helpers.js";

let rt: Runtime;
beforeAll(async () => { rt = await setup(); });

const ref = backends.float64;
const f64 = (values: ArrayLike<number>) => { const s = ref.alloc(values.length); (s.view as Float64Array).set(values); return s; };

/** Operand layouts over a rows×cols output: [rows of the operand, cols of the operand]. */
const layouts = (rows: number, cols: number): [number, number][] => [[rows, cols], [1, cols], [rows, 1], [1, 1]];

test("elementwise_binary: every op, either operand broadcast as a scalar, a row or a column", () => {
  const rng = new Random(21);
  for (const kind of Object.keys(BINARY) as BinaryKind[]) {
    for (const [rows, cols] of [[1, 1], [1, 5], [3, 1], [2, 4], [5, 7], [9, 17], [4, 33]]) {
      for (const [ra, ca] of layouts(rows, cols)) for (const [rb, cb] of layouts(rows, cols)) {
        const a = randomArray(rng, ra * ca, 2);
        // Divisors away from 0; a few exact ties for max/min/ge.
        const b = randomArray(rng, rb * cb, 2).map((v, i) => (kind === "div" ? Math.sign(v || 1) * (0.5 + Math.abs(v)) : i % 5 === 0 && i < a.length ? a[i] : v));
        const stride = (r: number, c: number) => ({ row: r === 1 && rows > 1 ? 0 : c, col: c === 1 && cols > 1 ? 0 : 1 });
        const [pa, pb, out] = [region(rt, a), region(rt, b), region(rt, rows * cols)];
        const sa = stride(ra, ca), sb = stride(rb, cb);
        rt.kernels.elementwise_binary(BINARY[kind], rows, cols, pa.ptr, sa.row, sa.col, pb.ptr, sb.row, sb.col, out.ptr);
        const expected = ref.alloc(rows * cols);
        ref.binary(kind, rows, cols, { s: f64(a), ...sa }, { s: f64(b), ...sb }, expected);
        // One float32 rounding of exact float32 operands.
        const tol = (kind === "div" ? 8 : 4) * 2 * EPS32;
        expectClose(out.view, expected.view, tol, `${kind} ${rows}×${cols} a ${ra}×${ca} b ${rb}×${cb}`);
        pa.dispose(); pb.dispose(); out.dispose();
      }
    }
  }
});

test("elementwise_unary: neg, exp, log and pow (p = 2 exactly, and others) on every edge size, in place too", () => {
  const rng = new Random(22);
  const cases: [UnaryKind, number, (v: number) => number][] = [
    ["neg", 0, (v) => v], ["exp", 0, (v) => v], ["log", 0, (v) => Math.abs(v) + 0.01],
    ["pow", 2, (v) => v], ["pow", 3, (v) => v], ["pow", -1, (v) => Math.abs(v) + 0.1], ["pow", 0.5, (v) => Math.abs(v)],
  ];
  for (const [kind, p, domain] of cases) for (const n of EDGE_SIZES) {
    const x = randomArray(rng, n, 3).map(domain);
    const [px, out] = [region(rt, x), region(rt, n)];
    rt.kernels.elementwise_unary(UNARY[kind], n, px.ptr, out.ptr, p);
    const expected = ref.alloc(n);
    ref.unary(kind, n, f64(x), expected, p);
    const rel = Array.from(expected.view, (e, i) => (out.view[i] - e) / Math.max(1, Math.abs(e)));
    expectClose(rel, new Float64Array(n), 4 * EPS32, `${kind}(${p}) n=${n}`);
    rt.kernels.elementwise_unary(UNARY[kind], n, px.ptr, px.ptr, p);
    expect(Array.from(px.view)).toEqual(Array.from(out.view));
    px.dispose(); out.dispose();
  }
});

test("transpose of every edge shape", () => {
  const rng = new Random(23);
  for (const rows of EDGE_SIZES) for (const cols of [1, 2, 3, 5, 8, 17]) {
    const x = randomArray(rng, rows * cols);
    const [px, out] = [region(rt, x), region(rt, rows * cols)];
    rt.kernels.transpose(rows, cols, px.ptr, out.ptr);
    const expected = ref.alloc(rows * cols);
    ref.transpose(rows, cols, f64(x), expected);
    expect(Array.from(out.view)).toEqual(Array.from(expected.view));
    px.dispose(); out.dispose();
  }
});
