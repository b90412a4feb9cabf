// wasmlp train --csv: a table from a CSV file to a saved model that takes raw rows (its feature
// spec saved with it), held in memory or streamed for large files; eval and predict --csv are in
// csv-predict.ts, the flags in csv-flags.ts.
import { statSync } from "node:fs";
import { writeAtomically } from "../atomic-write.js";
import { LOSSES, OPTIMIZERS, type Activation, type Loss } from "../config.js";
import { readCsvFile } from "../data/csv-file.js";
import { type Table, tableRows } from "../data/csv.js";
import { fitFeatures } from "../data/fit.js";
import { splitTable } from "../data/split.js";
import type { FeatureSpec } from "../features.js";
import { Network } from "../network.js";
import { init } from "../wasm.js";
import { UsageError, int, intList, oneOf, parse, positive, text } from "./args.js";
import { CSV_HELP, HIDDEN, READ_FLAGS, delimiter, list, typesFlag } from "./csv-flags.js";
import { describeColumns, describeTarget, renderMetrics, reportMetrics } from "./csv-report.js";
import { STREAM_BYTES, fitSpecStreaming, trainStreaming } from "./csv-stream.js";
import { checkSaveTarget } from "./files.js";
import { EpochProgress, type Output } from "./progress.js";

export { wantsCsv } from "./csv-flags.js";
export { evalCsv, predictCsv } from "./csv-predict.js";
export { featuresLeftOut } from "./csv-report.js";

async function readTable(a: Record<string, string | boolean | undefined>): Promise<Table> {
  const path = text("csv", a.csv)!;
  return readCsvFile(path, { delimiter: delimiter(a.delimiter), header: a["no-header"] !== true });
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
