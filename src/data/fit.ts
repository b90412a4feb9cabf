// Fitting a feature spec on training rows: column types (inferred or stated), the task (from the
// target), means and standard deviations, category sets, class names. Everything is learnt from
// the rows given, which should be the training split only. The statistics are streaming ones
// (Welford's mean and variance, capped category counts), so a file larger than memory is fitted
// row by row (FeatureFitter) exactly as a table in memory is (fitFeatures).
import {
  type Cell,
  type ColumnJSON,
  type ColumnType,
  DEFAULT_MISSING,
  FEATURE_LIMITS,
  FeatureSpec,
  type MissingPolicy,
  type Task,
  cellBoolean,
  cellNumber,
  cellText,
  isMissing,
  targetText,
} from "../features.js";
import { DataError, type Table } from "./csv.js";

/** Options of fitFeatures() and FeatureFitter: the target, the input columns, their types, missing values and limits. */
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

/** Running statistics of one column: what its values look like, Welford's mean and variance of its numbers, its category counts. */
class ColumnStats {
  present = 0;
  numbers = 0;
  integers = 0;
  booleans = 0;
  n = 0;
  mean = 0;
  m2 = 0;
  /** The first value that is not a number, and the first number that is not finite: errors if the column is numeric. */
  firstText: { where: string; value: string } | null = null;
  firstInfinite: { where: string; value: string } | null = null;
  firstMissing: { where: string; value: string } | null = null;
  firstNonBoolean: { where: string; value: string } | null = null;
  /** Category counts of text cells, and of number cells keyed by the number (no string made per cell). */
  private texts = new Map<string, number>();
  private numberCounts = new Map<number, number>();
  private merged: Map<string, number> | null = null;
  /** Where the category past the cap first appeared. */
  overflow: string | null = null;

  constructor(private readonly cap: number) {}

  /** Every value's count by its text (numbers as String writes them, as cellText does). */
  get counts(): Map<string, number> {
    if (this.merged) return this.merged;
    const all = new Map(this.texts);
    for (const [v, n] of this.numberCounts) {
      const t = String(v);
      all.set(t, (all.get(t) ?? 0) + n);
    }
    return (this.merged = all);
  }

  add(cell: Cell, missing: ReadonlySet<string>, where: () => string): void {
    if (typeof cell === "number" && !Number.isNaN(cell)) {
      // The path of a number cell, as below for a text one that holds a number.
      this.merged = null;
      this.present++;
      const seen = this.numberCounts.get(cell);
      if (seen !== undefined) this.numberCounts.set(cell, seen + 1);
      else if (this.texts.size + this.numberCounts.size < this.cap) this.numberCounts.set(cell, 1);
      else if (this.overflow === null) this.overflow = where();
      if (cell !== 0 && cell !== 1 && this.firstNonBoolean === null) this.firstNonBoolean = { where: where(), value: String(cell) };
      if (!(Math.abs(cell) <= 3.4028234663852886e38)) {
        if (this.firstInfinite === null) this.firstInfinite = { where: where(), value: String(cell) };
        return;
      }
      this.numbers++;
      if (Number.isInteger(cell)) this.integers++;
      const n = ++this.n;
      const d = cell - this.mean;
      this.mean += d / n;
      this.m2 += d * (cell - this.mean);
      return;
    }
    this.merged = null;
    if (isMissing(cell, missing)) {
      if (this.firstMissing === null) this.firstMissing = { where: where(), value: typeof cell === "string" ? cell : "" };
      return;
    }
    this.present++;
    const text = cellText(cell);
    if (this.texts.size + this.numberCounts.size < this.cap || this.texts.has(text)) this.texts.set(text, (this.texts.get(text) ?? 0) + 1);
    else if (this.overflow === null) this.overflow = where();
    const b = cellBoolean(cell);
    if (b !== null) this.booleans++;
    const x = b !== null ? (b ? 1 : 0) : cellNumber(cell);
    if (b === null && x !== 0 && x !== 1 && this.firstNonBoolean === null) this.firstNonBoolean = { where: where(), value: text };
    if (Number.isNaN(x)) {
      if (this.firstText === null) this.firstText = { where: where(), value: text };
      return;
    }
    if (!Number.isFinite(x) || Math.abs(x) > 3.4028234663852886e38) {
      if (this.firstInfinite === null) this.firstInfinite = { where: where(), value: text };
      return;
    }
    if (b === null) {
      this.numbers++;
      if (Number.isInteger(x)) this.integers++;
    }
    const n = ++this.n;
    const d = x - this.mean;
    this.mean += d / n;
    this.m2 += d * (x - this.mean);
  }

