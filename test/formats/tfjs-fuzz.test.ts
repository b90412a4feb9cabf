// Damaged model.json files of every shape: any key removed or its value replaced by another
// kind of value, anywhere in the file, and the weight bytes cut anywhere. fromTfjs either
// builds the network or throws one of its own errors (a message starting "tfjs"), never an
// internal TypeError, and leaves memory as it was.
import fc from "fast-check";
import { beforeAll, expect, test } from "vitest";
import { fromTfjs } from "wasmlp/tfjs";
import { init, memoryStats } from "../../src/index.js";
import { type Saved, asModelJson, save, tfl, tfReady } from "./tfjs-helpers.js";

type Json = unknown;
let sequential: Saved;
let functional: Saved;

beforeAll(async () => {
  await init();
  await tfReady();
  const s = tfl.sequential({
    layers: [
      tfl.layers.dense({ units: 4, activation: "relu", inputShape: [3] }),
      tfl.layers.dropout({ rate: 0.5 }),
      tfl.layers.dense({ units: 2 }),
      tfl.layers.softmax(),
    ],
  });
  sequential = await save(s);
  const x = tfl.input({ shape: [3] });
  const h = tfl.layers.dense({ units: 4 }).apply(x) as tfl.SymbolicTensor;
  const a = tfl.layers.leakyReLU({ alpha: 0.1 }).apply(h) as tfl.SymbolicTensor;
  functional = await save(tfl.model({ inputs: x, outputs: tfl.layers.dense({ units: 1, activation: "sigmoid" }).apply(a) as tfl.SymbolicTensor }));
});

/** Every path to a value in a JSON tree. */
function paths(value: Json, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (typeof value === "object" && value !== null) for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

const replacements: Json[] = [null, undefined, 0, -1, 1.5, 1e9, NaN, "", "x", "float16", true, [], [null], {}, { a: 1 }];

function expectOwnError(call: () => unknown): void {
  const before = memoryStats();
  try {
    const net = call() as { dispose(): void };
    net.dispose();
  } catch (e) {
    expect(e instanceof TypeError || e instanceof RangeError || e instanceof SyntaxError, String(e)).toBe(true);
    expect((e as Error).message).toMatch(/^tfjs /);
  }
  const after = memoryStats();
  expect(after.liveRegions).toBe(before.liveRegions);
  expect(after.bytesInUse).toBe(before.bytesInUse);
}

test.each([
  ["Sequential", () => sequential],
  ["functional", () => functional],
])("%s: every key removed or replaced by every kind of value", (_, model) => {
  const base = asModelJson(model());
  const all = paths(base).filter((p) => p.length > 0);
  expect(all.length).toBeGreaterThan(60);
  let built = 0;
  for (const path of all) {
    for (const replacement of ["<delete>", ...replacements]) {
      const json = structuredClone(base) as Record<string | number, unknown>;
      let parent = json as Record<string | number, unknown>;
      for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
      const last = path[path.length - 1];
      if (replacement === "<delete>") {
        if (Array.isArray(parent)) parent.splice(last as number, 1);
        else delete parent[last];
      } else {
        parent[last] = replacement;
      }
      try {
        fromTfjs(json, model().weightData).dispose();
        built++;
      } catch {
        // checked below, with the memory check
      }
      expectOwnError(() => fromTfjs(json, model().weightData));
    }
  }
  expect(built).toBeGreaterThan(0); // initializers, names of unused fields etc. do not matter
});

test("model.json text cut at every length, and random bytes in it", () => {
  const text = JSON.stringify(asModelJson(sequential));
  for (let n = 0; n < text.length; n += 7) expectOwnError(() => fromTfjs(text.slice(0, n), sequential.weightData));
  fc.assert(
    fc.property(fc.nat(text.length - 1), fc.integer({ min: 0, max: 255 }), (at, code) => {
      expectOwnError(() => fromTfjs(text.slice(0, at) + String.fromCharCode(code) + text.slice(at + 1), sequential.weightData));
    }),
    { numRuns: 300, seed: 11 },
  );
});

test("weight bytes cut at every length, or given as shards cut anywhere", () => {
  const json = asModelJson(sequential);
  const bytes = new Uint8Array(sequential.weightData);
  for (let n = 0; n < bytes.length; n++) {
    expect(() => fromTfjs(json, bytes.slice(0, n))).toThrow(/^tfjs weight data has \d+ bytes, but the weight specs describe 104/);
    const net = fromTfjs(json, [bytes.slice(0, n), bytes.slice(n)]);
    net.dispose();
  }
});
