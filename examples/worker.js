// Shows training off the calling thread: fitInWorker trains in a worker the library starts,
// while the calling thread stays free (here it counts timer ticks), and the weights land in net.
// Usage: node examples/worker.js [epochs=200]
import { fitInWorker, init, Network } from "wasmlp";

const epochs = Number(process.argv[2] ?? 200);
await init();
const net = new Network({
  inputSize: 2,
  layers: [
    { units: 8, activation: "tanh" },
    { units: 1, activation: "sigmoid" },
  ],
  optimizer: { type: "adam", learningRate: 0.05 },
  seed: 1,
});
const x = [
  [0, 0],
  [0, 1],
  [1, 0],
  [1, 1],
];
const y = [0, 1, 1, 0];
let ticks = 0;
const timer = setInterval(() => ticks++, 1);
const history = await fitInWorker(net, x, y, { epochs, batchSize: 4 });
clearInterval(timer);
console.log(
  `${history.loss.length} epochs in a worker, loss ${history.loss.at(-1).toFixed(4)}; the calling thread ran ${ticks > 0 ? "its timer meanwhile" : "nothing"}`,
);
console.log("predictions", Array.from(net.predict(x), (p) => p.toFixed(2)).join(" "));
net.dispose();
