// wasmlp export: writes a model in another library's format. Each format is one table entry
// (what --out names, a help line, the writer); the model comes from any MODEL_SOURCES flag.
// Conversion runs at the data level (a wasmlp model file in, files out): no wasm is loaded.
import { writeOnnx } from "../formats/onnx.js";
import { writeTfjsFolder } from "../formats/tfjs-node.js";
import { writeAtomically } from "../atomic-write.js";
import { describeOptimizer, tensorLayout } from "../config.js";
import { parseModelJSON } from "../model-file.js";
import type { Layer } from "../layer.js";
import type { ModelJSON } from "../types.js";
import { QUANTIZED_FORMAT, parseQuantizedJSON } from "../quantize.js";
import { checkOutFolder, checkSaveTarget, readModelText } from "./files.js";
import { UsageError, oneOf, parse, text } from "./args.js";
import { MODEL_FLAGS, MODEL_USAGE, loadModelJSON, modelFlagsHelp } from "./models.js";
import type { Output } from "./progress.js";
import { FeatureSpec } from "../features.js";
import { exportableOf } from "../formats/decoded.js";
import { type ExportOmission, featureSpecUnfoldable, trainingOnlySettings } from "../formats/export-plan.js";
import { featuresLeftOut } from "./csv.js";

interface ExportFormat {
  /** What --out names: "DIR" or "FILE". */
  out: string;
  help: string;
  /** Checks --out before the model is read (a folder that cannot be written fails at once). */
  check(out: string): void;
  /** Writes the model, leaving out `omit`; returns the paths written. */
  write(model: ModelJSON, out: string, omit: ExportOmission[]): string[];
}

/** Keyed by a name the user types: looked up with Object.hasOwn, so "constructor" is an unknown format. */
export const EXPORT_FORMATS: Readonly<Record<string, ExportFormat>> = Object.freeze({
  tfjs: {
    out: "DIR",
    help: "TensorFlow.js layers model: DIR/model.json and its weight shards (tf.loadLayersModel reads it)",
    check: (out) => checkOutFolder(out),
    write: (model, out, omit) => writeTfjsFolder(model, out, { omit }), // makes missing folders one level at a time
  },
  onnx: {
    out: "FILE",
    help: "ONNX model (opset 17): onnxruntime and PyTorch's onnx tools read it",
    check: (out) => checkSaveTarget(out, "--out"),
    write: (model, out, omit) => {
      writeAtomically(out, writeOnnx(model, { omit }), "--out");
      return [out];
    },
  },
});

const FORMAT_NAMES = Object.keys(EXPORT_FORMATS).join(", ");

export const EXPORT_HELP = `Usage: wasmlp export --format NAME (${MODEL_USAGE}) --out PATH

Writes a model in another library's format. A quantized model (wasmlp quantize's file) exports
to onnx: int8 weights, run by onnxruntime as its quantize_dynamic models (docs/quantization.md).

Formats:
${Object.entries(EXPORT_FORMATS)
  .map(([name, f]) => `  ${name.padEnd(8)}--out ${f.out.padEnd(6)}${f.help}\n`)
  .join("")}
Options:
  --format NAME     ${FORMAT_NAMES}
${modelFlagsHelp(18)}  --out PATH        where to write (see the formats above)
  -h, --help        show this help
`;

/** The model as Network's toString() shows it, from the file alone. */
function summary(model: ModelJSON): string {
  const { options } = parseModelJSON(model);
  const layers = options.layers as Layer[];
  const sizes = [
    String(options.inputSize),
    ...layers.map(
      (l) =>
        `${l.units}${l.normalization ? ` ${l.normalization.type}-norm` : ""} ${l.activation}${l.dropout > 0 ? ` (dropout ${l.dropout})` : ""}${l.useBias ? "" : " (no bias)"}`,
    ),
  ].join(" → ");
  const parameters = tensorLayout(
    options.inputSize,
    layers.map((l) => l.spec),
  ).tensorSizes.reduce((a, b) => a + b, 0);
  return `Network(${sizes}; loss ${model.loss}; ${describeOptimizer(model.optimizer)}; ${parameters.toLocaleString("en-US")} parameters)`;
}

