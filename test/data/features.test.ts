// Feature specs: fitted on training rows only, saved in the model file (validated like weights),
// applied by predict to raw row objects; names from files are Map keys, so __proto__ round-trips.
import { beforeAll, describe, expect, test } from "vitest";
import { Network, init } from "../../src/index.js";
import { FeatureSpec, fitFeatures, kFold, parseCsv, splitTable, tableFromObjects, tableRows } from "../../src/data/index.js";

const CSV = [
  "size,color,weight,label",
  ...Array.from({ length: 60 }, (_, i) => {
    const color = ["__proto__", "constructor", "red"][i % 3];
    return `${(i % 7) + 0.5},${color},${i % 2 === 0 ? "true" : "false"},${["__proto__", "hasOwnProperty"][(i % 3 === 0 ? 1 : 0) ^ (i % 2)]}`;
  }),
].join("\n");

describe("fitFeatures", () => {
  test("infers types and the task, standardizes numbers and one-hot encodes categories", () => {
    const table = parseCsv(CSV, { name: "toy.csv" });
    const spec = fitFeatures(table, { target: "label" });
    expect(spec.task).toBe("classification");
    expect(spec.columns.map((c) => c.type)).toEqual(["number", "category", "boolean"]);
    expect(spec.inputNames).toEqual(["size", "color=__proto__", "color=constructor", "color=red", "weight"]);
    expect(spec.target).toMatchObject({ classes: ["__proto__", "hasOwnProperty"] });
    const { x, kept } = spec.encode(tableRows(table));
    expect(kept.length).toBe(60);
    const mean = Array.from({ length: 60 }, (_, i) => x[i * 5]).reduce((a, b) => a + b) / 60;
    expect(Math.abs(mean)).toBeLessThan(1e-6);
    expect(Array.from(x.subarray(0, 5)).slice(1, 4)).toEqual([1, 0, 0]);
  });

  test("integer targets with few values are classes (returned as numbers); numbers are regression", () => {
    const t = parseCsv("a,b,k,y\n" + Array.from({ length: 20 }, (_, i) => `${i},${i % 3},${i % 2},${i * 1.5}`).join("\n"));
    const c = fitFeatures(t, { target: "k", ignore: ["y"] });
    expect(c.task).toBe("classification");
    expect(c.decode([0.1, 0.9])).toEqual([1]);
    const r = fitFeatures(t, { target: "y", ignore: ["k"] });
    expect(r.task).toBe("regression");
    const y = r.encodeTarget(tableRows(t), [0, 19]);
    expect(r.unscale(y)[1]).toBeCloseTo(28.5, 4);
    const multi = fitFeatures(t, { target: ["y", "k"], ignore: [] });
    expect(multi.outputSize).toBe(2);
    expect(multi.decode([0, 0])[0]).toHaveLength(2);
  });

  test("missing values: an error naming line and column, or drop, or fill with the training mean/mode", () => {
    const t = parseCsv("a,c,y\n1,x,0\nNA,y,1\n3,,0\n5,x,1\n", { name: "m.csv" });
    expect(() => fitFeatures(t, { target: "y" }).encode(tableRows(t))).toThrow('m.csv line 3, column "a": the value is missing ("NA")');
    const drop = fitFeatures(t, { target: "y", onMissing: "drop" });
    expect(drop.encode(tableRows(t)).kept).toEqual([0, 3]);
    const fill = fitFeatures(t, { target: "y", onMissing: "fill" });
    const { x } = fill.encode(tableRows(t));
    expect(x[4]).toBe(0); // the mean, standardized
    expect(Array.from(x.subarray(7, 9))).toEqual([1, 0]); // line 4's c is c's mode "x" (inputs a, c=x, c=y)
  });

  test("an unseen category is an error naming it, or the other slot", () => {
    const train = parseCsv("c,y\na,0\nb,1\na,1\n", { name: "train.csv" });
    const test_ = parseCsv("c,y\nz,0\n", { name: "test.csv" });
    expect(() => fitFeatures(train, { target: "y" }).encode(tableRows(test_))).toThrow('test.csv line 2, column "c": category "z" was not seen in training');
    const other = fitFeatures(train, { target: "y", unknownCategory: "other" });
    expect(Array.from(other.encode(tableRows(test_)).x)).toEqual([0, 0, 1]);
  });

  const bad: [string, string, object, string][] = [
    ["a target column that does not exist", "a,b\n1,2\n2,3\n", { target: "y" }, 'bad.csv: target column "y" does not exist'],
    ["a constant column", "a,b,y\n1,5,0\n2,5,1\n", { target: "y" }, 'bad.csv: column "b" is constant'],
    ["a target with one class", "a,y\n1,x\n2,x\n", { target: "y" }, 'bad.csv: the target "y" has one class ("x")'],
    ["a text value in a numeric column", "a,y\n1,0\n2,1\nabc,0\n4,1\n", { target: "y" }, 'bad.csv line 4, column "a": "abc" is not a number'],
    ["Infinity spelled out", "a,y\n1,0\nInfinity,1\n3,0\n", { target: "y" }, 'bad.csv line 3, column "a": "Infinity" is not a finite number'],
    ["NaN spelled out", "a,y\n1,0\nNaN,1\n3,0\n", { target: "y", onMissing: "error" }, 'bad.csv line 3, column "a": the value is missing ("NaN")'],
    ["a missing target", "a,y\n1,0\n2,\n3,1\n", { target: "y" }, 'bad.csv line 3, column "y": the target is missing'],
  ];
  test.each(bad)("%s", (_, text, options, message) => {
    const t = parseCsv(text, { name: "bad.csv" });
    expect(() => {
      const spec = fitFeatures(t, options as { target: string });
      spec.encode(tableRows(t));
    }).toThrow(message);
  });
});

