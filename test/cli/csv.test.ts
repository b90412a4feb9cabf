// wasmlp train/eval/predict --csv: in process (the subcommands take argv and an output), plus a
// few runs of the built command for exit codes and one-line errors.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { evalCsv, predictCsv, trainCsv } from "../../src/cli/csv.js";
import { exportModel } from "../../src/cli/export.js";
import { parseSklearnCsv, SKLEARN_FEATURES } from "../../src/data/index.js";

const BIN = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "wasmlp-csv-cli-"));

async function run(
  command: (argv: string[], out: { write(t: string): void; isTTY: boolean }) => Promise<number>,
  ...argv: string[]
): Promise<{ code: number; text: string }> {
  let text = "";
  const code = await command(argv, {
    write: (t) => {
      text += t;
    },
    isTTY: false,
  });
  return { code, text };
}

function wasmlp(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// The iris sample with a header line and class names, as a user's CSV would be.
const iris = parseSklearnCsv(readFileSync(new URL("../fixtures/tabular/iris-sklearn.csv", import.meta.url), "utf8"), "iris", SKLEARN_FEATURES.get("iris"));
const irisCsv = join(dir, "iris.csv");
writeFileSync(irisCsv, ["sepal_length,sepal_width,petal_length,petal_width,species", ...iris.rows.map((r) => r.join(","))].join("\n") + "\n");

describe("classification from a CSV file", () => {
  const model = join(dir, "iris.json");

  test("train infers the task, holds out a stratified test split, reports the confusion matrix and saves the spec", async () => {
    const r = await run(
      trainCsv,
      "--csv",
      irisCsv,
      "--target",
      "species",
      "--epochs",
      "80",
      "--batch-size",
      "8",
      "--lr",
      "0.01",
      "--test-fraction",
      "0.3",
      "--save",
      model,
    );
    expect(r.code).toBe(0);
    expect(r.text).toContain("Network(4 → 64 relu → 3 softmax; loss categorical-crossentropy");
    expect(r.text).toContain("training on 21, testing on 9 (stratified); target species: 3 classes");
    expect(r.text).toContain("columns: sepal_length: number, sepal_width: number, petal_length: number, petal_width: number");
    expect(r.text).toMatch(/held-out accuracy (0\.[89]\d{3}|1\.0000) on 9 rows/);
    expect(r.text).toContain("0 setosa");
    const file = JSON.parse(readFileSync(model, "utf8")) as { features: { target: { classes: string[] } } };
    expect(file.features.target.classes).toEqual(["setosa", "versicolor", "virginica"]);
  });

  test("eval --csv and predict --csv read raw rows with the saved spec", async () => {
    const e = await run(evalCsv, "--model", model, "--csv", irisCsv);
    expect(e.text).toMatch(/^accuracy [01]\.\d{4} on 30 rows/m);
    const out = join(dir, "predicted.csv");
    const p = await run(predictCsv, "--model", model, "--csv", irisCsv, "--out", out, "--probabilities");
    expect(p.text).toContain("wrote 30 predictions to");
    const lines = readFileSync(out, "utf8").trim().split("\n");
    expect(lines[0]).toBe("sepal_length,sepal_width,petal_length,petal_width,species,predicted species,p(setosa),p(versicolor),p(virginica)");
    expect(lines.length).toBe(31);
    const stdout = await run(predictCsv, "--model", model, "--csv", irisCsv);
    expect(stdout.text.split("\n")[1]).toMatch(/^5\.1,3\.5,1\.4,0\.2,setosa,(setosa|versicolor|virginica)$/);
  });
});

test("export says what it leaves out of the feature spec", async () => {
  const r = await run(exportModel, "--format", "onnx", "--model", join(dir, "iris.json"), "--out", join(dir, "iris.onnx"));
  expect(r.text).toContain(
    "note: the exported model does not carry the feature spec: it takes the encoded vector of 4 inputs (sepal_length, sepal_width, petal_length, petal_width",
  );
  expect(r.text).toContain("outputs probabilities of the classes setosa, versicolor, virginica in that order");
});

describe("regression from a CSV file", () => {
  test("R², MAE and RMSE per target in the target's units; several targets at once", async () => {
    const path = join(dir, "reg.csv");
    const rows = Array.from({ length: 200 }, (_, i) => {
      const a = ((i * 37) % 100) / 10,
        b = ((i * 53) % 70) / 7,
        c = ["x", "y"][i % 2];
      return `${a},${b},${c},${1000 + 30 * a - 20 * b + (c === "x" ? 50 : 0)},${a * b}`;
    });
    writeFileSync(path, ["a,b,c,y,z", ...rows].join("\n"));
    const r = await run(trainCsv, "--csv", path, "--target", "y,z", "--epochs", "60", "--lr", "0.01", "--save", join(dir, "reg.json"));
    expect(r.text).toContain("target y, z: regression (targets standardized)");
    expect(r.text).toMatch(/held-out R² 0\.9\d{3} on 40 rows/);
    expect(r.text).toMatch(/target +R² +MAE +RMSE/);
    const p = await run(predictCsv, "--model", join(dir, "reg.json"), "--csv", path);
    const first = p.text.split("\n")[1].split(",");
    expect(Math.abs(Number(first[5]) - 1050)).toBeLessThan(60); // predicted y, in y's units
  });
});

describe("bad input: one line, exit code, nothing saved", () => {
  const cases: [string, string, string[], string][] = [
    ["ragged row", "a,b,y\n1,2,0\n3,1\n", [], "line 3: 2 fields, expected 3"],
    ["text in a numeric column", "a,y\n1,0\n2,1\n3,0\nfour,1\n5,0\n", [], 'line 5, column "a": "four" is not a number'],
    ["a target that does not exist", "a,b\n1,2\n", [], 'target column "y" does not exist'],
    ["a constant column", "a,b,y\n1,7,0\n2,7,1\n3,7,0\n4,7,1\n", [], 'column "b" is constant'],
    ["one class", "a,y\n1,k\n2,k\n3,k\n", [], 'the target "y" has one class'],
    [
      "a category seen only in the test split",
      "c,y\n" + Array.from({ length: 20 }, (_, i) => `${i === 7 ? "rare" : i % 2 ? "p" : "q"},${i % 2}`).join("\n"),
      ["--test-fraction", "0.5", "--seed", "3"],
      'column "c": category "rare" was not seen in training',
    ],
    ["Infinity spelled out", "a,y\n1,0\n-Infinity,1\n3,0\n4,1\n", [], 'line 3, column "a": "-Infinity" is not a finite number'],
    ["empty file", "", [], "is empty"],
    ["only a header", "a,y\n", [], "has a header line and no rows"],
    ["NaN spelled out", "a,y\n1,0\nNaN,1\n3,0\n4,1\n", [], 'line 3, column "a": the value is missing ("NaN")'],
    ["a 10 MB single field", `a,y\n1,0\n${"7".repeat(10 << 20)},1\n`, [], 'line 3: column 1 ("a"): a field of more than 1,048,576 characters (maxFieldLength)'],
  ];
  test.each(cases)("%s", async (_, text, extra, message) => {
    const path = join(dir, `bad-${message.length}.csv`);
    writeFileSync(path, text);
    const save = join(dir, `never-${message.length}.json`);
    await expect(run(trainCsv, "--csv", path, "--target", "y", "--save", save, "--epochs", "1", ...extra)).rejects.toThrow(message);
    expect(existsSync(save)).toBe(false);
  });
  // The streamed path (files over 16 MiB) reads through the block scanner: the same errors.
  // A category seen only in held-out rows is the one exception: the hash split holds out other rows.
  test.each(cases.filter(([name]) => !name.startsWith("a category")))("%s, streamed", async (_, text, extra, message) => {
    const path = join(dir, `bad-stream-${message.length}.csv`);
    writeFileSync(path, text);
    const save = join(dir, `never-stream-${message.length}.json`);
    await expect(run(trainCsv, "--csv", path, "--target", "y", "--save", save, "--epochs", "1", "--stream", "--test-fraction", "0", ...extra)).rejects.toThrow(
      message,
    );
    expect(existsSync(save)).toBe(false);
  });

  test("eval and predict --csv name the bad row, and predict leaves no --out behind", async () => {
    const model = join(dir, "iris.json"); // trained above
    const bad = join(dir, "iris-ragged.csv");
    const lines = readFileSync(irisCsv, "utf8").split("\n");
    lines[12] = "5.1,3.5";
    writeFileSync(bad, lines.join("\n"));
    await expect(run(evalCsv, "--model", model, "--csv", bad)).rejects.toThrow(`${bad} line 13: 2 fields, expected 5`);
    const out = join(dir, "never-predicted.csv");
    await expect(run(predictCsv, "--model", model, "--csv", bad, "--out", out)).rejects.toThrow(`${bad} line 13: 2 fields, expected 5`);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith("never-predicted"))).toEqual([]);
    const text = join(dir, "iris-text.csv");
    lines[12] = "5.1,3.5,tall,0.2,setosa";
    writeFileSync(text, lines.join("\n"));
    await expect(run(predictCsv, "--model", model, "--csv", text, "--out", out)).rejects.toThrow(
      `${text} line 13, column "petal_length": "tall" is not a number`,
    );
    expect(existsSync(out)).toBe(false);
  });

  test("the command prints one line without a stack and exits 1 (2 for usage)", () => {
    const path = join(dir, "ragged.csv");
    writeFileSync(path, "a,b,y\n1,2,0\n3,1\n");
    const r = wasmlp("train", "--csv", path, "--target", "y");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`wasmlp: error: ${path} line 3: 2 fields, expected 3 (as the header has); every row needs one value per column\n`);
    const binary = join(dir, "binary.csv");
    writeFileSync(binary, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00, 0x0a]));
    const b = wasmlp("train", "--csv", binary, "--target", "y");
    expect(b.code).toBe(1);
    expect(b.stderr).toBe(`wasmlp: error: ${binary} line 1: the input is not text (it holds a NUL byte); give a CSV file\n`);
    // Latin-1, not UTF-8: the same line for the table held in memory and for the streamed one (the byte scanner).
    const latin1 = join(dir, "latin1.csv");
    writeFileSync(latin1, Buffer.concat([Buffer.from("name,y\nJos"), Buffer.from([0xe9]), Buffer.from(",1\n")]));
    for (const extra of [[], ["--stream"]]) {
      const l = wasmlp("train", "--csv", latin1, "--target", "y", ...extra);
      expect(l.code).toBe(1);
      expect(l.stderr).toBe(`wasmlp: error: ${latin1} line 2, column 4: not UTF-8 text (byte 0xe9 at offset 10); give a CSV file saved as UTF-8\n`);
    }
    const u = wasmlp("train", "--csv", path);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/^wasmlp: error: train --csv: --target COLUMN is required[^\n]*\n$/);
  });

  test("a model without a feature spec cannot read CSV rows", async () => {
    const r = wasmlp("train", "--limit", "64", "--epochs", "1", "--layers", "8", "--save", join(dir, "images.json"));
    expect(r.code).toBe(0);
    await expect(run(evalCsv, "--model", join(dir, "images.json"), "--csv", irisCsv)).rejects.toThrow(
      "has no feature spec (it was not trained with train --csv)",
    );
  });
});
