// Question: how accurate and how fast is wasmlp on the full Fashion-MNIST? Trains
// 784-256-128-10 (relu, softmax, Adam 1e-3, batch 128) on the 60,000 training images and
// evaluates on the 10,000 test images after every epoch.
// Usage: node bench/fmnist.js [--data DIR] [--epochs N]   (default DIR /usr/share/datasets/fashion-mnist)
import { parseArgs } from "node:util";
import { Network, init } from "../dist/index.js";
import { loadDirectory } from "../dist/data/node.js";
import { machine, table } from "./util.js";

const { values } = parseArgs({ options: { data: { type: "string" }, epochs: { type: "string" } } });
const dir = values.data ?? "/usr/share/datasets/fashion-mnist";
const epochs = Number(values.epochs ?? 10);
let data;
try {
  data = loadDirectory(dir);
} catch (e) {
  console.error(`bench:fmnist: ${e.message}\nInstall Debian's dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass --data DIR.`);
  process.exit(1);
}
await init();
const net = new Network({
  inputSize: 784,
  layers: [
    { units: 256, activation: "relu" },
    { units: 128, activation: "relu" },
    { units: 10, activation: "softmax" },
  ],
  loss: "categorical-crossentropy",
  optimizer: { type: "adam", learningRate: 1e-3 },
  seed: 1,
});
console.log(`Fashion-MNIST, ${net}\n${machine()}; ${data.train.count} training images, ${data.test.count} test images, batch 128\n`);
const rows = [];
let start = performance.now(),
  lastBatch = start;
net.fit(data.train.pixels, data.train.labels, {
  epochs,
  batchSize: 128,
  validationData: [data.test.pixels, data.test.labels],
  onBatchEnd: () => {
    lastBatch = performance.now();
  },
  onEpochEnd: (epoch, logs) => {
    const trainSeconds = (lastBatch - start) / 1000;
    rows.push([
      epoch + 1,
      logs.loss.toFixed(4),
      logs.accuracy.toFixed(4),
      logs.valAccuracy.toFixed(4),
      trainSeconds.toFixed(2),
      Math.round(data.train.count / trainSeconds).toLocaleString("en-US"),
    ]);
    console.log(`epoch ${epoch + 1}: test accuracy ${logs.valAccuracy.toFixed(4)}, ${trainSeconds.toFixed(2)} s training`);
    start = performance.now();
  },
});
console.log(`\n${table(["epoch", "loss", "train acc", "test acc", "train s", "samples/s"], rows)}`);
