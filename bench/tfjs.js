// Question: a Keras-style 784-256-128-10 relu/softmax model in the TensorFlow.js layers format:
// how long does wasmlp take to import it, against tfjs-layers loading the same bytes, and how
// fast does each then answer (one sample, a batch of 1,024)? tfjs-layers runs on its pure-JS
// cpu backend here (the dev dependency); bench/peers/run.js compares the wasm backend on the
// same architecture. The two alternate over three rounds; medians.
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
import * as tfl from "@tensorflow/tfjs-layers";
import { Network, init } from "../dist/index.js";
import { fromTfjs } from "../dist/formats/tfjs.js";
import { machine, measure, measureAsync, table } from "./util.js";

const quick = process.argv.includes("--quick");
const time = { maxTime: quick ? 0.2 : 0.6 };
tf.enableProdMode();
await tf.setBackend("cpu");
await init();

const model = tfl.sequential({
  layers: [
    tfl.layers.dense({ units: 256, activation: "relu", inputShape: [784] }),
    tfl.layers.dense({ units: 128, activation: "relu" }),
    tfl.layers.dense({ units: 10, activation: "softmax" }),
  ],
});
let artifacts;
await model.save(
  tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
  }),
);
const json = JSON.stringify({
  format: "layers-model",
  modelTopology: artifacts.modelTopology,
  weightsManifest: [{ paths: ["w.bin"], weights: artifacts.weightSpecs }],
});
const bytes = artifacts.weightData;

const net = fromTfjs(json, bytes);
const one = new Float32Array(784).map((_, i) => (i % 255) / 255);
const batch = new Float32Array(1024 * 784).map((_, i) => ((i * 7919) % 1000) / 1000);
const oneT = tf.tensor2d(one, [1, 784]),
  batchT = tf.tensor2d(batch, [1024, 784]);

const rounds = { importW: [], importT: [], construct: [], oneW: [], oneT: [], batchW: [], batchT: [] };
const options = {
  inputSize: 784,
  layers: [
    { units: 256, activation: "relu" },
    { units: 128, activation: "relu" },
    { units: 10, activation: "softmax" },
  ],
  seed: 1,
};
for (let r = 0; r < 3; r++) {
  rounds.construct.push(measure("new Network", () => new Network(options).dispose(), time));
  rounds.importW.push(measure("wasmlp fromTfjs", () => fromTfjs(json, bytes).dispose(), time));
  rounds.importT.push(
    await measureAsync(
      "tfjs loadLayersModel",
      async () => {
        const m = await tfl.loadLayersModel(
          tf.io.fromMemory({ modelTopology: JSON.parse(json).modelTopology, weightSpecs: artifacts.weightSpecs, weightData: bytes }),
        );
        m.dispose();
      },
      time,
    ),
  );
  rounds.oneW.push(measure("wasmlp one", () => net.predict(one), time));
  rounds.oneT.push(measure("tfjs one", () => tf.tidy(() => model.predict(oneT).dataSync()), time));
  rounds.batchW.push(measure("wasmlp 1024", () => net.predict(batch), time));
  rounds.batchT.push(measure("tfjs 1024", () => tf.tidy(() => model.predict(batchT).dataSync()), { ...time, minSamples: 5 }));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[1];
const m = Object.fromEntries(Object.entries(rounds).map(([k, v]) => [k, median(v)]));
console.log(`tfjs layers model 784-256-128-10 (${(bytes.byteLength / 1024).toFixed(0)} KiB of weights) — ${machine()}\n`);
console.log(
  table(
    ["", "wasmlp", "tfjs-layers (cpu)", "tfjs time / wasmlp time"],
    [
      ["import (ms)", (m.importW * 1e3).toFixed(2), (m.importT * 1e3).toFixed(2), `${(m.importT / m.importW).toFixed(1)}×`],
      ["  of which new Network (ms)", (m.construct * 1e3).toFixed(2), "", ""],
      ["one sample (µs)", (m.oneW * 1e6).toFixed(1), (m.oneT * 1e6).toFixed(1), `${(m.oneT / m.oneW).toFixed(1)}×`],
      [
        "batch 1,024 (samples/s)",
        Math.round(1024 / m.batchW).toLocaleString("en-US"),
        Math.round(1024 / m.batchT).toLocaleString("en-US"),
        `${(m.batchT / m.batchW).toFixed(1)}×`,
      ],
    ],
  ),
);
net.dispose();
