// Fitting a feature spec on training rows: column types (inferred or stated), the task (from the
// target), means and standard deviations, category sets, class names. Everything is learnt from
// the rows given, which should be the training split only.
import {
  type Cell, type ColumnJSON, type ColumnType, DEFAULT_MISSING, FEATURE_LIMITS, FeatureSpec, type MissingPolicy, type Task,
  cellBoolean, cellNumber, cellText, isMissing, numericValue, targetText,
} from "../features.js";
import { DataError, type Table } from "./csv.js";

export interface FitFeaturesOptions {
  /** The column(s) to predict. Several names make a multi-target regression. */
  target: string | readonly string[];
  /** Input columns; default every column but the target(s) and `ignore`. */
  columns?: readonly string[];
  /** Columns left out of the inputs. */
  ignore?: readonly string[];
  /** Default: classification for a category, boolean, or integer target with at most `maxClasses` values; else regression. */
  task?: Task;
  /** Column types by name; the others are inferred. */
  types?: ReadonlyMap<string, ColumnType> | Readonly<Record<string, ColumnType>>;
  /** Cell texts read as missing; default "", NA, N/A, NaN, nan, ?, null. */
  missing?: readonly string[];
  /** Missing inputs: "error" (default) names the row and column; "drop" leaves the row out; "fill" uses the training mean or mode. */
  onMissing?: MissingPolicy;
  /** A category unseen in training, at prediction: "error" (default) or "other" (one more input per categorical column). */
  unknownCategory?: "error" | "other";
  /** Regression: train on standardized targets, mapped back in predict; default true. */
  standardizeTarget?: boolean;
  /** Most distinct values of an integer target still read as classes, and of a category column; default 20 and 1,000. */
  maxClasses?: number;
  maxCategories?: number;
}

/** The type of a column's non-missing values: boolean, integer, number, or category; numbers win when most values are numbers. */
export function inferType(values: readonly Cell[], missing: ReadonlySet<string>): ColumnType | null {
  let present = 0, numbers = 0, integers = 0, booleans = 0;
  for (const v of values) {
    if (isMissing(v, missing)) continue;
    present++;
    if (cellBoolean(v) !== null) { booleans++; continue; }
    const n = cellNumber(v);
    if (!Number.isNaN(n)) { numbers++; if (Number.isInteger(n)) integers++; }
  }
  if (present === 0) return null;
  if (booleans === present) return "boolean";
  // A column of numbers with a stray word is a numeric column with a bad value (an error naming
  // it), not a category column; a column that is mostly words is categorical.
  if (numbers * 2 > present) return integers === numbers ? "integer" : "number";
  return "category";
}

function typeMap(types: FitFeaturesOptions["types"]): Map<string, ColumnType> {
  if (types === undefined) return new Map();
  const m = types instanceof Map ? new Map(types) : new Map(Object.entries(types as Record<string, ColumnType>));
  for (const [k, t] of m) if (!["number", "integer", "boolean", "category"].includes(t)) throw new RangeError(`types: column "${k}" has type ${JSON.stringify(t)}; expected number, integer, boolean or category`);
  return m;
}

/** Infers (or takes) every column's type from the rows. */
export function columnTypes(table: Table, options: Pick<FitFeaturesOptions, "types" | "missing"> = {}): Map<string, ColumnType | null> {
  const stated = typeMap(options.types);
  const missing = new Set(options.missing ?? DEFAULT_MISSING);
  return new Map(table.columns.map((c, j) => [c, stated.get(c) ?? inferType(table.rows.map((r) => r[j]), missing)]));
}

