// Feature specs: how a table's raw rows become a network's input vector (standardized numbers,
// one-hot categories) and how its outputs become class names or numbers again. Fitted on the
// training rows (wasmlp/data's fitFeatures), saved in the model file, applied by predict.
// Names from files are keys of Maps, never of plain objects, so "__proto__" is a name like any other.
import { describe } from "./validate.js";

/** One table cell as read: CSV gives strings, JSON rows also numbers, booleans and null. */
export type Cell = string | number | boolean | null | undefined;

/** How a column is read: a number (standardized), an integer or a boolean (both standardized as numbers), or a category (one-hot). */
export type ColumnType = "number" | "integer" | "boolean" | "category";

/** What the network predicts: classes (softmax) or numbers. */
export type Task = "classification" | "regression";

/** What happens to a missing value: an error naming row and column, dropping the row, or the training mean/mode. */
export type MissingPolicy = "error" | "drop" | "fill";

export interface NumericColumnJSON {
  name: string;
  type: "number" | "integer" | "boolean";
  /** Training mean and standard deviation: the input is (value − mean) / std. */
  mean: number;
  std: number;
}

export interface CategoryColumnJSON {
  name: string;
  type: "category";
  /** The training categories in input order: one one-hot input each. */
  categories: string[];
  /** An extra input for categories not seen in training (else they are an error). */
  other: boolean;
  /** The training mode, used for missing values when onMissing is "fill". */
  mode: string;
}

/** One input column of a feature spec as a model file holds it: a numeric column's mean and std, or a category column's categories. */
export type ColumnJSON = NumericColumnJSON | CategoryColumnJSON;

export type TargetJSON =
  | { task: "classification"; name: string; type: ColumnType; classes: string[] }
  | { task: "regression"; names: string[]; mean: number[]; std: number[] };

/** The `features` field of a model file. */
export interface FeaturesJSON {
  columns: ColumnJSON[];
  target: TargetJSON;
  /** Cell texts that mean "missing" (besides empty cells, null and undefined). */
  missing: string[];
  onMissing: MissingPolicy;
}

/** Limits on a feature spec read from a file (as weights have theirs). */
export const FEATURE_LIMITS = Object.freeze({ columns: 4096, categories: 65536, nameLength: 1024, inputs: 1 << 16 });

/** Cell texts read as missing by default. */
export const DEFAULT_MISSING = Object.freeze(["", "NA", "N/A", "NaN", "nan", "?", "null"]);

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITE = /^[+-]?(?:inf|infinity)$/i;

/** Where a row came from, for errors: "iris.csv line 5" or "row 3". */
export type Locate = (row: number) => string;

