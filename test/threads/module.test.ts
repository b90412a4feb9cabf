// The threads module wasmlp instantiates (the embedded build with its memory rewritten into a
// shared import) is the one asc builds with --target threads: same types, code, exports.
import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { WASM_BASE64 } from "../../src/generated/wasm-binary.js";
import { base64ToBytes } from "../../src/serialize.js";
import { MAX_PAGES } from "../../src/threads/index.js";
import { withSharedMemory } from "../../src/threads/module.js";

function sections(wasm: Uint8Array): Map<number, Uint8Array> {
  const out = new Map<number, Uint8Array>();
  for (let at = 8; at < wasm.length; ) {
    const id = wasm[at++];
    let size = 0,
      shift = 0,
      b: number;
    do {
      b = wasm[at++];
      size |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    out.set(id, wasm.subarray(at, at + size));
    at += size;
  }
  return out;
}

test("the rewritten module matches asc --target threads section by section", () => {
  const derived = withSharedMemory(base64ToBytes(WASM_BASE64), MAX_PAGES);
  const built = new Uint8Array(readFileSync(new URL("../../build/wasmlp.threads.wasm", import.meta.url)));
  const [d, b] = [sections(derived), sections(built)];
  for (const id of [1, 2, 3, 7, 10]) expect(d.get(id), `section ${id}`).toEqual(b.get(id)); // types, imports, functions, exports, code
  expect(d.has(5)).toBe(false); // no memory of its own
  const module = new WebAssembly.Module(derived as Uint8Array<ArrayBuffer>);
  expect(WebAssembly.Module.imports(module)).toEqual([{ module: "env", name: "memory", kind: "memory" }]);
  const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
  expect(exports.memory).toBe(memory);
  expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
});
