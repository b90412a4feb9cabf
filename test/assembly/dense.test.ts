// The fused forward kernels, act(A·Wᵀ + bias): dense_nt_forward (unpacked, assembly/dense.ts)
// and matmul_nt_forward (the GEMM with the epilogue in its store), against the float64 reference
// on every size class; and dense_nt_forward's batch invariance: a sample's output is
// bit-identical alone or anywhere inside a batch.
import { beforeAll, describe, expect, test } from "vitest";
import { ACTIVATIONS, type Activation } from "../../src/config.js";
import { activationOps } from "../../src/activations.js";
import { activationForward, addBias, matmul } from "../../src/reference/math.js";
import type { Runtime } from "../../src/runtime.js";
import { EDGE_SIZES, EPS32, Random, expectClose, maxAbs, randomArray, region, setup } from "../helpers.js";

let rt: Runtime;
beforeAll(async () => {
  rt = await setup();
});

const ACTS: { act: Activation; alpha: number }[] = [
  { act: "linear", alpha: 0 },
  { act: "sigmoid", alpha: 0 },
  { act: "tanh", alpha: 0 },
  { act: "relu", alpha: 0 },
  { act: "leaky-relu", alpha: 0.1 },
  { act: "softmax", alpha: 0 },
];
/** exp-based activations are within a few ulp of the float64 value (see activations.test.ts). */
const ACT_TOL = 4e-7;

type Kernel = "dense_nt_forward" | "matmul_nt_forward";

function run(
  m: number,
  n: number,
  k: number,
  a: Float32Array,
  w: Float32Array,
  b: Float32Array,
  act: Activation,
  alpha: number,
  kernel: Kernel = "dense_nt_forward",
): Float32Array {
  const [ra, rw, rb, rz] = [region(rt, a), region(rt, w), region(rt, b), region(rt, m * n)];
  if (kernel === "dense_nt_forward") rt.kernels.dense_nt_forward(m, n, k, ra.ptr, rw.ptr, rb.ptr, rz.ptr, activationOps[act].epilogue, alpha);
  else rt.kernels.matmul_nt_forward(m, n, k, ra.ptr, rw.ptr, rb.ptr, rz.ptr, rt.workspace, activationOps[act].epilogue, alpha);
  if (act === "softmax") activationOps.softmax.kernels.forward(rt.kernels, m, n, rz.ptr, rz.ptr);
  const out = rz.copy();
  [ra, rw, rb, rz].forEach((r) => r.dispose());
  return out;
}

function check(kernel: Kernel, m: number, n: number, k: number, act: Activation, alpha: number, rng: Random): void {
  const a = randomArray(rng, m * k),
    w = randomArray(rng, n * k),
    b = randomArray(rng, n);
  const got = run(m, n, k, a, w, b, act, alpha, kernel);
  const z = new Float64Array(m * n);
  matmul(false, true, m, n, k, a, w, z);
  addBias(m, n, b, z);
  const expected = new Float64Array(m * n);
  activationForward(act, m, n, z, expected, alpha);
  // The k-term dot product and the bias add in float32; every activation here is 1-Lipschitz
  // (softmax: each output moves by at most 2·max|Δz|).
  const lip = act === "softmax" ? 2 : 1;
  const tol = lip * ((2 * k + 4) * EPS32 * maxAbs(a) * maxAbs(w) + 4 * EPS32 * (maxAbs(z) + 1)) + ACT_TOL;
  expectClose(got, expected, tol, `${kernel} ${act} ${m}×${n}×${k}`);
}

const CASES = ACTS.flatMap((a) => (["dense_nt_forward", "matmul_nt_forward"] as const).map((kernel) => ({ ...a, kernel })));

describe.each(CASES)("$kernel, $act", ({ act, alpha, kernel }) => {
  test("every combination of edge sizes", () => {
    const rng = new Random(11);
    for (const m of EDGE_SIZES) for (const n of EDGE_SIZES) check(kernel, m, n, EDGE_SIZES[(m + 2 * n) % EDGE_SIZES.length], act, alpha, rng);
    for (const k of [0, ...EDGE_SIZES]) check(kernel, 3, 7, k, act, alpha, rng);
    check(kernel, 9, 13, 0, act, alpha, rng);
  });

  test("shapes of real layers (784-256-128-10, 1 to 8 samples and batches; k beyond one packed block)", () => {
    const rng = new Random(12);
    for (const [m, n, k] of [
      [1, 256, 784],
      [1, 128, 256],
      [1, 10, 128],
      [8, 128, 784],
      [5, 10, 128],
      [70, 33, 300],
      [130, 520, 260],
    ])
      check(kernel, m, n, k, act, alpha, rng);
  });
});

