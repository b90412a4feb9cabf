// Question: what does each activation cost in a training step? One row per activation the
// registry offers for hidden layers (HIDDEN_ACTIVATIONS, so a new one gets its row): the
// 784-256-128-10 network at batch 128 with Adam and that activation on both hidden layers,
// trainBatch samples/s in alternating rounds (every activation once per round), medians, and the
// ratio to relu's.
//   node bench/activations.js [--quick]
import { HIDDEN_ACTIVATIONS, Network, init } from "../dist/index.js";
import { batchOf } from "./train.js";
import { machine, measure, table } from "./util.js";

const quick = process.argv.includes("--quick");
await init();
const { x, y } = batchOf(128);
const nets = HIDDEN_ACTIVATIONS.map(
  (activation) =>
    new Network({
      inputSize: 784,
      layers: [
        { units: 256, activation },
        { units: 128, activation },
        { units: 10, activation: "softmax" },
      ],
      optimizer: "adam",
      seed: 1,
    }),
);
const rounds = quick ? 3 : 7;
const samples = nets.map(() => []);
for (let r = 0; r < rounds; r++)
  nets.forEach((net, i) => samples[i].push(measure(HIDDEN_ACTIVATIONS[i], () => net.trainBatch(x, y), { maxTime: quick ? 0.1 : 0.4 })));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const perSecond = samples.map((s) => 128 / median(s));
const relu = perSecond[HIDDEN_ACTIVATIONS.indexOf("relu")];
console.log(`trainBatch, 784-256-128-10, Adam, batch 128, one thread — ${machine()}\n`);
console.log(
  table(
    ["hidden activation", "samples/s", "of relu's"],
    HIDDEN_ACTIVATIONS.map((name, i) => [name, Math.round(perSecond[i]).toLocaleString("en-US"), `${((100 * perSecond[i]) / relu).toFixed(0)}%`]),
  ),
);
nets.forEach((n) => n.dispose());
