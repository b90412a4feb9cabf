// Seeded splits of a table: train/validation/test by fraction (stratified by a column for
// classification, so each class keeps its share in every part) and k-fold cross-validation.
import { cellText } from "../features.js";
import { Random } from "../random.js";
import { DataError, type Table, subset } from "./csv.js";

/** Options of splitTable(): the fractions held out, the seed, and the column to stratify by. */
export interface SplitOptions {
  /** Fractions held out, each in [0, 1); the rest trains. Default test 0.2, validation 0. */
  test?: number;
  validation?: number;
  /** Seed for the shuffle; default 1. */
  seed?: number;
  /** A column whose values keep their proportions in every part (the classification target). */
  stratify?: string;
}

/** What splitTable() returns: the training rows, and the validation and test rows (null for a fraction of 0). */
export interface TableSplit {
  /** The rows left for training. */
  train: Table;
  /** The validation rows, or null when options.validation is 0. */
  validation: Table | null;
  /** The test rows, or null when options.test is 0. */
  test: Table | null;
}

function fraction(name: string, v: unknown): number {
  if (v === undefined) return 0;
  if (typeof v !== "number" || !(v >= 0 && v < 1)) throw new RangeError(`${name} must be a fraction in [0, 1), received ${String(v)}`);
  return v;
}

/** Row indices grouped by stratum (one group when not stratified), each group shuffled by the seed. */
function groups(table: Table, seed: number, stratify: string | undefined): number[][] {
  const rng = new Random(seed >>> 0);
  const byValue = new Map<string, number[]>();
  const j = stratify === undefined ? -1 : table.columns.indexOf(stratify);
  if (stratify !== undefined && j < 0) throw new DataError(`${table.source}: stratify column "${stratify}" does not exist`);
  table.rows.forEach((row, r) => {
    const key = j < 0 ? "" : cellText(row[j]);
    let g = byValue.get(key);
    if (!g) byValue.set(key, (g = []));
    g.push(r);
  });
  const keys = [...byValue.keys()].sort();
  return keys.map((k) => {
    const idx = Uint32Array.from(byValue.get(k)!);
    rng.shuffle(idx);
    return Array.from(idx);
  });
}

/** Splits the rows into train, validation and test parts (original row order kept within each). */
export function splitTable(table: Table, options: SplitOptions = {}): TableSplit {
  const test = options.test === undefined ? 0.2 : fraction("test", options.test);
  const validation = fraction("validation", options.validation);
  if (test + validation >= 1) throw new RangeError(`test ${test} and validation ${validation} leave nothing to train on`);
  const parts: number[][] = [[], [], []];
  // Per stratum, rounding carried across strata so the totals match the fractions.
  let carryTest = 0,
    carryVal = 0;
  for (const g of groups(table, options.seed ?? 1, options.stratify)) {
    const t = Math.round(g.length * test + carryTest);
    carryTest += g.length * test - t;
    const v = Math.round(g.length * validation + carryVal);
    carryVal += g.length * validation - v;
    parts[2].push(...g.slice(0, Math.min(t, g.length)));
    parts[1].push(...g.slice(Math.min(t, g.length), Math.min(t + v, g.length)));
    parts[0].push(...g.slice(Math.min(t + v, g.length)));
  }
  for (const p of parts) p.sort((a, b) => a - b);
  if (parts[0].length === 0) throw new DataError(`${table.source}: ${table.rows.length} rows leave none to train on after the split`);
  return {
    train: subset(table, parts[0]),
    validation: validation > 0 && parts[1].length > 0 ? subset(table, parts[1]) : null,
    test: test > 0 && parts[2].length > 0 ? subset(table, parts[2]) : null,
  };
}

/** k train/test pairs in which every row is tested exactly once (stratified when asked). */
export function kFold(table: Table, k: number, options: { seed?: number; stratify?: string } = {}): { train: Table; test: Table }[] {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`k must be a whole number of at least 2, received ${String(k)}`);
  if (k > table.rows.length) throw new DataError(`${table.source}: ${k} folds need at least ${k} rows, it has ${table.rows.length}`);
  const fold = new Int32Array(table.rows.length);
  // Dealing each stratum's shuffled rows round-robin keeps class shares equal across folds.
  let next = 0;
  for (const g of groups(table, options.seed ?? 1, options.stratify)) for (const r of g) fold[r] = next++ % k;
  return Array.from({ length: k }, (_, f) => {
    const train: number[] = [],
      test: number[] = [];
    fold.forEach((v, r) => (v === f ? test : train).push(r));
    return { train: subset(table, train), test: subset(table, test) };
  });
}
