// Shows classification on a CSV table: iris species from scikit-learn's iris.csv (the committed
// sample, read through its adapter), with the feature spec saved in the model so that the
// reloaded model takes raw rows and answers with class names.
// Usage: node examples/csv-classification.js [epochs=100]   (run from the repository)
import { readFileSync } from "node:fs";
import { init, Network } from "wasmlp";
import { fitFeatures, parseSklearnCsv, splitTable, tableRows } from "wasmlp/data";

const epochs = Number(process.argv[2] ?? 100);
const text = readFileSync(new URL("../test/fixtures/tabular/iris-sklearn.csv", import.meta.url), "utf8");
const table = parseSklearnCsv(text, "iris.csv");
const { train, test } = splitTable(table, { test: 0.3, seed: 1, stratify: "target" });
const features = fitFeatures(train, { target: "target" }); // learnt from the training rows only

await init();
const rows = tableRows(train);
const { x, kept } = features.encode(rows);
const net = new Network({
  inputSize: features.inputSize,
  layers: [
    { units: 16, activation: "relu" },
    { units: features.outputSize, activation: "softmax" },
  ],
  optimizer: { type: "adam", learningRate: 0.01 },
  seed: 1,
  features,
});
net.fit(x, features.encodeTarget(rows, kept), { epochs, batchSize: 8 });

const copy = Network.fromJSON(JSON.stringify(net)); // the spec travels with the model
const target = test.columns.indexOf("target");
const objects = test.rows.map((r) => Object.fromEntries(test.columns.flatMap((c, j) => (j === target ? [] : [[c, r[j]]]))));
const predicted = copy.predict(objects);
const truth = test.rows.map((r) => r[target]);
const correct = predicted.filter((p, i) => p === truth[i]).length;
console.log(`${copy.toString()}`);
console.log(`held-out accuracy ${(correct / truth.length).toFixed(3)} on ${truth.length} flowers; first: ${truth[0]} predicted ${predicted[0]}`);
net.dispose();
copy.dispose();
