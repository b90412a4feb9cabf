// The assertion helpers fail where they should: a helper that cannot fail would pass every test using it.
import { expect, test } from "vitest";
import { expectClose, expectSameBits } from "./helpers.js";

test("expectSameBits passes equal bits and names the first entry that differs, −0 and NaN payloads included", () => {
  const a = Float32Array.of(1, -0, Number.NaN, 3);
  expectSameBits(a, Float32Array.from(a));
  expectSameBits(new Uint32Array(a.buffer), Float32Array.from(a));
  expect(() => expectSameBits(a, Float32Array.of(1, 0, Number.NaN, 3), "z")).toThrow(/z: entry 1 of 4 is -?0 \(0x80000000\), expected 0 \(0x0\)/);
  const otherNaN = Float32Array.from(a);
  new Uint32Array(otherNaN.buffer)[2] = 0x7fc00001;
  expect(() => expectSameBits(a, otherNaN)).toThrow(/entry 2 of 4/);
  expect(() => expectSameBits(a, Float32Array.of(1, -0, Number.NaN))).toThrow(/length/);
});

test("expectClose passes within the tolerance and reports the worst entry beyond it", () => {
  expectClose([1, 2, 3], [1, 2.05, 3], 0.1);
  expect(() => expectClose([1, 2, 3], [1.01, 2.5, 3], 0.1, "y")).toThrow(/y: entry 1 is 2, expected 2.5/);
});
