// Every activation and derivative against the float64 reference, on every length class,
// plus the edge numerics: saturation at ±400, huge logits, ±∞-free outputs.
import { beforeAll, describe, expect, test } from "vitest";
import type { Activation } from "../../src/config.js";
import { activationOps, erfc, needsInput, normalCdf } from "../../src/activations.js";
import { ACTIVATIONS } from "../../src/config.js";
import { activationBackward, activationForward } from "../../src/reference/math.js";
import type { Runtime } from "../../src/runtime.js";
import { EDGE_SIZES, Random, expectClose, randomArray, region, setup } from "../helpers.js";

let rt: Runtime;
beforeAll(async () => {
  rt = await setup();
});

// Every entry of the activation table (leaky-relu with a slope other than its default).
const ELEMENTWISE: { act: Activation; alpha: number }[] = ACTIVATIONS.map((act) => ({ act, alpha: act === "leaky-relu" ? 0.1 : 0 }));
// Forward: exp4 is within a few ulp; tanh's two branches likewise. Absolute on outputs in [−1, 1].
const FORWARD_TOL = 4e-7;
const BACKWARD_TOL = 4e-7;

function forward(act: Activation, m: number, n: number, z: Float32Array, alpha: number): Float32Array {
  const r = region(rt, z);
  activationOps[act].kernels.forward(rt.kernels, m, n, r.ptr, r.ptr, alpha);
  const out = r.copy();
  r.dispose();
  return out;
}

describe.each(ELEMENTWISE)("$act", ({ act, alpha }) => {
  test("forward and backward match the reference on every shape", () => {
    const rng = new Random(8);
    for (const m of [1, 2, 3, 5])
      for (const n of EDGE_SIZES) {
        const z = randomArray(rng, m * n, 6),
          da = randomArray(rng, m * n);
        const a = forward(act, m, n, z, alpha);
        const expected = new Float64Array(m * n);
        activationForward(act, m, n, z, expected, alpha);
        // Relative to the outputs' size: elu and selu are unbounded above (their value is λ·z).
        const scale = Math.max(1, ...expected.map(Math.abs));
        expectClose(a, expected, FORWARD_TOL * scale, `${act} forward ${m}×${n}`);

        // The derivative is read through a, or through z for swish and gelu (fromInput).
        const through = needsInput(act) ? z : a;
        const [ra, rd] = [region(rt, through), region(rt, da)];
        activationOps[act].kernels.backward(rt.kernels, m, n, ra.ptr, rd.ptr, rd.ptr, alpha);
        const dz = new Float64Array(m * n);
        activationBackward(act, m, n, through, da, dz, alpha);
        expectClose(rd.view, dz, BACKWARD_TOL * Math.max(1, ...dz.map(Math.abs)), `${act} backward ${m}×${n}`);
        ra.dispose();
        rd.dispose();
      }
  });

  test("stays finite at ±400 and ±∞-sized inputs", () => {
    const z = Float32Array.of(-400, 400, -1e30, 1e30, 0, -88.8, 88.8);
    const a = forward(act, 1, z.length, z, alpha);
    for (const v of a) expect(Number.isFinite(v)).toBe(true);
  });
});

test("sigmoid saturates to exactly 1 and to (almost) 0 with a zero gradient", () => {
  const a = forward("sigmoid", 1, 2, Float32Array.of(400, -400), 0);
  expect(a[0]).toBe(1);
  expect(a[1]).toBeGreaterThanOrEqual(0);
  expect(a[1]).toBeLessThan(1e-37);
  const [ra, rd] = [region(rt, a), region(rt, [1, 1])];
  rt.kernels.sigmoid_backward(2, ra.ptr, rd.ptr, rd.ptr);
  expect(rd.view[0]).toBe(0);
  expect(rd.view[1]).toBeLessThan(1e-37);
  ra.dispose();
  rd.dispose();
});

