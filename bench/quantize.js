// Question: how much accuracy does int8 inference (net.quantize()) lose on the full Fashion-MNIST
// test set (10,000 images), and how much smaller is the model file? For each saved float model
// given: its accuracy and loss, then the quantized model's with int16 and with int8 activations.
//   node bench/quantize.js --data DIR MODEL.json [MODEL.json …]
// (DIR holds t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, plain or .gz; default data/fashion-mnist)
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { Network, QuantizedNetwork, init } from "../dist/index.js";
import { loadIdxPair } from "../dist/data/node.js";
import { machine, table } from "./util.js";

const { values, positionals } = parseArgs({ options: { data: { type: "string" } }, allowPositionals: true });
await init();
const test = loadIdxPair(values.data ?? new URL("../data/fashion-mnist", import.meta.url).pathname, "t10k");
const labels = Int32Array.from(test.labels);
const rows = [];
for (const path of positionals) {
  const text = readFileSync(path, "utf8");
  const net = Network.fromJSON(text);
  const f = net.evaluate(test.pixels, labels);
  rows.push([
    path,
    String(net.layers.map((l) => `${l.units}${l.normalization ? "bn" : ""} ${l.activation}`).join(", ")),
    "float32",
    f.accuracy.toFixed(4),
    f.loss.toFixed(4),
    "",
    `${text.length.toLocaleString("en-US")} B`,
  ]);
  for (const activations of ["int16", "int8"]) {
    const q = net.quantize({ activations });
    const file = JSON.stringify(q);
    const back = QuantizedNetwork.fromJSON(file); // what a user loads
    const e = back.evaluate(test.pixels, labels);
    rows.push([
      "",
      "",
      `int8 weights, ${activations} activations`,
      e.accuracy.toFixed(4),
      e.loss.toFixed(4),
      `${(100 * (e.accuracy - f.accuracy)).toFixed(2)} points`,
      `${file.length.toLocaleString("en-US")} B (${(file.length / text.length).toFixed(2)}×)`,
    ]);
    [q, back].forEach((n) => n.dispose());
  }
  net.dispose();
}
console.log(`Fashion-MNIST test set (${test.count.toLocaleString("en-US")} images), float32 against int8 — ${machine()}\n`);
console.log(table(["model", "layers", "inference", "accuracy", "loss", "change", "model file"], rows));
