// What an export does with the parts of a network a format may not hold: training settings
// (dropout, kernel penalties) and the feature spec. Each is carried when the format can hold it
// exactly, left out when the caller names it in `omit` (and then listed in the result), and
// otherwise refused with an ExportOmissionError naming it: an export never drops one silently.
import type { FeaturesJSON } from "../features.js";
import { describe } from "./describe.js";
import { ExportOmissionError } from "./errors.js";
import { type Exportable, normalizationIndices } from "./common.js";

/** The parts of a network an export may be asked to leave out (`{ omit: [...] }`). */
export const EXPORT_OMISSIONS = ["dropout", "kernelRegularizer", "featureSpec"] as const;

/** One of EXPORT_OMISSIONS. */
export type ExportOmission = (typeof EXPORT_OMISSIONS)[number];

/** The options of toTfjs, toOnnx and the writers. */
export interface ExportOptions {
  /**
   * The parts of the network to leave out of the file, where the format cannot hold them (or
   * where you do not want them): "dropout", "kernelRegularizer", "featureSpec". Without it, a
   * network holding one the format cannot carry is refused with an ExportOmissionError.
   */
  omit?: readonly ExportOmission[];
}

/** What each format holds: tfjs layers models carry Dropout layers and L1L2 kernel regularizers; ONNX inference graphs neither. */
const CARRIES: Readonly<Record<"tfjs" | "onnx", { dropout: boolean; kernelRegularizer: boolean }>> = Object.freeze({
  tfjs: { dropout: true, kernelRegularizer: true },
  onnx: { dropout: false, kernelRegularizer: false },
});

/** An export after the plan: the network to write (weights with the feature spec folded in, when it is), what it carries, and what it leaves out. */
export interface ExportPlan {
  /** The public function exporting ("toOnnx", "writeTfjs", …), for messages. */
  fn: string;
  net: Exportable;
  /** Write Dropout layers and kernel regularizers (the format holds them and they were not omitted). */
  dropout: boolean;
  kernelRegularizer: boolean;
  /** What the file leaves out, one line each ("layer 0 dropout 0.25", "featureSpec (…)"); empty when nothing. */
  omitted: string[];
}

/** The option keys the writers share with ExportOptions (saveTfjs adds shardBytes). */
export function checkExportOptions(fn: string, options: unknown, extra: readonly string[] = []): ExportOmission[] {
  if (typeof options !== "object" || options === null || Array.isArray(options))
    throw new TypeError(`${fn} options must be an object, received ${describe(options)}`);
  const keys = ["omit", ...extra];
  const unknown = Object.keys(options).find((k) => !keys.includes(k));
  if (unknown !== undefined) throw new TypeError(`${fn} options: unknown option "${unknown}"; expected ${keys.join(", ")}`);
  const omit = (options as { omit?: unknown }).omit;
  if (omit === undefined) return [];
  if (!Array.isArray(omit)) throw new TypeError(`${fn} options.omit must be an array of ${EXPORT_OMISSIONS.join(", ")}, received ${describe(omit)}`);
  omit.forEach((o, i) => {
    if (typeof o !== "string" || !(EXPORT_OMISSIONS as readonly string[]).includes(o)) {
      throw new RangeError(`${fn} options.omit[${i}] is ${describe(o)}; expected one of ${EXPORT_OMISSIONS.join(", ")}`);
    }
  });
  return omit as ExportOmission[];
}

/** The penalties of a kernel regularizer as a note shows them: "l1 0.001, l2 0.002". */
function penalties(r: { l1: number; l2: number }): string {
  return [r.l1 > 0 ? `l1 ${r.l1}` : "", r.l2 > 0 ? `l2 ${r.l2}` : ""].filter(Boolean).join(", ");
}

/** The settings of a network's layers that only training uses: "layer 0 dropout 0.25", "layer 1 kernelRegularizer (l2 0.01)". */
export function trainingOnlySettings(layers: Exportable["layers"]): string[] {
  return layers.flatMap((l, i) => {
    const r = l.kernelRegularizer;
    const p = r ? penalties(r) : "";
    return [(l.dropout ?? 0) > 0 ? `layer ${i} dropout ${l.dropout}` : "", p ? `layer ${i} kernelRegularizer (${p})` : ""].filter(Boolean);
  });
}

/** Why a feature spec cannot be folded into the network's weights, or null when it can. */
export function featureSpecUnfoldable(spec: FeaturesJSON, net: Exportable): string | null {
  const category = spec.columns.find((c) => c.type === "category");
  if (category) return `column "${category.name}" is a category (one-hot encoded), which the weights cannot hold`;
  if (spec.onMissing !== "error")
    return `missing values are ${spec.onMissing === "fill" ? "filled with the training mean or mode" : "dropped"} (onMissing "${spec.onMissing}"), which the weights cannot do`;
  if (spec.target.task === "classification")
    return `the class names (${spec.target.classes
      .slice(0, 4)
      .map((c) => JSON.stringify(c))
      .join(", ")}${spec.target.classes.length > 4 ? ", …" : ""}) are not weights: the file would give probabilities in that order`;
  const last = net.layers[net.layers.length - 1];
  if (last.activation !== "linear") return `the output layer is ${last.activation}, so the targets' standardization cannot be folded into it`;
  return null;
}

