// What the table commands print: the target and columns of a feature spec, held-out metrics,
// and what an export leaves out of the spec.
import type { ClassificationMetrics, RegressionMetrics } from "../data/metrics.js";
import { StreamingMetrics } from "../data/metrics.js";
import { type FeatureSpec, classValue } from "../features.js";
import { addScores } from "./csv-stream.js";
import { renderConfusion, renderTable } from "./progress.js";

export function describeTarget(spec: FeatureSpec): string {
  const t = spec.target;
  if (t.task === "classification") return `${t.name}: ${spec.outputSize} classes`;
  return `${t.names.join(", ")}: regression${t.std.some((s) => s !== 1) ? " (targets standardized)" : ""}`;
}

export function describeColumns(spec: FeatureSpec): string {
  return spec.columns.map((c) => `${c.name}: ${c.type === "category" ? `category (${c.categories.length}${c.other ? " + other" : ""})` : c.type}`).join(", ");
}

/** Classification: accuracy and the confusion matrix with class names; regression: R², MAE, RMSE per target in its units. */
export function reportMetrics(features: FeatureSpec, outputs: Float32Array, y: ArrayLike<number>, what: string): string {
  const metrics = new StreamingMetrics(features.task, features.outputSize);
  addScores(metrics, features, y, outputs);
  return renderMetrics(features, metrics, what);
}

export function renderMetrics(features: FeatureSpec, scores: StreamingMetrics, what: string): string {
  const t = features.target;
  const m = scores.rows;
  if (t.task === "classification") {
    const metrics = scores.metrics() as ClassificationMetrics;
    const names = t.classes.map((c) => String(classValue(c, t.type)));
    return `${what}accuracy ${metrics.accuracy.toFixed(4)} on ${m.toLocaleString("en-US")} rows (macro F1 ${metrics.macro.f1.toFixed(4)})\n\n${renderConfusion(metrics, names)}`;
  }
  const metrics = scores.metrics() as RegressionMetrics;
  const rows = t.names.map((n, j) => [
    n,
    metrics.perTarget[j].r2.toFixed(4),
    metrics.perTarget[j].mae.toPrecision(5),
    metrics.perTarget[j].rmse.toPrecision(5),
  ]);
  return `${what}R² ${metrics.r2.toFixed(4)} on ${m.toLocaleString("en-US")} rows\n${renderTable(["target", "R²", "MAE", "RMSE"], rows)}`;
}

/** What an export leaves out of a model's feature spec: said on every export, never dropped silently. */
export function featuresLeftOut(features: FeatureSpec): string {
  const t = features.target;
  const scaled = t.task === "regression" && t.std.some((s, i) => s !== 1 || t.mean[i] !== 0);
  return (
    `note: the exported model does not carry the feature spec: it takes the encoded vector of ${features.inputSize} inputs (${features.inputNames.slice(0, 6).join(", ")}${features.inputSize > 6 ? ", …" : ""}: numbers as (value − mean) / std, categories one-hot, in that order)` +
    `${t.task === "classification" ? ` and outputs probabilities of the classes ${t.classes.slice(0, 6).join(", ")}${t.classes.length > 6 ? ", …" : ""} in that order` : scaled ? " and outputs standardized targets (multiply by std, add mean)" : " and outputs the targets"}; the means, deviations and category lists are in the wasmlp model file's "features" field\n`
  );
}