export async function exportModel(argv: string[], out: Output): Promise<number> {
  const a = parse(argv, { ...MODEL_FLAGS, format: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" } }, "export");
  if (a.help) {
    out.write(EXPORT_HELP);
    return 0;
  }
  const name = text("format", a.format);
  if (name === undefined) throw new UsageError(`export: --format NAME is required: ${FORMAT_NAMES} (see wasmlp export --help)`);
  const format = EXPORT_FORMATS[oneOf("format", name, name, Object.keys(EXPORT_FORMATS))];
  const target = text("out", a.out);
  if (target === undefined) throw new UsageError(`export: --out ${format.out} is required (see wasmlp export --help)`);
  format.check(target);
  if (typeof a.model === "string" && a.model !== "") {
    const quantized = quantizedModelText(a.model);
    if (quantized !== null) {
      if (name !== "onnx")
        throw new UsageError(`export: ${a.model} is a quantized model, which wasmlp exports as onnx only (${name} has no int8 layers: export the float model)`);
      let bytes: Uint8Array, described: string, features: FeatureSpec | undefined;
      try {
        const { inputSize, layers, features: spec } = parseQuantizedJSON(quantized);
        described = `QuantizedNetwork(${[String(inputSize), ...layers.map((l) => `${l.units} ${l.activation}`)].join(" → ")}; int8 weights)`;
        features = spec;
        // As for float models: what the format cannot carry is left out and said so (int8 weights cannot absorb a feature spec).
        bytes = writeOnnx(quantized, { omit: spec ? ["featureSpec"] : [] });
      } catch (e) {
        throw new Error(`${a.model} is not a usable wasmlp quantized model: ${(e as Error).message}`);
      }
      writeAtomically(target, bytes);
      out.write(
        `${described}\nwrote onnx: ${target} (${bytes.length.toLocaleString("en-US")} bytes; DynamicQuantizeLinear + MatMulInteger per layer, as onnxruntime's quantize_dynamic writes)\n`,
      );
      if (features) out.write(featuresLeftOut(features));
      return 0;
    }
  }
  const { model } = loadModelJSON(a, "export"); // validated: summary and the writers read it as it is
  const described = summary(model);
  // The command line exports what the library would refuse only with { omit }: it leaves out what the format cannot carry and says so.
  const exportable = exportableOf(model);
  const plain = (format === EXPORT_FORMATS.onnx ? ["dropout", "kernelRegularizer"] : []) as ExportOmission[];
  const spec = model.features === undefined ? undefined : new FeatureSpec(model.features);
  const omit: ExportOmission[] = [...plain, ...(spec && featureSpecUnfoldable(spec.toJSON(), exportable) !== null ? ["featureSpec" as const] : [])];
  const files = format.write(model, target, omit);
  out.write(`${described}\nwrote ${name}: ${files.join(", ")}\n`);
  const dropped = trainingOnlySettings(exportable.layers).filter((s) => plain.some((key) => s.includes(` ${key} `)));
  if (dropped.length > 0) {
    out.write(
      `note: the ${name} files hold what inference computes, not these training settings: ${dropped.join("; ")}. Predictions are the same; training the exported model elsewhere starts without them.\n`,
    );
  }
  if (spec && omit.includes("featureSpec")) out.write(featuresLeftOut(spec));
  else if (spec)
    out.write(
      `note: the feature spec's standardization is folded into the weights: the ${name} model takes the raw columns ${spec.inputNames.join(", ")} in that order and gives ${spec.targetNames.join(", ")} in their units\n`,
    );
  return 0;
}

export { trainingOnlySettings };

/** The text of a --model file when it is a quantized model ("wasmlp-quantized"), else null. */
function quantizedModelText(path: string): string | null {
  const text = readModelText(path);
  try {
    const data: unknown = JSON.parse(text);
    return typeof data === "object" && data !== null && (data as { format?: unknown }).format === QUANTIZED_FORMAT ? text : null;
  } catch {
    return null; // the usual path reports it
  }
}