  /** boolean, integer, number or category; numbers win when most values are numbers (a stray word is then an error), null when all are missing. */
  inferred(): ColumnType | null {
    if (this.present === 0) return null;
    if (this.booleans === this.present) return "boolean";
    const numeric = this.numbers + (this.firstInfinite ? 1 : 0);
    if (numeric * 2 > this.present) return this.integers === this.numbers ? "integer" : "number";
    return "category";
  }

  /** Throws for a value the column's numeric or boolean type cannot take, naming where it is. */
  checkNumeric(name: string, type: ColumnType): void {
    if (type === "boolean") {
      const bad = this.firstNonBoolean;
      if (bad) throw new DataError(`${bad.where}, column "${name}": ${JSON.stringify(bad.value.slice(0, 40))} is not true or false (the column is boolean)`);
      return;
    }
    const text = this.firstText;
    if (text)
      throw new DataError(
        `${text.where}, column "${name}": ${JSON.stringify(text.value.slice(0, 40))} is not a number (the column is numeric; state it as a category with types { "${name}": "category" } to treat its values as text)`,
      );
    const inf = this.firstInfinite;
    if (inf) throw new DataError(`${inf.where}, column "${name}": ${JSON.stringify(inf.value)} is not a finite number; every value must be finite`);
  }

  get std(): number {
    return this.n > 0 ? Math.sqrt(this.m2 / this.n) : 0;
  }
}

/** Fits a feature spec row by row: add() each training row (a row array in the table's column order), then spec(). */
export class FeatureFitter {
  readonly targets: string[];
  readonly inputs: string[];
  private readonly o: Required<Omit<FitFeaturesOptions, "columns" | "ignore" | "task" | "types" | "target">> & { task?: Task };
  private readonly stated: Map<string, ColumnType>;
  private readonly missing: ReadonlySet<string>;
  private readonly index: Map<string, number>;
  private readonly stats: Map<string, ColumnStats>;
  /** Each column's statistics with its index in a row (add's loop). */
  private readonly columnStats: [ColumnStats, number][];
  private rows = 0;

