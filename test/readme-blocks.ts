// Runs the code blocks of the README and the guides in docs/ as written, capturing what they
// print: each block is written to a file in a scratch folder beside the test and imported (so
// `import ... from "wasmlp"` resolves as a user's would, through vitest's aliases).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { afterAll, vi } from "vitest";

/** The repository's root, for paths like "docs/autodiff.md". */
export const ROOT = new URL("../", import.meta.url);

/** A code block: its language ("ts" or "js") and its text. */
export interface CodeBlock {
  lang: "ts" | "js";
  code: string;
}

/** The text of a markdown file, or of its section headed `title` (any level) up to the next heading of that level or above. */
export function markdownSection(file: string, title?: string): string {
  const text = readFileSync(new URL(file, ROOT), "utf8");
  if (!title) return text;
  const heading = new RegExp(`^(#{1,6}) ${title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`, "m").exec(text);
  if (!heading) throw new Error(`${file} has no section "${title}"`);
  const level = heading[1].length;
  const rest = text.slice(heading.index + heading[0].length);
  const next = new RegExp(`^#{1,${level}} `, "m").exec(rest);
  return text.slice(heading.index, heading.index + heading[0].length + (next ? next.index : rest.length));
}

/** The ```ts and ```js blocks of a markdown file (or of one section of it), in order. */
export function codeBlocks(file: string, title?: string): CodeBlock[] {
  return [...markdownSection(file, title).matchAll(/^```(ts|js)\n([\s\S]*?)^```/gm)].map((m) => ({ lang: m[1] as "ts" | "js", code: m[2] }));
}

/** The ```ts blocks of the README, or of its section `## title` when given. */
export function readmeBlocks(title?: string): string[] {
  return codeBlocks("README.md", title)
    .filter((b) => b.lang === "ts")
    .map((b) => b.code);
}

/** The ```ts blocks of a guide in docs/ (e.g. "autodiff.md"), or of one section of it. */
export function docBlocks(file: string, title?: string): string[] {
  return codeBlocks(`docs/${file}`, title)
    .filter((b) => b.lang === "ts")
    .map((b) => b.code);
}

/** A runner writing into `folder` (removed after the file's tests): run(code, i) → printed lines. */
export function blockRunner(folder: URL): (code: string, i: number | string, lang?: "ts" | "js") => Promise<string> {
  mkdirSync(folder, { recursive: true });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));
  return async (code, i, lang = "ts") => {
    const file = new URL(`block${i}.${lang === "ts" ? "ts" : "mjs"}`, folder);
    writeFileSync(file, code);
    const lines: string[] = [];
    const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
    });
    try {
      await import(/* @vite-ignore */ file.href);
    } finally {
      spy.mockRestore();
    }
    return lines.join("\n");
  };
}
