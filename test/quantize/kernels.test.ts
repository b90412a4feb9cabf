// The int8 kernels (assembly/quantized.ts) against the integer/float64 reference of the same
// scheme (src/reference/quantized.ts), bit for bit, on every size class.
import { beforeAll, describe, expect, test } from "vitest";
import { ACTIVATIONS } from "../../src/config.js";
import { activationOps } from "../../src/activations.js";
import { activationRange, packQ8, quantizeWeights } from "../../src/quantize.js";
import { qmatmulReference, quantizeRowsReference } from "../../src/reference/quantized.js";
import type { Runtime } from "../../src/runtime.js";
import { EDGE_SIZES, Random, randomArray, region, setup } from "../helpers.js";

let rt: Runtime;
beforeAll(async () => {
  rt = await setup();
});

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const kp = (k: number): number => (k + 7) & ~7;

/** quantize_rows through the kernel: q unpadded (the padding checked to be zeros) and the scales. */
function quantizeRows(m: number, k: number, x: Float32Array, range: number): { q: Int16Array; scales: Float32Array } {
  const rx = region(rt, x),
    rq = region(rt, Math.ceil((m * kp(k)) / 2)),
    rs = region(rt, m);
  rq.view.fill(NaN); // the kernel must write every padding value
  rt.kernels.quantize_rows(m, k, rx.ptr, rq.ptr, rs.ptr, range);
  const all = new Int16Array(rq.view.buffer, rq.ptr, m * kp(k));
  const q = new Int16Array(m * k);
  for (let i = 0; i < m; i++) {
    q.set(all.subarray(i * kp(k), i * kp(k) + k), i * k);
    for (let p = k; p < kp(k); p++) expect(all[i * kp(k) + p], `padding of row ${i}`).toBe(0);
  }
  const scales = rs.copy();
  [rx, rq, rs].forEach((r) => r.dispose());
  return { q, scales };
}

/** qmatmul_nt_forward through the kernel on unpadded q and w (padded and packed here as the network does). */
function qmatmul(
  m: number,
  n: number,
  k: number,
  q: Int16Array,
  sx: Float32Array,
  w: Int8Array,
  sw: Float32Array,
  bias: Float32Array,
  act: number,
  alpha: number,
): Float32Array {
  const qp = new Int16Array(m * kp(k)),
    wp = packQ8(w, n, k);
  for (let i = 0; i < m; i++) qp.set(q.subarray(i * k, (i + 1) * k), i * kp(k));
  const rq = region(rt, Math.ceil(qp.length / 2)),
    rw = region(rt, Math.ceil(wp.length / 4));
  new Int16Array(rq.view.buffer, rq.ptr, qp.length).set(qp);
  new Int8Array(rw.view.buffer, rw.ptr, wp.length).set(wp);
  const [rsx, rsw, rb, rz] = [region(rt, sx), region(rt, sw), region(rt, bias), region(rt, m * n)];
  rt.kernels.qmatmul_nt_forward(m, n, k, rq.ptr, rsx.ptr, rw.ptr, rsw.ptr, rb.ptr, rz.ptr, act, alpha);
  const z = rz.copy();
  [rq, rw, rsx, rsw, rb, rz].forEach((r) => r.dispose());
  return z;
}

function layer(rng: Random, m: number, n: number, k: number, range: number) {
  const x = randomArray(rng, m * k, 3);
  if (m > 2) x.fill(0, k, 2 * k); // a row of zeros: scale 0, q 0, outputs = bias
  const { weights, scales } = quantizeWeights(randomArray(rng, n * k, 0.5), n, k, "test");
  const bias = randomArray(rng, n, 0.2);
  const { q, scales: sx } = quantizeRowsReference(m, k, x, range);
  return { x, weights, scales, bias, q, sx };
}

describe("quantize_rows", () => {
  test("matches the reference bit for bit (q, scales), every size, both ranges; zero rows give scale 0", () => {
    const rng = new Random(21);
    for (const range of [127, 32767, activationRange("int16", 784)]) {
      for (const m of [1, 2, 3, 5])
        for (const k of [1, ...EDGE_SIZES, 784]) {
          const x = randomArray(rng, m * k, 10);
          if (m > 1) x.fill(0, 0, k);
          const got = quantizeRows(m, k, x, range),
            want = quantizeRowsReference(m, k, x, range);
          expect(Array.from(got.q), `q ${m}×${k} ±${range}`).toEqual(Array.from(want.q));
          expect(bits(got.scales), `scales ${m}×${k}`).toEqual(bits(want.scales));
          if (m > 1) expect(got.scales[0]).toBe(0);
        }
    }
  });

  test("rounds half to even and reaches ±range exactly at the row's largest magnitude", () => {
    const x = Float32Array.of(127, 0.5, 1.5, 2.5, -2.5, -127, 126.5, 3.5, -0.5);
    const { q, scales } = quantizeRows(1, x.length, x, 127);
    expect(Array.from(q)).toEqual([127, 0, 2, 2, -2, -127, 126, 4, 0]);
    expect(scales[0]).toBe(1);
  });

  test("a non-finite value gives a non-finite scale (predict's input check reads it)", () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const x = Float32Array.of(1, 2, bad, 4, 5, 6, 7, 8, 9);
      expect(Number.isFinite(quantizeRows(1, x.length, x, 127).scales[0]), String(bad)).toBe(false);
    }
  });
});

