// docs/autodiff.md's "Backprop on a graph" examples run as written and print what their comments say.
import { expect, test } from "vitest";
import { blockRunner, docBlocks } from "../readme-blocks.js";

const blocks = docBlocks("autodiff.md");
const run = blockRunner(new URL("./.readme-graph/", import.meta.url));

test("the notes' two circuits", async () => {
  expect(blocks).toHaveLength(2);
  const [neuron, circuit] = (await run(blocks[0], 0)).split("\n");
  const [f, dx, dw] = neuron.split(" ").map((v) => JSON.parse(v) as number | number[]);
  expect((f as number).toFixed(2)).toBe("0.73");
  expect((dx as number[]).map((v) => v.toFixed(2))).toEqual(["0.39", "-0.59"]);
  expect((dw as number[]).map((v) => v.toFixed(2))).toEqual(["-0.20", "-0.39", "0.20"]);
  expect(circuit).toBe("2.0596 1.5922");
});

test("a custom loss trains a network", async () => {
  expect(await run(blocks[1], 1)).toBe("true\n0 1 1 0");
});