/** Fits a feature spec on the (training) table: see FitFeaturesOptions. */
export function fitFeatures(table: Table, options: FitFeaturesOptions): FeatureSpec {
  if (options === null || typeof options !== "object") throw new TypeError("fitFeatures options must be an object with a target");
  const targets = typeof options.target === "string" ? [options.target] : [...(options.target ?? [])];
  if (targets.length === 0) throw new RangeError("fitFeatures needs a target column");
  const index = new Map(table.columns.map((c, j) => [c, j]));
  const known = (n: string, what: string): void => {
    if (!index.has(n)) throw new DataError(`${table.source}: ${what} "${n}" does not exist; columns: ${table.columns.map((c) => JSON.stringify(c)).join(", ")}`);
  };
  targets.forEach((t) => known(t, "target column"));
  for (const n of options.ignore ?? []) known(n, "ignored column");
  for (const n of options.columns ?? []) known(n, "column");
  const stated = typeMap(options.types);
  for (const n of stated.keys()) known(n, "typed column");
  const missingList = [...(options.missing ?? DEFAULT_MISSING)];
  const missing = new Set(missingList);
  const onMissing = options.onMissing ?? "error";
  if (!["error", "drop", "fill"].includes(onMissing)) throw new RangeError(`onMissing must be "error", "drop" or "fill", received ${JSON.stringify(onMissing)}`);
  const unknown = options.unknownCategory ?? "error";
  if (unknown !== "error" && unknown !== "other") throw new RangeError(`unknownCategory must be "error" or "other", received ${JSON.stringify(unknown)}`);
  const maxClasses = options.maxClasses ?? 20;
  const maxCategories = options.maxCategories ?? 1000;
  const ignore = new Set([...(options.ignore ?? []), ...targets]);
  const inputs = options.columns ? options.columns.filter((c) => !ignore.has(c)) : table.columns.filter((c) => !ignore.has(c));
  if (inputs.length === 0) throw new DataError(`${table.source}: no input columns are left besides the target`);
  if (inputs.length > FEATURE_LIMITS.columns) throw new DataError(`${table.source}: ${inputs.length} input columns; the limit is ${FEATURE_LIMITS.columns}`);
  const where = (r: number): string => `${table.source} ${table.unit} ${table.lines[r]}`;
  const values = (name: string): Cell[] => { const j = index.get(name)!; return table.rows.map((r) => r[j]); };

  // Rows with a missing target never train; with "error" they are reported.
  const usable: number[] = [];
  const isUsable = new Uint8Array(table.rows.length);
  table.rows.forEach((row, r) => {
    const gap = targets.find((t) => isMissing(row[index.get(t)!], missing));
    if (gap === undefined) { usable.push(r); isUsable[r] = 1; }
    else if (onMissing === "error") throw new DataError(`${where(r)}, column "${gap}": the target is missing; choose onMissing "drop" (CLI --on-missing drop) to leave such rows out`);
  });
  if (usable.length === 0) throw new DataError(`${table.source}: every row's target is missing`);

  // Target and task.
  const targetCells = values(targets[0]).filter((_, r) => isUsable[r] === 1);
  const targetType = stated.get(targets[0]) ?? inferType(targetCells, missing)!;
  const classes = new Set(targetCells.map((c) => targetText(c, targetType)));
  let task = options.task;
  if (task === undefined) {
        // "A few integers": at most maxClasses values, each seen twice on average; else numbers.
    const fewIntegers = classes.size <= maxClasses && classes.size * 2 <= usable.length;
    task = targets.length > 1 || targetType === "number" || (targetType === "integer" && !fewIntegers) ? "regression" : "classification";
  }
  if (task !== "classification" && task !== "regression") throw new RangeError(`task must be "classification" or "regression", received ${JSON.stringify(task)}`);
  if (task === "classification" && targets.length > 1) throw new RangeError(`classification predicts one target column; received ${targets.length} (${targets.join(", ")})`);

  const columns: ColumnJSON[] = inputs.map((name) => {
    const cells = values(name);
    const type = stated.get(name) ?? inferType(cells, missing);
    if (type === null) throw new DataError(`${table.source}: column "${name}" has no values (every one is missing); leave it out (ignore)`);
    if (type === "category") {
      const counts = new Map<string, number>();
      cells.forEach((c) => { if (!isMissing(c, missing)) { const t = cellText(c); counts.set(t, (counts.get(t) ?? 0) + 1); } });
      if (counts.size > maxCategories) throw new DataError(`${table.source}: column "${name}" has ${counts.size.toLocaleString("en-US")} distinct categories; the limit is ${maxCategories.toLocaleString("en-US")} (maxCategories); leave it out or state it numeric`);
      const categories = [...counts.keys()].sort();
      let mode = categories[0];
      for (const c of categories) if (counts.get(c)! > counts.get(mode)!) mode = c;
      return { name, type, categories, other: unknown === "other", mode };
    }
    // Welford's running mean and variance (float64), over the present values.
    let n = 0, mean = 0, m2 = 0;
    cells.forEach((c, r) => {
      if (isMissing(c, missing)) return;
      const v = type === "boolean" ? (cellBoolean(c) ?? numericValue(c, where(r), name)) : numericValue(c, where(r), name);
      const x = typeof v === "boolean" ? (v ? 1 : 0) : v;
      n++;
      const d = x - mean;
      mean += d / n;
      m2 += d * (x - mean);
    });
    const std = Math.sqrt(m2 / n);
    if (!(std > 0) || !Number.isFinite(std)) {
      throw new DataError(`${table.source}: column "${name}" is constant (every value is ${mean}): it tells the rows apart in no way; leave it out (ignore)`);
    }
    return { name, type, mean, std };
  });

  if (task === "classification") {
    if (classes.size < 2) throw new DataError(`${table.source}: the target "${targets[0]}" has one class (${JSON.stringify([...classes][0])}); classification needs at least two`);
    if (classes.size > FEATURE_LIMITS.categories) throw new DataError(`${table.source}: the target "${targets[0]}" has ${classes.size} classes; the limit is ${FEATURE_LIMITS.categories}`);
    const sorted = [...classes].sort(targetType === "integer" || targetType === "number" ? (a, b) => Number(a) - Number(b) : undefined);
    return new FeatureSpec({ columns, target: { task, name: targets[0], type: targetType, classes: sorted }, missing: missingList, onMissing });
  }
  const mean: number[] = [], std: number[] = [];
  for (const t of targets) {
    const j = index.get(t)!;
    let n = 0, mu = 0, m2 = 0;
    for (const r of usable) {
      const x = numericValue(table.rows[r][j], where(r), t);
      n++;
      const d = x - mu;
      mu += d / n;
      m2 += d * (x - mu);
    }
    const s = Math.sqrt(m2 / n);
    if (!(s > 0)) throw new DataError(`${table.source}: the target "${t}" is constant (every value is ${mu}); there is nothing to learn`);
    const scale = options.standardizeTarget ?? true;
    mean.push(scale ? mu : 0);
    std.push(scale ? s : 1);
  }
  return new FeatureSpec({ columns, target: { task, names: targets, mean, std }, missing: missingList, onMissing });
}
