// Int8 ONNX models in: the graphs onnxruntime's quantize_dynamic makes of MLPs (made by
// scripts/make-quantized-onnx-fixtures.py), per tensor and per channel. Their int8 weights come in
// bit for bit, the network runs in wasmlp's scheme close to the dequantized float model, and
// onnxruntime-web runs the same files within the bound of wasmlp's outputs. Other zero points,
// uint8 weights and static QDQ pairs are refused with named errors.
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-web";
import { beforeAll, describe, expect, test } from "vitest";
import { UnsupportedFormatError } from "../../src/formats/errors.js";
import { FormatError } from "../../src/formats/errors.js";
import { fromOnnx, fromQuantizedOnnx, readQuantizedOnnx } from "../../src/formats/onnx.js";
import { ModelProto } from "../../src/formats/onnx/proto.js";
import { QuantizedNetwork } from "../../src/quantize.js";
import { setup } from "../helpers.js";
import { networkBound } from "./onnx-bound.js";

beforeAll(async () => {
  await setup();
});
ort.env.wasm.numThreads = 1;
const DIR = new URL("../fixtures/onnx/quantized/", import.meta.url);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, DIR)));
const expected: {
  file: string;
  inputShape: number[];
  perChannel: boolean;
  x: number[][];
  dequantized: number[][];
  layers: ({ weights: number[]; scales: number[] } | null)[];
}[] = JSON.parse(readFileSync(new URL("expected.json", DIR), "utf8"));

describe("quantize_dynamic's int8 MLPs", () => {
  test.each(expected)(
    "$file: int8 weights and scales as stored; outputs within 0.01 of the dequantized model; onnxruntime-web within the bound",
    async ({ file, inputShape, x, dequantized, layers }) => {
      const bytes = fixture(file);
      const q = fromQuantizedOnnx(bytes);
      expect(q.inputSize).toBe(inputShape.reduce((a, b) => a * b, 1));
      if (inputShape.length > 1) expect(q.inputShape).toEqual(inputShape);
      layers.forEach((want, i) => {
        if (!want) return; // a float Gemm, quantized in wasmlp's scheme
        expect(Array.from(q.layers[i].weights), `layer ${i} weights`).toEqual(want.weights);
        expect(Array.from(q.layers[i].scales), `layer ${i} scales`).toEqual(want.scales.map(Math.fround));
      });
      const flat = Float32Array.from(x.flat());
      const got = q.predict(flat);
      dequantized.flat().forEach((v, i) => expect(Math.abs(got[i] - v), `output ${i}`).toBeLessThan(0.01));
      // onnxruntime-web runs the file as it is; one sample at a time, within the bound of wasmlp's outputs.
      const session = await ort.InferenceSession.create(bytes);
      const outName = session.outputNames[0];
      const file0 = q.toJSON();
      const cut = q.layers.map((_, l) => QuantizedNetwork.fromJSON({ ...file0, layers: file0.layers.slice(0, l + 1) }));
      const n = q.outputSize,
        k = q.inputSize;
      for (let i = 0; i < x.length; i++) {
        const sample = flat.subarray(i * k, (i + 1) * k);
        const theirs = (await session.run({ input: new ort.Tensor("float32", sample.slice(), [1, ...inputShape]) }))[outName].data as Float32Array;
        const bound = networkBound(q.layers, (l) => (l === 0 ? sample : cut[l - 1].predict(sample)), "int16");
        for (let j = 0; j < n; j++) expect(Math.abs(theirs[j] - got[i * n + j])).toBeLessThanOrEqual(bound);
      }
      await session.release();
      [q, ...cut].forEach((c) => c.dispose());
    },
  );

  test("readQuantizedOnnx needs no wasm and gives the model file QuantizedNetwork.fromJSON reads", () => {
    const file = readQuantizedOnnx(fixture("mlp_int8_per_tensor.onnx"), { activations: "int8" });
    expect(file.format).toBe("wasmlp-quantized");
    expect(file.activations).toBe("int8");
    expect(file.loss).toBe("categorical-crossentropy");
    expect(file.layers.map((l) => `${l.units} ${l.activation}`)).toEqual(["16 relu", "8 tanh", "3 softmax"]);
  });
});

describe("what is refused", () => {
  test("a weight zero point other than 0, uint8 weights, a static QDQ pair: UnsupportedFormatError naming the node", () => {
    const refused = (name: string) => {
      try {
        readQuantizedOnnx(fixture(name));
      } catch (e) {
        expect(e).toBeInstanceOf(UnsupportedFormatError);
        return (e as Error).message;
      }
      throw new Error(`${name} was read`);
    };
    expect(refused("mlp_int8_zero_point.onnx")).toMatch(
      /^onnx: node 1 \(MatMulInteger\)'s weight zero point is 3 \(unit 0\); wasmlp reads symmetric int8 weights, zero point 0/,
    );
    expect(refused("mlp_uint8_weights.onnx")).toMatch(/is uint8 \(onnxruntime's QUInt8 weights/);
    expect(refused("mlp_qdq_static.onnx")).toMatch(
      /^onnx: node 0 \(QuantizeLinear "[^"]+"\): operator QuantizeLinear outside quantize_dynamic's int8 MatMul pattern/,
    );
  });

  test("the float reader points at readQuantizedOnnx; patterns cut short are refused naming what is missing", () => {
    expect(() => fromOnnx(fixture("mlp_int8_per_tensor.onnx"))).toThrow(
      /operator DynamicQuantizeLinear belongs to a quantized model; read int8 models with readQuantizedOnnx/,
    );
    const model = ModelProto.toObject(ModelProto.decode(fixture("mlp_int8_per_tensor.onnx"))) as {
      graph: { node: { opType: string }[]; initializer: { name: string; dataType: number; rawData?: Uint8Array }[] };
    };
    const without = (op: string) => {
      const m = structuredClone(model);
      m.graph.node = m.graph.node.filter((n, i) => !(n.opType === op && i < 5));
      return ModelProto.encode(ModelProto.fromObject(m)).finish();
    };
    expect(() => readQuantizedOnnx(without("Cast"))).toThrow(
      /node 0 \(DynamicQuantizeLinear "[^"]+"\) is not followed by a Cast of MatMulInteger's int32 output/,
    );
    expect(() => readQuantizedOnnx(without("MatMulInteger"))).toThrow(UnsupportedFormatError);
    // A scale of 0 or NaN is damage, not a pattern: FormatError.
    const zero = structuredClone(model);
    const scale = zero.graph.initializer.find((t) => t.name.endsWith("_scale"))!;
    scale.rawData = new Uint8Array(4);
    expect(() => readQuantizedOnnx(ModelProto.encode(ModelProto.fromObject(zero)).finish())).toThrow(FormatError);
    expect(() => readQuantizedOnnx(ModelProto.encode(ModelProto.fromObject(zero)).finish())).toThrow(
      /weight scale \[0\] is 0; every scale must be finite and greater than 0/,
    );
    expect(() => readQuantizedOnnx(fixture("mlp_int8_per_tensor.onnx"), { bits: 8 } as never)).toThrow(TypeError);
    expect(() => readQuantizedOnnx(fixture("mlp_int8_per_tensor.onnx"), { activations: "int4" as never })).toThrow(/int16/);
  });
});
