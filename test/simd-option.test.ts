// init({ simd }) where the engine has no relaxed SIMD (Node 20 without its flag): unknown values
// are refused before anything loads; "relaxed" then runs the plain build with one notice.
import { afterEach, expect, test, vi } from "vitest";
import { init, Network, simdFeatures } from "../src/index.js";
import { relaxedSimdSupported } from "../src/relaxed.js";

afterEach(() => vi.restoreAllMocks());

test("unknown simd values are refused, naming the accepted ones", async () => {
  await expect(init({ simd: "fast" as never })).rejects.toThrow(RangeError);
  await expect(init({ simd: "fast" as never })).rejects.toThrow(/^init\(\) simd must be one of "plain", "relaxed", "auto", received "fast"/);
  await expect(init({ simd: 1 as never })).rejects.toThrow(/received 1/);
  expect(simdFeatures()).toEqual({ build: "plain", relaxedMadd: false, relaxedDot: false });
});

test.skipIf(relaxedSimdSupported())('an explicit "relaxed" the engine lacks: the plain build and one notice; a second init is not loaded again', async () => {
  const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  await init({ simd: "relaxed" });
  expect(simdFeatures()).toEqual({ build: "plain", relaxedMadd: false, relaxedDot: false });
  expect(warn).toHaveBeenCalledTimes(1);
  expect(String(warn.mock.calls[0][0])).toMatch(/simd: "relaxed" is not available.*--experimental-wasm-relaxed-simd/);
  await init({ simd: "relaxed" });
  expect(warn).toHaveBeenCalledTimes(1);
  const net = new Network({ inputSize: 3, layers: [{ units: 2, activation: "sigmoid" }], seed: 1 });
  expect(net.quantize().predict([[1, 2, 3]])).toHaveLength(2);
});