describe("in the model file", () => {
  beforeAll(async () => {
    await init();
  });

  test("a network with features predicts raw row objects, and toJSON/fromJSON keep the spec exactly", () => {
    const table = parseCsv(CSV);
    const { train, test: held } = splitTable(table, { test: 0.25, seed: 3, stratify: "label" });
    const features = fitFeatures(train!, { target: "label" });
    const net = new Network({
      inputSize: features.inputSize,
      layers: [
        { units: 8, activation: "relu" },
        { units: 2, activation: "softmax" },
      ],
      seed: 1,
      features,
    });
    const rows = tableRows(train);
    const { x, kept } = features.encode(rows);
    net.fit(x, features.encodeTarget(rows, kept), { epochs: 3 });
    const objects = held!.rows.map((r) => Object.fromEntries(held!.columns.map((c, j) => [c, r[j]])));
    // Object.fromEntries makes "__proto__" an own property (a category value here, not a column).
    const predicted = net.predict(objects);
    expect(predicted.every((p) => p === "__proto__" || p === "hasOwnProperty")).toBe(true);
    const json = JSON.parse(JSON.stringify(net)) as { features: unknown };
    expect(json.features).toEqual(features.toJSON());
    const back = Network.fromJSON(JSON.stringify(net));
    expect(back.features!.toJSON()).toEqual(features.toJSON());
    expect(back.predict(objects)).toEqual(predicted);
    expect(() => net.predict([{ size: 1 }])).toThrow('row 0, column "color": the value is missing');
    net.dispose();
    back.dispose();
  });

  test("a column named __proto__ or constructor is an input like any other", () => {
    const rows = JSON.parse(
      '[{"__proto__":1,"constructor":"a","y":0},{"__proto__":2,"constructor":"b","y":1},{"__proto__":3,"constructor":"a","y":1}]',
    ) as object[];
    const t = tableFromObjects(rows);
    const spec = fitFeatures(t, { target: "y" });
    expect(spec.columns.map((c) => c.name)).toEqual(["__proto__", "constructor"]);
    const again = new FeatureSpec(JSON.parse(JSON.stringify(spec)));
    expect(again.encode(tableRows(t)).x).toEqual(spec.encode(tableRows(t)).x);
  });

  test("a damaged spec is refused like damaged weights, naming the field", () => {
    const spec = fitFeatures(parseCsv("a,c,y\n1,x,0\n2,y,1\n"), { target: "y", task: "classification" }).toJSON();
    const cases: [(f: Record<string, any>) => void, string][] = [
      [
        (f) => {
          f.columns[0].std = 0;
        },
        "model.features.columns[0].std is 0; a standard deviation must be positive",
      ],
      [
        (f) => {
          f.columns[0].mean = null;
        },
        "model.features.columns[0].mean is null; expected a finite number",
      ],
      [
        (f) => {
          f.columns[1].categories = ["x", "x"];
        },
        'model.features.columns[1].categories[1] repeats "x"',
      ],
      [
        (f) => {
          f.columns[1].categories = Array.from({ length: 70000 }, (_, i) => `c${i}`);
        },
        "model.features.columns[1].categories holds 70000 names; the limit is 65536",
      ],
      [
        (f) => {
          f.extra = 1;
        },
        'model.features has an unknown field "extra"',
      ],
      [
        (f) => {
          f.target.classes = ["0"];
        },
        "model.features.target.classes holds 1 names, expected at least 2",
      ],
      [
        (f) => {
          f.columns[0].name = "y";
        },
        'model.features.target.name "y" is also an input column',
      ],
      [
        (f) => {
          f.columns[0].name = "n".repeat(2000);
        },
        "model.features.columns[0].name is 2000 characters long; the limit is 1024",
      ],
    ];
    const net = new Network({ inputSize: 3, layers: [{ units: 2, activation: "softmax" }], seed: 1, features: spec });
    const file = net.toJSON();
    net.dispose();
    for (const [damage, message] of cases) {
      const copy = JSON.parse(JSON.stringify(file)) as { features: Record<string, any> };
      damage(copy.features);
      expect(() => Network.fromJSON(copy as never)).toThrow(message);
    }
    expect(() => new Network({ inputSize: 4, layers: [{ units: 2, activation: "softmax" }], features: spec })).toThrow(
      "features encode 3 inputs and 2 outputs, but the network has 4 inputs and 2 outputs",
    );
  });
});

