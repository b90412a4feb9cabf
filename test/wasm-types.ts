// Reads a WebAssembly binary's function exports with their parameter and result types, straight
// from its type, import, function and export sections (the module's own declaration, an oracle
// independent of the TypeScript side).
export type ValType = "i32" | "i64" | "f32" | "f64" | "v128";
export interface FunctionType {
  params: ValType[];
  results: ValType[];
}

const VALTYPES: Record<number, ValType> = { 0x7f: "i32", 0x7e: "i64", 0x7d: "f32", 0x7c: "f64", 0x7b: "v128" };

export function exportedFunctionTypes(bytes: Uint8Array): Map<string, FunctionType> {
  let p = 8; // magic and version
  const u32 = (): number => {
    let r = 0,
      shift = 0,
      b: number;
    do {
      b = bytes[p++];
      r |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    return r >>> 0;
  };
  const name = (): string => {
    const n = u32();
    const s = new TextDecoder().decode(bytes.subarray(p, p + n));
    p += n;
    return s;
  };
  const limits = (): void => {
    const flags = bytes[p++];
    u32();
    if (flags & 1) u32();
  };
  const types: FunctionType[] = [],
    functionTypes: number[] = [];
  let importedFunctions = 0;
  const out = new Map<string, FunctionType>();
  while (p < bytes.length) {
    const id = bytes[p++],
      size = u32(),
      end = p + size;
    if (id === 1) {
      for (let n = u32(); n > 0; n--) {
        p++; // 0x60, a function type
        const params = Array.from({ length: u32() }, () => VALTYPES[bytes[p++]]);
        const results = Array.from({ length: u32() }, () => VALTYPES[bytes[p++]]);
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = u32(); n > 0; n--) {
        name();
        name();
        const kind = bytes[p++];
        if (kind === 0) {
          u32();
          importedFunctions++;
        } else if (kind === 1) {
          p++;
          limits();
        } else if (kind === 2) limits();
        else p += 2;
      }
    } else if (id === 3) {
      for (let n = u32(); n > 0; n--) functionTypes.push(u32());
    } else if (id === 7) {
      for (let n = u32(); n > 0; n--) {
        const exported = name(),
          kind = bytes[p++],
          index = u32();
        if (kind === 0) out.set(exported, types[functionTypes[index - importedFunctions]]);
      }
    }
    p = end;
  }
  return out;
}
