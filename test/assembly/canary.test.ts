// The canary words every kernel test region carries (test/helpers.ts): they catch a kernel
// that writes one float past its output, which the allocator's 64-byte rounding would hide.
import { beforeAll, expect, test } from "vitest";
import type { Runtime } from "../../src/runtime.js";
import { region, setup } from "../helpers.js";

let rt: Runtime;
beforeAll(async () => {
  rt = await setup();
});

test("a kernel told to write one row more than its region holds trips the canary", () => {
  const out = region(rt, 5 * 3); // 5 rows of 3
  const bias = region(rt, [1, 2, 3]);
  rt.kernels.add_bias(6, 3, bias.ptr, out.ptr); // 6 rows: three floats past the end
  expect(() => out.checkCanary()).toThrow(/a kernel wrote past the end of a 15-float region \(canary word 0/);
  bias.dispose();
});

test("a kernel that stays inside its region leaves the canaries intact", () => {
  const out = region(rt, 5 * 3),
    bias = region(rt, [1, 2, 3]);
  rt.kernels.add_bias(5, 3, bias.ptr, out.ptr);
  expect(Array.from(out.view.subarray(12))).toEqual([1, 2, 3]);
  expect(() => {
    out.dispose();
    bias.dispose();
  }).not.toThrow();
});
