// matmul_nn / matmul_nt / matmul_tn against the float64 reference, every size class.
import { beforeAll, describe, expect, test } from "vitest";
import { matmul } from "../../src/reference/math.js";
import type { Runtime } from "../../src/runtime.js";
import { MATMUL_CASES } from "../../bench/shapes.js";
import { EDGE_SIZES, EPS32, Random, expectClose, expectSameBits, maxAbs, randomArray, region, setup } from "../helpers.js";

let rt: Runtime;
beforeAll(async () => {
  rt = await setup();
});

const FORMS = [
  { name: "matmul_nn", transA: false, transB: false },
  { name: "matmul_nt", transA: false, transB: true },
  { name: "matmul_tn", transA: true, transB: false },
] as const;

function check(form: (typeof FORMS)[number], m: number, n: number, k: number, rng: Random, accumulate = false): void {
  const a = randomArray(rng, m * k),
    b = randomArray(rng, k * n),
    c0 = randomArray(rng, m * n);
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
    for (const [m, n, k] of [
      [64, 128, 784],
      [45, 65, 300],
      [3, 10, 128],
      [130, 520, 260],
      [1, 512, 784],
      [257, 9, 513],
    ]) {
      check(form, m, n, k, rng);
    }
  });

  test("the backprop shapes the benchmarks time (bench/shapes.js), up to 256³", () => {
    const rng = new Random(5);
    for (const { m, n, k } of MATMUL_CASES.filter((c) => c.m * c.n * c.k <= 256 ** 3)) check(form, m, n, k, rng);
  });

  test("accumulates into C when asked", () => {
    const rng = new Random(3);
    for (const [m, n, k] of [
      [1, 1, 1],
      [7, 13, 300],
      [64, 33, 17],
    ])
      check(form, m, n, k, rng, true);
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
    const a = region(rt, 16),
      b = region(rt, 16);
    for (const form of FORMS) {
      expect(() => rt.kernels[form.name](4, 4, 4, a.ptr, b.ptr, a.ptr + 4, rt.workspace, 0), `${form.name} C in A`).toThrow();
      expect(() => rt.kernels[form.name](4, 4, 4, a.ptr, b.ptr, b.ptr, rt.workspace, 0), `${form.name} C = B`).toThrow();
      rt.kernels[form.name](4, 4, 4, a.ptr, a.ptr, b.ptr, rt.workspace, 0); // A = B is fine
    }
    expect(() => rt.kernels.dense_nt_forward(2, 2, 2, a.ptr, b.ptr, b.ptr + 32, a.ptr + 8, 4, 0), "dense Z in A").toThrow();
    [a, b].forEach((r) => r.dispose());
  });
});

// The strided forms compute one block of a product (a thread's part): the block of C they
// write has the bits of the same block of the whole product, and nothing outside it changes.
// (Fewer than 4 rows take the unpacked path, whose A·Bᵀ sums 4 columns at a time: there the
// block's columns must start at a multiple of 4 and end at one or at n. src/threads never
// splits such small products.)
describe.each(["nn", "nt", "tn"] as const)("matmul_strided_%s", (form) => {
  test("a block of C equals that block of the whole product, bit for bit", () => {
    const rng = new Random(3);
    for (const [m, n, k, row, rows, col, cols] of [
      [37, 45, 300, 4, 20, 8, 21],
      [130, 600, 260, 0, 130, 512, 88],
      [12, 33, 9, 8, 4, 0, 33],
      [3, 40, 70, 1, 2, 16, 12],
      [3, 42, 70, 0, 3, 36, 6],
    ]) {
      const a = randomArray(rng, m * k),
        b = randomArray(rng, k * n);
      const [ra, rb, whole, part] = [region(rt, a), region(rt, b), region(rt, m * n), region(rt, m * n)];
      part.view.fill(7);
      rt.kernels[`matmul_${form}`](m, n, k, ra.ptr, rb.ptr, whole.ptr, rt.workspace, 0);
      const args =
        form === "nn"
          ? [ra.ptr + 4 * row * k, k, rb.ptr + 4 * col, n]
          : form === "nt"
            ? [ra.ptr + 4 * row * k, k, rb.ptr + 4 * col * k, k]
            : [ra.ptr + 4 * row, m, rb.ptr + 4 * col, n];
      rt.kernels[`matmul_strided_${form}`](rows, cols, k, args[0], args[1], args[2], args[3], part.ptr + 4 * (row * n + col), n, rt.workspace, 0, 0);
      const w = new Uint32Array(whole.view.buffer, whole.view.byteOffset, m * n),
        p = new Uint32Array(part.view.buffer, part.view.byteOffset, m * n);
      const seven = new Uint32Array(Float32Array.of(7).buffer)[0];
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          const inside = i >= row && i < row + rows && j >= col && j < col + cols;
          if (p[i * n + j] !== (inside ? w[i * n + j] : seven))
            expect.fail(`${form} ${m}×${n}×${k}: entry (${i}, ${j}) ${inside ? "differs from the whole product" : "outside the block was written"}`);
        }
      }
      [ra, rb, whole, part].forEach((r) => r.dispose());
    }
  });

  test("column blocks with A packed once and kept (aMode 1, then 2) equal the whole product, also when A is too large to keep", () => {
    const rng = new Random(4);
    // 784-256's forward and weight-gradient shapes; B wider than one packed block (n > 512); A larger than the kept area (rows × k > 256Ki floats).
    for (const [m, n, k] of [
      [128, 256, 784],
      [256, 784, 128],
      [37, 1100, 70],
      [300, 40, 1000],
    ]) {
      const a = randomArray(rng, m * k),
        b = randomArray(rng, k * n);
      const [ra, rb, whole, part] = [region(rt, a), region(rt, b), region(rt, m * n), region(rt, m * n)];
      rt.kernels[`matmul_${form}`](m, n, k, ra.ptr, rb.ptr, whole.ptr, rt.workspace, 0);
      // A's argument is the same for every column block; B's and C's move with the block.
      const lda = form === "tn" ? m : k;
      for (let col = 0, i = 0; col < n; col += 24, i++) {
        const cols = Math.min(24, n - col);
        const bAt = form === "nt" ? rb.ptr + 4 * col * k : rb.ptr + 4 * col,
          ldb = form === "nt" ? k : n;
        rt.kernels[`matmul_strided_${form}`](m, cols, k, ra.ptr, lda, bAt, ldb, part.ptr + 4 * col, n, rt.workspace, 0, i === 0 ? 1 : 2);
      }
      expectSameBits(part.view, whole.view, `${form} ${m}×${n}×${k}`);
      [ra, rb, whole, part].forEach((r) => r.dispose());
    }
  });
});