describe("dense_nt_forward batch invariance", () => {
  test("a sample's outputs are bit-identical alone and at any position of any batch", () => {
    const rng = new Random(13);
    for (const [n, k] of [
      [10, 128],
      [13, 33],
      [128, 784],
      [7, 5],
    ]) {
      const m = 19;
      const a = randomArray(rng, m * k),
        w = randomArray(rng, n * k),
        b = randomArray(rng, n);
      const batch = run(m, n, k, a, w, b, "relu", 0);
      for (const i of [0, 1, 7, 8, 9, 18]) {
        const alone = run(1, n, k, a.subarray(i * k, (i + 1) * k), w, b, "relu", 0);
        expect(Array.from(alone), `sample ${i} of ${m}, ${n}×${k}`).toEqual(Array.from(batch.subarray(i * n, (i + 1) * n)));
        // And inside a batch of 3 starting at it.
        const three = run(Math.min(3, m - i), n, k, a.subarray(i * k), w, b, "relu", 0);
        expect(Array.from(three.subarray(0, n)), `sample ${i} first of a batch of 3`).toEqual(Array.from(alone));
      }
    }
  });
});

test("one sample (its own path: the sums, then bias and activation over the row) gives its bits inside a batch, for every activation", () => {
  const rng = new Random(15);
  for (const act of ACTIVATIONS.filter((a) => a !== "softmax")) {
    for (const [n, k] of [
      [10, 128],
      [13, 33],
      [1, 5],
      [6, 3],
    ]) {
      const m = 3;
      const a = randomArray(rng, m * k, 3),
        w = randomArray(rng, n * k),
        b = randomArray(rng, n);
      const batch = run(m, n, k, a, w, b, act, 0.1);
      for (let i = 0; i < m; i++) {
        const alone = run(1, n, k, a.subarray(i * k, (i + 1) * k), w, b, act, 0.1);
        expect(Array.from(alone), `${act} sample ${i}, ${n}×${k}`).toEqual(Array.from(batch.subarray(i * n, (i + 1) * n)));
      }
    }
  }
});

// The network's forward pass relies on this: with threads it runs matmul_nt, add_bias and the
// activation as passes, on one thread matmul_nt_forward; the thread count must not change a bit.
test("matmul_nt_forward's fused store gives the bits of matmul_nt + add_bias + the activation pass", () => {
  const rng = new Random(77);
  for (const act of ACTIVATIONS.filter((a) => a !== "softmax")) {
    for (const [m, n, k] of [
      [4, 10, 784],
      [64, 128, 784],
      [5, 33, 7],
      [130, 257, 300],
      [9, 8, 1000],
    ]) {
      const [ra, rw, rb] = [
        region(rt, randomArray(rng, m * k, 2)),
        region(rt, randomArray(rng, n * k, 1 / Math.sqrt(k))),
        region(rt, randomArray(rng, n, 0.3)),
      ];
      const [separate, fused] = [region(rt, m * n), region(rt, m * n)];
      rt.kernels.matmul_nt(m, n, k, ra.ptr, rw.ptr, separate.ptr, rt.workspace, 0);
      rt.kernels.add_bias(m, n, rb.ptr, separate.ptr);
      activationOps[act].kernels.forward(rt.kernels, m, n, separate.ptr, separate.ptr, 0.1);
      rt.kernels.matmul_nt_forward(m, n, k, ra.ptr, rw.ptr, rb.ptr, fused.ptr, rt.workspace, activationOps[act].epilogue, 0.1);
      const bits = (r: typeof fused) => Array.from(new Uint32Array(r.view.buffer, r.view.byteOffset, m * n));
      expect(bits(fused), `${act} ${m}×${n}×${k}`).toEqual(bits(separate));
      [ra, rw, rb, separate, fused].forEach((r) => r.dispose());
    }
  }
});

test("matmul_nt_forward_packed on W packed once by pack_bt gives matmul_nt_forward's bits (n, k past one packed block, odd sizes)", () => {
  const rng = new Random(14);
  for (const [m, n, k] of [
    [4, 1, 1],
    [5, 7, 9],
    [9, 13, 300],
    [17, 600, 33],
    [33, 520, 520],
    [4, 8, 256],
    [64, 10, 128],
  ]) {
    const a = randomArray(rng, m * k),
      w = randomArray(rng, n * k),
      b = randomArray(rng, n);
    const expected = run(m, n, k, a, w, b, "tanh", 0, "matmul_nt_forward");
    const [ra, rw, rb, rz, rp] = [region(rt, a), region(rt, w), region(rt, b), region(rt, m * n), region(rt, rt.kernels.packed_bt_floats(n, k))];
    rt.kernels.pack_bt(n, k, rw.ptr, rp.ptr);
    rt.kernels.matmul_nt_forward_packed(m, n, k, ra.ptr, rp.ptr, rb.ptr, rz.ptr, rt.workspace, activationOps.tanh.epilogue, 0);
    expect(Array.from(rz.view), `${m}×${n}×${k}`).toEqual(Array.from(expected));
    [ra, rw, rb, rz, rp].forEach((r) => r.dispose());
  }
});
