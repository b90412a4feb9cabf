// Shows a Keras / TensorFlow.js layers model run by wasmlp: a model built and saved by
// tfjs-layers is read with fromTfjs, and both libraries predict the same; then the other way.
// Usage: node examples/tfjs-model.js [samples=1000]   (needs the repository's dev dependencies)
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import { init } from "wasmlp";
import { fromTfjs, toTfjs } from "wasmlp/tfjs";

const samples = Number(process.argv[2] ?? 1000);
await tf.setBackend("cpu");
const model = tfl.sequential({
  layers: [tfl.layers.dense({ inputShape: [16], units: 32, activation: "relu" }), tfl.layers.dense({ units: 4, activation: "softmax" })],
});
// What model.save() would write, captured in memory: model.json's object and the weight bytes.
let saved;
await model.save(
  tf.io.withSaveHandler(async (artifacts) => {
    saved = artifacts;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
  }),
);
const modelJson = { modelTopology: saved.modelTopology, weightsManifest: [{ paths: ["weights.bin"], weights: saved.weightSpecs }] };

await init();
const net = fromTfjs(modelJson, saved.weightData);
console.log(net.toString());
const x = Array.from({ length: samples * 16 }, (_, i) => Math.sin(i));
const theirs = model.predict(tf.tensor2d(x, [samples, 16])).dataSync();
const ours = net.predict(x);
console.log(`${samples} samples, largest difference from tfjs-layers: ${Math.max(...Array.from(ours, (v, i) => Math.abs(v - theirs[i]))).toExponential(2)}`);
const back = toTfjs(net);
console.log(`exported back: ${back.modelJson.modelTopology.config.layers.length} layers, ${back.weightData.byteLength} bytes of weights`);
net.dispose();
