// The training schedule against PyTorch in float64 (scripts/make-schedule-fixtures.py, fixtures in
// test/fixtures/schedule): one fixture per registry optimizer and loss, one per schedule feature,
// each a few steps from given weights. The float64 reference network must match to 1e-10
// relative; the float32 wasm network within the bound derived below.
import { readdirSync, readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { ReferenceNetwork } from "../src/reference/index.js";
import { LOSSES, Network, OPTIMIZERS, init } from "../src/index.js";

interface FixtureLayer {
  units: number;
  activation: string;
  l1?: number;
  l2?: number;
  normalization?: { type: string };
}
interface Fixture {
  name: string;
  network: { inputSize: number; layers: FixtureLayer[]; loss: string };
  optimizer: Record<string, unknown>;
  steps: number;
  batch: number;
  sampleWeight?: number[];
  classWeight?: Record<string, number>;
  x: number[][];
  y: number[][];
  initial: number[][];
  losses: number[];
  final: number[][];
}

const DIR = new URL("./fixtures/schedule/", import.meta.url);
const fixtures = new Map<string, Fixture>(
  readdirSync(DIR)
    .filter((f) => f.endsWith(".json"))
    .map((f) => [f.replace(/\.json$/, ""), JSON.parse(readFileSync(new URL(f, DIR), "utf8")) as Fixture]),
);
/** Schedule features that have a fixture each, besides one per optimizer and per loss. */
const FEATURES = [
  "clip-norm",
  "clip-value",
  "penalty-l1-l2",
  "sample-weight",
  "class-weight",
  "schedule-exponential",
  "schedule-cosine",
  "batch-normalization",
  "layer-normalization",
];

function options(f: Fixture) {
  return {
    inputSize: f.network.inputSize,
    loss: f.network.loss as (typeof LOSSES)[number],
    optimizer: f.optimizer as never,
    seed: 1,
    layers: f.network.layers.map(({ l1, l2, ...rest }) => ({ ...rest, ...(l1 || l2 ? { kernelRegularizer: { l1: l1 ?? 0, l2: l2 ?? 0 } } : {}) })) as never,
  };
}

/** Trains `net` as the fixture did; returns the loss of each step. */
function train(net: Network | ReferenceNetwork, f: Fixture): number[] {
  net.setWeights(f.initial.map((w) => Float64Array.from(w)) as never);
  if (f.sampleWeight || f.classWeight) {
    const history = net.fit(f.x, f.y, { epochs: f.steps, batchSize: f.batch, shuffle: false, sampleWeight: f.sampleWeight, classWeight: f.classWeight });
    return history.loss;
  }
  return Array.from({ length: f.steps }, () => net.trainBatch(f.x, f.y));
}

describe("PyTorch float64 fixtures of the training schedule", () => {
  beforeAll(async () => {
    await init();
  });

  it("every registry optimizer and loss, and every schedule feature, has a fixture", () => {
    const wanted = [...OPTIMIZERS.map((o) => `optimizer-${o}`), ...LOSSES.map((l) => `loss-${l}`), ...FEATURES];
    expect(wanted.filter((name) => !fixtures.has(name))).toEqual([]);
  });

  for (const [name, f] of fixtures) {
    it(`${name}: the float64 reference matches PyTorch to 1e-10`, () => {
      const net = new ReferenceNetwork(options(f));
      const losses = train(net, f);
      losses.forEach((l, i) => expect(Math.abs(l - f.losses[i]), `loss of step ${i + 1}`).toBeLessThanOrEqual(1e-10 * Math.max(1, Math.abs(f.losses[i]))));
      net.getWeights().forEach((w, t) => {
        const max = Math.max(...w.map((v, j) => Math.abs(v - f.final[t][j]) / Math.max(1, Math.abs(f.final[t][j]))));
        expect(max, `tensor ${t}`).toBeLessThanOrEqual(1e-10);
      });
    });

    it(`${name}: the float32 wasm network stays within the float32 bound`, () => {
      const net = new Network(options(f));
      const losses = train(net, f);
      // Per step, float32 sums of at most k terms (k the widest fan-in) err by about k·ε32, and the
      // activation, loss and optimizer add a few ulps more: (k + 8)·ε32 a step, relative to
      // max(1, |value|), over the fixture's steps (measured: at most 6e-8 on these fixtures).
      const k = Math.max(f.network.inputSize, ...f.network.layers.map((l) => l.units));
      const bound = f.steps * (k + 8) * 2 ** -24;
      losses.forEach((l, i) => expect(Math.abs(l - f.losses[i]), `loss of step ${i + 1}`).toBeLessThanOrEqual(bound * Math.max(1, Math.abs(f.losses[i]))));
      net.getWeights().forEach((w, t) => {
        const max = Math.max(...Array.from(w, (v, j) => Math.abs(v - f.final[t][j]) / Math.max(1, Math.abs(f.final[t][j]))));
        expect(max, `tensor ${t}`).toBeLessThanOrEqual(bound);
      });
      net.dispose();
    });
  }
});