/**
 * Folds a feature spec's standardization into copies of the weights: the first layer takes the
 * raw numeric columns, W·(x − μ)/σ + b = (W/σ)·x + (b − W·(μ/σ)), and the output layer gives the
 * targets in their units (σ_t·y + μ_t, on W and b, or on γ and β when the output is normalized).
 */
function foldFeatureSpec(fn: string, spec: FeaturesJSON, net: Exportable): Float32Array[] {
  if (spec.target.task !== "regression") throw new Error("wasmlp internal error: only regression specs fold");
  const weights = net.getWeights().map((w) => Float32Array.from(w));
  const inputs = net.inputSize;
  const mean = spec.columns.map((c) => (c.type === "category" ? 0 : c.mean));
  const std = spec.columns.map((c) => (c.type === "category" ? 1 : c.std));
  const [w, b] = weights;
  for (let o = 0; o < b.length; o++) {
    let shift = 0;
    for (let i = 0; i < inputs; i++) {
      shift += w[o * inputs + i] * (mean[i] / std[i]);
      w[o * inputs + i] /= std[i];
    }
    b[o] -= shift;
  }
  const li = net.layers.length - 1;
  const last = net.layers[li];
  // The output's affine end: γ and β when it is normalized (y = γ·x̂ + β), else its W and b.
  const gammaIndex = normalizationIndices(net).gamma[li];
  const { mean: tm, std: ts } = spec.target;
  if (last.useBias === false && gammaIndex < 0 && tm.some((m) => m !== 0)) {
    throw new ExportOmissionError(
      `${fn}: the targets' means cannot be folded into the output layer, which has no bias; pass { omit: ["featureSpec"] } to export the network on its encoded inputs and standardized outputs`,
    );
  }
  const fanIn = li === 0 ? inputs : net.layers[li - 1].units;
  for (let o = 0; o < last.units; o++) {
    if (gammaIndex >= 0) {
      weights[gammaIndex][o] *= ts[o];
      weights[gammaIndex + 1][o] = weights[gammaIndex + 1][o] * ts[o] + tm[o];
    } else {
      for (let i = 0; i < fanIn; i++) weights[2 * li][o * fanIn + i] *= ts[o];
      weights[2 * li + 1][o] = weights[2 * li + 1][o] * ts[o] + tm[o];
    }
  }
  weights.forEach((t, ti) => {
    const bad = t.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0)
      throw new ExportOmissionError(
        `${fn}: folding the feature spec's standardization into the weights overflows float32 (tensor ${ti}[${bad}]); pass { omit: ["featureSpec"] } to export the network on its encoded inputs`,
      );
  });
  return weights;
}

/** The line `omitted` holds for a feature spec left out. */
function featureSpecLeftOut(inputSize: number): string {
  return `featureSpec (the file takes the encoded vector of ${inputSize} inputs and gives the network's raw outputs; the spec stays in the wasmlp model file)`;
}

/**
 * What an int8 export leaves out (an int8 network has no dropout or penalties): its feature spec,
 * which the int8 weights cannot absorb exactly, when `omit` names it; the lines `omitted` holds.
 * @throws ExportOmissionError when the network has a feature spec and `omit` does not name "featureSpec".
 */
export function planQuantizedExport(fn: string, net: { inputSize: number; features?: unknown }, omit: readonly ExportOmission[]): string[] {
  if (net.features === undefined) return [];
  if (omit.includes("featureSpec")) return [featureSpecLeftOut(net.inputSize)];
  throw new ExportOmissionError(
    `${fn}: the feature spec cannot travel in an int8 ONNX model (folding its standardization in would change the int8 weights and their scales); pass { omit: ["featureSpec"] } to export the network on its encoded inputs`,
  );
}

/**
 * Decides what an export writes: `fn` names the caller in messages, `format` the file format.
 * @throws ExportOmissionError when the network holds something the format cannot carry and `omit` does not name it.
 */
export function planExport(fn: string, format: "tfjs" | "onnx", net: Exportable, omit: readonly ExportOmission[]): ExportPlan {
  const carries = CARRIES[format];
  const Format = format === "tfjs" ? "a tfjs layers model" : "an ONNX model";
  const omitted: string[] = [];
  const settings = { dropout: false, kernelRegularizer: false };
  for (const key of ["dropout", "kernelRegularizer"] as const) {
    const lines = trainingOnlySettings(net.layers).filter((s) => s.includes(` ${key} `));
    if (lines.length === 0) continue;
    if (omit.includes(key)) omitted.push(...lines);
    else if (carries[key]) settings[key] = true;
    else {
      throw new ExportOmissionError(
        `${fn}: ${Format} has no place for ${lines.join(", ")} (training settings; predictions do not depend on them); pass { omit: ["${key}"] } to export without ${lines.length > 1 ? "them" : "it"}`,
      );
    }
  }
  const features = net.features?.toJSON();
  let out = net;
  if (features !== undefined) {
    if (omit.includes("featureSpec")) {
      omitted.push(featureSpecLeftOut(net.inputSize));
    } else {
      const why = featureSpecUnfoldable(features, net);
      if (why !== null) {
        throw new ExportOmissionError(
          `${fn}: the feature spec cannot travel in ${Format}: ${why}; pass { omit: ["featureSpec"] } to export the network on its encoded inputs`,
        );
      }
      const weights = foldFeatureSpec(fn, features, net);
      out = { inputSize: net.inputSize, ...(net.inputShape ? { inputShape: net.inputShape } : {}), layers: net.layers, getWeights: () => weights };
    }
  }
  return { fn, net: out, ...settings, omitted };
}