/** The number a cell holds, NaN when it is not one; ±Infinity when spelled out (the caller refuses it). */
export function cellNumber(cell: Cell): number {
  if (typeof cell === "number") return cell;
  if (typeof cell === "boolean") return cell ? 1 : 0;
  if (typeof cell !== "string") return NaN;
  // Most text cells are words: a first letter other than i (inf) settles it, as trim keeps letters.
  const c = cell.charCodeAt(0) | 32;
  if (c >= 97 && c <= 122 && c !== 105) return NaN;
  const t = cell.trim();
  if (NUMBER.test(t)) return Number(t);
  if (INFINITE.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
  return NaN;
}

/** true/false for boolean cells (true, false, any case; JSON booleans), else null. */
export function cellBoolean(cell: Cell): boolean | null {
  if (typeof cell === "boolean") return cell;
  if (typeof cell !== "string") return null;
  if (cell === "true") return true;
  if (cell === "false") return false;
  const c = cell.charCodeAt(0) | 32; // a letter or digit other than t or f cannot start one (trim keeps those)
  if (((c >= 97 && c <= 122) || (c >= 48 && c <= 57)) && c !== 116 && c !== 102) return null;
  const t = cell.trim().toLowerCase();
  return t === "true" ? true : t === "false" ? false : null;
}

/** The text of a category cell (numbers as JavaScript writes them). */
export function cellText(cell: Cell): string {
  return typeof cell === "string" ? cell.trim() : String(cell);
}

export function isMissing(cell: Cell, missing: ReadonlySet<string>): boolean {
  if (cell === null || cell === undefined) return true;
  if (typeof cell === "number") return Number.isNaN(cell);
  return typeof cell === "string" && (missing.has(cell) || missing.has(cell.trim()));
}

/** Rows in one of the shapes predict and encode take: objects keyed by column name, with a Locate. */
export interface Rows {
  count: number;
  /** The cell of `row` in column `name` (undefined when the row has no such column). */
  get(row: number, name: string): Cell;
  /** Whether the rows have a column `name`. */
  has(name: string): boolean;
  locate: Locate;
}

/** Row objects (JSON rows, predict's input) as Rows; own properties only, so "constructor" is a column like any other. */
export function objectRows(rows: readonly unknown[], what = "row"): Rows {
  rows.forEach((r, i) => {
    if (r === null || typeof r !== "object" || Array.isArray(r)) throw new TypeError(`${what} ${i} is ${describe(r)}; expected an object of column values`);
  });
  const objects = rows as readonly Record<string, unknown>[];
  return {
    count: rows.length,
    get: (row, name) => (Object.hasOwn(objects[row], name) ? (objects[row][name] as Cell) : undefined),
    // A row object without a key has that value missing (named by row and column below).
    has: () => true,
    locate: (row) => `${what} ${row}`,
  };
}

/** True for a non-empty array of plain objects (rows), as opposed to numbers or number arrays. */
export function isRowObjects(x: unknown): x is readonly Record<string, unknown>[] {
  return Array.isArray(x) && x.length > 0 && x[0] !== null && typeof x[0] === "object" && !Array.isArray(x[0]) && !ArrayBuffer.isView(x[0]);
}

/** A prediction for one row: a class name (or class number), a number, or numbers for several targets. */
export type Prediction = string | number | boolean | number[];

/**
 * predict on row objects for any network with a spec: encodes the rows, runs `predict` on the
 * encoded batch and decodes its outputs into class names or target values.
 * @throws TypeError without a spec; RangeError for a row the spec cannot encode.
 */
export function predictRowObjects(
  spec: FeatureSpec | undefined,
  rows: readonly Record<string, unknown>[],
  predict: (x: Float32Array) => Float32Array,
): Prediction[] {
  if (!spec)
    throw new TypeError(
      "predict received row objects, but this network has no feature spec to encode them (create it with features from wasmlp/data's fitFeatures)",
    );
  const { x, kept } = spec.encode(objectRows(rows));
  if (kept.length < rows.length) {
    const dropped = kept.findIndex((r, i) => r !== i);
    throw new RangeError(
      `predict: row ${dropped < 0 ? kept.length : dropped} has a missing value; a spec fitted with onMissing "drop" cannot predict it (fit with onMissing "fill")`,
    );
  }
  return spec.decode(predict(x));
}

/**
 * The preprocessing a tabular model was trained with, saved in its model file: each input
 * column's type and statistics (mean and std of a number, the categories of a category), the
 * target (its classes, or its mean and std), and what to do with a missing value. It encodes row
 * objects into network inputs and decodes outputs into class names or target values. Made by
 * fitFeatures() from training rows, or from a model file's `features` (validated).
 */
export class FeatureSpec {
  readonly columns: readonly Readonly<ColumnJSON>[];
  readonly target: Readonly<TargetJSON>;
  readonly missing: readonly string[];
  readonly onMissing: MissingPolicy;
  /** Inputs the network takes: one per numeric column, one per category (and "other" slot). */
  readonly inputSize: number;
  /** Outputs the network gives: one per class, or one per regression target. */
  readonly outputSize: number;
  private readonly missingSet: ReadonlySet<string>;
  /** Per category column: category → its one-hot offset within the column. */
  private readonly lookups: (Map<string, number> | null)[];
  private readonly offsets: number[];

  /** Validates a spec (fitFeatures's result or a model file's `features`); errors name the field. */
  constructor(json: unknown, where = "features") {
    const spec = parseFeatures(json, where);
    this.columns = Object.freeze(
      spec.columns.map((c) => Object.freeze(c.type === "category" ? { ...c, categories: Object.freeze([...c.categories]) as string[] } : { ...c })),
    );
    this.target = Object.freeze(
      spec.target.task === "classification"
        ? { ...spec.target, classes: Object.freeze([...spec.target.classes]) as string[] }
        : { ...spec.target, names: [...spec.target.names], mean: [...spec.target.mean], std: [...spec.target.std] },
    );
    this.missing = Object.freeze([...spec.missing]);
    this.onMissing = spec.onMissing;
    this.missingSet = new Set(spec.missing);
    this.lookups = spec.columns.map((c) => (c.type === "category" ? new Map(c.categories.map((name, i) => [name, i])) : null));
    this.offsets = [];
    let n = 0;
    for (const c of spec.columns) {
      this.offsets.push(n);
      n += c.type === "category" ? c.categories.length + (c.other ? 1 : 0) : 1;
    }
    if (n > FEATURE_LIMITS.inputs) throw new RangeError(`${where} encodes ${n} inputs; the limit is ${FEATURE_LIMITS.inputs}`);
    if (n === 0) throw new RangeError(`${where} has no input columns`);
    this.inputSize = n;
    this.outputSize = spec.target.task === "classification" ? spec.target.classes.length : spec.target.names.length;
  }

  /** "classification" (softmax over the target's classes) or "regression" (standardized numbers). */
  get task(): Task {
    return this.target.task;
  }

  /** Names of the inputs, in order: a numeric column's name, or "column=category" (and "column=(other)"). */
  get inputNames(): string[] {
    return this.columns.flatMap((c) =>
      c.type === "category" ? [...c.categories.map((v) => `${c.name}=${v}`), ...(c.other ? [`${c.name}=(other)`] : [])] : [c.name],
    );
  }

  /** The target column names: one for classification, one per target for regression. */
  get targetNames(): string[] {
    return this.target.task === "classification" ? [this.target.name] : [...this.target.names];
  }

  /** The spec as a model file's `features` field (plain JSON; new FeatureSpec(json) reads it back). */
  toJSON(): FeaturesJSON {
    return {
      columns: this.columns.map((c) => (c.type === "category" ? { ...c, categories: [...c.categories] } : { ...c })),
      target:
        this.target.task === "classification"
          ? { ...this.target, classes: [...this.target.classes] }
          : { ...this.target, names: [...this.target.names], mean: [...this.target.mean], std: [...this.target.std] },
      missing: [...this.missing],
      onMissing: this.onMissing,
    };
  }

  /** "FeatureSpec(4 columns (3 numeric, 1 categorical) → 6 inputs; classification of species (3 classes))". */
  toString(): string {
    const cats = this.columns.filter((c) => c.type === "category").length;
    const what = this.target.task === "classification" ? `${this.target.name} (${this.target.classes.length} classes)` : this.target.names.join(", ");
    return `FeatureSpec(${this.columns.length} columns (${this.columns.length - cats} numeric, ${cats} categorical) → ${this.inputSize} inputs; ${this.target.task} of ${what})`;
  }

  /**
   * The input matrix (rows × inputSize) of the rows that are kept, and their indices: with
   * onMissing "drop", rows with a missing input are left out; otherwise every row is kept or
   * the first problem is thrown, naming row and column.
   */
  encode(rows: Rows): { x: Float32Array; kept: number[] } {
    for (const c of this.columns) {
      if (!rows.has(c.name) && rows.count > 0) throw new RangeError(`the data has no column "${c.name}", which the model takes as input`);
    }
    const n = this.inputSize;
    let x = new Float32Array(rows.count * n);
    const kept: number[] = [];
    const fill = this.onMissing === "fill";
    row: for (let r = 0; r < rows.count; r++) {
      const base = kept.length * n;
      for (let j = 0; j < this.columns.length; j++) {
        const c = this.columns[j];
        const cell = rows.get(r, c.name);
        const at = base + this.offsets[j];
        if (isMissing(cell, this.missingSet)) {
          if (this.onMissing === "drop") {
            x.fill(0, base, base + n);
            continue row;
          }
          if (!fill)
            throw new RangeError(
              `${rows.locate(r)}, column "${c.name}": the value is missing${typeof cell === "string" ? ` (${JSON.stringify(cell)})` : ""}; choose onMissing "drop" or "fill" (CLI --on-missing) to accept missing values`,
            );
          if (c.type === "category") x[at + this.lookups[j]!.get(c.mode)!] = 1;
          else x[at] = 0; // the training mean, standardized
          continue;
        }
        if (c.type === "category") {
          const k = this.lookups[j]!.get(cellText(cell));
          if (k !== undefined) x[at + k] = 1;
          else if (c.other) x[at + c.categories.length] = 1;
          else
            throw new RangeError(
              `${rows.locate(r)}, column "${c.name}": category ${JSON.stringify(cellText(cell))} was not seen in training (it knows ${listNames(c.categories)}); fit with unknownCategory "other" (CLI --unknown other) to map unseen categories to one input`,
            );
          continue;
        }
        const v = c.type === "boolean" ? booleanValue(cell, rows.locate(r), c.name) : numericValue(cell, rows.locate(r), c.name);
        x[at] = (v - c.mean) / c.std;
      }
      kept.push(r);
    }
    if (kept.length < rows.count) x = x.slice(0, kept.length * n);
    return { x, kept };
  }

  /**
   * The training targets of the given rows: class indices (classification) or the targets,
   * standardized with the fitted mean and std (regression), as a flat rows × outputSize array.
   */
  encodeTarget(rows: Rows, indices: readonly number[]): Int32Array | Float32Array {
    const t = this.target;
    if (t.task === "classification") {
      const lookup = new Map(t.classes.map((c, i) => [c, i]));
      const y = new Int32Array(indices.length);
      indices.forEach((r, i) => {
        const cell = rows.get(r, t.name);
        if (isMissing(cell, this.missingSet)) throw new RangeError(`${rows.locate(r)}, column "${t.name}": the target is missing`);
        const k = lookup.get(targetText(cell, t.type));
        if (k === undefined)
          throw new RangeError(
            `${rows.locate(r)}, column "${t.name}": class ${JSON.stringify(cellText(cell))} was not seen in training (classes: ${listNames(t.classes)})`,
          );
        y[i] = k;
      });
      return y;
    }
    const k = t.names.length;
    const y = new Float32Array(indices.length * k);
    indices.forEach((r, i) => {
      t.names.forEach((name, j) => {
        const cell = rows.get(r, name);
        if (isMissing(cell, this.missingSet)) throw new RangeError(`${rows.locate(r)}, column "${name}": the target is missing`);
        y[i * k + j] = (numericValue(cell, rows.locate(r), name) - t.mean[j]) / t.std[j];
      });
    });
    return y;
  }

  /** The network's outputs (m × outputSize) in the target's units: regression targets mapped back from standardized values. */
  unscale(outputs: ArrayLike<number>): Float64Array {
    const out = Float64Array.from(outputs);
    if (this.target.task === "regression") {
      const { mean, std } = this.target;
      for (let i = 0; i < out.length; i++) out[i] = out[i] * std[i % std.length] + mean[i % mean.length];
    }
    return out;
  }

  /** One prediction per row: the most probable class's name (a number for integer classes), or the target value(s). */
  decode(outputs: ArrayLike<number>): Prediction[] {
    const k = this.outputSize;
    const m = Math.floor(outputs.length / k);
    const t = this.target;
    if (t.task === "classification") {
      return Array.from({ length: m }, (_, i) => {
        let best = 0;
        for (let j = 1; j < k; j++) if (outputs[i * k + j] > outputs[i * k + best]) best = j;
        return classValue(t.classes[best], t.type);
      });
    }
    const raw = this.unscale(outputs);
    return Array.from({ length: m }, (_, i) => (k === 1 ? raw[i] : Array.from(raw.subarray(i * k, (i + 1) * k))));
  }
}

/** A class name as predict returns it: numbers for integer classes, booleans for boolean ones. */
export function classValue(name: string, type: ColumnType): string | number | boolean {
  if (type === "integer" || type === "number") return Number(name);
  if (type === "boolean") return name === "true";
  return name;
}

/** The class name of a target cell: integer classes in canonical digits ("1.0" → "1"), booleans lower-case. */
export function targetText(cell: Cell, type: ColumnType): string {
  if (type === "integer" || type === "number") {
    const v = cellNumber(cell);
    return Number.isNaN(v) ? cellText(cell) : String(v);
  }
  if (type === "boolean") {
    const b = cellBoolean(cell);
    return b === null ? cellText(cell) : String(b);
  }
  return cellText(cell);
}

export function numericValue(cell: Cell, where: string, column: string): number {
  const v = cellNumber(cell);
  if (Number.isNaN(v))
    throw new RangeError(`${where}, column "${column}": ${JSON.stringify(cellText(cell).slice(0, 40))} is not a number (the column is numeric)`);
  if (!Number.isFinite(v))
    throw new RangeError(`${where}, column "${column}": ${JSON.stringify(cellText(cell))} is not a finite number; every value must be finite`);
  if (Math.abs(v) > 3.4028234663852886e38) throw new RangeError(`${where}, column "${column}": ${cellText(cell)} is beyond float32's range`);
  return v;
}

function booleanValue(cell: Cell, where: string, column: string): number {
  const b = cellBoolean(cell);
  if (b !== null) return b ? 1 : 0;
  const v = cellNumber(cell);
  if (v === 0 || v === 1) return v;
  throw new RangeError(`${where}, column "${column}": ${JSON.stringify(cellText(cell).slice(0, 40))} is not true or false (the column is boolean)`);
}

function listNames(names: readonly string[]): string {
  const shown = names
    .slice(0, 8)
    .map((n) => JSON.stringify(n))
    .join(", ");
  return names.length > 8 ? `${shown} and ${names.length - 8} more` : shown;
}

// ---- validation of a spec from a file ----------------------------------------------------

function fail(message: string): never {
  throw new RangeError(message);
}

function record(where: string, v: unknown, keys: readonly string[]): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new TypeError(`${where} must be an object, received ${describe(v)}`);
  for (const key of Object.keys(v)) if (!keys.includes(key)) fail(`${where} has an unknown field "${key}" (known: ${keys.join(", ")})`);
  for (const key of keys) if (!Object.hasOwn(v, key)) fail(`${where}.${key} is missing`);
  return v as Record<string, unknown>;
}

