// wasmlp train/eval/predict --csv: tables from a CSV file to a saved model that takes raw rows
// (its feature spec saved with it), held-out metrics, and predictions written as CSV.
import { closeSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import Papa from "papaparse";
import { writeAtomically } from "../atomic-write.js";
import { ACTIVATIONS, LOSSES, OPTIMIZERS, type Activation, type Loss } from "../config.js";
import { readCsvFile } from "../data/csv-file.js";
import { DataError, type Table, blockCell, tableRows } from "../data/csv.js";
import { fitFeatures } from "../data/fit.js";
import { type ClassificationMetrics, type RegressionMetrics, StreamingMetrics } from "../data/metrics.js";
import { type CsvPiece, csvPieces, pieceRows } from "../data/stream.js";
import { splitTable } from "../data/split.js";
import { type ColumnType, type FeatureSpec, classValue } from "../features.js";
import { Network } from "../network.js";
import { init } from "../wasm.js";
import { UsageError, int, intList, oneOf, parse, positive, text } from "./args.js";
import { STREAM_BYTES, addScores, fitSpecStreaming, open, trainStreaming } from "./csv-stream.js";
import { checkSaveTarget } from "./files.js";
import { MODEL_FLAGS, MODEL_USAGE, loadModel, modelFlagsHelp } from "./models.js";
import { EpochProgress, type Output, renderConfusion, renderTable } from "./progress.js";

const HIDDEN = ACTIVATIONS.filter((a) => a !== "softmax") as Exclude<Activation, "softmax">[];
const TYPES = ["number", "integer", "boolean", "category"] as const;

export const CSV_HELP = {
  train: `Usage: wasmlp train --csv FILE --target COLUMN [options]

Trains an MLP on a table: a classifier when the target is a category, a boolean or a few whole
numbers, else a regression (--task to say which). Numeric columns are standardized and
categorical ones one-hot encoded with statistics from the training rows only; the saved model
holds that feature spec, so eval and predict --csv take raw rows.

Data:
  --csv FILE            the table (RFC 4180 CSV; a header line names the columns)
  --target LIST         the column to predict (several, comma-separated, for multi-target regression)
  --task NAME           classification or regression (default: inferred from the target)
  --columns LIST        input columns (default: all but the target and --ignore)
  --ignore LIST         columns to leave out
  --types LIST          stated column types, e.g. zip:category,age:integer (number, integer, boolean, category)
  --delimiter C         field separator: one character, "tab", or "auto" (default ",")
  --no-header           the file has no header line: columns are named "column 1", "column 2", …
  --missing LIST        cell texts that mean missing (default: empty, NA, N/A, NaN, nan, ?, null)
  --on-missing NAME     error (default: name the line and column), drop (the row) or fill (training mean/mode)
  --unknown NAME        a category unseen in training at prediction: error (default) or other
  --test-fraction X     rows held out for testing, stratified for classification (default 0.2)
  --no-standardize-target  regression: train on the raw targets (default: standardized, mapped back)
  --stream              read the file again each epoch instead of holding it (automatic above 16 MiB);
                        the test rows are then chosen by a seeded hash of the row number, not stratified
Model and training:
  --layers LIST         hidden layer sizes (default 64)
  --activation NAME     ${HIDDEN.join(", ")} (default relu)
  --loss NAME           regression loss: mse (default), mae, huber
  --epochs N            (default 100)
  --batch-size N        (default 32)
  --optimizer NAME      ${OPTIMIZERS.join(", ")} (default adam)
  --lr X                learning rate (default 0.001; 0.05 for sgd, momentum, nesterov)
  --l2 X                L2 penalty on every layer's weights (default 0)
  --seed N              seed for the split, the weights and shuffling (default 1)
  --save FILE           write the model and its feature spec (JSON, written atomically)
  -h, --help            show this help
`,
  eval: `Usage: wasmlp eval (${MODEL_USAGE}) --csv FILE

Evaluates a model trained with train --csv on every row of FILE: accuracy, confusion matrix and
per-class precision/recall/F1 for a classifier; R², MAE and RMSE per target for a regression.

Options:
${modelFlagsHelp(18)}  --csv FILE        the table (same columns as in training)
  --delimiter C     field separator (default ",")
  --no-header       the file has no header line
  -h, --help        show this help
`,
  predict: `Usage: wasmlp predict (${MODEL_USAGE}) --csv FILE [--out FILE] [--probabilities]

Predicts every row of FILE with a model trained with train --csv and writes the rows with the
prediction appended as CSV (to --out, or to the terminal).

Options:
${modelFlagsHelp(18)}  --csv FILE        the rows to predict
  --out FILE        write the CSV there (atomically) instead of to the terminal
  --probabilities   a classifier also writes one probability column per class
  --delimiter C     field separator (default ",")
  --no-header       the file has no header line
  -h, --help        show this help
`,
};

/** True when the arguments ask for the table commands (--csv given). */
export function wantsCsv(argv: readonly string[]): boolean {
  return argv.some((a) => a === "--csv" || a.startsWith("--csv="));
}

const READ_FLAGS = { csv: { type: "string" }, delimiter: { type: "string" }, "no-header": { type: "boolean" }, help: { type: "boolean", short: "h" } } as const;

function list(name: string, v: string | boolean | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v.trim() === "") throw new UsageError(`--${name} needs a comma-separated list`);
  return v
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function delimiter(v: string | boolean | undefined): string {
  if (v === undefined) return ",";
  if (v === "tab" || v === "\\t") return "\t";
  if (typeof v !== "string" || (v !== "auto" && v.length !== 1))
    throw new UsageError(`--delimiter must be one character, "tab" or "auto", received "${String(v)}"`);
  return v;
}

async function readTable(a: Record<string, string | boolean | undefined>): Promise<Table> {
  const path = text("csv", a.csv)!;
  return readCsvFile(path, { delimiter: delimiter(a.delimiter), header: a["no-header"] !== true });
}

function typesFlag(v: string | boolean | undefined): Map<string, ColumnType> | undefined {
  const items = list("types", v);
  if (!items) return undefined;
  return new Map(
    items.map((item) => {
      const at = item.lastIndexOf(":");
      const type = item.slice(at + 1) as ColumnType;
      if (at <= 0 || !TYPES.includes(type as (typeof TYPES)[number]))
        throw new UsageError(`--types takes COLUMN:TYPE pairs with TYPE one of ${TYPES.join(", ")}, received "${item}"`);
      return [item.slice(0, at), type];
    }),
  );
}

function describeTarget(spec: FeatureSpec): string {
  const t = spec.target;
  if (t.task === "classification") return `${t.name}: ${spec.outputSize} classes`;
  return `${t.names.join(", ")}: regression${t.std.some((s) => s !== 1) ? " (targets standardized)" : ""}`;
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0; // readCsvFile names the problem
  }
}

