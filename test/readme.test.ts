// The README's TypeScript example runs as written, and prints what its comments say.
import { expect, test } from "vitest";
import { blockRunner, docBlocks, readmeBlocks } from "./readme-blocks.js";

const blocks = readmeBlocks();
const run = blockRunner(new URL("./.readme-blocks/", import.meta.url));

test("the README has one runnable example, the quickstart", () => {
  expect(blocks).toHaveLength(1);
  expect(blocks[0]).toContain("await init()");
});

test("quickstart: XOR is learned", async () => {
  const out = await run(blocks[0], 0);
  expect(out).toContain("Network(2 → 8 tanh → 1 sigmoid");
  expect(out).toMatch(/"accuracy":1\b/);
  expect(out).toContain("final loss 0.0033");
  expect(out).toContain('["0.00","1.00","1.00","0.00"]');
});

test("getting started repeats the quickstart", () => {
  expect(docBlocks("getting-started.md", "A first network")).toEqual(blocks);
});

test("backprop by hand: the notes' sigmoid neuron", async () => {
  const [neuron] = docBlocks("networks-and-training.md", "Backprop by hand");
  const out = await run(neuron, "neuron");
  expect(out).toContain("0.73");
  expect(out).toContain('["0.39","-0.59"] ["-0.20","-0.39"]');
});
