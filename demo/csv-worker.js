// The training side of the CSV page, in a Web Worker: reads the file, infers the column types
// for the chosen target, splits, fits the feature spec on the training rows, trains epoch by
// epoch with the held-out rows as validation data, and sends the metrics and the model file.
import { classificationMetrics, argmaxRows, fitFeatures, readCsv, regressionMetrics, splitTable, tableRows } from "../dist/wasmlp-data.browser.js";
import { Network, init, threadCount } from "../dist/wasmlp.browser.js";

let table = null;
let stopRequested = false;
const SCATTER = 2000; // regression points sent for the plot
const PREVIEW = 20; // rows of the file predicted by the finished model (the test compares them with Node)

function describeColumns(spec) {
  return spec.columns.map((c) => ({
    name: c.name,
    type: c.type,
    encoding:
      c.type === "category"
        ? `one-hot, ${c.categories.length} categories`
        : c.type === "boolean"
          ? "0/1, standardized"
          : `standardized (mean ${+c.mean.toPrecision(4)}, std ${+c.std.toPrecision(4)})`,
  }));
}

async function load({ bytes, name, delimiter }) {
  table = null;
  table = await readCsv(bytes, { name, delimiter: delimiter === "tab" ? "\t" : delimiter });
  postMessage({ type: "loaded", name, rows: table.rows.length, columns: [...table.columns] });
}

function inspect({ target }) {
  const spec = fitFeatures(table, { target }); // the types as the whole file shows them, before any split
  postMessage({ type: "inspected", target, task: spec.task, outputs: spec.outputSize, columns: describeColumns(spec) });
}

async function train({ target, config }) {
  stopRequested = false;
  const classify = fitFeatures(table, { target }).task === "classification";
  const { train, test } = splitTable(table, { test: config.testFraction, seed: 1, stratify: classify ? target : undefined });
  const spec = fitFeatures(train, { target }); // learnt from the training rows only
  const encode = (part) => {
    const rows = tableRows(part);
    const { x, kept } = spec.encode(rows);
    return { x, y: spec.encodeTarget(rows, kept), count: kept.length };
  };
  const tr = encode(train),
    te = encode(test);
  const net = new Network({
    inputSize: spec.inputSize,
    layers: [...config.layers.map((units) => ({ units, activation: "relu" })), { units: spec.outputSize, activation: classify ? "softmax" : "linear" }],
    loss: classify ? "categorical-crossentropy" : "mse",
    optimizer: { type: "adam", learningRate: config.learningRate },
    seed: 1,
    features: spec.toJSON(), // saved in the model file: the downloaded model takes raw rows
  });
  postMessage({ type: "status", text: `Training ${net} on ${tr.count} rows, ${te.count} held out`, network: String(net), columns: describeColumns(spec) });
  for (let epoch = 0; epoch < config.epochs && !stopRequested; epoch++) {
    const h = net.fit(tr.x, tr.y, { epochs: epoch + 1, initialEpoch: epoch, batchSize: config.batchSize, validationData: [te.x, te.y] });
    postMessage({
      type: "epoch",
      epoch: epoch + 1,
      epochs: config.epochs,
      loss: h.loss[0],
      valLoss: h.valLoss[0],
      ...(classify ? { valAccuracy: h.valAccuracy[0] } : {}),
    });
    await new Promise((resolve) => setTimeout(resolve, 0)); // let a "stop" message in
  }
  const outputs = net.predict(te.x);
  let result;
  if (classify) {
    const m = classificationMetrics(te.y, argmaxRows(outputs, spec.outputSize), spec.outputSize);
    result = { task: "classification", accuracy: m.accuracy, macroF1: m.macro.f1, confusion: m.confusionMatrix, classes: spec.target.classes };
  } else {
    const truth = spec.unscale(te.y),
      predicted = spec.unscale(outputs);
    const m = regressionMetrics(truth, predicted, spec.outputSize);
    const k = spec.outputSize;
    const points = Array.from({ length: Math.min(te.count, SCATTER) }, (_, i) => [truth[i * k], predicted[i * k]]);
    result = { task: "regression", r2: m.r2, mae: m.mae, rmse: m.rmse, targets: spec.target.names, points };
  }
  const preview = table.rows.slice(0, PREVIEW).map((row) => Object.fromEntries(table.columns.map((c, j) => [c, row[j]]).filter(([c]) => c !== target)));
  postMessage({ type: "done", stopped: stopRequested, result, model: JSON.stringify(net.toJSON()), predictions: net.predict(preview) });
  net.dispose();
}

addEventListener("message", async ({ data: message }) => {
  try {
    if (message.type === "stop") {
      stopRequested = true;
      return;
    }
    if (message.type === "load") await load(message);
    if (message.type === "inspect") inspect(message);
    if (message.type === "train") await train(message);
  } catch (e) {
    postMessage({ type: "error", message: e instanceof Error ? e.message : String(e) });
  }
});

try {
  // Every core when the page is cross-origin isolated (demo/serve.js sends COOP/COEP), else one.
  await init({ threads: "auto" });
  postMessage({ type: "ready", threads: threadCount() });
} catch (e) {
  postMessage({ type: "error", message: e instanceof Error ? e.message : String(e) });
}