interface ModelFlags {
  layers: number[];
  activation: Exclude<Activation, "softmax">;
  l2: number;
  loss: Loss;
  optimizer: (typeof OPTIMIZERS)[number];
  lr: number;
  seed: number;
}

function buildNetwork(features: FeatureSpec, m: ModelFlags): Network {
  const classify = features.task === "classification";
  const penalty = m.l2 > 0 ? { kernelRegularizer: { l2: m.l2 } } : {};
  return new Network({
    inputSize: features.inputSize,
    layers: [
      ...m.layers.map((units) => ({ units, activation: m.activation, ...penalty })),
      { units: features.outputSize, activation: classify ? ("softmax" as const) : ("linear" as const), ...penalty },
    ],
    loss: classify ? "categorical-crossentropy" : m.loss,
    optimizer: { type: m.optimizer, learningRate: m.lr },
    seed: m.seed,
    features,
  });
}

function describeColumns(spec: FeatureSpec): string {
  return spec.columns.map((c) => `${c.name}: ${c.type === "category" ? `category (${c.categories.length}${c.other ? " + other" : ""})` : c.type}`).join(", ");
}

export async function trainCsv(argv: string[], out: Output): Promise<number> {
  const a = parse(
    argv,
    {
      ...READ_FLAGS,
      target: { type: "string" },
      task: { type: "string" },
      columns: { type: "string" },
      ignore: { type: "string" },
      types: { type: "string" },
      missing: { type: "string" },
      "on-missing": { type: "string" },
      unknown: { type: "string" },
      "test-fraction": { type: "string" },
      "no-standardize-target": { type: "boolean" },
      stream: { type: "boolean" },
      layers: { type: "string" },
      activation: { type: "string" },
      loss: { type: "string" },
      epochs: { type: "string" },
      "batch-size": { type: "string" },
      optimizer: { type: "string" },
      lr: { type: "string" },
      l2: { type: "string" },
      seed: { type: "string" },
      save: { type: "string" },
    },
    "train",
  );
  if (a.help) {
    out.write(CSV_HELP.train);
    return 0;
  }
  const targets = list("target", a.target);
  if (!targets) throw new UsageError("train --csv: --target COLUMN is required (see wasmlp train --csv FILE --help)");
  const task = a.task === undefined ? undefined : oneOf("task", a.task, "classification", ["classification", "regression"] as const);
  const layers = intList("layers", a.layers, [64]);
  const activation = oneOf("activation", a.activation, "relu", HIDDEN);
  const loss = oneOf("loss", a.loss, "mse", LOSSES.filter((l) => ["mse", "mae", "huber"].includes(l)) as Loss[]);
  const epochs = int("epochs", a.epochs, 100, 1, 100000);
  const batchSize = int("batch-size", a["batch-size"], 32, 1, 65536);
  const optimizer = oneOf("optimizer", a.optimizer, "adam", OPTIMIZERS);
  const lr = positive("lr", a.lr, ["sgd", "momentum", "nesterov"].includes(optimizer) ? 0.05 : 0.001);
  const l2 = a.l2 === undefined ? 0 : positive("l2", a.l2, 0);
  const seed = int("seed", a.seed, 1, 0, 0xffffffff);
  const testFraction = a["test-fraction"] === undefined ? 0.2 : Number(a["test-fraction"]);
  if (!(testFraction >= 0 && testFraction < 1)) throw new UsageError(`--test-fraction must be a number in [0, 1), received "${String(a["test-fraction"])}"`);
  const onMissing = oneOf("on-missing", a["on-missing"], "error", ["error", "drop", "fill"] as const);
  const unknownCategory = oneOf("unknown", a.unknown, "error", ["error", "other"] as const);
  const types = typesFlag(a.types);
  const save = text("save", a.save);
  if (save !== undefined) checkSaveTarget(save);

  const csvPath = text("csv", a.csv)!;
  const fitOptions = {
    target: targets,
    task,
    types,
    onMissing,
    unknownCategory,
    standardizeTarget: a["no-standardize-target"] !== true,
    ...(a.columns === undefined ? {} : { columns: list("columns", a.columns) }),
    ...(a.ignore === undefined ? {} : { ignore: list("ignore", a.ignore) }),
    ...(a.missing === undefined ? {} : { missing: String(a.missing).split(",") }),
  };
  const model = { layers, activation, l2, loss, optimizer, lr, seed };
  if (a.stream === true || fileSize(csvPath) > STREAM_BYTES) {
    const run = {
      path: csvPath,
      csv: { name: csvPath, delimiter: delimiter(a.delimiter), header: a["no-header"] !== true },
      fit: fitOptions,
      test: testFraction,
      seed,
      epochs,
      batchSize,
    };
    const { spec, rows, train, test } = await fitSpecStreaming(run);
    await init();
    const net = buildNetwork(spec, model);
    try {
      out.write(
        `${net}\ndata: ${csvPath} (streamed), ${rows.toLocaleString("en-US")} rows; training on ${train.toLocaleString("en-US")}, testing on ${test.toLocaleString("en-US")} (split by a seeded hash of the row number); target ${describeTarget(spec)}\ncolumns: ${describeColumns(spec)}\n`,
      );
      await trainStreaming(net, spec, run, out, (metrics) => renderMetrics(spec, metrics, "held-out "));
      if (save !== undefined) {
        writeAtomically(save, JSON.stringify(net.toJSON()));
        out.write(`saved model with its feature spec to ${save}\n`);
      }
    } finally {
      net.dispose();
    }
    return 0;
  }
  const table = await readTable(a);
  // Stratify by a classification target so every class keeps its share in both parts.
  const stratify = task !== "regression" && targets.length === 1 && table.columns.includes(targets[0]) ? targets[0] : undefined;
  const { train, test } = splitTable(table, { test: testFraction, seed, stratify });
  const features = fitFeatures(train, fitOptions);
  const classify = features.task === "classification";
  const trainRows = tableRows(train);
  const { x, kept } = features.encode(trainRows);
  const y = features.encodeTarget(trainRows, kept);
  let testSet: { x: Float32Array; y: Int32Array | Float32Array; rows: number[] } | null = null;
  if (test) {
    const testRows = tableRows(test);
    const enc = features.encode(testRows);
    testSet = { x: enc.x, y: features.encodeTarget(testRows, enc.kept), rows: enc.kept };
  }

  await init();
  const net = buildNetwork(features, model);
  try {
    out.write(
      `${net}\ndata: ${table.source}, ${table.rows.length.toLocaleString("en-US")} rows; training on ${kept.length.toLocaleString("en-US")}, testing on ${(testSet?.rows.length ?? 0).toLocaleString("en-US")}${stratify ? " (stratified)" : ""}; target ${describeTarget(features)}\ncolumns: ${describeColumns(features)}\n`,
    );
    const progress = new EpochProgress(out, epochs, kept.length);
    let epochStart = performance.now();
    progress.begin();
    net.fit(x, y, {
      epochs,
      batchSize,
      ...(testSet ? { validationData: [testSet.x, testSet.y] as [Float32Array, Int32Array | Float32Array] } : {}),
      onBatchEnd: (_, logs) => progress.batch(logs.epoch, logs.size, logs.loss),
      onEpochEnd: (epoch, logs) => {
        const seconds = (performance.now() - epochStart) / 1000;
        if (classify) progress.end(epoch, logs, seconds);
        else if (epoch === epochs - 1 || (epoch + 1) % Math.max(1, Math.round(epochs / 20)) === 0) {
          out.write(
            `${out.isTTY ? "\r\x1b[2K" : ""}epoch ${epoch + 1}/${epochs}  loss ${logs.loss.toFixed(4)}${logs.valLoss === undefined ? "" : `  test loss ${logs.valLoss.toFixed(4)}`}  ${logs.seconds.toFixed(2)}s\n`,
          );
        }
        progress.begin();
        epochStart = performance.now();
      },
    });
    if (testSet) out.write(`\n${reportMetrics(features, net.predict(testSet.x), testSet.y, "held-out ")}`);
    if (save !== undefined) {
      writeAtomically(save, JSON.stringify(net.toJSON()));
      out.write(`saved model with its feature spec to ${save}\n`);
    }
  } finally {
    net.dispose();
  }
  return 0;
}

