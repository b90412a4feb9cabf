// --standardize's pieces: the statistics, and the fold that lets the saved model take raw pixels.
import { beforeAll, expect, test } from "vitest";
import { Network, init } from "../../src/index.js";
import { foldIntoFirstLayer, standardization, standardize } from "../../src/cli/standardize.js";
import { Random, expectClose } from "../helpers.js";

beforeAll(async () => {
  await init();
});

test("the network folded for raw inputs computes what it computed on standardized inputs", () => {
  const rng = new Random(3);
  const x = Float32Array.from({ length: 50 * 12 }, () => Math.abs(rng.symmetric(1)) ** 2);
  const s = standardization(x);
  expect(Math.abs(standardization(standardize(x, s)).mean)).toBeLessThan(1e-6);
  expect(standardization(standardize(x, s)).std).toBeCloseTo(1, 5);
  const net = new Network({
    inputSize: 12,
    layers: [
      { units: 7, activation: "tanh" },
      { units: 3, activation: "softmax" },
    ],
    seed: 2,
  });
  const before = net.predict(standardize(x, s));
  foldIntoFirstLayer(net, s);
  expectClose(net.predict(x), before, 1e-5, "folded on raw inputs");
  expect(standardization(new Float32Array(4).fill(0.5))).toEqual({ mean: 0.5, std: 1 }); // constant pixels: no division by 0
  net.dispose();
});
