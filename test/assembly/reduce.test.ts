// add_bias and its adjoint sum_cols (the bias gradient), and sum_rows, against plain loops.
import { beforeAll, expect, test } from "vitest";
import { addBias, sumCols } from "../../src/reference/math.js";
import type { Runtime } from "../../src/runtime.js";
import { EDGE_SIZES, EPS32, Random, expectClose, maxAbs, randomArray, region, setup } from "../helpers.js";

let rt: Runtime;
beforeAll(async () => {
  rt = await setup();
});

test("add_bias broadcasts the bias over every row", () => {
  const rng = new Random(5);
  for (const m of EDGE_SIZES)
    for (const n of EDGE_SIZES) {
      const x = randomArray(rng, m * n),
        bias = randomArray(rng, n);
      const [rx, rb] = [region(rt, x), region(rt, bias)];
      rt.kernels.add_bias(m, n, rb.ptr, rx.ptr);
      const expected = Float64Array.from(x);
      addBias(m, n, bias, expected);
      expectClose(rx.view, expected, 2 * EPS32 * 2, `add_bias ${m}×${n}`);
      rx.dispose();
      rb.dispose();
    }
});

test("sum_cols sums each column, scales, and accumulates on request", () => {
  const rng = new Random(6);
  for (const m of [...EDGE_SIZES, 128, 257])
    for (const n of [1, 3, 4, 5, 10, 33, 128]) {
      const x = randomArray(rng, m * n),
        prior = randomArray(rng, n);
      const [rx, ro] = [region(rt, x), region(rt, prior)];
      const expected = new Float64Array(n);
      sumCols(m, n, x, expected, 0.5);
      const tol = (m + 2) * EPS32 * maxAbs(x);
      rt.kernels.sum_cols(m, n, rx.ptr, ro.ptr, 0.5, 0);
      expectClose(ro.view, expected, tol, `sum_cols ${m}×${n}`);
      ro.view.set(prior);
      rt.kernels.sum_cols(m, n, rx.ptr, ro.ptr, 0.5, 1);
      expectClose(
        ro.view,
        expected.map((v, j) => v + prior[j]),
        tol + 2 * EPS32,
        `sum_cols +out ${m}×${n}`,
      );
      rx.dispose();
      ro.dispose();
    }
});

test("sum_rows sums each row", () => {
  const rng = new Random(7);
  for (const m of EDGE_SIZES)
    for (const n of EDGE_SIZES) {
      const x = randomArray(rng, m * n);
      const [rx, ro] = [region(rt, x), region(rt, m)];
      rt.kernels.sum_rows(m, n, rx.ptr, ro.ptr, 2);
      const expected = Array.from({ length: m }, (_, i) => 2 * x.subarray(i * n, i * n + n).reduce((s, v) => s + v, 0));
      expectClose(ro.view, expected, (n + 2) * 2 * EPS32, `sum_rows ${m}×${n}`);
      rx.dispose();
      ro.dispose();
    }
});

test("max_abs finds the largest magnitude, and any NaN or infinity", () => {
  const rng = new Random(8);
  for (const n of EDGE_SIZES) {
    const x = randomArray(rng, n, 3);
    const r = region(rt, x);
    expect(rt.kernels.max_abs(n, r.ptr)).toBe(Math.max(...Array.from(x, Math.abs)));
    for (const bad of [NaN, Infinity, -Infinity]) {
      const at = rng.uint32() % n;
      r.view[at] = bad;
      expect(Number.isFinite(rt.kernels.max_abs(n, r.ptr)), `n=${n}, ${bad} at ${at}`).toBe(false);
      r.view[at] = x[at];
    }
    r.dispose();
  }
});
