// Property tests (fast-check): on random architectures (1–4 layers of 1–300 units, every
// activation, every loss that fits the output), random batch sizes 1–300 and random input
// forms, the wasm Network agrees with the float64 ReferenceNetwork on the forward pass, the
// gradients and one optimizer step, within tolerances derived from k·ε (k: the length of the
// longest chain of float32 roundings, i.e. the sum of fan-ins plus the batch for the sums).
import fc from "fast-check";
import { beforeAll, expect, test } from "vitest";
import { ACTIVATIONS, type Activation, type Loss, Network, type NetworkOptions, init, memoryStats } from "../src/index.js";
import { ReferenceNetwork } from "../src/reference/index.js";
import { EPS32, Random, expectClose, maxAbs } from "./helpers.js";

beforeAll(async () => {
  await init();
});

/** Keeps a run's float64 reference work (batch × parameters) bounded so the suite stays quick. */
const WORK = 1.5e6;

interface Case {
  options: NetworkOptions;
  m: number;
  form: number;
  labelForm: number;
  seed: number;
}

const activation = fc.constantFrom<Activation>(...ACTIVATIONS);
const caseArb: fc.Arbitrary<Case> = fc
  .record({
    inputSize: fc.integer({ min: 1, max: 300 }),
    hidden: fc.array(fc.record({ units: fc.integer({ min: 1, max: 300 }), activation }), { minLength: 0, maxLength: 3 }),
    output: fc.record({ units: fc.integer({ min: 1, max: 300 }), activation }),
    lossPick: fc.integer({ min: 0, max: 1 }),
    optimizer: fc.constantFrom("sgd", "momentum"),
    m: fc.integer({ min: 1, max: 300 }),
    form: fc.integer({ min: 0, max: 4 }),
    labelForm: fc.integer({ min: 0, max: 2 }),
    seed: fc.integer({ min: 0, max: 0xffff }),
  })
  .map((c) => {
    const output = { ...c.output };
    // Every loss that fits the output: mse always; BCE on sigmoid; CCE on softmax with ≥ 2 units.
    let loss: Loss = "mse";
    if (c.lossPick === 1 && output.activation === "sigmoid") loss = "binary-crossentropy";
    if (c.lossPick === 1 && output.activation === "softmax") {
      loss = "categorical-crossentropy";
      output.units = Math.max(2, output.units);
    }
    const layers = [...c.hidden.map((l) => ({ ...l, alpha: undefined })), output].map((l) =>
      l.activation === "leaky-relu" ? { units: l.units, activation: l.activation, alpha: 0.1 } : { units: l.units, activation: l.activation },
    );
    const sizes = [c.inputSize, ...layers.map((l) => l.units)];
    let params = 0;
    for (let i = 1; i < sizes.length; i++) params += sizes[i] * (sizes[i - 1] + 1);
    const m = Math.max(1, Math.min(c.m, Math.floor(WORK / params)));
    const options: NetworkOptions = { inputSize: c.inputSize, layers, loss, optimizer: { type: c.optimizer as "sgd", learningRate: 0.05 }, seed: c.seed };
    return { options, m, form: c.form, labelForm: c.labelForm, seed: c.seed };
  });

/** The same samples in one of five input forms. */
function inputForm(data: Float32Array, width: number, form: number): Float32Array | Float64Array | number[] | number[][] {
  const rows = () => Array.from({ length: data.length / width }, (_, i) => Array.from(data.subarray(i * width, (i + 1) * width)));
  switch (form) {
    case 0:
      return data;
    case 1:
      return Float64Array.from(data);
    case 2:
      return Array.from(data);
    case 3:
      return rows();
    default:
      return rows().map((r) => Float32Array.from(r)) as unknown as number[][];
  }
}

function targets(rng: Random, loss: Loss, m: number, n: number, form: number): Int32Array | number[] | number[][] | Float32Array {
  if (loss === "categorical-crossentropy") {
    const classes = Array.from({ length: m }, () => rng.uint32() % n);
    if (form === 0) return Int32Array.from(classes);
    if (form === 1) return classes;
    return classes.map((c) => Array.from({ length: n }, (_, j) => (j === c ? 1 : 0)));
  }
  const t = new Float32Array(m * n);
  for (let i = 0; i < t.length; i++) t[i] = loss === "binary-crossentropy" ? rng.uint32() % 2 : rng.symmetric(1);
  return form === 0 ? t : (inputForm(t, n, 3) as number[][]);
}

test("forward, gradients and one optimizer step agree with the float64 reference on random networks", () => {
  const start = memoryStats();
  fc.assert(
    fc.property(caseArb, ({ options, m, form, labelForm, seed }) => {
      const rng = new Random(seed + 1);
      const data = new Float32Array(m * options.inputSize);
      for (let i = 0; i < data.length; i++) data[i] = rng.symmetric(1);
      const x = inputForm(data, options.inputSize, form);
      const outputSize = options.layers[options.layers.length - 1].units;
      const y = targets(rng, options.loss!, m, outputSize, labelForm);
      const net = new Network(options),
        ref = new ReferenceNetwork(options);
      try {
        const fanIns = [options.inputSize, ...options.layers.map((l) => l.units)].slice(0, -1);
        const k = fanIns.reduce((a, b) => a + b, 0) + options.layers.length;
        const label = `${net} m=${m} form=${form}`;

        const out = net.predict(x),
          refOut = ref.predict(x);
        expectClose(out, refOut, 16 * k * EPS32 * Math.max(1, maxAbs(refOut)), `${label} forward`);

        const g = net.gradients(x, y),
          rg = ref.gradients(x, y);
        expect(Math.abs(g.loss - rg.loss)).toBeLessThanOrEqual(32 * k * EPS32 * Math.max(1, Math.abs(rg.loss)));
        const gradTol = (t: Float64Array) => 64 * (k + m) * EPS32 * Math.max(1e-3, maxAbs(t)) * Math.max(1, maxAbs(refOut));
        g.grads.forEach((gl, l) => {
          expectClose(gl.dW, rg.grads[l].dW, gradTol(rg.grads[l].dW), `${label} dW${l}`);
          expectClose(gl.db, rg.grads[l].db, gradTol(rg.grads[l].db), `${label} db${l}`);
        });

        const before = ref.getWeights();
        net.trainBatch(x, y);
        ref.trainBatch(x, y);
        const after = net.getWeights();
        ref.getWeights().forEach((w, i) => {
          const grad = i % 2 ? rg.grads[i >> 1].db : rg.grads[i >> 1].dW;
          expectClose(after[i], w, 4 * EPS32 * Math.max(1, maxAbs(before[i])) + 0.05 * gradTol(grad), `${label} step tensor ${i}`);
        });
      } finally {
        net.dispose();
        ref.dispose();
      }
    }),
    { numRuns: 60, seed: 20261124 },
  );
  const end = memoryStats();
  expect([end.bytesInUse, end.liveRegions]).toEqual([start.bytesInUse, start.liveRegions]);
});