/** Classification: accuracy and the confusion matrix with class names; regression: R², MAE, RMSE per target in its units. */
function reportMetrics(features: FeatureSpec, outputs: Float32Array, y: ArrayLike<number>, what: string): string {
  const metrics = new StreamingMetrics(features.task, features.outputSize);
  addScores(metrics, features, y, outputs);
  return renderMetrics(features, metrics, what);
}

function renderMetrics(features: FeatureSpec, scores: StreamingMetrics, what: string): string {
  const t = features.target;
  const m = scores.rows;
  if (t.task === "classification") {
    const metrics = scores.metrics() as ClassificationMetrics;
    const names = t.classes.map((c) => String(classValue(c, t.type)));
    return `${what}accuracy ${metrics.accuracy.toFixed(4)} on ${m.toLocaleString("en-US")} rows (macro F1 ${metrics.macro.f1.toFixed(4)})\n\n${renderConfusion(metrics, names)}`;
  }
  const metrics = scores.metrics() as RegressionMetrics;
  const rows = t.names.map((n, j) => [
    n,
    metrics.perTarget[j].r2.toFixed(4),
    metrics.perTarget[j].mae.toPrecision(5),
    metrics.perTarget[j].rmse.toPrecision(5),
  ]);
  return `${what}R² ${metrics.r2.toFixed(4)} on ${m.toLocaleString("en-US")} rows\n${renderTable(["target", "R²", "MAE", "RMSE"], rows)}`;
}

