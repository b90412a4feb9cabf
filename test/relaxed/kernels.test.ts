// The relaxed build (init({ simd: "relaxed" }), run here with --experimental-wasm-relaxed-simd
// --no-liftoff): its 7-bit int8 kernels bit for bit against their integer reference, the
// quantized network within the plain scheme's accuracy bound, and the float kernels with
// relaxed_madd against the float64 reference.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, test } from "vitest";
import { activationOps } from "../../src/activations.js";
import { init, Network, simdFeatures } from "../../src/index.js";
import { kernelSignatures, RELAXED_SIGNATURES } from "../../src/kernel-signatures.js";
import { packQ8, quantizeWeights, rowSums } from "../../src/quantize.js";
import { qmatmul7Reference, quantizeRows7Reference } from "../../src/reference/quantized.js";
import { type Runtime, runtime } from "../../src/runtime.js";
import { type RelaxedKernels, relaxedKernels } from "../../src/wasm.js";
import { EDGE_SIZES, Random, randomArray, region } from "../helpers.js";
import { exportedFunctionTypes } from "../wasm-types.js";

let rt: Runtime;
let rk: RelaxedKernels;
beforeAll(async () => {
  await init({ simd: "relaxed" });
  rt = runtime();
  rk = relaxedKernels()!;
});

const bits = (a: Float32Array): number[] => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
const kp = (k: number): number => (k + 7) & ~7;

test('with the flags, init({ simd: "relaxed" }) loads the relaxed build with both families', () => {
  expect(simdFeatures()).toEqual({ build: "relaxed", relaxedMadd: true, relaxedDot: true });
  expect(rk).not.toBeNull();
});

test("the relaxed build exports every plain kernel with the same types, plus its own", () => {
  const WASM_TYPE: Record<string, string> = { s: "i32", p: "i32", i: "i32", j: "i64", f: "f32", d: "f64" };
  const relaxed = exportedFunctionTypes(readFileSync(new URL("../../build/wasmlp.relaxed.wasm", import.meta.url)));
  const plain = exportedFunctionTypes(readFileSync(new URL("../../build/wasmlp.wasm", import.meta.url)));
  expect([...relaxed.keys()].sort()).toEqual([...kernelSignatures().keys(), ...Object.keys(RELAXED_SIGNATURES)].sort());
  for (const [name, type] of plain) expect(relaxed.get(name), name).toEqual(type);
  for (const [name, signature] of Object.entries(RELAXED_SIGNATURES)) {
    const [params, result = ""] = signature.split(">");
    expect(relaxed.get(name), name).toEqual({ params: [...params].map((c) => WASM_TYPE[c]), results: [...result].map((c) => WASM_TYPE[c]) });
  }
  expect(kernelSignatures().has("qmatmul_nt_forward")).toBe(true); // the plain int8 kernels stay, for a failing dot
});

function quantizeRows7(m: number, k: number, x: Float32Array): { q: Uint8Array; scales: Float32Array; zeros: Int32Array } {
  const rx = region(rt, x),
    rq = region(rt, Math.ceil((m * kp(k)) / 4)),
    rs = region(rt, m),
    rz = region(rt, m);
  rq.view.fill(NaN);
  rk.quantize_rows7(m, k, rx.ptr, rq.ptr, rs.ptr, rz.ptr);
  const all = new Uint8Array(rq.view.buffer, rq.ptr, m * kp(k));
  const q = new Uint8Array(m * k);
  for (let i = 0; i < m; i++) {
    q.set(all.subarray(i * kp(k), i * kp(k) + k), i * k);
    for (let p = k; p < kp(k); p++) expect(all[i * kp(k) + p], `padding of row ${i}`).toBe(0);
  }
  const zeros = Int32Array.from(new Int32Array(rz.view.buffer, rz.ptr, m));
  const scales = rs.copy();
  [rx, rq, rs, rz].forEach((r) => r.dispose());
  return { q, scales, zeros };
}

