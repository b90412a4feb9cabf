// scikit-learn's bundled data files (sklearn/datasets/data/) in their own layout, as tables: a
// first line "rows,features,class names…", rows of features ending in an integer class code and
// no column names (iris, wine, breast cancer); diabetes is space-separated, its target in a second file.
import { DataError, type Table, parseCsv } from "./csv.js";

/** scikit-learn's feature names for the files that ship without them (from its loaders). */
export const SKLEARN_FEATURES: ReadonlyMap<string, readonly string[]> = new Map([
  ["iris", ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]],
  ["diabetes", ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]],
]);

/**
 * A scikit-learn classification file (iris.csv, wine_data.csv, breast_cancer.csv) as a table whose
 * last column, "target", holds the class names of the first line. `name` names it in errors.
 */
export function parseSklearnCsv(text: string, name: string, featureNames?: readonly string[]): Table {
  const end = text.indexOf("\n");
  const first = (end < 0 ? text : text.slice(0, end))
    .replace(/^\ufeff/, "")
    .trim()
    .split(",");
  const rows = Number(first[0]),
    features = Number(first[1]);
  if (!Number.isInteger(rows) || !Number.isInteger(features) || rows < 1 || features < 1) {
    throw new DataError(`${name} line 1: expected scikit-learn's "rows,features,class names…" line, received ${JSON.stringify(first.slice(0, 3).join(","))}`);
  }
  const classes = first.slice(2).map((c) => c.trim());
  const names = featureNames ?? Array.from({ length: features }, (_, j) => `feature ${j + 1}`);
  if (names.length !== features) throw new RangeError(`${name}: ${names.length} feature names for ${features} features`);
  // The counts line becomes a blank line, so line numbers stay the file's own.
  const table = parseCsv(end < 0 ? "" : "\n" + text.slice(end + 1), { name, header: false, columns: [...names, "target"] });
  if (table.rows.length !== rows) throw new DataError(`${name}: line 1 announces ${rows} rows, the file has ${table.rows.length}`);
  const out = table.rows.map((r, i) => {
    const code = Number(r[features]);
    if (!Number.isInteger(code) || code < 0 || (classes.length > 0 && code >= classes.length)) {
      throw new DataError(
        `${name} line ${table.lines[i]}, column "target": ${JSON.stringify(r[features])} is not a class code from 0 to ${classes.length - 1}`,
      );
    }
    return [...r.slice(0, features), classes.length > 0 ? classes[code] : String(code)];
  });
  return { ...table, rows: out };
}

/** scikit-learn's diabetes data: the space-separated features file and the target file, as one table. */
export function parseSklearnDiabetes(dataText: string, targetText: string, name = "diabetes"): Table {
  const data = parseCsv(
    dataText
      .split("\n")
      .map((l) => l.trim().replace(/\s+/g, " "))
      .join("\n"),
    { name: `${name} data`, header: false, delimiter: " ", columns: SKLEARN_FEATURES.get("diabetes") },
  );
  const target = parseCsv(targetText, { name: `${name} target`, header: false, columns: ["target"] });
  if (data.rows.length !== target.rows.length) throw new DataError(`${name}: ${data.rows.length} rows of features but ${target.rows.length} targets`);
  return { ...data, source: name, columns: [...data.columns, "target"], rows: data.rows.map((r, i) => [...r, target.rows[i][0]]) };
}
