// The threads build from the embedded single-threaded one: the two differ only in their memory
// (asc --target threads imports a shared memory instead of defining its own; the code is the
// same, test/threads/module.test.ts checks it), so rather than ship the wasm twice we rewrite the
// memory section into an import of env.memory (shared, with a maximum) at load time.

function readLeb(bytes: Uint8Array, at: number): [value: number, next: number] {
  let value = 0,
    shift = 0,
    b: number;
  do {
    b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
  } while (b & 0x80);
  return [value, at];
}

function leb(value: number): number[] {
  const out: number[] = [];
  do {
    let b = value & 0x7f;
    value = Math.floor(value / 128);
    if (value) b |= 0x80;
    out.push(b);
  } while (value);
  return out;
}

const IMPORT = 2,
  FUNCTION = 3,
  MEMORY = 5;

/** `wasm` with its one defined memory replaced by an import of env.memory, shared, up to maxPages. */
export function withSharedMemory(wasm: Uint8Array, maxPages: number): Uint8Array {
  const sections: { id: number; body: Uint8Array }[] = [];
  for (let at = 8; at < wasm.length; ) {
    const id = wasm[at];
    const [size, start] = readLeb(wasm, at + 1);
    sections.push({ id, body: wasm.subarray(start, start + size) });
    at = start + size;
  }
  if (sections.some((s) => s.id === IMPORT)) throw new Error("wasmlp internal error: the kernels module already imports");
  const memory = sections.find((s) => s.id === MEMORY);
  if (!memory || memory.body[0] !== 1) throw new Error("wasmlp internal error: the kernels module has no memory to share");
  const [initial] = readLeb(memory.body, 2);
  const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
  // One import: "env" "memory", kind memory, limits flag 3 (has maximum, shared), min, max.
  const importBody = [1, ...name("env"), ...name("memory"), 0x02, 0x03, ...leb(initial), ...leb(maxPages)];
  const parts: number[][] = [Array.from(wasm.subarray(0, 8))];
  for (const s of sections) {
    if (s.id === MEMORY) continue;
    if (s.id === FUNCTION) parts.push([IMPORT, ...leb(importBody.length), ...importBody]);
    parts.push([s.id, ...leb(s.body.length)], Array.from(s.body));
  }
  return Uint8Array.from(parts.flat());
}
