// Every kernel the module exports is declared once on the TypeScript side (src/kernel-signatures.ts,
// with the registries' kernels), with the module's own parameter and result types, and the
// Kernels interface agrees with that declaration on arity.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ACTIVATION_REGISTRY } from "../src/activations.js";
import { KERNEL_SIGNATURES, kernelSignatures, THREADED_SIGNATURES } from "../src/kernel-signatures.js";
import { optimizerOps } from "../src/optimizers.js";
import type { Kernels } from "../src/wasm.js";
import { exportedFunctionTypes } from "./wasm-types.js";

const WASM_TYPE: Record<string, string> = { s: "i32", p: "i32", i: "i32", f: "f32", d: "f64" };

function expected(signature: string): { params: string[]; results: string[] } {
  const [params, result = ""] = signature.split(">");
  return { params: [...params].map((c) => WASM_TYPE[c]), results: [...result].map((c) => WASM_TYPE[c]) };
}

// Arity of the hand-written Kernels interface against the declaration, checked by the type checker.
type Length<S extends string> = S extends `${infer P}>${string}` ? Length<P> : S extends "" ? 0 : Chars<S>["length"];
type Chars<S extends string> = S extends `${infer C}${infer R}` ? [C, ...Chars<R>] : [];
type Declared = typeof KERNEL_SIGNATURES & typeof THREADED_SIGNATURES;
type Mismatched = {
  [K in keyof Declared]: Parameters<Kernels[K]>["length"] extends Length<Declared[K]> ? never : K;
}[keyof Declared];
const arityAgrees: [Mismatched] extends [never] ? true : Mismatched = true;

describe("kernel signatures", () => {
  const exports = exportedFunctionTypes(readFileSync(new URL("../build/wasmlp.wasm", import.meta.url)));

  it("the Kernels interface has the declared arity for every kernel", () => {
    expect(arityAgrees).toBe(true);
  });

  it("every export is declared, and every declaration is exported", () => {
    const declared = [...kernelSignatures().keys()].sort();
    expect(declared).toEqual([...exports.keys()].sort());
  });

  for (const [name, signature] of kernelSignatures()) {
    it(`${name} takes (${signature}) as the module declares it`, () => {
      const actual = exports.get(name);
      expect(actual, `${name} is not exported by build/wasmlp.wasm`).toBeDefined();
      expect(actual).toEqual(expected(signature));
    });
  }

  it("every registry activation and optimizer kernel is declared", () => {
    for (const a of ACTIVATION_REGISTRY.values()) {
      if (a.kernels) for (const k of [a.kernels.forward, a.kernels.backward]) expect(kernelSignatures().has(k), k).toBe(true);
    }
    for (const [name, o] of Object.entries(optimizerOps)) if (o.kernel) expect(kernelSignatures().has(o.kernel.name), name).toBe(true);
  });
});
