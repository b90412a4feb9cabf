// The README's Threads examples run as written, in a process of their own (init() is once per
// process, and test/readme.test.ts initialises without threads).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { afterAll, expect, test, vi } from "vitest";

const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const section = readme.slice(readme.indexOf("\n## Threads"), readme.indexOf("\n## ", readme.indexOf("\n## Threads") + 1));
const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
const dir = new URL("./.readme-threads/", import.meta.url);
mkdirSync(dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(code: string, i: number): Promise<string> {
  const file = new URL(`block${i}.ts`, dir);
  writeFileSync(file, code);
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => { lines.push(args.map(String).join(" ")); });
  try {
    await import(/* @vite-ignore */ file.href);
  } finally {
    spy.mockRestore();
  }
  return lines.join("\n");
}

test("init({ threads: 2 }) gives 2 threads, and fitInWorker trains", async () => {
  expect(blocks).toHaveLength(2);
  expect(await run(blocks[0], 0)).toBe("2");
  expect(await run(blocks[1], 1)).toBe("2");
});
