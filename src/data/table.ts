// Tables held in memory: rows of raw cells with the line each came from, from CSV or from JSON
// rows (arrays of objects keyed by column name), and the Rows views feature specs encode.
import type { Cell, Rows } from "../features.js";
import { DataError } from "./csv-options.js";

/** Rows read from a CSV file or text, or from JSON rows: column names, cells, and where each row came from (for errors). */
export interface Table {
  /** Where the rows came from, for errors: a file name, "CSV text" or "JSON rows". */
  readonly source: string;
  readonly columns: readonly string[];
  /** Row-major cells (CSV: strings). */
  readonly rows: readonly (readonly Cell[])[];
  /** The line each row starts on (1-based; JSON rows: the row's index). */
  readonly lines: readonly number[];
  /** "line" for text files, "row" for JSON rows. */
  readonly unit: "line" | "row";
}

/** A table of JSON rows (an array of objects keyed by column name): columns in order of first appearance. */
export function tableFromObjects(rows: readonly unknown[], name = "JSON rows"): Table {
  if (!Array.isArray(rows)) throw new TypeError(`${name} must be an array of objects, received ${typeof rows}`);
  if (rows.length === 0) throw new DataError(`${name} is empty: no rows`);
  const index = new Map<string, number>();
  rows.forEach((r, i) => {
    if (r === null || typeof r !== "object" || Array.isArray(r)) throw new DataError(`${name} row ${i} is not an object of column values`);
    for (const key of Object.keys(r)) if (!index.has(key)) index.set(key, index.size);
  });
  const columns = [...index.keys()];
  const cells = rows.map((r, i) =>
    columns.map((c) => {
      const v = Object.hasOwn(r as object, c) ? (r as Record<string, unknown>)[c] : undefined;
      if (v !== null && v !== undefined && typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
        throw new DataError(`${name} row ${i}, column ${JSON.stringify(c)}: a value of type ${typeof v}; expected a string, number, boolean or null`);
      }
      return v as Cell;
    }),
  );
  return { source: name, columns, rows: cells, lines: rows.map((_, i) => i), unit: "row" };
}

/** A table's rows as the Rows view feature specs encode. */
export function tableRows(table: Table, indices?: readonly number[]): Rows {
  const at = new Map(table.columns.map((c, j) => [c, j]));
  const pick = indices ?? null;
  return {
    count: pick ? pick.length : table.rows.length,
    get: (row, name) => {
      const j = at.get(name);
      return j === undefined ? undefined : table.rows[pick ? pick[row] : row][j];
    },
    has: (name) => at.has(name),
    locate: (row) => `${table.source} ${table.unit} ${table.lines[pick ? pick[row] : row]}`,
  };
}

/** The rows of a table at the given indices, as a table (shares the cells). */
export function subset(table: Table, indices: readonly number[]): Table {
  return { ...table, rows: indices.map((i) => table.rows[i]), lines: indices.map((i) => table.lines[i]) };
}
