// Question: what do normalization and the z-keeping activations (swish, gelu) cost in a training
// step? The 784-256-128-10 relu network at batch 128 with Adam, trainBatch samples/s with and
// without batch/layer normalization on the hidden layers (and with gelu/swish instead of relu), in
// alternating rounds (every variant once per round), medians, and the ratio to the plain network's.
//   node bench/normalization.js [--quick]
import { Network, init } from "../dist/index.js";
import { batchOf } from "./train.js";
import { machine, measure, table } from "./util.js";

const quick = process.argv.includes("--quick");
await init();
const VARIANTS = [
  ["relu", "relu"],
  ["relu + batch norm", "relu", "batch"],
  ["relu + layer norm", "relu", "layer"],
  ["gelu", "gelu"],
  ["swish", "swish"],
];
const { x, y } = batchOf(128);
const nets = VARIANTS.map(
  ([, activation, normalization]) =>
    new Network({
      inputSize: 784,
      layers: [
        { units: 256, activation, normalization },
        { units: 128, activation, normalization },
        { units: 10, activation: "softmax" },
      ],
      optimizer: "adam",
      seed: 1,
    }),
);
const rounds = quick ? 3 : 7;
const samples = nets.map(() => []);
for (let r = 0; r < rounds; r++) nets.forEach((net, i) => samples[i].push(measure(VARIANTS[i][0], () => net.trainBatch(x, y), { maxTime: quick ? 0.2 : 0.5 })));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const perSecond = samples.map((s) => 128 / median(s));
console.log(`trainBatch, 784-256-128-10, Adam, batch 128, one thread — ${machine()}\n`);
console.log(
  table(
    ["hidden layers", "samples/s", "of plain relu's"],
    VARIANTS.map(([name], i) => [name, Math.round(perSecond[i]).toLocaleString("en-US"), `${((100 * perSecond[i]) / perSecond[0]).toFixed(0)}%`]),
  ),
);
nets.forEach((n) => n.dispose());
