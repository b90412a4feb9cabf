// The README's TypeScript examples run as written, and print what their comments say.
import { expect, test } from "vitest";
import { blockRunner, readmeBlocks } from "./readme-blocks.js";

const blocks = readmeBlocks().filter((code) => code.includes("await init()"));
const run = blockRunner(new URL("./.readme-blocks/", import.meta.url));

test("the README has runnable examples", () => {
  expect(blocks.length).toBeGreaterThanOrEqual(2);
});

test("quickstart: XOR is learned", async () => {
  const out = await run(blocks[0], 0);
  expect(out).toContain("Network(2 → 8 tanh → 1 sigmoid");
  expect(out).toMatch(/"accuracy":1\b/);
  expect(out).toContain("final loss 0.0033");
  expect(out).toContain('["0.00","1.00","1.00","0.00"]');
});

test("backprop by hand: the notes' sigmoid neuron", async () => {
  const out = await run(blocks[1], 1);
  expect(out).toContain("0.73");
  expect(out).toContain('["0.39","-0.59"] ["-0.20","-0.39"]');
});
