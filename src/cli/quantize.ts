// wasmlp quantize: a trained model's int8 twin (src/quantize.ts), written as a
// "wasmlp-quantized" model file; prints both sizes.
import { writeAtomically } from "../atomic-write.js";
import { fromQuantizedOnnx } from "../formats/onnx.js";
import type { Network } from "../network.js";
import { ACTIVATION_TYPES, type ActivationType, type QuantizedNetwork } from "../quantize.js";
import { init } from "../wasm.js";
import { UsageError, oneOf, parse, text } from "./args.js";
import { checkSaveTarget, readModelBytes } from "./files.js";
import { MODEL_FLAGS, MODEL_USAGE, loadModel, modelFlagsHelp } from "./models.js";
import type { Output } from "./progress.js";

export const QUANTIZE_HELP = `Usage: wasmlp quantize (${MODEL_USAGE}) --out FILE [--activations int16|int8]

Writes an inference-only copy of a trained model with int8 weights (one float32 scale per
unit) and activations quantized per sample when it runs (docs/quantization.md). Load it with
QuantizedNetwork.fromJSON. An ONNX model with int8 weights (onnxruntime's quantize_dynamic,
zero point 0) keeps its weights as they are; wasmlp export --format onnx writes one.

Options:
${modelFlagsHelp(20)}  --out FILE          where to write the quantized model (JSON, written atomically)
  --activations TYPE  int16 (default) or int8: how activations are quantized at run time
  -h, --help          show this help
`;

export async function quantize(argv: string[], out: Output): Promise<number> {
  const a = parse(argv, { ...MODEL_FLAGS, out: { type: "string" }, activations: { type: "string" }, help: { type: "boolean", short: "h" } }, "quantize");
  if (a.help) {
    out.write(QUANTIZE_HELP);
    return 0;
  }
  const target = text("out", a.out);
  if (target === undefined) throw new UsageError("quantize: --out FILE is required (see wasmlp quantize --help)");
  const activations = oneOf("activations", a.activations, "int16", ACTIVATION_TYPES);
  checkSaveTarget(target);
  await init();
  let loaded: { net: Network } | null = null;
  try {
    loaded = loadModel(a, "quantize");
  } catch (e) {
    // An int8 ONNX model (the float reader names its quantized operators): its weights are kept.
    if (typeof a["from-onnx"] !== "string" || !/belongs to a quantized model/.test((e as Error).message)) throw e;
  }
  if (!loaded) return quantizedOnnx(a["from-onnx"] as string, target, activations, out);
  const { net } = loaded;
  try {
    const q = net.quantize({ activations });
    try {
      const json = JSON.stringify(q);
      writeAtomically(target, json);
      const before = JSON.stringify(net).length;
      out.write(
        `${q}\nwrote ${target}: ${json.length.toLocaleString("en-US")} bytes, ${(json.length / before).toFixed(2)}× the float model's ${before.toLocaleString("en-US")}\n`,
      );
    } finally {
      q.dispose();
    }
  } finally {
    net.dispose();
  }
  return 0;
}

/** wasmlp quantize --from-onnx of an int8 ONNX model: its weights as they are, activations in wasmlp's scheme. */
function quantizedOnnx(path: string, target: string, activations: ActivationType, out: Output): number {
  let q: QuantizedNetwork;
  try {
    q = fromQuantizedOnnx(readModelBytes(path), { activations });
  } catch (e) {
    throw new Error(`${path} is not a usable int8 ONNX model: ${(e as Error).message}`);
  }
  try {
    const json = JSON.stringify(q);
    writeAtomically(target, json);
    out.write(`${q}\nwrote ${target}: ${json.length.toLocaleString("en-US")} bytes (the ONNX file's int8 weights; activations quantized in wasmlp's scheme)\n`);
  } finally {
    q.dispose();
  }
  return 0;
}