describe("splits", () => {
  const table = parseCsv("x,y\n" + Array.from({ length: 100 }, (_, i) => `${i},${i < 80 ? "a" : "b"}`).join("\n"));

  test("stratified, seeded, disjoint", () => {
    const s = splitTable(table, { test: 0.2, validation: 0.1, seed: 7, stratify: "y" });
    const count = (t: typeof table, v: string): number => t.rows.filter((r) => r[1] === v).length;
    expect([s.train.rows.length, s.validation!.rows.length, s.test!.rows.length]).toEqual([70, 10, 20]);
    expect([count(s.test!, "a"), count(s.test!, "b")]).toEqual([16, 4]);
    const all = [...s.train.rows, ...s.validation!.rows, ...s.test!.rows].map((r) => r[0]);
    expect(new Set(all).size).toBe(100);
    expect(splitTable(table, { test: 0.2, seed: 7, stratify: "y" }).test!.rows).toEqual(splitTable(table, { test: 0.2, seed: 7, stratify: "y" }).test!.rows);
  });

  test("k-fold tests every row once, each fold keeping the class shares", () => {
    const folds = kFold(table, 5, { seed: 1, stratify: "y" });
    expect(folds.flatMap((f) => f.test.rows.map((r) => r[0])).sort()).toEqual(table.rows.map((r) => r[0]).sort());
    for (const f of folds) expect(f.test.rows.filter((r) => r[1] === "b").length).toBe(4);
  });
});
