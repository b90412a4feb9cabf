// Shows regression on a CSV table: US states' murder rate from the other columns of
// statsmodels' statecrime data (the committed sample), with held-out R², MAE and RMSE.
// Usage: node examples/csv-regression.js [epochs=100]   (run from the repository)
import { readFileSync } from "node:fs";
import { init, Network } from "wasmlp";
import { fitFeatures, parseCsv, regressionMetrics, splitTable, tableRows } from "wasmlp/data";

const epochs = Number(process.argv[2] ?? 100);
const text = readFileSync(new URL("../test/fixtures/tabular/statecrime.csv", import.meta.url), "utf8");
const table = parseCsv(text, { name: "statecrime.csv" });
const { train, test } = splitTable(table, { test: 0.25, seed: 1 });
const features = fitFeatures(train, { target: "murder", ignore: ["state"] }); // standardized inputs and target

await init();
const rows = tableRows(train);
const { x, kept } = features.encode(rows);
const net = new Network({
  inputSize: features.inputSize,
  layers: [
    { units: 8, activation: "tanh", kernelRegularizer: { l2: 0.01 } },
    { units: features.outputSize, activation: "linear" },
  ],
  optimizer: { type: "adam", learningRate: 0.005 },
  seed: 1,
  features, // saved in the model file; predict takes raw rows and answers in the target's units
});
net.fit(x, features.encodeTarget(rows, kept), { epochs, batchSize: 8 });

const column = (name) => test.columns.indexOf(name);
const objects = test.rows.map((r) => Object.fromEntries(test.columns.map((c, j) => [c, r[j]])));
const predicted = net.predict(
  objects.map((o) => {
    const { murder, ...inputs } = o;
    return inputs;
  }),
);
const truth = test.rows.map((r) => Number(r[column("murder")]));
const m = regressionMetrics(truth, predicted.map(Number));
console.log(`${test.rows.length} held-out states: R² ${m.r2.toFixed(3)}  MAE ${m.mae.toFixed(3)}  RMSE ${m.rmse.toFixed(3)}`);
console.log(`${objects[0].state}: murder rate ${truth[0]}, predicted ${Number(predicted[0]).toFixed(2)}`);
net.dispose();
