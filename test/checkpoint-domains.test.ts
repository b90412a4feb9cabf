// Checkpoints are checked like weights: every optimizer state value lies in its domain (second
// moments and accumulators ≥ 0 and finite, velocities and first moments finite), counts are whole
// numbers, moving variances ≥ 0. A refused file names the value, what was expected and what was
// received, and leaves nothing behind (no network, no wasm memory held).
import { describe, expect, test } from "vitest";
import { Network, init, memoryStats, type ModelJSON } from "wasmlp";
import { ReferenceNetwork } from "wasmlp/reference";
import { Random, randomArray } from "./helpers.js";

await init();

const rng = new Random(41);
const x = randomArray(rng, 24 * 4),
  y = Int32Array.from({ length: 24 }, (_, i) => i % 3);
const layers = [
  { units: 5, activation: "tanh" as const, normalization: "batch" as const },
  { units: 3, activation: "softmax" as const },
];
const encode = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");
const decode = (s: string) => new Float32Array(new Uint8Array(Buffer.from(s, "base64")).buffer);

function checkpoint(optimizer: string): ModelJSON {
  const net = new Network({ inputSize: 4, layers, optimizer: optimizer as never, seed: 2 });
  net.fit(x, y, { epochs: 1, batchSize: 8 });
  const file = JSON.parse(JSON.stringify(net.toJSON({ includeOptimizerState: true }))) as ModelJSON;
  net.dispose();
  return file;
}

/** A copy of `file` with value j of state vector i replaced. */
function withState(file: ModelJSON, i: number, j: number, value: number): ModelJSON {
  const copy = structuredClone(file);
  const v = decode(copy.training!.optimizerState[i]);
  v[j] = value;
  copy.training!.optimizerState[i] = encode(v);
  return copy;
}

/** fromJSON must throw `message` (a RangeError) and hold no memory afterwards. */
function refused(load: () => unknown, message: RegExp): void {
  const before = memoryStats();
  let thrown: unknown = null;
  try {
    load();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(RangeError);
  expect((thrown as Error).message).toMatch(message);
  const after = memoryStats();
  expect(after.bytesInUse).toBe(before.bytesInUse);
  expect(after.liveRegions).toBe(before.liveRegions);
}

describe.each([
  ["adam", 1, "second moment v"],
  ["adamw", 1, "second moment v"],
  ["rmsprop", 0, "mean square"],
  ["adagrad", 0, "accumulator"],
])("%s", (optimizer, index, name) => {
  const file = checkpoint(optimizer);

  test(`a negative ${name} is refused at load, naming it`, () => {
    const bad = withState(file, index, 7, -0.5);
    const message = new RegExp(`model\\.training\\.optimizerState\\[${index}\\]\\[7\\] \\(${optimizer}'s ${name}\\) is -0\\.5; expected a value ≥ 0`);
    refused(() => Network.fromJSON(bad), message);
    refused(() => ReferenceNetwork.fromJSON(JSON.stringify(bad)), message);
  });

  test(`a non-finite ${name} is refused`, () => {
    for (const value of [NaN, Infinity, -Infinity]) {
      refused(
        () => Network.fromJSON(withState(file, index, 0, value)),
        new RegExp(`optimizerState\\[${index}\\]\\[0\\] is ${value}; every weight must be finite`),
      );
    }
  });

  test("zero (and −0) is in the domain, and the checkpoint trains to finite weights", () => {
    const net = Network.fromJSON(withState(withState(file, index, 3, -0), index, 4, 0));
    net.trainBatch(x, y);
    for (const w of net.getWeights()) expect(w.every(Number.isFinite)).toBe(true);
    net.dispose();
  });
});

test("velocities and first moments may be negative: only their finiteness is checked", () => {
  for (const optimizer of ["momentum", "nesterov", "adam"]) {
    const net = Network.fromJSON(withState(checkpoint(optimizer), 0, 2, -3));
    net.trainBatch(x, y);
    for (const w of net.getWeights()) expect(w.every(Number.isFinite)).toBe(true);
    net.dispose();
  }
});

test("the poisoned checkpoint of the report (Adam's v at −1 everywhere) never reaches trainBatch", () => {
  const file = checkpoint("adam");
  const v = decode(file.training!.optimizerState[1]).fill(-1);
  file.training!.optimizerState[1] = encode(v);
  refused(() => Network.fromJSON(file), /optimizerState\[1\]\[0\] \(adam's second moment v\) is -1; expected a value ≥ 0, as a sum of squared gradients/);
});

describe("counts and statistics", () => {
  const file = checkpoint("adam");
  test.each([
    [
      "a fractional step count",
      (f: ModelJSON) => {
        f.training!.steps = 2.5;
      },
      /model\.training\.steps must be an integer ≥ 0, received 2\.5/,
    ],
    [
      "a step count beyond 2^53",
      (f: ModelJSON) => {
        f.training!.steps = 2 ** 60;
      },
      /model\.training\.steps must be an integer ≥ 0/,
    ],
    [
      "a negative epoch count",
      (f: ModelJSON) => {
        f.training!.epoch = -1;
      },
      /model\.training\.epoch must be an integer ≥ 0, received -1/,
    ],
    [
      "a step count as text",
      (f: ModelJSON) => {
        (f.training as any).steps = "3";
      },
      /model\.training\.steps must be an integer ≥ 0, received "3"/,
    ],
    [
      "a shuffle word beyond 32 bits",
      (f: ModelJSON) => {
        f.training!.shuffle[2] = 2 ** 32;
      },
      /model\.training\.shuffle\[2\] must be an integer in \[0, 4294967295\]/,
    ],
    [
      "a negative moving variance",
      (f: ModelJSON) => {
        const v = decode(f.weights[f.weights.length - 1]);
        v[1] = -0.25;
        f.weights[f.weights.length - 1] = encode(v);
      },
      /weights\[7\]\[1\] \(moving variance of layer 0\) is -0\.25; a variance must be non-negative/,
    ],
  ])("%s is refused", (_, edit, message) => {
    const bad = structuredClone(file);
    edit(bad);
    refused(() => Network.fromJSON(bad), message);
  });
});

test("the optimizer table names every state vector it keeps", async () => {
  const { optimizerOps } = await import("../src/optimizers.js");
  for (const [name, op] of Object.entries(optimizerOps)) expect(op.stateVectors.length, name).toBe(op.states);
});