  /**
   * @param columns The table's column names, in the order of the row arrays add() takes.
   * @param source The rows' source, named in errors (a file name).
   * @param options The target and the other choices (see FitFeaturesOptions).
   * @throws {DataError} When a named column (target, ignored, typed) does not exist.
   * @throws {RangeError} When no target is given.
   * @throws {TypeError} When options is not an object.
   */
  constructor(
    columns: readonly string[],
    private readonly source: string,
    options: FitFeaturesOptions,
  ) {
    if (options === null || typeof options !== "object") throw new TypeError("fitFeatures options must be an object with a target");
    this.targets = typeof options.target === "string" ? [options.target] : [...(options.target ?? [])];
    if (this.targets.length === 0) throw new RangeError("fitFeatures needs a target column");
    this.index = new Map(columns.map((c, j) => [c, j]));
    const known = (n: string, what: string): void => {
      if (!this.index.has(n)) throw new DataError(`${source}: ${what} "${n}" does not exist; columns: ${columns.map((c) => JSON.stringify(c)).join(", ")}`);
    };
    this.targets.forEach((t) => known(t, "target column"));
    for (const n of options.ignore ?? []) known(n, "ignored column");
    for (const n of options.columns ?? []) known(n, "column");
    this.stated = typeMap(options.types);
    for (const n of this.stated.keys()) known(n, "typed column");
    const onMissing = options.onMissing ?? "error";
    if (!["error", "drop", "fill"].includes(onMissing))
      throw new RangeError(`onMissing must be "error", "drop" or "fill", received ${JSON.stringify(onMissing)}`);
    const unknownCategory = options.unknownCategory ?? "error";
    if (unknownCategory !== "error" && unknownCategory !== "other")
      throw new RangeError(`unknownCategory must be "error" or "other", received ${JSON.stringify(unknownCategory)}`);
    if (options.task !== undefined && options.task !== "classification" && options.task !== "regression")
      throw new RangeError(`task must be "classification" or "regression", received ${JSON.stringify(options.task)}`);
    this.o = {
      missing: [...(options.missing ?? DEFAULT_MISSING)],
      onMissing,
      unknownCategory,
      standardizeTarget: options.standardizeTarget ?? true,
      maxClasses: options.maxClasses ?? 20,
      maxCategories: options.maxCategories ?? 1000,
      task: options.task,
    };
    this.missing = new Set(this.o.missing);
    const ignore = new Set([...(options.ignore ?? []), ...this.targets]);
    this.inputs = (options.columns ?? columns).filter((c) => !ignore.has(c));
    if (this.inputs.length === 0) throw new DataError(`${source}: no input columns are left besides the target`);
    if (this.inputs.length > FEATURE_LIMITS.columns)
      throw new DataError(`${source}: ${this.inputs.length} input columns; the limit is ${FEATURE_LIMITS.columns}`);
    // Category sets are capped while reading, so a column of identifiers cannot fill memory.
    this.stats = new Map([...this.inputs, ...this.targets].map((c) => [c, new ColumnStats(Math.max(this.o.maxCategories, FEATURE_LIMITS.categories) + 1)]));
    this.columnStats = [...this.stats].map(([c, s]) => [s, this.index.get(c)!]);
  }

  /** Adds one training row; `where` names it for errors ("data.csv line 5"). Returns false when its target is missing (the row does not train). */
  add(row: readonly Cell[], where: () => string): boolean {
    return this.addCells((j) => row[j], where);
  }

  /** add() for a row read cell by cell: `cell(j)` is the cell of column j. */
  addCells(cell: (j: number) => Cell, where: () => string): boolean {
    for (const t of this.targets) {
      if (isMissing(cell(this.index.get(t)!), this.missing)) {
        if (this.o.onMissing === "error")
          throw new DataError(`${where()}, column "${t}": the target is missing; choose onMissing "drop" (CLI --on-missing drop) to leave such rows out`);
        return false;
      }
    }
    this.rows++;
    for (const [s, j] of this.columnStats) s.add(cell(j), this.missing, where);
    return true;
  }

