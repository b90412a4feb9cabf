// readQuantizedOnnx on mutated int8 ONNX files (fast-check, fixed seeds): each gives one of
// wasmlp's named format errors with a message starting "onnx", or a model file that
// QuantizedNetwork.fromJSON accepts, whose predictions are the reference of wasmlp's scheme bit
// for bit (relu and linear layers), and which fromQuantizedOnnx builds the same.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isFormatError } from "../../src/formats/errors.js";
import { fromQuantizedOnnx, readQuantizedOnnx, toOnnx } from "../../src/formats/onnx.js";
import { ModelProto } from "../../src/formats/onnx/proto.js";
import { Network } from "../../src/network.js";
import { QuantizedNetwork, activationRange } from "../../src/quantize.js";
import { qmatmulReference, quantizeRowsReference } from "../../src/reference/quantized.js";
import { setup } from "../helpers.js";

const RUNS = Number(process.env.WASMLP_FUZZ_RUNS ?? 0) || 1;
const runs = (n: number) => n * RUNS;
const tally = { built: 0, refused: 0 };
let bases: Uint8Array[];

beforeAll(async () => {
  await setup();
  const nets = [
    new Network({
      inputSize: 6,
      layers: [
        { units: 5, activation: "relu" },
        { units: 3, activation: "linear" },
      ],
      seed: 1,
      loss: "mse",
    }),
    new Network({
      inputSize: 12,
      inputShape: [3, 4],
      layers: [
        { units: 4, activation: "relu" },
        { units: 2, activation: "softmax" },
      ],
      seed: 2,
    }),
  ];
  bases = [
    ...nets.map((n) => {
      const q = n.quantize();
      const b = toOnnx(q);
      q.dispose();
      return b;
    }),
    new Uint8Array(readFileSync(new URL("../fixtures/onnx/quantized/mlp_int8_per_tensor.onnx", import.meta.url))),
  ];
  nets.forEach((n) => n.dispose());
});

afterAll(() => {
  expect(tally.built > 0 && tally.refused > 0, JSON.stringify(tally)).toBe(true);
});

function check(bytes: Uint8Array): void {
  let file: ReturnType<typeof readQuantizedOnnx>;
  try {
    file = readQuantizedOnnx(bytes);
  } catch (e) {
    expect(isFormatError(e), String(e)).toBe(true);
    expect((e as Error).message).toMatch(/^onnx/);
    expect(() => fromQuantizedOnnx(bytes)).toThrow((e as Error).message);
    tally.refused++;
    return;
  }
  tally.built++;
  const q = QuantizedNetwork.fromJSON(file),
    same = fromQuantizedOnnx(bytes);
  const x = Float32Array.from({ length: 2 * q.inputSize }, (_, i) => Math.sin(i + 1));
  let out: Float32Array | null = null;
  try {
    out = q.predict(x);
  } catch (e) {
    expect((e as Error).message).toMatch(/not finite|non-finite|NaN|Infinity/);
  }
  if (out) {
    expect(Array.from(same.predict(x))).toEqual(Array.from(out));
    if (q.layers.every((l) => l.activation === "relu" || l.activation === "linear")) {
      let a: Float32Array = x,
        k = q.inputSize;
      for (const l of q.layers) {
        const { q: qx, scales } = quantizeRowsReference(2, k, a, activationRange(q.activations, k));
        a = qmatmulReference(2, l.units, k, qx, scales, l.weights, l.scales, l.bias, l.activation as "relu" | "linear");
        k = l.units;
      }
      expect(Array.from(out)).toEqual(Array.from(a));
    }
  }
  q.dispose();
  same.dispose();
}

type Obj = {
  graph: {
    node: { opType: string; input: string[]; output: string[]; attribute: unknown[] }[];
    initializer: { name: string; dims: number[]; dataType: number; rawData: Uint8Array }[];
  };
};

describe("readQuantizedOnnx on mutated files", () => {
  test("structure: op types, data types, dims, names, dropped nodes, int8 and scale bytes", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 0, max: 6 }),
        fc.oneof(fc.integer({ min: -130, max: 300 }), fc.constantFrom(-128, 0, 2 ** 31)),
        fc.constantFrom("DynamicQuantizeLinear", "MatMulInteger", "Cast", "Mul", "Add", "Relu", "QuantizeLinear", "constructor", "__proto__", ""),
        (which, at, at2, kind, value, name) => {
          const m = ModelProto.toObject(ModelProto.decode(bases[which]), { defaults: true, arrays: true, longs: Number }) as unknown as Obj;
          const g = m.graph,
            node = g.node[at % g.node.length],
            init = g.initializer[at % g.initializer.length];
          if (kind === 0) node.opType = name;
          else if (kind === 1) init.dataType = Math.abs(value) % 17;
          else if (kind === 2) {
            if (init.dims.length === 0) init.dims.push(value);
            else init.dims[at2 % init.dims.length] = value;
          } else if (kind === 3) {
            const list = at2 % 2 ? node.input : node.output;
            if (list.length) list[at2 % list.length] = name;
          } else if (kind === 4) g.node.splice(at % g.node.length, 1);
          else if (kind === 5 && init.rawData.length) init.rawData[at2 % init.rawData.length] = value & 255;
          else if (kind === 6 && init.rawData.length) init.rawData = init.rawData.slice(0, at2 % init.rawData.length);
          check(ModelProto.encode(ModelProto.fromObject(m)).finish());
        },
      ),
      { seed: 2727, numRuns: runs(300) },
    );
  });

  test("bytes: flipped, cut and inserted", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 3 }),
        fc.nat(),
        fc.integer({ min: 0, max: 2 }),
        fc.uint8Array({ maxLength: 6 }),
        (which, flips, at, op, extra) => {
          let bytes = bases[which].slice();
          for (const [i, xor] of flips) bytes[i % bytes.length] ^= xor;
          const i = at % bytes.length;
          if (op === 1) bytes = bytes.slice(0, i);
          else if (op === 2) bytes = Uint8Array.from([...bytes.slice(0, i), ...extra, ...bytes.slice(i)]);
          check(bytes);
        },
      ),
      { seed: 2728, numRuns: runs(300) },
    );
  });
});
