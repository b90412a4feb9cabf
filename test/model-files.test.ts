// Model files stay readable: every fixture under test/fixtures/model-files/vN (written by the
// wasmlp of that version, by write.mjs there) loads with the predictions it gave then, and every
// checkpoint resumes to the run it would have finished. Newer versions and unknown fields are
// refused by name (src/file-version.ts holds the rule; docs/model-files.md explains it).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { MODEL_VERSION, Network, OPTIMIZERS, QuantizedNetwork, init } from "../src/index.js";
import { QUANTIZED_VERSION } from "../src/quantize.js";

await init();

const root = fileURLToPath(new URL("./fixtures/model-files/", import.meta.url));
const versions = readdirSync(root)
  .filter((d) => /^v\d+$/.test(d))
  .sort();
const text = (v: string, name: string): string => readFileSync(join(root, v, name), "utf8");

/** write.mjs's probe inputs: a small LCG in [0, 1). */
function probe(n: number, size: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const x = new Float32Array(n * size);
  for (let i = 0; i < x.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 2 ** 32;
  }
  return x;
}

/** Same predictions up to float32 rounding of a changed kernel's summation order. */
function expectClose(got: ArrayLike<number>, want: readonly number[], tol = 1e-5): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(want[i])));
}

interface Expected {
  files: Record<
    string,
    {
      inputSize?: number;
      samples?: number;
      outputs?: number[];
      resume?: { epochs: number; batchSize: number; outputs: number[] };
      rows?: Record<string, unknown>[];
      predictions?: (string | number)[];
    }
  >;
}

describe.each(versions)("fixtures %s", (v) => {
  const expected = JSON.parse(text(v, "expected.json")) as Expected;
  const files = readdirSync(join(root, v)).filter((f) => f.endsWith(".json") && f !== "expected.json");

  test("every file has its expected predictions, and every registry optimizer has a checkpoint", () => {
    expect(files.sort()).toEqual(Object.keys(expected.files).sort());
    // A new optimizer without a checkpoint fixture fails here: add one with write.mjs (into a new vN).
    if (v === versions[versions.length - 1]) for (const type of OPTIMIZERS) expect(files).toContain(`checkpoint-${type}.json`);
  });

  test.each(files)("%s loads with the same predictions", (name) => {
    const e = expected.files[name];
    const file = text(v, name);
    const net = name.startsWith("quantized") ? QuantizedNetwork.fromJSON(file) : Network.fromJSON(file);
    if (e.rows) {
      const got = net.predict(e.rows);
      if (typeof e.predictions![0] === "string") expect(got).toEqual(e.predictions);
      else expectClose(got as number[], e.predictions as number[]);
    } else {
      expectClose(net.predict(probe(e.samples!, e.inputSize!, 7)), e.outputs!);
    }
    net.dispose();
  });

  const checkpoints = files.filter((f) => expected.files[f].resume);
  test.each(checkpoints)("%s resumes to the uninterrupted run", (name) => {
    const { resume, inputSize } = expected.files[name];
    const net = Network.fromJSON(text(v, name));
    const xs = probe(16, 6, 3),
      ys = Array.from({ length: 16 }, (_, i) => i % 3);
    net.fit(xs, ys, { epochs: resume!.epochs, initialEpoch: net.epochsTrained, batchSize: resume!.batchSize });
    expectClose(net.predict(probe(8, inputSize!, 7)), resume!.outputs, 1e-4);
    net.dispose();
  });
});

describe("the compatibility rule", () => {
  const model = (): Record<string, unknown> => JSON.parse(text(versions[versions.length - 1], "csv-classifier.json"));

  test("a file of a newer format is refused, saying so", () => {
    const file = { ...model(), version: MODEL_VERSION + 1 };
    expect(() => Network.fromJSON(file as never)).toThrow(
      `model was written by a newer wasmlp (format ${MODEL_VERSION + 1}; this reads up to ${MODEL_VERSION})`,
    );
    const q = JSON.parse(text(versions[versions.length - 1], "quantized.json"));
    expect(() => QuantizedNetwork.fromJSON({ ...q, version: QUANTIZED_VERSION + 1 })).toThrow(
      `written by a newer wasmlp (format ${QUANTIZED_VERSION + 1}; this reads up to ${QUANTIZED_VERSION})`,
    );
  });

  test("a version that is not a whole number ≥ 1 is refused", () => {
    for (const version of [0, 1.5, "1", null])
      expect(() => Network.fromJSON({ ...model(), version } as never)).toThrow("model.version must be a whole number ≥ 1");
  });

  test("an unknown field is refused, naming it", () => {
    expect(() => Network.fromJSON({ ...model(), calibration: [1] } as never)).toThrow('model has an unknown field "calibration"');
    expect(() => Network.fromJSON({ ...model(), constructor: 1 } as never)).toThrow('unknown field "constructor"');
    const q = JSON.parse(text(versions[versions.length - 1], "quantized.json"));
    expect(() => QuantizedNetwork.fromJSON({ ...q, bits: 4 })).toThrow('model has an unknown field "bits"');
  });

  test("a quantized copy keeps the feature spec; its file is format 2, a file without one stays format 1", () => {
    const net = Network.fromJSON(text(versions[versions.length - 1], "csv-regression.json"));
    const q = net.quantize();
    const rows = [{ value: 3000, capital: 50, firm: "General Motors", year: 1940 }];
    const [want] = net.predict(rows) as number[],
      [got] = q.predict(rows) as number[];
    expect(Math.abs(got - want)).toBeLessThan(0.05 * Math.abs(want));
    const file = q.toJSON();
    expect(file.version).toBe(2);
    const again = QuantizedNetwork.fromJSON(JSON.stringify(file));
    expect(again.predict(rows)).toEqual(q.predict(rows));
    expect(() => QuantizedNetwork.fromJSON({ ...file, version: 1 })).toThrow("model.features is not part of format 1 (it came with format 2)");
    const plain = Network.fromJSON(text(versions[versions.length - 1], "cli-model.json")).quantize();
    expect(plain.toJSON().version).toBe(1);
    for (const n of [net, q, again, plain]) n.dispose();
  });
});