function name(where: string, v: unknown): string {
  if (typeof v !== "string") throw new TypeError(`${where} must be a string, received ${describe(v)}`);
  if (v.length > FEATURE_LIMITS.nameLength) fail(`${where} is ${v.length} characters long; the limit is ${FEATURE_LIMITS.nameLength}`);
  return v;
}

function names(where: string, v: unknown, limit: number, min: number): string[] {
  if (!Array.isArray(v)) throw new TypeError(`${where} must be an array of strings, received ${describe(v)}`);
  if (v.length > limit) fail(`${where} holds ${v.length} names; the limit is ${limit}`);
  if (v.length < min) fail(`${where} holds ${v.length} names, expected at least ${min}`);
  const seen = new Set<string>();
  return v.map((s, i) => {
    const n = name(`${where}[${i}]`, s);
    if (seen.has(n)) fail(`${where}[${i}] repeats ${JSON.stringify(n)}`);
    seen.add(n);
    return n;
  });
}

function finite(where: string, v: unknown, positive = false): number {
  if (typeof v !== "number" || !Number.isFinite(v)) fail(`${where} is ${describe(v)}; expected a finite number`);
  if (positive && !(v > 0)) fail(`${where} is ${v}; a standard deviation must be positive`);
  return v;
}

function oneOf<T extends string>(where: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== "string" || !allowed.includes(v as T)) fail(`${where} is ${describe(v)}; expected one of ${allowed.join(", ")}`);
  return v as T;
}

