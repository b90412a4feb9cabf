// Question: how long does Network.predict take for one sample, and how many samples/s does it
// answer in batches of 8, 16, 32 (micro-batches: the matrix-vector path and the packed-weights
// GEMM) and 1,024 — for the networks of issue 13 (784-128-10 and 784-256-128-10,
// relu, softmax out)? With --baseline DIR (another build's dist/, copied inside the repository
// so that its imports resolve, e.g. .baseline/dist, which git ignores) both builds run in this
// one process, in alternating rounds, so the ratio holds on a shared machine; each figure is
// the median of the rounds' medians.
//
// Then the bounds, each measured in the same rounds as what it bounds (a shared machine's clock
// drifts within minutes): one sample must read every weight once, so it is set against
// read_peak reading as many bytes in one stream (L2 bandwidth, as wasm loads see it); batch
// 1,024 is multiply-adds, set against simd_peak (the GEMM's register tile on L1-resident data).
// Both live in build/peak.wasm (npm run asbuild:bench). They are probes: a kernel could beat them.
// Int8: net.quantize() (both activation types) against the float path in the same rounds, with
// an int8 read_peak probe (reading the int8 weights, scales and biases once), and the model
// files' sizes. --relaxed adds this build's relaxed-SIMD variant (a copy of dist/ in
// .baseline/relaxed, init({ simd: "relaxed" })) to the same rounds: Node 20 needs
// --experimental-wasm-relaxed-simd --no-liftoff. --only int8 runs the int8 table alone (its float
// column is still measured in the same rounds).
//   node bench/inference.js [--baseline DIR] [--relaxed] [--quick] [--only int8]
import { cpSync, mkdirSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import { machine, measure, table } from "./util.js";

const { values } = parseArgs({ options: { baseline: { type: "string" }, relaxed: { type: "boolean" }, quick: { type: "boolean" }, only: { type: "string" } } });
if (values.only !== undefined && values.only !== "int8") throw new Error(`--only takes "int8", received ${JSON.stringify(values.only)}`);
const int8Only = values.only === "int8";
const quick = values.quick ?? false;
const builds = [["this build", new URL("../dist/index.js", import.meta.url).href]];
if (values.baseline) builds.push(["baseline", pathToFileURL(resolve(values.baseline, "index.js")).href]);

const libs = [];
for (const [name, url] of builds) {
  const lib = await import(url);
  await lib.init();
  libs.push({ name, lib });
}
let relaxed = null;
if (values.relaxed) {
  // A second copy of the runtime: init() loads once per module instance.
  const dir = new URL("../.baseline/relaxed/", import.meta.url);
  mkdirSync(new URL("build/", dir), { recursive: true });
  cpSync(new URL("../dist/", import.meta.url), new URL("dist/", dir), { recursive: true });
  // Its own package.json, so the copy's "#platform" imports resolve as this build's do.
  cpSync(new URL("../package.json", import.meta.url), new URL("package.json", dir));
  cpSync(new URL("../build/wasmlp.relaxed.wasm", import.meta.url), new URL("build/wasmlp.relaxed.wasm", dir));
  relaxed = await import(new URL("dist/index.js", dir).href);
  await relaxed.init({ simd: "relaxed" });
  const f = relaxed.simdFeatures();
  if (f.build !== "relaxed") throw new Error("--relaxed: this engine has no relaxed SIMD (Node 20: --experimental-wasm-relaxed-simd --no-liftoff)");
  console.log(`relaxed build: ${JSON.stringify(f)}`);
}

const NETS = [
  ["784-128-10", [128]],
  ["784-256-128-10", [256, 128]],
];
const rounds = quick ? 3 : 7;
const maxTime = quick ? 0.15 : 0.4;
const sample = Float32Array.from({ length: 784 }, (_, i) => ((i * 7919) % 255) / 255);
const batch = Float32Array.from({ length: 1024 * 784 }, (_, i) => ((i * 104729) % 255) / 255);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const peak = (
  await WebAssembly.instantiate(readFileSync(new URL("../build/peak.wasm", import.meta.url)), {
    env: {
      abort() {
        throw new Error("abort");
      },
    },
  })
).instance.exports;
const PEAK_STEPS = 200_000;
/** Seconds for read_peak to read `bytes` (rounded up to 128) once, from where the weights would be: warm in cache. */
function readProbe(bytes) {
  const floats = Math.ceil(bytes / 128) * 32;
  const at = peak.memory.buffer.byteLength;
  peak.memory.grow(Math.ceil((floats * 4) / 65536));
  new Float32Array(peak.memory.buffer, at, floats).fill(1e-3);
  const time = () => measure("read_peak", () => peak.read_peak(floats, at), { maxTime });
  return time;
}

const rows = [];
const bounds = [];
for (const [label, hidden] of int8Only ? [] : NETS) {
  const nets = libs.map(
    ({ lib }) =>
      new lib.Network({
        inputSize: 784,
        layers: [...hidden.map((units) => ({ units, activation: "relu" })), { units: 10, activation: "softmax" }],
        seed: 1,
      }),
  );
  const cases = [
    ["1 sample", sample, 1],
    ["batch 8", batch.subarray(0, 8 * 784), 8],
    ["batch 16", batch.subarray(0, 16 * 784), 16],
    ["batch 32", batch.subarray(0, 32 * 784), 32],
    ["batch 1,024", batch, 1024],
  ];
  const widths = [784, ...hidden, 10];
  const macs = widths.slice(1).reduce((sum, n, l) => sum + n * widths[l], 0);
  const weightBytes = 4 * widths.slice(1).reduce((sum, n, l) => sum + n * (widths[l] + 1), 0);
  const readWeights = readProbe(weightBytes);
  const simdPeak = () => measure("simd_peak", () => peak.simd_peak(PEAK_STEPS, 1e-3), { maxTime });
  for (const [what, x, per] of cases) {
    const samples = nets.map(() => []);
    const probe = per === 1 ? readWeights : per === 1024 ? simdPeak : null;
    const probes = [];
    for (let r = 0; r < rounds; r++) {
      nets.forEach((net, i) => samples[i].push(measure(`${label} ${what} ${i}`, () => net.predict(x), { maxTime })));
      if (probe) probes.push(probe());
    }
    const t = samples.map(median);
    if (per === 1) {
      const p = median(probes);
      bounds.push([
        label,
        "1 sample",
        `read ${(weightBytes / 1024).toFixed(0)} KiB of weights once`,
        `${(p * 1e6).toFixed(1)} µs`,
        `${(t[0] * 1e6).toFixed(1)} µs`,
        `${((100 * p) / t[0]).toFixed(0)}%`,
      ]);
    } else if (per === 1024) {
      const peakFlops = (64 * PEAK_STEPS) / median(probes),
        flops = (2 * macs * 1024) / t[0];
      bounds.push([
        label,
        "batch 1,024",
        "simd_peak (GFLOP/s)",
        (peakFlops / 1e9).toFixed(1),
        (flops / 1e9).toFixed(1),
        `${((100 * flops) / peakFlops).toFixed(0)}%`,
      ]);
    }
    const cells = t.map((s) => (per === 1 ? `${(s * 1e6).toFixed(1)} µs` : `${Math.round(per / s).toLocaleString("en-US")}/s`));
    rows.push([label, what, ...cells, ...(t.length > 1 ? [`${(t[1] / t[0]).toFixed(2)}×`] : [])]);
  }
  nets.forEach((n) => n.dispose());
}
// Int8 (net.quantize(), docs/quantization.md) against the float path of the same build, in the
// same alternating rounds; both activation types; the model files' sizes.
const qrows = [];
{
  const { lib } = libs[0];
  for (const [label, hidden] of NETS) {
    const spec = { inputSize: 784, layers: [...hidden.map((units) => ({ units, activation: "relu" })), { units: 10, activation: "softmax" }], seed: 1 };
    const net = new lib.Network(spec);
    const variants = [
      ["float", net],
      ["int8 weights, int16 activations", net.quantize()],
      ["int8 weights, int8 activations", net.quantize({ activations: "int8" })],
    ];
    if (relaxed) {
      const rnet = new relaxed.Network(spec);
      variants.push(
        ["relaxed float", rnet],
        [`relaxed int8${relaxed.simdFeatures().relaxedDot ? " (7-bit activations)" : " (plain int8 kernels)"}`, rnet.quantize()],
      );
    }
    const widths = [784, ...hidden, 10];
    const int8Bytes = widths.slice(1).reduce((sum, n, l) => sum + n * (((widths[l] + 7) & ~7) + 8), 0);
    const readInt8 = readProbe(int8Bytes);
    for (const [what, x, per] of [
      ["1 sample", sample, 1],
      ["batch 1,024", batch, 1024],
    ]) {
      const samples = variants.map(() => []),
        probes = [];
      for (let r = 0; r < rounds; r++) {
        variants.forEach(([, n], i) => samples[i].push(measure(`${label} ${what} q${i}`, () => n.predict(x), { maxTime })));
        if (per === 1) probes.push(readInt8());
      }
      const t = samples.map(median);
      const relFloat = variants.findIndex(([name]) => name === "relaxed float");
      variants.forEach(([name], i) =>
        qrows.push([
          label,
          what,
          name,
          per === 1 ? `${(t[i] * 1e6).toFixed(1)} µs` : `${Math.round(per / t[i]).toLocaleString("en-US")}/s`,
          i === 0 ? "" : per === 1 ? `${(t[i] / t[0]).toFixed(2)}× the time` : `${(t[0] / t[i]).toFixed(2)}× the rate`,
          relFloat < 0 || i <= relFloat ? "" : per === 1 ? `${(t[i] / t[relFloat]).toFixed(2)}× the time` : `${(t[relFloat] / t[i]).toFixed(2)}× the rate`,
        ]),
      );
      if (per === 1)
        qrows.push([
          label,
          what,
          `probe: read_peak over the int8 weights (${(int8Bytes / 1024).toFixed(0)} KiB)`,
          `${(median(probes) * 1e6).toFixed(1)} µs`,
          `${(median(probes) / t[0]).toFixed(2)}× the time`,
          "",
        ]);
    }
    const floatBytes = JSON.stringify(net).length,
      intBytes = JSON.stringify(variants[1][1]).length;
    qrows.push([
      label,
      "model file",
      "int8 / float",
      `${intBytes.toLocaleString("en-US")} B`,
      `${(intBytes / floatBytes).toFixed(2)}× of ${floatBytes.toLocaleString("en-US")} B`,
      "",
    ]);
    variants.forEach(([, n]) => n.dispose());
  }
}

console.log(`Network.predict, one thread — ${machine()}\n`);
if (!int8Only) {
  console.log(table(["network", "input", ...libs.map((l) => l.name), ...(libs.length > 1 ? ["speed-up"] : [])], rows));
  console.log(`\nBounds (probes from build/peak.wasm, measured in the same rounds; ${libs[0].name})\n`);
  console.log(table(["network", "input", "probe", "probe", libs[0].name, "of probe"], bounds));
}
console.log(`\nInt8 inference (net.quantize(), ${libs[0].name}), against float in the same rounds\n`);
console.log(table(["network", "input", "path", "time or rate", "vs float", "vs relaxed float"], qrows));
