// Held-out metrics for tables: R², MAE and RMSE per regression target, and accuracy, confusion
// matrix and per-class precision/recall/F1 for classification. Sums in float64.

/** What regressionMetrics() returns: R², mean absolute error and root mean square error, overall and per target. */
export interface RegressionMetrics {
  /** 1 − SS_res / SS_tot (averaged over targets): 1 is perfect, 0 is the mean's score. */
  r2: number;
  mae: number;
  rmse: number;
  /** The same per target, in target order. */
  perTarget: { r2: number; mae: number; rmse: number }[];
}

/** Regression metrics of predictions against the truth, both flat rows × targets arrays. */
export function regressionMetrics(truth: ArrayLike<number>, predicted: ArrayLike<number>, targets = 1): RegressionMetrics {
  if (truth.length !== predicted.length) throw new RangeError(`truth has ${truth.length} values, predictions ${predicted.length}; they must match`);
  if (!Number.isInteger(targets) || targets < 1 || truth.length % targets !== 0 || truth.length === 0) {
    throw new RangeError(`${truth.length} values are not a whole, non-zero number of rows of ${targets} targets`);
  }
  const m = truth.length / targets;
  const perTarget = Array.from({ length: targets }, (_, j) => {
    let mean = 0;
    for (let i = 0; i < m; i++) mean += truth[i * targets + j];
    mean /= m;
    let ssRes = 0,
      ssTot = 0,
      abs = 0;
    for (let i = 0; i < m; i++) {
      const t = truth[i * targets + j],
        e = t - predicted[i * targets + j];
      ssRes += e * e;
      ssTot += (t - mean) ** 2;
      abs += Math.abs(e);
    }
    // A constant truth: R² is 1 for exact predictions and 0 otherwise (scikit-learn's convention).
    const r2 = ssTot > 0 ? 1 - ssRes / ssTot : ssRes === 0 ? 1 : 0;
    return { r2, mae: abs / m, rmse: Math.sqrt(ssRes / m) };
  });
  const avg = (k: "r2" | "mae" | "rmse"): number => perTarget.reduce((s, p) => s + p[k], 0) / targets;
  return { r2: avg("r2"), mae: avg("mae"), rmse: avg("rmse"), perTarget };
}

/** What classificationMetrics() returns: accuracy, the confusion matrix, per-class precision, recall and F1, and their macro averages. */
export interface ClassificationMetrics {
  accuracy: number;
  /** counts[true class][predicted class]. */
  confusionMatrix: number[][];
  precision: number[];
  recall: number[];
  f1: number[];
  macro: { precision: number; recall: number; f1: number };
}

/** Classification metrics of predicted class indices against true ones, for `classes` classes. */
export function classificationMetrics(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): ClassificationMetrics {
  if (truth.length !== predicted.length || truth.length === 0)
    throw new RangeError(`truth has ${truth.length} labels, predictions ${predicted.length}; they must match and not be empty`);
  const cm = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i],
      p = predicted[i];
    if (!(t >= 0 && t < classes && p >= 0 && p < classes)) throw new RangeError(`label ${i}: ${t} or ${p} is not a class from 0 to ${classes - 1}`);
    cm[t][p]++;
  }
  return metricsOfConfusion(cm);
}

/** Classification metrics from a confusion matrix (counts[true class][predicted class]). */
export function metricsOfConfusion(cm: number[][]): ClassificationMetrics {
  const classes = cm.length;
  let correct = 0,
    total = 0;
  for (let c = 0; c < classes; c++)
    for (let k = 0; k < classes; k++) {
      total += cm[c][k];
      if (c === k) correct += cm[c][k];
    }
  const precision: number[] = [],
    recall: number[] = [],
    f1: number[] = [];
  for (let c = 0; c < classes; c++) {
    let col = 0,
      row = 0;
    for (let k = 0; k < classes; k++) {
      col += cm[k][c];
      row += cm[c][k];
    }
    const p = col > 0 ? cm[c][c] / col : 0,
      r = row > 0 ? cm[c][c] / row : 0;
    precision.push(p);
    recall.push(r);
    f1.push(p + r > 0 ? (2 * p * r) / (p + r) : 0);
  }
  const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / classes;
  return { accuracy: correct / total, confusionMatrix: cm, precision, recall, f1, macro: { precision: mean(precision), recall: mean(recall), f1: mean(f1) } };
}

/**
 * Metrics over batches that are not kept (streamed evaluation): add() each batch's truth and
 * outputs, then metrics(). Classification counts a confusion matrix; regression keeps, per
 * target, Welford's running mean and squared deviations of the truth and the error sums, so
 * memory does not grow with the rows.
 */
export class StreamingMetrics {
  private readonly cm: number[][] | null;
  private readonly stats: { n: number; mean: number; m2: number; ssRes: number; abs: number }[];

  /** @param task and `outputs`: the classes (classification) or targets (regression) per row. */
  constructor(
    readonly task: "classification" | "regression",
    readonly outputs: number,
  ) {
    this.cm = task === "classification" ? Array.from({ length: outputs }, () => new Array<number>(outputs).fill(0)) : null;
    this.stats = task === "regression" ? Array.from({ length: outputs }, () => ({ n: 0, mean: 0, m2: 0, ssRes: 0, abs: 0 })) : [];
  }

  /** Rows seen so far. */
  get rows(): number {
    return this.cm ? this.cm.reduce((s, r) => s + r.reduce((a, b) => a + b, 0), 0) : (this.stats[0]?.n ?? 0);
  }

  /**
   * Classification: `truth` holds class indices (m) and `outputs` the scores (m × classes);
   * regression: both hold m × targets values in the targets' units.
   */
  add(truth: ArrayLike<number>, outputs: ArrayLike<number>): void {
    const k = this.outputs;
    if (this.cm) {
      const predicted = argmaxRows(outputs, k);
      for (let i = 0; i < truth.length; i++) this.cm[truth[i]][predicted[i]]++;
      return;
    }
    const m = truth.length / k;
    for (let j = 0; j < k; j++) {
      const s = this.stats[j];
      for (let i = 0; i < m; i++) {
        const t = truth[i * k + j],
          e = t - outputs[i * k + j];
        const d = t - s.mean;
        s.mean += d / ++s.n;
        s.m2 += d * (t - s.mean);
        s.ssRes += e * e;
        s.abs += Math.abs(e);
      }
    }
  }

  /** The metrics so far; a RangeError before any row. */
  metrics(): ClassificationMetrics | RegressionMetrics {
    if (this.rows === 0) throw new RangeError("no rows to compute metrics on");
    if (this.cm) return metricsOfConfusion(this.cm);
    const perTarget = this.stats.map((s) => ({
      r2: s.m2 > 0 ? 1 - s.ssRes / s.m2 : s.ssRes === 0 ? 1 : 0,
      mae: s.abs / s.n,
      rmse: Math.sqrt(s.ssRes / s.n),
    }));
    const avg = (key: "r2" | "mae" | "rmse"): number => perTarget.reduce((a, p) => a + p[key], 0) / perTarget.length;
    return { r2: avg("r2"), mae: avg("mae"), rmse: avg("rmse"), perTarget };
  }
}

/** The index of each row's largest output (rows × k). */
export function argmaxRows(outputs: ArrayLike<number>, k: number): Int32Array {
  const m = Math.floor(outputs.length / k);
  const out = new Int32Array(m);
  for (let i = 0; i < m; i++) {
    let best = 0;
    for (let j = 1; j < k; j++) if (outputs[i * k + j] > outputs[i * k + best]) best = j;
    out[i] = best;
  }
  return out;
}
