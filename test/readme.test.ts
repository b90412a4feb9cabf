// The README's TypeScript examples run as written, and print what their comments say.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { afterAll, expect, test, vi } from "vitest";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).filter((code) => code.includes("await init()"));
const dir = new URL("./.readme-blocks/", import.meta.url);
mkdirSync(dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(code: string, i: number): Promise<string> {
  const file = new URL(`block${i}.ts`, dir);
  writeFileSync(file, code);
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => { lines.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ")); });
  try {
    await import(/* @vite-ignore */ file.href);
  } finally {
    spy.mockRestore();
  }
  return lines.join("\n");
}

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
