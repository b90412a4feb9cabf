// Shows image classification: a 784-256-128-10 network trained on the Fashion-MNIST images in
// data/, with the held-out accuracy and the per-class F1 of evaluate().
// Usage: node examples/fashion-mnist.js [images=10000] [epochs=10]   (run from the repository)
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { init, Network } from "wasmlp";
import { FASHION_MNIST_CLASSES, parseIdxImages, parseIdxLabels } from "wasmlp/data";

const count = Math.min(Number(process.argv[2] ?? 10000), 10000);
const epochs = Number(process.argv[3] ?? 10);
const file = (name) => gunzipSync(readFileSync(new URL(`../data/fashion-mnist/${name}`, import.meta.url)));
const images = parseIdxImages(file("t10k-images-idx3-ubyte.gz"));
const labels = parseIdxLabels(file("t10k-labels-idx1-ubyte.gz"));
const px = images.rows * images.cols;
const train = Math.floor(count * 0.8); // the first 80% to train on, the rest held out

await init();
const net = new Network({
  inputSize: px,
  inputShape: [images.rows, images.cols],
  layers: [
    { units: 256, activation: "relu" },
    { units: 128, activation: "relu" },
    { units: 10, activation: "softmax" },
  ],
  seed: 1,
});
const start = performance.now();
net.fit(images.pixels.subarray(0, train * px), labels.subarray(0, train), {
  epochs,
  batchSize: 64,
  onEpochEnd: (epoch, logs) => console.log(`epoch ${epoch + 1}/${epochs}  loss ${logs.loss.toFixed(4)}  accuracy ${logs.accuracy.toFixed(4)}`),
});
const seconds = (performance.now() - start) / 1000;
const result = net.evaluate(images.pixels.subarray(train * px, count * px), labels.subarray(train, count));
console.log(`held-out accuracy ${result.accuracy.toFixed(4)} on ${count - train} images; ${((train * epochs) / seconds).toFixed(0)} samples/s`);
for (const [i, name] of FASHION_MNIST_CLASSES.entries()) console.log(`  ${name.padEnd(12)} F1 ${result.f1[i].toFixed(3)}`);
net.dispose();
