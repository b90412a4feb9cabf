// wasmlp quantize (the command run in this process, as test/cli/run.ts does): writes a quantized
// model file that QuantizedNetwork.fromJSON reads; bad uses are one line and an exit code.
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { QuantizedNetwork } from "../../src/quantize.js";
import { setup } from "../helpers.js";
import { wasmlp } from "./run.js";

const dir = mkdtempSync(join(tmpdir(), "wasmlp-cli-quantize-"));

test("quantize --model m.json --out q.json writes a quantized model about a quarter the size", async () => {
  const model = join(dir, "m.json"),
    out = join(dir, "q.json");
  expect((await wasmlp("train", "--limit", "300", "--epochs", "1", "--layers", "32", "--save", model)).code).toBe(0);
  const r = await wasmlp("quantize", "--model", model, "--out", out, "--activations", "int8");
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^QuantizedNetwork\(784 → 32 relu → 10 softmax; int8 weights, int8 activations/);
  expect(r.stdout).toContain(`wrote ${out}`);
  expect(statSync(out).size / statSync(model).size).toBeLessThan(0.3);
  await setup();
  const q = QuantizedNetwork.fromJSON(readFileSync(out, "utf8"));
  expect(q.predict(new Float32Array(784)).length).toBe(10);
  q.dispose();
  expect((await wasmlp("quantize", "--model", model)).stderr).toMatch(/^wasmlp: error: quantize: --out FILE is required/);
  expect((await wasmlp("quantize", "--model", model, "--out", out, "--activations", "int4")).code).toBe(2);
  expect((await wasmlp("quantize", "--model", out, "--out", join(dir, "r.json"))).stderr).toMatch(/not a wasmlp model/);
});

test("export --format onnx of a quantized model writes the int8 ONNX graph; quantize --from-onnx reads one back, weights as they are", async () => {
  const model = join(dir, "m2.json"),
    q = join(dir, "q2.json"),
    onnx = join(dir, "q2.onnx"),
    back = join(dir, "back.json");
  expect((await wasmlp("train", "--limit", "200", "--epochs", "1", "--layers", "16", "--save", model)).code).toBe(0);
  expect((await wasmlp("quantize", "--model", model, "--out", q)).code).toBe(0);
  const r = await wasmlp("export", "--format", "onnx", "--model", q, "--out", onnx);
  expect(r.stderr).toBe("");
  expect(r.stdout).toMatch(/^QuantizedNetwork\(784 → 16 relu → 10 softmax; int8 weights\)\nwrote onnx: .*DynamicQuantizeLinear \+ MatMulInteger/);
  const r2 = await wasmlp("quantize", "--from-onnx", onnx, "--out", back);
  expect(r2.stderr).toBe("");
  expect(r2.stdout).toMatch(/^QuantizedNetwork\(784 → 16 relu → 10 softmax; int8 weights, int16 activations/);
  expect(JSON.parse(readFileSync(back, "utf8"))).toEqual(JSON.parse(readFileSync(q, "utf8")));
  expect((await wasmlp("export", "--format", "tfjs", "--model", q, "--out", join(dir, "tf"))).stderr).toMatch(
    /is a quantized model, which wasmlp exports as onnx only/,
  );
});
