// Fuzzing checkpoints (issue 25): valid model files with optimizer state, mutated (bytes of a
// weight or state vector flipped, JSON values replaced, deleted or retyped, counts and plans
// changed), must each be refused by Network.fromJSON with wasmlp's own TypeError, RangeError or
// SyntaxError (never an error from inside: "Cannot read properties", "is not a function", …),
// holding no memory; or load, and then train one step to finite weights, or refuse the step by
// name with the weights unchanged (the finite-weights promise a poisoned checkpoint once broke).
// The heap hook checks that no allocation out of proportion to the file is asked for. Fixed seed;
// `npm run fuzz -- --runs N` runs each property N times.
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Network, init, memoryStats, type ModelJSON } from "wasmlp";
import { allocationHook } from "../src/memory.js";
import { Random, randomArray } from "./helpers.js";

const RUNS = Number(process.env.WASMLP_FUZZ_RUNS ?? 0) || 0;
const runs = (fallback: number): number => RUNS || fallback;
const SEED = Number(process.env.WASMLP_FUZZ_SEED ?? 2025);

/** What a runtime error escaping from inside looks like, as opposed to wasmlp's own messages. */
const INTERNAL =
  /Cannot read prop|Cannot set prop|is not a function|is not iterable|is not defined|Invalid typed array length|Invalid array length|Maximum call stack|Cannot convert|wasmlp internal error|out of bounds/;

const rng = new Random(43);
const x = randomArray(rng, 16 * 4),
  y = Int32Array.from({ length: 16 }, (_, i) => i % 3);
let bases: { text: string; json: ModelJSON }[];
const tally = { refused: 0, loaded: 0, trained: 0, stepRefused: 0 };
let largest = 0;

beforeAll(async () => {
  await init();
  bases = ["adam", "momentum", "rmsprop", "adagrad"].map((optimizer, i) => {
    const net = new Network({
      inputSize: 4,
      layers: [
        { units: 5, activation: "tanh", normalization: "batch", dropout: 0.2 },
        { units: 4, activation: "gelu", normalization: "layer" },
        { units: 3, activation: "softmax", kernelRegularizer: { l2: 0.01 } },
      ],
      optimizer: { type: optimizer as never, learningRate: i === 0 ? ({ type: "cosine", initialLearningRate: 0.01, decaySteps: 20 } as never) : 0.01 },
      seed: 5 + i,
    });
    net.fit(x, y, { epochs: 2, batchSize: 8 });
    const text = JSON.stringify(net.toJSON({ includeOptimizerState: true }));
    net.dispose();
    return { text, json: JSON.parse(text) as ModelJSON };
  });
});

afterAll(() => {
  expect(tally.refused > 0 && tally.loaded > 0, JSON.stringify(tally)).toBe(true);
  if (process.env.WASMLP_FUZZ_RUNS)
    console.log(`checkpoint fuzz runs per property ${RUNS}, seed ${SEED}:`, JSON.stringify(tally), "largest allocation request", largest);
});

