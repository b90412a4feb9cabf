// Shows the smallest complete training run: XOR learned by a 2-8-1 network, then predictions.
// Usage: node examples/xor.js [epochs=1000]
import { init, Network } from "wasmlp";

const epochs = Number(process.argv[2] ?? 1000);
await init();
const net = new Network({
  inputSize: 2,
  layers: [
    { units: 8, activation: "tanh" },
    { units: 1, activation: "sigmoid" },
  ],
  optimizer: { type: "sgd", learningRate: 0.5 },
  seed: 1,
});
const x = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];
const y = [0, 1, 1, 0];
const history = net.fit(x, y, { epochs, batchSize: 4 });
console.log(net.toString());
console.log(`loss ${history.loss[0].toFixed(4)} -> ${history.loss.at(-1).toFixed(4)} after ${epochs} epochs`);
console.log("predictions", Array.from(net.predict(x), (p) => p.toFixed(2)).join(" "));
net.dispose();