/** Validates a feature spec object; errors name the field ("features.columns[2].std is 0; …"). */
export function parseFeatures(json: unknown, where = "features"): FeaturesJSON {
  if (json instanceof FeatureSpec) return json.toJSON();
  const f = record(where, json, ["columns", "target", "missing", "onMissing"]);
  if (!Array.isArray(f.columns)) throw new TypeError(`${where}.columns must be an array, received ${describe(f.columns)}`);
  if (f.columns.length > FEATURE_LIMITS.columns) fail(`${where}.columns holds ${f.columns.length} columns; the limit is ${FEATURE_LIMITS.columns}`);
  const seen = new Set<string>();
  const columns = f.columns.map((c, i): ColumnJSON => {
    const at = `${where}.columns[${i}]`;
    const type = oneOf(`${at}.type`, (c as { type?: unknown } | null)?.type, ["number", "integer", "boolean", "category"] as const);
    const col = record(at, c, type === "category" ? ["name", "type", "categories", "other", "mode"] : ["name", "type", "mean", "std"]);
    const n = name(`${at}.name`, col.name);
    if (seen.has(n)) fail(`${at}.name repeats column ${JSON.stringify(n)}`);
    seen.add(n);
    if (type !== "category") return { name: n, type, mean: finite(`${at}.mean`, col.mean), std: finite(`${at}.std`, col.std, true) };
    const categories = names(`${at}.categories`, col.categories, FEATURE_LIMITS.categories, 1);
    if (typeof col.other !== "boolean") throw new TypeError(`${at}.other must be true or false, received ${describe(col.other)}`);
    const mode = name(`${at}.mode`, col.mode);
    if (!categories.includes(mode)) fail(`${at}.mode ${JSON.stringify(mode)} is not one of its categories`);
    return { name: n, type, categories, other: col.other, mode };
  });
  const task = oneOf(`${where}.target.task`, (f.target as { task?: unknown } | null)?.task, ["classification", "regression"] as const);
  let target: TargetJSON;
  if (task === "classification") {
    const t = record(`${where}.target`, f.target, ["task", "name", "type", "classes"]);
    const n = name(`${where}.target.name`, t.name);
    if (seen.has(n)) fail(`${where}.target.name ${JSON.stringify(n)} is also an input column`);
    target = {
      task,
      name: n,
      type: oneOf(`${where}.target.type`, t.type, ["number", "integer", "boolean", "category"] as const),
      classes: names(`${where}.target.classes`, t.classes, FEATURE_LIMITS.categories, 2),
    };
  } else {
    const t = record(`${where}.target`, f.target, ["task", "names", "mean", "std"]);
    const targetNames = names(`${where}.target.names`, t.names, FEATURE_LIMITS.columns, 1);
    const clash = targetNames.find((n) => seen.has(n));
    if (clash !== undefined) fail(`${where}.target.names: ${JSON.stringify(clash)} is also an input column`);
    const stats = (key: "mean" | "std"): number[] => {
      const v = t[key];
      if (!Array.isArray(v) || v.length !== targetNames.length)
        fail(`${where}.target.${key} must hold ${targetNames.length} numbers (one per target), received ${describe(v)}`);
      return v.map((x, i) => finite(`${where}.target.${key}[${i}]`, x, key === "std"));
    };
    target = { task, names: targetNames, mean: stats("mean"), std: stats("std") };
  }
  const missing = names(`${where}.missing`, f.missing, 64, 0);
  const onMissing = oneOf(`${where}.onMissing`, f.onMissing, ["error", "drop", "fill"] as const);
  return { columns, target, missing, onMissing };
}
