// Shows a PyTorch model brought in through ONNX: the committed torch.onnx.export fixture
// (test/fixtures/onnx/make.py made it) runs in wasmlp and matches PyTorch's own outputs.
// Usage: node examples/pytorch-onnx.js [file=mlp_norm_opset17.onnx]   (run from the repository)
import { readFileSync } from "node:fs";
import { init } from "wasmlp";
import { fromOnnx, toOnnx } from "wasmlp/onnx";

const name = process.argv[2] ?? "mlp_norm_opset17.onnx";
const dir = new URL("../test/fixtures/onnx/", import.meta.url);
const expected = JSON.parse(readFileSync(new URL("expected.json", dir), "utf8")).find((c) => c.file === name);
if (!expected) throw new Error(`no PyTorch outputs for ${name} in test/fixtures/onnx/expected.json`);

await init();
const net = fromOnnx(readFileSync(new URL(name, dir)));
console.log(`${name} (PyTorch ${expected.torch}, opset ${expected.opset}): ${net.toString()}`);
const ours = net.predict(expected.x);
const theirs = expected.y.flat();
const worst = Math.max(...theirs.map((v, i) => Math.abs(v - ours[i])));
console.log(`largest difference from PyTorch over ${expected.x.length} samples: ${worst.toExponential(2)}`);
console.log(`exported back to ONNX: ${toOnnx(net).length} bytes`);
net.dispose();
