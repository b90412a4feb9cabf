// One policy for numbers: what users pass is refused when non-finite or beyond float32's range
// (tensor values, fill values, number operands); op results follow IEEE arithmetic alike in
// float32 (wasm) and float64 (reference).
import { beforeAll, expect, test } from "vitest";
import { init } from "wasmlp";
import * as g from "wasmlp/graph";
import { full, tensor, tidy } from "wasmlp/graph";

beforeAll(async () => {
  await init();
});

test("values passed in: tensor, full and number operands are refused when non-finite or beyond float32", () => {
  const t = tensor([1, 2]);
  expect(() => tensor([1e39])).toThrow('tensor value 0 is 1e+39, beyond float32\'s range (±3.4028e+38); use dtype "float64" or smaller values');
  expect(() => full([2], 1e39)).toThrow("fill value is 1e+39, beyond float32's range");
  expect(() => full([2], Number.NaN)).toThrow("fill value is NaN; values must be finite numbers");
  expect(() => g.mul(t, 1e39)).toThrow("mul: the number operand is 1e+39, beyond float32's range");
  expect(() => g.add(t, Number.POSITIVE_INFINITY)).toThrow("add: the number operand is Infinity; values must be finite numbers");
  expect(() => g.where(t, 1, Number.NaN)).toThrow(/where: the number operand is NaN/);
  // float64 tensors take float64's range.
  tidy(() => expect(g.mul(tensor([1], undefined, { dtype: "float64" }), 1e39).item()).toBe(1e39));
  t.dispose();
});

test("results follow IEEE in both dtypes: exp overflows to ∞ and underflows through subnormals to 0", () => {
  const run = (dtype: "float32" | "float64") =>
    tidy(() => ({
      big: Array.from(g.exp(tensor([100, 88.8], undefined, { dtype })).data()),
      logExp: g.log(g.exp(tensor([-200], undefined, { dtype }))).item(),
      tiny: g.exp(tensor([-100], undefined, { dtype })).item(),
      log0: Array.from(g.log(tensor([0, -1], undefined, { dtype })).data()),
      div: Array.from(g.div(tensor([1, 0], undefined, { dtype }), 0).data()),
    }));
  const f32 = run("float32"),
    f64 = run("float64");
  expect(f32.big).toEqual([Infinity, Infinity]);
  expect(f32.logExp).toBe(-Infinity); // e^−200 is 0 in float32
  expect(f64.logExp).toBe(-200);
  expect(f32.tiny).toBeGreaterThan(0); // a subnormal, as Math.fround(Math.exp(-100))
  expect(Math.abs(f32.tiny - Math.fround(Math.exp(-100)))).toBeLessThanOrEqual(2 ** -148);
  for (const r of [f32, f64]) {
    expect(r.log0[0]).toBe(-Infinity);
    expect(r.log0[1]).toBeNaN();
    expect(r.div[0]).toBe(Infinity);
    expect(r.div[1]).toBeNaN();
  }
});