function loadTabular(a: Record<string, string | boolean | undefined>, command: string): { net: Network; features: FeatureSpec; path: string } {
  const { net, path } = loadModel(a, command);
  if (!net.features) {
    net.dispose();
    throw new Error(`${path} has no feature spec (it was not trained with train --csv), so it cannot read CSV rows`);
  }
  return { net, features: net.features, path };
}

/** The pieces of the --csv file, read as they are needed (eval and predict hold one piece at a time). */
function csvFilePieces(a: Record<string, string | boolean | undefined>): AsyncGenerator<CsvPiece> {
  const path = text("csv", a.csv)!;
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(path);
  } catch {
    throw new DataError(`CSV file ${path} does not exist`);
  }
  if (!stats.isFile()) throw new DataError(`CSV file ${path} is ${stats.isDirectory() ? "a folder" : "not a regular file"}; expected a file`);
  const options = { name: path, delimiter: delimiter(a.delimiter), header: a["no-header"] !== true };
  // Opened when the first piece is asked for, and closed when the loop over it ends or throws.
  return (async function* () {
    yield* csvPieces(open(path), options);
  })();
}

export async function evalCsv(argv: string[], out: Output): Promise<number> {
  const a = parse(argv, { ...MODEL_FLAGS, ...READ_FLAGS }, "eval");
  if (a.help) {
    out.write(CSV_HELP.eval);
    return 0;
  }
  const pieces = csvFilePieces(a);
  await init();
  const { net, features } = loadTabular(a, "eval");
  try {
    // Streamed: each piece is encoded, predicted and counted, then dropped.
    const metrics = new StreamingMetrics(features.task, features.outputSize);
    for await (const piece of pieces) {
      const rows = pieceRows(piece);
      const { x, kept } = features.encode(rows);
      addScores(metrics, features, features.encodeTarget(rows, kept), net.predict(x));
    }
    if (metrics.rows === 0) throw new DataError(`${text("csv", a.csv)} has a header line and no rows`);
    out.write(`${net}\ndata: ${text("csv", a.csv)}\n${renderMetrics(features, metrics, "")}`);
  } finally {
    net.dispose();
  }
  return 0;
}

