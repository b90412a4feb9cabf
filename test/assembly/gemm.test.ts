// matmul_nn / matmul_nt / matmul_tn against the float64 reference, every size class.
import { beforeAll, describe, expect, test } from "vitest";
import { matmul } from "../../src/reference/math.js";
import type { Runtime } from "../../src/runtime.js";
import { MATMUL_CASES } from "../../bench/shapes.js";
import { EDGE_SIZES, EPS32, Random, expectClose, maxAbs, randomArray, region, setup } from "../helpers.js";

let rt: Runtime;
beforeAll(async () => { rt = await setup(); });

const FORMS = [
  { name: "matmul_nn", transA: false, transB: false },
  { name: "matmul_nt", transA: false, transB: true },
  { name: "matmul_tn", transA: true, transB: false },
] as const;

function check(form: (typeof FORMS)[number], m: number, n: number, k: number, rng: Random, accumulate = false): void {
  const a = randomArray(rng, m * k), b = randomArray(rng, k * n), c0 = randomArray(rng, m * n);
  const [ra, rb, rc] = [region(rt, a), region(rt, b), region(rt, c0)];
  rt.kernels[form.name](m, n, k, ra.ptr, rb.ptr, rc.ptr, rt.workspace, accumulate ? 1 : 0);
  const expected = Float64Array.from(c0);
  matmul(form.transA, form.transB, m, n, k, a, b, expected, accumulate);
  // k products of |a|,|b| ≤ 1 summed in float32, plus the rounding of C itself.
  const tol = (2 * k + 4) * EPS32 * maxAbs(a) * maxAbs(b) + 4 * EPS32 * maxAbs(expected);
  expectClose(rc.view, expected, tol, `${form.name} ${m}×${n}×${k}${accumulate ? " +C" : ""}`);
  [ra, rb, rc].forEach((r) => r.dispose());
}

describe.each(FORMS)("$name", (form) => {
  test("every combination of edge sizes", () => {
    const rng = new Random(1);
    for (const m of EDGE_SIZES) for (const n of EDGE_SIZES) check(form, m, n, EDGE_SIZES[(m + n) % EDGE_SIZES.length], rng);
    for (const k of EDGE_SIZES) check(form, 5, 9, k, rng);
  });

  test("shapes of real layers and blocks larger than one packed panel", () => {
    const rng = new Random(2);
    for (const [m, n, k] of [[64, 128, 784], [45, 65, 300], [3, 10, 128], [130, 520, 260], [1, 512, 784], [257, 9, 513]]) {
      check(form, m, n, k, rng);
    }
  });

  test("the backprop shapes the benchmarks time (bench/shapes.js), up to 256³", () => {
    const rng = new Random(5);
    for (const { m, n, k } of MATMUL_CASES.filter((c) => c.m * c.n * c.k <= 256 ** 3)) check(form, m, n, k, rng);
  });

  test("accumulates into C when asked", () => {
    const rng = new Random(3);
    for (const [m, n, k] of [[1, 1, 1], [7, 13, 300], [64, 33, 17]]) check(form, m, n, k, rng, true);
  });

  test("k = 0 gives zeros, or leaves C alone when accumulating", () => {
    const c = region(rt, [1, 2, 3, 4, 5, 6]);
    rt.kernels[form.name](2, 3, 0, 0, 0, c.ptr, rt.workspace, 1);
    expect(Array.from(c.view)).toEqual([1, 2, 3, 4, 5, 6]);
    rt.kernels[form.name](2, 3, 0, 0, 0, c.ptr, rt.workspace, 0);
    expect(Array.from(c.view)).toEqual([0, 0, 0, 0, 0, 0]);
    c.dispose();
  });

  test("random shapes", () => {
    const rng = new Random(4);
    for (let t = 0; t < 40; t++) {
      const [m, n, k] = [1 + (rng.uint32() % 70), 1 + (rng.uint32() % 70), 1 + (rng.uint32() % 300)];
      check(form, m, n, k, rng);
    }
  });
});

// Only the debug build (npm run test:debug) checks aliasing; the release build compiles it out.
describe.runIf(process.env.WASMLP_DEBUG_WASM)("debug build", () => {
  test("a matmul whose C overlaps A or B traps", () => {
    const a = region(rt, 16), b = region(rt, 16);
    for (const form of FORMS) {
      expect(() => rt.kernels[form.name](4, 4, 4, a.ptr, b.ptr, a.ptr + 4, rt.workspace, 0), `${form.name} C in A`).toThrow();
      expect(() => rt.kernels[form.name](4, 4, 4, a.ptr, b.ptr, b.ptr, rt.workspace, 0), `${form.name} C = B`).toThrow();
      rt.kernels[form.name](4, 4, 4, a.ptr, a.ptr, b.ptr, rt.workspace, 0); // A = B is fine
    }
    expect(() => rt.kernels.dense_nt_forward(2, 2, 2, a.ptr, b.ptr, b.ptr + 32, a.ptr + 8, 4, 0), "dense Z in A").toThrow();
    [a, b].forEach((r) => r.dispose());
  });
});
