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
    let ssRes = 0, ssTot = 0, abs = 0;
    for (let i = 0; i < m; i++) {
      const t = truth[i * targets + j], e = t - predicted[i * targets + j];
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
  if (truth.length !== predicted.length || truth.length === 0) throw new RangeError(`truth has ${truth.length} labels, predictions ${predicted.length}; they must match and not be empty`);
  const cm = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  let correct = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i], p = predicted[i];
    if (!(t >= 0 && t < classes && p >= 0 && p < classes)) throw new RangeError(`label ${i}: ${t} or ${p} is not a class from 0 to ${classes - 1}`);
    cm[t][p]++;
    if (t === p) correct++;
  }
  const precision: number[] = [], recall: number[] = [], f1: number[] = [];
  for (let c = 0; c < classes; c++) {
    let col = 0, row = 0;
    for (let k = 0; k < classes; k++) { col += cm[k][c]; row += cm[c][k]; }
    const p = col > 0 ? cm[c][c] / col : 0, r = row > 0 ? cm[c][c] / row : 0;
    precision.push(p);
    recall.push(r);
    f1.push(p + r > 0 ? (2 * p * r) / (p + r) : 0);
  }
  const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / classes;
  return { accuracy: correct / truth.length, confusionMatrix: cm, precision, recall, f1, macro: { precision: mean(precision), recall: mean(recall), f1: mean(f1) } };
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
