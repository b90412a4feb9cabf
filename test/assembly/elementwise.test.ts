// elementwise_binary (every op, every broadcast of either operand), elementwise_unary and
// transpose against the float64 backend of the graph (src/graph/backend.ts), on edge sizes and
// with canary words after every output.
import { beforeAll, expect, test } from "vitest";
import { BINARY, type BinaryKind, UNARY, type UnaryKind, backends } from "../../src/graph/backend.js";
import type { Runtime } from "../../src/runtime.js";
import { EDGE_SIZES, EPS32, Random, expectClose, randomArray, region, setup } from "../helpers.js";

let rt: Runtime;
beforeAll(async () => {
  rt = await setup();
});

const ref = backends.float64;
const f64 = (values: ArrayLike<number>) => {
  const s = ref.alloc(values.length);
  (s.view as Float64Array).set(values);
  return s;
};

/** Operand layouts over a rows×cols output: [rows of the operand, cols of the operand]. */
const layouts = (rows: number, cols: number): [number, number][] => [
  [rows, cols],
  [1, cols],
  [rows, 1],
  [1, 1],
];

test("elementwise_binary: every op, either operand broadcast as a scalar, a row or a column", () => {
  const rng = new Random(21);
  for (const kind of Object.keys(BINARY) as BinaryKind[]) {
    for (const [rows, cols] of [
      [1, 1],
      [1, 5],
      [3, 1],
      [2, 4],
      [5, 7],
      [9, 17],
      [4, 33],
    ]) {
      for (const [ra, ca] of layouts(rows, cols))
        for (const [rb, cb] of layouts(rows, cols)) {
          // Bases of pow above 0 (a negative base to a fractional power is NaN in both).
          const a = randomArray(rng, ra * ca, 2).map((v) => (kind === "pow" ? 0.1 + Math.abs(v) : v));
          // Divisors away from 0; a few exact ties for max/min/ge.
          const b = randomArray(rng, rb * cb, 2).map((v, i) =>
            kind === "div" ? Math.sign(v || 1) * (0.5 + Math.abs(v)) : i % 5 === 0 && i < a.length ? a[i] : v,
          );
          const stride = (r: number, c: number) => ({ row: r === 1 && rows > 1 ? 0 : c, col: c === 1 && cols > 1 ? 0 : 1 });
          const [pa, pb, out] = [region(rt, a), region(rt, b), region(rt, rows * cols)];
          const sa = stride(ra, ca),
            sb = stride(rb, cb);
          rt.kernels.elementwise_binary(BINARY[kind], rows, cols, pa.ptr, sa.row, sa.col, pb.ptr, sb.row, sb.col, out.ptr);
          const expected = ref.alloc(rows * cols);
          ref.binary(kind, rows, cols, { s: f64(a), ...sa }, { s: f64(b), ...sb }, expected);
          // One float32 rounding of exact float32 operands.
          const tol = (kind === "div" ? 8 : 4) * 2 * EPS32 * (kind === "pow" ? Math.max(1, ...Array.from(expected.view, Math.abs)) : 1);
          expectClose(out.view, expected.view, tol, `${kind} ${rows}×${cols} a ${ra}×${ca} b ${rb}×${cb}`);
          pa.dispose();
          pb.dispose();
          out.dispose();
        }
    }
  }
});

test("elementwise_unary: neg, exp, log and pow (p = 2 exactly, and others) on every edge size, in place too", () => {
  const rng = new Random(22);
  const cases: [UnaryKind, number, (v: number) => number][] = [
    ["neg", 0, (v) => v],
    ["exp", 0, (v) => v],
    ["log", 0, (v) => Math.abs(v) + 0.01],
    ["pow", 2, (v) => v],
    ["pow", 3, (v) => v],
    ["pow", -1, (v) => Math.abs(v) + 0.1],
    ["pow", 0.5, (v) => Math.abs(v)],
    ["normalCdf", 0, (v) => 2 * v],
  ];
  for (const [kind, p, domain] of cases)
    for (const n of EDGE_SIZES) {
      const x = randomArray(rng, n, 3).map(domain);
      const [px, out] = [region(rt, x), region(rt, n)];
      rt.kernels.elementwise_unary(UNARY[kind], n, px.ptr, out.ptr, p);
      const expected = ref.alloc(n);
      ref.unary(kind, n, f64(x), expected, p);
      const rel = Array.from(expected.view, (e, i) => (out.view[i] - e) / Math.max(1, Math.abs(e)));
      expectClose(rel, new Float64Array(n), 4 * EPS32, `${kind}(${p}) n=${n}`);
      rt.kernels.elementwise_unary(UNARY[kind], n, px.ptr, px.ptr, p);
      expect(Array.from(px.view)).toEqual(Array.from(out.view));
      px.dispose();
      out.dispose();
    }
});

test("elementwise_unary exp follows IEEE float32: +Infinity past ln(FLT_MAX), subnormals, 0, NaN kept", () => {
  const x = [88.7, 88.73, 200, Infinity, -87, -90, -100, -103, -104, -200, -Infinity, NaN, 0, 1];
  const [px, out] = [region(rt, x), region(rt, x.length)];
  rt.kernels.elementwise_unary(UNARY.exp, x.length, px.ptr, out.ptr, 0);
  x.forEach((v, i) => {
    const e = Math.fround(Math.exp(Math.fround(v)));
    if (Number.isNaN(v)) expect(out.view[i]).toBeNaN();
    else if (e === 0 || !Number.isFinite(e)) expect(out.view[i]).toBe(e);
    // Subnormals keep fewer bits: within two of their spacing (2^−149).
    else expect(Math.abs(out.view[i] - e)).toBeLessThanOrEqual(Math.max(4 * EPS32 * e, 2 ** -148));
  });
  px.dispose();
  out.dispose();
});

test("elementwise_select picks a or b by c ≠ 0, each operand broadcast; the other's NaN never leaks", () => {
  const [rows, cols] = [3, 5];
  const c = region(rt, [1, 0, 1, 0, 0]); // a row, broadcast over the rows
  const a = region(
    rt,
    Array.from({ length: rows * cols }, (_, i) => i),
  );
  const b = region(rt, [NaN, -1, -2]); // a column
  const out = region(rt, rows * cols);
  rt.kernels.elementwise_select(rows, cols, c.ptr, 0, 1, a.ptr, cols, 1, b.ptr, 1, 0, out.ptr);
  expect(Array.from(out.view)).toEqual([0, NaN, 2, NaN, NaN, 5, -1, 7, -1, -1, 10, -2, 12, -2, -2]);
  [a, b, c, out].forEach((r) => r.dispose());
});

test("transpose of every edge shape", () => {
  const rng = new Random(23);
  for (const rows of EDGE_SIZES)
    for (const cols of [1, 2, 3, 5, 8, 17]) {
      const x = randomArray(rng, rows * cols);
      const [px, out] = [region(rt, x), region(rt, rows * cols)];
      rt.kernels.transpose(rows, cols, px.ptr, out.ptr);
      const expected = ref.alloc(rows * cols);
      ref.transpose(rows, cols, f64(x), expected);
      expect(Array.from(out.view)).toEqual(Array.from(expected.view));
      px.dispose();
      out.dispose();
    }
});
