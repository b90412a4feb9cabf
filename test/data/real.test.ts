// Real tables, not made up: small committed samples of scikit-learn's and statsmodels' bundled
// files (sources and licences in test/fixtures/tabular/README.md), read through the adapters.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, test } from "vitest";
import { Network, init } from "../../src/index.js";
import {
  SKLEARN_FEATURES,
  argmaxRows,
  classificationMetrics,
  fitFeatures,
  parseCsv,
  parseSklearnCsv,
  parseSklearnDiabetes,
  readCsvFile,
  regressionMetrics,
  splitTable,
  tableRows,
} from "../../src/data/index.js";

const dir = new URL("../fixtures/tabular/", import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, dir), "utf8");

beforeAll(async () => {
  await init();
});

describe("scikit-learn's layout", () => {
  test("iris: class codes become class names; a classifier learns the sample", () => {
    const table = parseSklearnCsv(read("iris-sklearn.csv"), "iris-sklearn.csv", SKLEARN_FEATURES.get("iris"));
    expect(table.columns).toEqual(["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)", "target"]);
    expect(table.rows.length).toBe(30);
    expect(table.rows[0]).toEqual(["5.1", "3.5", "1.4", "0.2", "setosa"]);
    expect(table.lines[0]).toBe(2);
    const spec = fitFeatures(table, { target: "target" });
    expect(spec.target).toMatchObject({ classes: ["setosa", "versicolor", "virginica"] });
    const rows = tableRows(table);
    const { x, kept } = spec.encode(rows);
    const y = spec.encodeTarget(rows, kept) as Int32Array;
    const net = new Network({
      inputSize: 4,
      layers: [
        { units: 16, activation: "relu" },
        { units: 3, activation: "softmax" },
      ],
      optimizer: { type: "adam", learningRate: 0.01 },
      seed: 1,
      features: spec,
    });
    net.fit(x, y, { epochs: 60, batchSize: 8 });
    expect(classificationMetrics(y, argmaxRows(net.predict(x), 3), 3).accuracy).toBeGreaterThan(0.9);
    net.dispose();
  });

  test("wine: 13 generic feature names; a bad class code names its line", () => {
    const table = parseSklearnCsv(read("wine-sklearn.csv"), "wine.csv");
    expect(table.columns.length).toBe(14);
    expect(new Set(table.rows.map((r) => r[13]))).toEqual(new Set(["class_0", "class_1", "class_2"]));
    expect(() => parseSklearnCsv("2,1,a,b\n1,0\n2,5\n", "codes.csv")).toThrow('codes.csv line 3, column "target": "5" is not a class code from 0 to 1');
    expect(() => parseSklearnCsv("3,1,a,b\n1,0\n", "count.csv")).toThrow("count.csv: line 1 announces 3 rows, the file has 1");
  });

  test("diabetes: space-separated features and a separate target file make one regression table", () => {
    const table = parseSklearnDiabetes(read("diabetes-data.txt"), read("diabetes-target.txt"));
    expect(table.columns).toEqual([...SKLEARN_FEATURES.get("diabetes")!, "target"]);
    expect(table.rows.length).toBe(40);
    const spec = fitFeatures(table, { target: "target" });
    expect(spec.task).toBe("regression");
    expect(spec.columns.find((c) => c.name === "sex")!.type).toBe("integer");
  });
});

describe("statsmodels' files: real headers, text categories, other delimiters", () => {
  test("grunfeld: a text column (firm) is one-hot encoded; regression of invest", () => {
    const table = parseCsv(read("grunfeld.csv"), { name: "grunfeld.csv" });
    const { train, test: held } = splitTable(table, { test: 0.25, seed: 2 });
    const spec = fitFeatures(train, { target: "invest" });
    expect(spec.columns.find((c) => c.name === "firm")).toMatchObject({ type: "category", categories: ["General Electric", "General Motors", "US Steel"] });
    const rows = tableRows(train);
    const { x, kept } = spec.encode(rows);
    const net = new Network({
      inputSize: spec.inputSize,
      layers: [
        { units: 16, activation: "relu" },
        { units: 1, activation: "linear" },
      ],
      seed: 1,
      features: spec,
    });
    net.fit(x, spec.encodeTarget(rows, kept), { epochs: 200, batchSize: 8 });
    const testRows = tableRows(held!);
    const enc = spec.encode(testRows);
    const truth = spec.unscale(spec.encodeTarget(testRows, enc.kept));
    const predicted = spec.unscale(net.predict(enc.x));
    expect(regressionMetrics(truth, predicted).r2).toBeGreaterThan(0.5);
    net.dispose();
  });

  test("anes96: tab-separated, header names quoted with '", async () => {
    const table = await readCsvFile(new URL("anes96.tsv", dir).pathname, { delimiter: "\t", quote: "'" });
    expect(table.columns.slice(0, 3)).toEqual(["popul", "TVnews", "selfLR"]);
    expect(fitFeatures(table, { target: "vote" }).task).toBe("classification");
  });

  test("modechoice: semicolon-separated, found by delimiter auto", () => {
    const table = parseCsv(read("modechoice.csv"), { delimiter: "auto" });
    expect(table.columns).toEqual(["individual", "mode", "choice", "ttme", "invc", "invt", "gc", "hinc", "psize"]);
  });

  test("statecrime: a column of state names is an identifier to ignore (past maxCategories it is an error)", () => {
    const table = parseCsv(read("statecrime.csv"));
    const spec = fitFeatures(table, { target: "murder", ignore: ["state"] });
    expect(spec.columns.map((c) => c.name)).toEqual(["violent", "hs_grad", "poverty", "single", "white", "urban"]);
    expect(() => fitFeatures(table, { target: "murder", maxCategories: 20 })).toThrow(
      'column "state" has 51 distinct categories; the limit is 20 (maxCategories)',
    );
  });
});