/** Loads `file`; checks the outcome as the header says. */
function check(file: unknown, fileBytes: number): void {
  const before = memoryStats();
  let net: Network | null = null;
  let error: unknown = null;
  allocationHook.request = (bytes) => {
    largest = Math.max(largest, bytes);
    // The network's regions (parameters, gradients, optimizer state, workspaces) grow with the file; a shape the file does not pay for would not.
    if (bytes > 8 * fileBytes + (1 << 20)) throw new Error(`allocation of ${bytes} bytes for a file of ${fileBytes}`);
  };
  try {
    net = Network.fromJSON(file as ModelJSON);
  } catch (e) {
    error = e;
  } finally {
    allocationHook.request = null;
  }
  if (net === null) {
    const e = error as Error;
    expect(e instanceof TypeError || e instanceof RangeError || e instanceof SyntaxError, `${e?.name}: ${e?.message}`).toBe(true);
    expect(e.message, e.message).not.toMatch(INTERNAL);
    const after = memoryStats();
    expect([after.liveRegions, after.bytesInUse]).toEqual([before.liveRegions, before.bytesInUse]);
    tally.refused++;
    return;
  }
  tally.loaded++;
  try {
    const weights = net.getWeights();
    for (const w of weights) expect(w.every(Number.isFinite)).toBe(true);
    try {
      net.trainBatch(x.subarray(0, 8 * 4), y.subarray(0, 8));
      for (const w of net.getWeights()) expect(w.every(Number.isFinite), "a loaded checkpoint trained to non-finite weights").toBe(true);
      tally.trained++;
    } catch (e) {
      // Refused by name, nothing changed.
      expect((e as Error).message, (e as Error).message).toMatch(/no update was applied/);
      expect(net.getWeights()).toEqual(weights);
      tally.stepRefused++;
    }
  } finally {
    net.dispose();
  }
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const unb64 = (s: string) => new Uint8Array(Buffer.from(s, "base64"));

/** Every path to a base64 tensor in a checkpoint: the weights and the optimizer's state. */
function tensorPaths(json: ModelJSON): (string | number)[][] {
  return [...json.weights.map((_, i) => ["weights", i]), ...(json.training?.optimizerState ?? []).map((_, i) => ["training", "optimizerState", i])];
}

function at(json: unknown, path: (string | number)[]): { parent: Record<string | number, unknown>; key: string | number } {
  let parent = json as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  return { parent, key: path[path.length - 1] };
}

/** Every path to a value in a JSON tree. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (typeof value === "object" && value !== null) for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

describe("checkpoints", () => {
  test("tensor bytes flipped (weights and optimizer state: negative moments, huge and non-finite values)", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 3 }),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
        (which, t, flips) => {
          const json = structuredClone(bases[which].json);
          const tensors = tensorPaths(json);
          const { parent, key } = at(json, tensors[t % tensors.length]);
          const bytes = unb64(parent[key] as string);
          for (const [i, xor] of flips) bytes[i % bytes.length] ^= xor;
          parent[key] = b64(bytes);
          check(json, bases[which].text.length);
        },
      ),
      { seed: SEED + 10, numRuns: runs(150) },
    );
  });

  test("values replaced, deleted and retyped anywhere (counts, plans, schedules, layers, state lists)", () => {
    const values = fc.oneof(
      fc.jsonValue({ maxDepth: 1 }),
      fc.constantFrom<unknown>(null, -1, 0, 0.5, 1.5, 1e9, -8, 2 ** 53, "", "constructor", "__proto__", true, [], {}, [null], "AAAA", "////"),
    );
    fc.assert(
      fc.property(
        fc.nat({ max: 3 }),
        fc.nat(),
        fc.oneof(
          fc.record({ kind: fc.constant("replace" as const), value: values }),
          fc.constant({ kind: "delete" as const }),
          fc.constant({ kind: "retype" as const }),
        ),
        (which, n, op) => {
          const json = structuredClone(bases[which].json) as unknown;
          const all = paths(json).filter((p) => p.length > 0);
          const { parent, key } = at(json, all[n % all.length]);
          if (op.kind === "replace") parent[key] = op.value;
          else if (op.kind === "delete") {
            if (Array.isArray(parent)) parent.splice(key as number, 1);
            else delete parent[key];
          } else {
            const old = parent[key];
            parent[key] = typeof old === "number" ? String(old) : typeof old === "string" ? [old] : Array.isArray(old) ? { ...old } : 0;
          }
          check(json, bases[which].text.length);
        },
      ),
      { seed: SEED + 11, numRuns: runs(250) },
    );
  });

  test("the file's text cut or with characters replaced", () => {
    fc.assert(
      fc.property(fc.nat({ max: 3 }), fc.nat(), fc.boolean(), fc.string({ minLength: 1, maxLength: 3 }), (which, n, cut, text) => {
        const s = bases[which].text;
        const i = n % s.length;
        check(cut ? s.slice(0, i) : s.slice(0, i) + text + s.slice(i + 1), s.length + 3);
      }),
      { seed: SEED + 12, numRuns: runs(150) },
    );
  });
});
