// Question: what does each optimizer (and gradient clipping, and dropout) cost in a training step? The
// 784-256-128-10 relu network at batch 128, trainBatch samples/s per optimizer in alternating
// rounds (every optimizer once per round), medians, and the ratio to Adam's in the same run.
//   node bench/optimizers.js [--quick]
import { Network, init } from "../dist/index.js";
import { batchOf } from "./train.js";
import { machine, measure, table } from "./util.js";

const quick = process.argv.includes("--quick");
await init();
const OPTIMIZERS = [
  ["adam", { type: "adam" }],
  ["adamw", { type: "adamw" }],
  ["rmsprop", { type: "rmsprop" }],
  ["adagrad", { type: "adagrad" }],
  ["nesterov", { type: "nesterov" }],
  ["sgd", { type: "sgd" }],
  ["adam + clipNorm 1", { type: "adam", clipNorm: 1 }],
  ["adamw + dropout 0.2", { type: "adamw" }, 0.2],
];
const { x, y } = batchOf(128);
const nets = OPTIMIZERS.map(
  ([, optimizer, dropout = 0]) =>
    new Network({
      inputSize: 784,
      layers: [
        { units: 256, activation: "relu", dropout },
        { units: 128, activation: "relu", dropout },
        { units: 10, activation: "softmax" },
      ],
      optimizer,
      seed: 1,
    }),
);
const rounds = quick ? 3 : 5;
const samples = nets.map(() => []);
for (let r = 0; r < rounds; r++)
  nets.forEach((net, i) => samples[i].push(measure(OPTIMIZERS[i][0], () => net.trainBatch(x, y), { maxTime: quick ? 0.2 : 0.5 })));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const perSecond = samples.map((s) => 128 / median(s));
console.log(`trainBatch, 784-256-128-10 relu, batch 128, one thread — ${machine()}\n`);
console.log(
  table(
    ["optimizer", "samples/s", "of adam's"],
    OPTIMIZERS.map(([name], i) => [name, Math.round(perSecond[i]).toLocaleString("en-US"), `${((100 * perSecond[i]) / perSecond[0]).toFixed(0)}%`]),
  ),
);
nets.forEach((n) => n.dispose());