function qmatmul7(
  m: number,
  n: number,
  k: number,
  q: Uint8Array,
  sx: Float32Array,
  zx: Int32Array,
  w: Int8Array,
  sw: Float32Array,
  bias: Float32Array,
  act: number,
  alpha: number,
): Float32Array {
  const qp = new Uint8Array(m * kp(k)),
    wp = packQ8(w, n, k);
  for (let i = 0; i < m; i++) qp.set(q.subarray(i * k, (i + 1) * k), i * kp(k));
  const rq = region(rt, Math.ceil(qp.length / 4)),
    rw = region(rt, Math.ceil(wp.length / 4)),
    rzx = region(rt, m),
    rrs = region(rt, n);
  new Uint8Array(rq.view.buffer, rq.ptr, qp.length).set(qp);
  new Int8Array(rw.view.buffer, rw.ptr, wp.length).set(wp);
  new Int32Array(rzx.view.buffer, rzx.ptr, m).set(zx);
  new Int32Array(rrs.view.buffer, rrs.ptr, n).set(rowSums(w, n, k));
  const [rsx, rsw, rb, rz] = [region(rt, sx), region(rt, sw), region(rt, bias), region(rt, m * n)];
  rk.qmatmul7_nt_forward(m, n, k, rq.ptr, rsx.ptr, rzx.ptr, rw.ptr, rsw.ptr, rrs.ptr, rb.ptr, rz.ptr, act, alpha);
  const z = rz.copy();
  [rq, rw, rzx, rrs, rsx, rsw, rb, rz].forEach((r) => r.dispose());
  return z;
}

describe("quantize_rows7", () => {
  test("matches the reference bit for bit (u, scales, zero points), every size; zero rows give scale 0", () => {
    const rng = new Random(31);
    for (const m of [1, 2, 3, 5])
      for (const k of [1, ...EDGE_SIZES, 784]) {
        const x = randomArray(rng, m * k, 10);
        if (m > 1) x.fill(0, 0, k);
        if (m > 2) for (let p = 0; p < k; p++) x[2 * k + p] = Math.abs(x[2 * k + p]); // zp 0, as after relu
        const got = quantizeRows7(m, k, x),
          want = quantizeRows7Reference(m, k, x);
        expect(Array.from(got.q), `u ${m}×${k}`).toEqual(Array.from(want.q));
        expect(bits(got.scales), `scales ${m}×${k}`).toEqual(bits(want.scales));
        expect(Array.from(got.zeros), `zero points ${m}×${k}`).toEqual(Array.from(want.zeros));
        if (m > 1) expect(got.scales[0]).toBe(0);
        if (m > 2) expect(got.zeros[2]).toBe(0);
        for (const u of got.q) expect(u >= 0 && u <= 127).toBe(true);
      }
  });

  test("the float32 extremes do not overflow the range; non-finite values give a non-finite scale", () => {
    const x = Float32Array.of(3.4e38, -3.4e38, 0, 1);
    const got = quantizeRows7(1, 4, x),
      want = quantizeRows7Reference(1, 4, x);
    expect(Number.isFinite(got.scales[0])).toBe(true);
    expect(Array.from(got.q)).toEqual(Array.from(want.q));
    for (const bad of [NaN, Infinity, -Infinity]) {
      expect(Number.isFinite(quantizeRows7(1, 9, Float32Array.of(1, 2, bad, 4, 5, 6, 7, 8, 9)).scales[0]), String(bad)).toBe(false);
    }
  });
});

describe("qmatmul7_nt_forward", () => {
  function layer(rng: Random, m: number, n: number, k: number, shift: number) {
    const x = randomArray(rng, m * k, 3);
    for (let i = 0; i < x.length; i++) x[i] += shift;
    if (m > 2) x.fill(0, k, 2 * k);
    const { weights, scales } = quantizeWeights(randomArray(rng, n * k, 0.5), n, k, "test");
    const bias = randomArray(rng, n, 0.2);
    const { q, scales: sx, zeros } = quantizeRows7Reference(m, k, x);
    return { weights, scales, bias, q, sx, zeros };
  }

  test("matches the reference bit for bit: every combination of edge sizes, linear, relu, leaky-relu", () => {
    const rng = new Random(32);
    const acts = [
      ["linear", 0],
      ["relu", 0],
      ["leaky-relu", 0.1],
    ] as const;
    for (const m of [1, 2, 3, 4, 5, 8, 9, 17])
      for (const n of EDGE_SIZES) {
        const k = EDGE_SIZES[(m + 2 * n) % EDGE_SIZES.length];
        const [act, alpha] = acts[(m + n) % acts.length];
        const { weights, scales, bias, q, sx, zeros } = layer(rng, m, n, k, (m % 3) - 1);
        const got = qmatmul7(m, n, k, q, sx, zeros, weights, scales, bias, activationOps[act].epilogue, alpha);
        expect(bits(got), `${act} ${m}×${n}×${k}`).toEqual(bits(qmatmul7Reference(m, n, k, q, sx, zeros, weights, scales, bias, act, alpha)));
      }
  });

  test("shapes of 784-256-128-10, 1 to 9 samples, and the extreme sums", () => {
    const rng = new Random(33);
    for (const [m, n, k] of [
      [1, 256, 784],
      [2, 128, 256],
      [9, 10, 128],
      [8, 256, 784],
    ]) {
      const { weights, scales, bias, q, sx, zeros } = layer(rng, m, n, k, 0.5);
      const got = qmatmul7(m, n, k, q, sx, zeros, weights, scales, bias, activationOps.relu.epilogue, 0);
      expect(bits(got), `${m}×${n}×${k}`).toEqual(bits(qmatmul7Reference(m, n, k, q, sx, zeros, weights, scales, bias, "relu")));
    }
    const k = 784;
    for (const [u, wv, zp] of [
      [127, -127, 0],
      [127, 127, 0],
      [0, 127, 127],
      [127, -127, 127],
    ]) {
      const q = new Uint8Array(k).fill(u),
        w = new Int8Array(k).fill(wv);
      const got = qmatmul7(1, 1, k, q, Float32Array.of(1), Int32Array.of(zp), w, Float32Array.of(1), Float32Array.of(0), activationOps.linear.epilogue, 0);
      expect(got[0], `u ${u} w ${wv} zp ${zp}`).toBe(Math.fround((u - zp) * wv * k) + 0);
    }
  });

  test("a sample's outputs are the same bits alone and at any position of a batch", () => {
    const rng = new Random(34);
    const [m, n, k] = [19, 13, 45];
    const { weights, scales, bias, q, sx, zeros } = layer(rng, m, n, k, 0);
    const batch = qmatmul7(m, n, k, q, sx, zeros, weights, scales, bias, activationOps.tanh.epilogue, 0);
    for (const i of [0, 1, 7, 8, 18]) {
      const alone = qmatmul7(
        1,
        n,
        k,
        q.subarray(i * k, (i + 1) * k),
        sx.subarray(i, i + 1),
        zeros.subarray(i, i + 1),
        weights,
        scales,
        bias,
        activationOps.tanh.epilogue,
        0,
      );
      expect(bits(alone), `sample ${i}`).toEqual(bits(batch.subarray(i * n, (i + 1) * n)));
    }
  });
});

