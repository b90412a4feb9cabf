// The command line with ONNX models (the built dist/, as a user runs it): export --format onnx
// writes what eval/predict --from-onnx read back to the same results; a model exported by
// PyTorch and a refused one get the right answer and one line.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { wasmlp } from "./run.js";
import { expect, test } from "vitest";

const FIXTURES = fileURLToPath(new URL("../fixtures/onnx/", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "wasmlp-cli-onnx-"));
const result = (stdout: string) => /test loss (\d\.\d{4}) {2}test accuracy (\d\.\d{4})/.exec(stdout)?.slice(1).join(" ");

test("export --format onnx, then eval and predict --from-onnx give the model's own results", async () => {
  const model = join(dir, "m.json"),
    onnx = join(dir, "m.onnx");
  expect((await wasmlp("train", "--limit", "300", "--epochs", "1", "--layers", "16", "--save", model)).code).toBe(0);
  const e = await wasmlp("export", "--format", "onnx", "--model", model, "--out", onnx);
  expect(e.code).toBe(0);
  expect(e.stdout).toContain(`wrote onnx: ${onnx}`);
  expect(readFileSync(onnx).length).toBeGreaterThan(4 * 784 * 16);
  expect(result((await wasmlp("eval", "--from-onnx", onnx)).stdout)).toBe(result((await wasmlp("eval", "--model", model)).stdout));
  const [a, b] = [await wasmlp("predict", "--from-onnx", onnx, "--count", "5"), await wasmlp("predict", "--model", model, "--count", "5")];
  expect(a.stdout.split("\n").slice(-7)).toEqual(b.stdout.split("\n").slice(-7));
});

test("a refused ONNX model and bad uses: one line, exit code", async () => {
  const conv = await wasmlp("eval", "--from-onnx", join(FIXTURES, "conv_opset13.onnx"));
  expect(conv.code).toBe(1);
  expect(conv.stderr).toMatch(/^wasmlp: error: .*conv_opset13.onnx is not a usable ONNX model: onnx: node 0 \(Conv "[^"]*"\): operator Conv is not supported/);
  expect(conv.stderr.trim().split("\n")).toHaveLength(1);
  expect((await wasmlp("eval", "--from-onnx", "/dev/zero")).stderr).toMatch(/model file \/dev\/zero is a device; expected a regular file/);
  expect((await wasmlp("export", "--format", "onnx", "--from-onnx", join(FIXTURES, "mlp_opset11.onnx"), "--out", "/no/such/dir/x.onnx")).stderr).toMatch(
    /the folder \/no\/such\/dir does not exist/,
  );
});