describe("qmatmul_nt_forward", () => {
  test("matches the reference bit for bit: every combination of edge sizes, linear, relu, leaky-relu", () => {
    const rng = new Random(22);
    const acts = [
      ["linear", 0],
      ["relu", 0],
      ["leaky-relu", 0.1],
    ] as const;
    for (const m of [1, 2, 3, 4, 5, 8, 9, 17])
      for (const n of EDGE_SIZES) {
        const k = EDGE_SIZES[(m + 2 * n) % EDGE_SIZES.length];
        const [act, alpha] = acts[(m + n) % acts.length];
        const { weights, scales, bias, q, sx } = layer(rng, m, n, k, (m + n) % 2 ? 127 : activationRange("int16", k));
        const got = qmatmul(m, n, k, q, sx, weights, scales, bias, activationOps[act].epilogue, alpha);
        expect(bits(got), `${act} ${m}×${n}×${k}`).toEqual(bits(qmatmulReference(m, n, k, q, sx, weights, scales, bias, act, alpha)));
      }
  });

  test("shapes of 784-256-128-10 with int16 activations (sums near the int32 bound), 1 to 9 samples", () => {
    const rng = new Random(23);
    for (const [m, n, k] of [
      [1, 256, 784],
      [2, 128, 256],
      [9, 10, 128],
      [8, 256, 784],
    ]) {
      const range = activationRange("int16", k);
      const { weights, scales, bias, q, sx } = layer(rng, m, n, k, range);
      const got = qmatmul(m, n, k, q, sx, weights, scales, bias, activationOps.relu.epilogue, 0);
      expect(bits(got), `${m}×${n}×${k}`).toEqual(bits(qmatmulReference(m, n, k, q, sx, weights, scales, bias, "relu")));
    }
    // The extreme sum: every product ±127·range, all one sign.
    const k = 784,
      range = activationRange("int16", k);
    const q = new Int16Array(k).fill(range),
      w = new Int8Array(k).fill(127);
    const got = qmatmul(1, 1, k, q, Float32Array.of(1), w, Float32Array.of(1), Float32Array.of(0), activationOps.linear.epilogue, 0);
    expect(got[0]).toBe(Math.fround(127 * range * k));
  });

  test("every other activation: the fused store gives the linear output through the float activation kernel, bit for bit", () => {
    const rng = new Random(24);
    for (const act of ACTIVATIONS.filter((a) => a !== "softmax")) {
      for (const [m, n, k] of [
        [1, 13, 33],
        [3, 7, 9],
        [4, 10, 128],
      ]) {
        const { weights, scales, bias, q, sx } = layer(rng, m, n, k, 127);
        const linear = qmatmul(m, n, k, q, sx, weights, scales, bias, activationOps.linear.epilogue, 0);
        const r = region(rt, linear);
        activationOps[act].kernels.forward(rt.kernels, m, n, r.ptr, r.ptr, 0.1);
        const want = r.copy();
        r.dispose();
        expect(bits(qmatmul(m, n, k, q, sx, weights, scales, bias, activationOps[act].epilogue, 0.1)), `${act} ${m}×${n}×${k}`).toEqual(bits(want));
      }
    }
  });

  test("a sample's outputs are the same bits alone and at any position of a batch", () => {
    const rng = new Random(25);
    const [m, n, k] = [19, 13, 45];
    const { weights, scales, bias, q, sx } = layer(rng, m, n, k, 127);
    const batch = qmatmul(m, n, k, q, sx, weights, scales, bias, activationOps.tanh.epilogue, 0);
    for (const i of [0, 1, 7, 8, 18]) {
      const alone = qmatmul(1, n, k, q.subarray(i * k, (i + 1) * k), sx.subarray(i, i + 1), weights, scales, bias, activationOps.tanh.epilogue, 0);
      expect(bits(alone), `sample ${i}`).toEqual(bits(batch.subarray(i * n, (i + 1) * n)));
    }
  });
});
