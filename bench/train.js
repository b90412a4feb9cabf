// Question: how many training samples per second does a full step (forward, backward,
// update) reach, wasm against the float64 reference (src/reference, the test oracle, not a
// tuned JS implementation), on the networks users train?
import { Network, init } from "../dist/index.js";
import { ReferenceNetwork } from "../dist/reference/index.js";
import { TRAINING_NETS } from "./shapes.js";
import { machine, measure, table } from "./util.js";

/** The first two of bench/shapes.js's training networks, under the names the results tables use. */
const NAMES = ["784-128-10 sigmoid/softmax, SGD, batch 64", "784-256-128-10 relu/softmax, Adam, batch 128"];
export const NETWORKS = TRAINING_NETS.slice(0, 2).map(([, batch, options], i) => ({ name: NAMES[i], batch, options }));

/** A fixed random batch: pixels in [0, 1), labels 0..9. */
export function batchOf(m) {
  const x = new Float32Array(m * 784);
  for (let i = 0; i < x.length; i++) x[i] = ((i * 7919) % 1000) / 1000;
  const y = Int32Array.from({ length: m }, (_, i) => (i * 7) % 10);
  return { x, y };
}

export function benchTrain({ quick = false } = {}) {
  return NETWORKS.map(({ name, batch, options }) => {
    const { x, y } = batchOf(batch);
    const net = new Network(options),
      ref = new ReferenceNetwork(options);
    const wasm = measure(`wasm ${name}`, () => net.trainBatch(x, y), { maxTime: quick ? 0.3 : 2 });
    const reference = measure(`reference ${name}`, () => ref.trainBatch(x, y), { maxTime: quick ? 0.3 : 2, minSamples: 5 });
    net.dispose();
    return { name, batch, wasm: batch / wasm, reference: batch / reference, stepMs: wasm * 1e3 };
  });
}

export function printTrain(rows) {
  console.log(
    table(
      ["network", "wasm samples/s", "step ms", "float64 reference samples/s", "wasm / reference"],
      rows.map((r) => [
        r.name,
        Math.round(r.wasm).toLocaleString("en-US"),
        r.stepMs.toFixed(2),
        Math.round(r.reference).toLocaleString("en-US"),
        `${(r.wasm / r.reference).toFixed(1)}×`,
      ]),
    ),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await init();
  console.log(`training step, single thread — ${machine()}\n`);
  printTrain(benchTrain({ quick: process.argv.includes("--quick") }));
}
