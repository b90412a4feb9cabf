// docs/importing-models.md's TensorFlow.js example runs as written and
// prints what its comments say; the commands it shows exist with those flags.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { afterAll, expect, test, vi } from "vitest";
import { EXPORT_FORMATS } from "../../src/cli/export.js";
import { MODEL_SOURCES } from "../../src/cli/models.js";
import { markdownSection } from "../readme-blocks.js";

const section = markdownSection("docs/importing-models.md", "Keras and TensorFlow.js");
const dir = new URL("./.readme-tfjs/", import.meta.url);
mkdirSync(dir, { recursive: true });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("the TypeScript example loads, saves and agrees with TensorFlow.js", async () => {
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  expect(blocks).toHaveLength(1);
  const file = new URL("block.ts", dir);
  writeFileSync(file, blocks[0]);
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
  });
  try {
    await import(/* @vite-ignore */ file.href);
  } finally {
    spy.mockRestore();
  }
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(/^Network\(4 → 8 relu → 3 softmax; /);
  expect(lines[1]).toBe("true");
});

test("the shell commands use flags the command line has", () => {
  const [shell] = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]);
  expect(shell).toContain("tensorflowjs_converter --input_format keras model.h5 out/");
  for (const [, flag] of shell.matchAll(/npx wasmlp \w+ .*?--(from-tfjs|model) /g)) expect(Object.keys(MODEL_SOURCES)).toContain(flag);
  for (const [, format] of shell.matchAll(/--format (\w+)/g)) expect(Object.keys(EXPORT_FORMATS)).toContain(format);
});