/** A CSV field as RFC 4180 writes it: quoted (quotes doubled) when it holds a comma, a quote or a line break. */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Where predict writes: the terminal, or a temporary file renamed to --out only once every row is written. */
function predictionSink(target: string | undefined, out: Output): { write(text: string): void; commit(): void; abandon(): void } {
  if (target === undefined) return { write: (t) => out.write(t), commit: () => {}, abandon: () => {} };
  const tmp = `${target}.${process.pid}.tmp`;
  let fd: number | null = openSync(tmp, "w");
  const close = (): void => {
    if (fd !== null) {
      closeSync(fd);
      fd = null;
    }
  };
  return {
    write: (t) => {
      writeSync(fd!, t);
    },
    commit: () => {
      close();
      try {
        renameSync(tmp, target);
      } catch (e) {
        rmSync(tmp, { force: true });
        throw new Error(`could not write ${target}: ${(e as Error).message}`);
      }
    },
    abandon: () => {
      close();
      rmSync(tmp, { force: true });
    },
  };
}

export async function predictCsv(argv: string[], out: Output): Promise<number> {
  const a = parse(argv, { ...MODEL_FLAGS, ...READ_FLAGS, out: { type: "string" }, probabilities: { type: "boolean" } }, "predict");
  if (a.help) {
    out.write(CSV_HELP.predict);
    return 0;
  }
  const target = text("out", a.out);
  if (target !== undefined) checkSaveTarget(target);
  const pieces = csvFilePieces(a);
  await init();
  const { net, features } = loadTabular(a, "predict");
  const t = features.target;
  const k = features.outputSize;
  const probabilities = a.probabilities === true && t.task === "classification";
  let sink: ReturnType<typeof predictionSink> | null = null;
  let count = 0;
  try {
    // Streamed: each piece's rows go out with their predictions as soon as they are read.
    for await (const piece of pieces) {
      const rows = pieceRows(piece);
      const { x, kept } = features.encode(rows);
      if (kept.length < rows.count) {
        const r = kept.findIndex((v, i) => v !== i);
        throw new Error(`${rows.locate(r < 0 ? kept.length : r)}: a missing value; the model's feature spec drops such rows, so it cannot predict them`);
      }
      const outputs = net.predict(x);
      const predictions = features.decode(outputs);
      if (!sink) {
        sink = predictionSink(target, out);
        const header = [...piece.columns, ...features.targetNames.map((n) => `predicted ${n}`)];
        if (probabilities) header.push(...t.classes.map((c) => `p(${c})`));
        sink.write(`${Papa.unparse([header], { newline: "\n" })}\n`);
      }
      const b = piece.block;
      const lines: string[] = new Array(predictions.length);
      for (let i = 0; i < predictions.length; i++) {
        let line = "";
        for (let j = 0; j < b.width; j++) {
          const c = blockCell(b, i, j);
          line += `${j > 0 ? "," : ""}${typeof c === "number" ? String(c) : csvField(c === null || c === undefined ? "" : String(c))}`;
        }
        const p = predictions[i];
        for (const v of Array.isArray(p) ? p : [p]) line += `,${csvField(String(v))}`;
        if (probabilities) for (let j = 0; j < k; j++) line += `,${outputs[i * k + j].toPrecision(6)}`;
        lines[i] = line;
      }
      sink.write(`${lines.join("\n")}\n`);
      count += lines.length;
    }
    if (!sink) throw new DataError(`${text("csv", a.csv)} has a header line and no rows`);
    sink.commit();
    if (target !== undefined) out.write(`${net}\nwrote ${count.toLocaleString("en-US")} predictions to ${target}\n`);
  } catch (e) {
    sink?.abandon(); // nothing is saved after a bad row
    throw e;
  } finally {
    net.dispose();
  }
  return 0;
}

/** What an export leaves out of a model's feature spec: said on every export, never dropped silently. */
export function featuresLeftOut(features: FeatureSpec): string {
  const t = features.target;
  const scaled = t.task === "regression" && t.std.some((s, i) => s !== 1 || t.mean[i] !== 0);
  return (
    `note: the exported model does not carry the feature spec: it takes the encoded vector of ${features.inputSize} inputs (${features.inputNames.slice(0, 6).join(", ")}${features.inputSize > 6 ? ", …" : ""}: numbers as (value − mean) / std, categories one-hot, in that order)` +
    `${t.task === "classification" ? ` and outputs probabilities of the classes ${t.classes.slice(0, 6).join(", ")}${t.classes.length > 6 ? ", …" : ""} in that order` : scaled ? " and outputs standardized targets (multiply by std, add mean)" : " and outputs the targets"}; the means, deviations and category lists are in the wasmlp model file's "features" field\n`
  );
}
