// wasmlp export: writes a model in another library's format. Each format is one table entry
// (what --out names, a help line, the writer); the model comes from any MODEL_SOURCES flag.
import { toOnnx } from "../formats/onnx.js";
import { saveTfjs } from "../formats/tfjs-node.js";
import { writeAtomically } from "../atomic-write.js";
import { checkSaveTarget } from "./files.js";
import type { Network } from "../network.js";
import { init } from "../wasm.js";
import { UsageError, parse, text } from "./args.js";
import { MODEL_FLAGS, MODEL_USAGE, loadModel, modelFlagsHelp } from "./models.js";
import type { Output } from "./progress.js";
import { featuresLeftOut } from "./csv.js";

interface ExportFormat {
  /** What --out names: "DIR" or "FILE". */
  out: string;
  help: string;
  /** Writes the model; returns the paths written. */
  write(net: Network, out: string): string[];
}

export const EXPORT_FORMATS: Record<string, ExportFormat> = {
  tfjs: {
    out: "DIR", help: "TensorFlow.js layers model: DIR/model.json and its weight shards (tf.loadLayersModel reads it)",
    write: (net, out) => saveTfjs(net, out),
  },
  onnx: {
    out: "FILE", help: "ONNX model (opset 17): onnxruntime and PyTorch's onnx tools read it",
    write: (net, out) => {
      checkSaveTarget(out);
      writeAtomically(out, toOnnx(net));
      return [out];
    },
  },
};

export const EXPORT_HELP = `Usage: wasmlp export --format NAME (${MODEL_USAGE}) --out PATH

Writes a model in another library's format.

Formats:
${Object.entries(EXPORT_FORMATS).map(([name, f]) => `  ${name.padEnd(8)}--out ${f.out.padEnd(6)}${f.help}\n`).join("")}
Options:
  --format NAME     ${Object.keys(EXPORT_FORMATS).join(", ")}
${modelFlagsHelp(18)}  --out PATH        where to write (see the formats above)
  -h, --help        show this help
`;

export async function exportModel(argv: string[], out: Output): Promise<number> {
  const a = parse(argv, { ...MODEL_FLAGS, format: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" } }, "export");
  if (a.help) { out.write(EXPORT_HELP); return 0; }
  const name = text("format", a.format);
  if (name === undefined) throw new UsageError(`export: --format NAME is required: ${Object.keys(EXPORT_FORMATS).join(", ")} (see wasmlp export --help)`);
  const format = EXPORT_FORMATS[name];
  if (!format) throw new UsageError(`--format must be one of ${Object.keys(EXPORT_FORMATS).join(", ")}, received "${name}"`);
  const target = text("out", a.out);
  if (target === undefined) throw new UsageError(`export: --out ${format.out} is required (see wasmlp export --help)`);
  await init();
  const { net } = loadModel(a, "export");
  try {
    const files = format.write(net, target);
    out.write(`${net}\nwrote ${name}: ${files.join(", ")}\n`);
    if (net.features) out.write(featuresLeftOut(net.features));
  } finally {
    net.dispose();
  }
  return 0;
}