describe("networks on the relaxed build", () => {
  const mnist = () =>
    new Network({
      inputSize: 784,
      layers: [
        { units: 256, activation: "relu" },
        { units: 128, activation: "relu" },
        { units: 10, activation: "softmax" },
      ],
      seed: 1,
    });
  const inputs = (n: number) => {
    const rng = new Random(35);
    return Array.from({ length: n }, () => Array.from({ length: 784 }, () => Math.max(0, rng.symmetric(1))));
  };

  test("quantized predict: the 7-bit reference chain bit for bit; within the accuracy bound of the float network", () => {
    const net = mnist(),
      q = net.quantize();
    const x = inputs(300);
    const got = q.predict(x),
      float = net.predict(x);
    // The reference: each layer quantize_rows7 → qmatmul7 → activation, softmax through the float kernel.
    let a: Float32Array = Float32Array.from(x.slice(0, 20).flat());
    for (const [i, l] of q.layers.entries()) {
      const { q: u, scales, zeros } = quantizeRows7Reference(20, l.inputs, a);
      const z = qmatmul7Reference(20, l.units, l.inputs, u, scales, zeros, l.weights, l.scales, l.bias, i < 2 ? "relu" : "linear");
      if (i === 2) {
        const r = region(rt, z);
        activationOps.softmax.kernels.forward(rt.kernels, 20, l.units, r.ptr, r.ptr, 0);
        a = r.copy();
        r.dispose();
      } else a = z;
    }
    expect(bits(got.subarray(0, 200))).toEqual(bits(a));
    let same = 0,
      worst = 0;
    for (let i = 0; i < 300; i++) {
      let bq = 0,
        bf = 0;
      for (let j = 0; j < 10; j++) {
        worst = Math.max(worst, Math.abs(got[i * 10 + j] - float[i * 10 + j]));
        if (got[i * 10 + j] > got[i * 10 + bq]) bq = j;
        if (float[i * 10 + j] > float[i * 10 + bf]) bf = j;
      }
      if (bq === bf) same++;
    }
    expect(worst).toBeLessThan(0.02);
    expect(same).toBeGreaterThanOrEqual(291);
    const one = q.predict([x[7]]);
    expect(bits(one)).toEqual(bits(got.subarray(70, 80)));
    net.dispose();
    q.dispose();
  });

  test("float predict with relaxed_madd: within float32 rounding of the float64 reference, one sample and batches", async () => {
    const { ReferenceNetwork } = await import("../../src/reference/index.js");
    const net = mnist();
    const ref = ReferenceNetwork.fromJSON(net.toJSON());
    const x = inputs(40);
    for (const n of [1, 8, 40]) {
      const got = net.predict(x.slice(0, n)),
        want = ref.predict(x.slice(0, n));
      for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - want[i]), `${n} samples, output ${i}`).toBeLessThan(1e-5);
    }
    net.dispose();
  });
});
