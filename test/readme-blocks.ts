// Runs the README's TypeScript examples as written, capturing what they print: each block is
// written to a file in a scratch folder beside the test and imported (so `import ... from
// "wasmlp"` resolves as a user's would, through vitest's aliases).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { afterAll, vi } from "vitest";

const README = readFileSync(new URL("../README.md", import.meta.url), "utf8");

/** The ```ts blocks of the README, or of its section `## title` when given. */
export function readmeBlocks(title?: string): string[] {
  let text = README;
  if (title) {
    const start = README.indexOf(`\n## ${title}`);
    if (start < 0) throw new Error(`README has no section "## ${title}"`);
    text = README.slice(start, README.indexOf("\n## ", start + 1));
  }
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

/** A runner writing into `folder` (removed after the file's tests): run(code, i) → printed lines. */
export function blockRunner(folder: URL): (code: string, i: number) => Promise<string> {
  mkdirSync(folder, { recursive: true });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  return async (code, i) => {
    const file = new URL(`block${i}.ts`, folder);
    writeFileSync(file, code);
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => { lines.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ")); });
    try {
      await import(/* @vite-ignore */ file.href);
    } finally {
      spy.mockRestore();
    }
    return lines.join("\n");
  };
}
