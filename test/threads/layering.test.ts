// Threads are a library beneath the engine: a program that never asks for threads never loads
// the pool, the dispatcher or the worker program, and the worker program that ships is the
// bundle of its type-checked source.
import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { WORKER_SOURCE } from "../../src/generated/worker-source.js";
// @ts-expect-error: a build script, plain JavaScript
import { bundleWorker } from "../../scripts/embed-worker.js";

const src = fileURLToPath(new URL("../../src/", import.meta.url));

/** Files reached from `entry` through static imports and re-exports of values (not `import type`, not `import()`). */
function staticClosure(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?\sfrom\s+"(\.[^"]+)"|^import\s+"(\.[^"]+)"/gm)) {
      visit(join(dirname(file), (m[1] ?? m[2]).replace(/\.js$/, ".ts")));
    }
  };
  visit(entry);
  return new Set([...seen].map((f) => relative(src, f)));
}

test("the main entry, the loader and the runtime load no part of the threads but ThreadError and fitInWorker's launcher until init({ threads })", () => {
  const reached = [...staticClosure(join(src, "index.ts"))].filter((f) => f.startsWith("threads/"));
  expect(reached.sort()).toEqual(["threads/error.ts", "threads/fit-worker.ts"]);
  for (const file of ["wasm.ts", "runtime.ts", "dispatch.ts", "kernels.ts"]) {
    expect(
      [...staticClosure(join(src, file))].filter((f) => f.startsWith("threads/")),
      file,
    ).toEqual([]);
  }
});

test("nothing in the threads imports the loader: the circle wasm.ts → threads → wasm.ts is gone", () => {
  for (const file of ["threads/index.ts", "threads/parallel.ts", "threads/pool.ts", "threads/worker-main.ts", "threads/spawn.ts"]) {
    const text = readFileSync(join(src, file), "utf8");
    expect(text, file).not.toMatch(/from "\.\.\/(wasm|runtime)\.js"/);
  }
});

test("the embedded worker program is the bundle of src/threads/worker-main.ts as it is now", () => {
  expect(WORKER_SOURCE).toBe(bundleWorker());
});