  /**
   * The feature spec fitted to the rows added so far.
   * @throws {DataError} When no row had a target, a column had no values, a value was missing
   * under onMissing "error", or a category column has more than maxCategories categories.
   */
  spec(): FeatureSpec {
    const { source, o } = this;
    if (this.rows === 0) throw new DataError(`${source}: no training row has a target`);
    const columns: ColumnJSON[] = this.inputs.map((name) => {
      const s = this.stats.get(name)!;
      const type = this.stated.get(name) ?? s.inferred();
      if (type === null) throw new DataError(`${source}: column "${name}" has no values (every one is missing); leave it out (ignore)`);
      if (s.firstMissing !== null && o.onMissing === "error")
        throw new DataError(
          `${s.firstMissing.where}, column "${name}": the value is missing${s.firstMissing.value ? ` (${JSON.stringify(s.firstMissing.value)})` : ""}; choose onMissing "drop" or "fill" (CLI --on-missing) to accept missing values`,
        );
      if (type === "category") {
        const counts = s.counts;
        if (s.overflow || counts.size > o.maxCategories)
          throw new DataError(
            `${source}: column "${name}" has ${s.overflow ? "more than " : ""}${counts.size.toLocaleString("en-US")} distinct categories; the limit is ${o.maxCategories.toLocaleString("en-US")} (maxCategories); leave it out or state it numeric`,
          );
        const categories = [...counts.keys()].sort();
        let mode = categories[0];
        for (const c of categories) if (counts.get(c)! > counts.get(mode)!) mode = c;
        return { name, type, categories, other: o.unknownCategory === "other", mode };
      }
      s.checkNumeric(name, type);
      const std = s.std;
      if (!(std > 0) || !Number.isFinite(std))
        throw new DataError(`${source}: column "${name}" is constant (every value is ${s.mean}): it tells the rows apart in no way; leave it out (ignore)`);
      return { name, type, mean: s.mean, std };
    });

    const first = this.stats.get(this.targets[0])!;
    const targetType = this.stated.get(this.targets[0]) ?? first.inferred()!;
    const classes = new Set([...first.counts.keys()].map((c) => targetText(c, targetType)));
    // "A few integers": at most maxClasses values, each seen twice on average; else numbers.
    const fewIntegers = classes.size <= o.maxClasses && classes.size * 2 <= this.rows && !first.overflow;
    const task = o.task ?? (this.targets.length > 1 || targetType === "number" || (targetType === "integer" && !fewIntegers) ? "regression" : "classification");
    if (task === "classification") {
      if (this.targets.length > 1)
        throw new RangeError(`classification predicts one target column; received ${this.targets.length} (${this.targets.join(", ")})`);
      if (classes.size < 2)
        throw new DataError(`${source}: the target "${this.targets[0]}" has one class (${JSON.stringify([...classes][0])}); classification needs at least two`);
      if (first.overflow || classes.size > FEATURE_LIMITS.categories)
        throw new DataError(`${source}: the target "${this.targets[0]}" has more than ${FEATURE_LIMITS.categories} classes`);
      const sorted = [...classes].sort(targetType === "integer" || targetType === "number" ? (a, b) => Number(a) - Number(b) : undefined);
      return new FeatureSpec({
        columns,
        target: { task, name: this.targets[0], type: targetType, classes: sorted },
        missing: o.missing,
        onMissing: o.onMissing,
      });
    }
    const mean: number[] = [],
      std: number[] = [];
    for (const t of this.targets) {
      const s = this.stats.get(t)!;
      s.checkNumeric(t, "number");
      if (!(s.std > 0)) throw new DataError(`${source}: the target "${t}" is constant (every value is ${s.mean}); there is nothing to learn`);
      mean.push(o.standardizeTarget ? s.mean : 0);
      std.push(o.standardizeTarget ? s.std : 1);
    }
    return new FeatureSpec({ columns, target: { task, names: this.targets, mean, std }, missing: o.missing, onMissing: o.onMissing });
  }
}

/** The type of a column's non-missing values: boolean, integer, number, or category; numbers win when most values are numbers. */
export function inferType(values: readonly Cell[], missing: ReadonlySet<string>): ColumnType | null {
  const s = new ColumnStats(0);
  for (const v of values) s.add(v, missing, () => "");
  return s.inferred();
}

function typeMap(types: FitFeaturesOptions["types"]): Map<string, ColumnType> {
  if (types === undefined) return new Map();
  const m = types instanceof Map ? new Map(types) : new Map(Object.entries(types as Record<string, ColumnType>));
  for (const [k, t] of m)
    if (!["number", "integer", "boolean", "category"].includes(t))
      throw new RangeError(`types: column "${k}" has type ${JSON.stringify(t)}; expected number, integer, boolean or category`);
  return m;
}

/** Infers (or takes) every column's type from the rows. */
export function columnTypes(table: Table, options: Pick<FitFeaturesOptions, "types" | "missing"> = {}): Map<string, ColumnType | null> {
  const stated = typeMap(options.types);
  const missing = new Set(options.missing ?? DEFAULT_MISSING);
  return new Map(
    table.columns.map((c, j) => [
      c,
      stated.get(c) ??
        inferType(
          table.rows.map((r) => r[j]),
          missing,
        ),
    ]),
  );
}

/** Fits a feature spec on the (training) table: see FitFeaturesOptions. */
export function fitFeatures(table: Table, options: FitFeaturesOptions): FeatureSpec {
  const fitter = new FeatureFitter(table.columns, table.source, options);
  table.rows.forEach((row, r) => fitter.add(row, () => `${table.source} ${table.unit} ${table.lines[r]}`));
  return fitter.spec();
}