test("sigmoid keeps relative accuracy far into the negative tail", () => {
  const z = Float32Array.of(-20, -40, -80);
  const a = forward("sigmoid", 1, 3, z, 0);
  z.forEach((v, i) => expect(Math.abs(a[i] / Math.exp(v) - 1)).toBeLessThan(1e-5));
});

test("tanh is odd and accurate near 0 (no cancellation)", () => {
  const z = Float32Array.of(1e-4, -1e-4, 1e-8, 0.3, -0.3, 0.7, 5);
  const a = forward("tanh", 1, z.length, z, 0);
  z.forEach((v, i) => expect(Math.abs(a[i] - Math.tanh(v))).toBeLessThanOrEqual(4e-7 * Math.max(Math.abs(Math.tanh(v)), 1e-30) + 1e-12));
});

test("softmax of huge logits is a finite distribution", () => {
  const z = Float32Array.of(1000, 999, -1000, 1e30, 1e30, 1e30);
  const a = forward("softmax", 2, 3, z, 0);
  expectClose(a.subarray(0, 3), [1 / (1 + Math.exp(-1)), Math.exp(-1) / (1 + Math.exp(-1)), 0], 1e-6, "softmax row 0");
  expectClose(a.subarray(3), [1 / 3, 1 / 3, 1 / 3], 1e-6, "softmax row 1");
});

test("relu's kink at 0 takes the zero side", () => {
  const [ra, rd] = [region(rt, [0, 1e-30, -1e-30]), region(rt, [1, 1, 1])];
  rt.kernels.relu_backward(3, ra.ptr, rd.ptr, rd.ptr);
  expect(Array.from(rd.view)).toEqual([0, 1, 0]);
  ra.dispose();
  rd.dispose();
});

describe("swish and gelu", () => {
  test("the float64 erfc behind the gelu reference matches tabulated values", () => {
    // erfc at 0, 0.5, 1, 2, 3, 5, 10 (Abramowitz & Stegun, and erfc(10) from its asymptotic series).
    const table: [number, number][] = [
      [0, 1],
      [0.5, 0.4795001221869535],
      [1, 0.15729920705028513],
      [2, 0.004677734981047266],
      [3, 2.209049699858544e-5],
      [5, 1.5374597944280349e-12],
      [10, 2.088487583762545e-45],
    ];
    for (const [x, want] of table) {
      expect(Math.abs(erfc(x) / want - 1), `erfc(${x})`).toBeLessThan(1e-13);
      expect(Math.abs(erfc(-x) - (2 - want)), `erfc(${-x})`).toBeLessThan(1e-15);
    }
    expect(normalCdf(0)).toBe(0.5);
  });

  test("gelu keeps its relative accuracy in the negative tail (erfc, not 1 + erf)", () => {
    const z = Float32Array.of(-3, -5, -8);
    const a = forward("gelu", 1, 3, z, 0);
    z.forEach((v, i) => expect(Math.abs(a[i] / (v * normalCdf(v)) - 1), `gelu(${v})`).toBeLessThan(2e-5));
  });

  test("swish and gelu are the identity far right and vanish far left; their derivatives tend to 1 and 0", () => {
    for (const act of ["swish", "gelu"] as const) {
      const z = Float32Array.of(30, -30, 0);
      const a = forward(act, 1, 3, z, 0);
      expect(a[0]).toBe(30);
      expect(Math.abs(a[1])).toBeLessThan(1e-9);
      expect(a[2]).toBe(0);
      const [rz, rd] = [region(rt, z), region(rt, [1, 1, 1])];
      activationOps[act].kernels.backward(rt.kernels, 1, 3, rz.ptr, rd.ptr, rd.ptr);
      expect(rd.view[0]).toBeCloseTo(1, 6);
      expect(Math.abs(rd.view[1])).toBeLessThan(1e-9);
      expect(rd.view[2]).toBeCloseTo(0.5, 6);
      rz.dispose();
      rd.dispose();
    }
  });
});
