// Schedules on resume. A checkpoint holds the run's plan (epochs, steps per epoch) beside its
// progress (epochs and steps done). (a) A run planned for 4 epochs, stopped after 2 and resumed,
// equals the uninterrupted run bit for bit, in the library and through train --resume. (b) The
// command line's rule (docs/checkpoints.md): its schedules span the run up to --epochs, so a
// finished 2-epoch run resumed with --epochs 4 follows the 4-epoch plan from step 8 on; each
// epoch's learning rate is checked, and the weights equal a library run with that schedule.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { Network, init, type ModelJSON } from "wasmlp";
import { train } from "../../src/cli/commands.js";
import { loadEmbedded, take } from "../../src/data/node.js";
import { learningRateAt, type Schedule } from "../../src/schedules.js";

await init();

const dir = mkdtempSync(join(tmpdir(), "wasmlp-resume-"));
const LIMIT = 200,
  BATCH = 50,
  SPE = 4; // 4 steps per epoch
const data = take(loadEmbedded().train, 0, LIMIT);
const LR = 0.001;

/** train in this process; returns what it printed. */
async function wasmlp(...argv: string[]): Promise<string> {
  let text = "";
  const layers = argv.includes("--resume") ? [] : ["--layers", "8"]; // a resumed network keeps its own
  const code = await train(["--limit", String(LIMIT), "--batch-size", String(BATCH), ...layers, ...argv], {
    write: (t) => {
      text += t;
    },
    isTTY: false,
    columns: 80,
  });
  expect(code).toBe(0);
  return text;
}
const read = (path: string) => JSON.parse(readFileSync(path, "utf8")) as ModelJSON;
const bits = (f: ModelJSON) => f.weights;

const cosineAt = (step: number, decaySteps: number) => LR * 0.5 * (1 + Math.cos((Math.PI * Math.min(step, decaySteps)) / decaySteps));
const exponentialAt = (step: number, decaySteps: number) => LR * 0.01 ** (step / decaySteps);

/** A library network like the command line's (784 → 8 relu → 10 softmax, Adam, seed 1) with this schedule. */
function libraryNet(schedule: Schedule): Network {
  return new Network({
    inputSize: 784,
    inputShape: [28, 28],
    layers: [
      { units: 8, activation: "relu" },
      { units: 10, activation: "softmax" },
    ],
    loss: "categorical-crossentropy",
    optimizer: { type: "adam", learningRate: schedule },
    seed: 1,
  });
}
const schedules: [string, Schedule][] = [
  ["cosine", { type: "cosine", initialLearningRate: LR, decaySteps: 4 * SPE }],
  ["exponential", { type: "exponential", initialLearningRate: LR, decaySteps: 4 * SPE, decayRate: 0.01 }],
];

describe.each(schedules)("(a) %s: planned for 4 epochs, stopped after 2, resumed", (kind, schedule) => {
  const straight = libraryNet(schedule);
  straight.fit(data.pixels, data.labels, { epochs: 4, batchSize: BATCH });
  const first = libraryNet(schedule);
  const h = first.fit(data.pixels, data.labels, { epochs: 4, batchSize: BATCH, onEpochEnd: (e) => e < 1 });
  const checkpoint = JSON.parse(JSON.stringify(first.toJSON({ includeOptimizerState: true }))) as ModelJSON;

  test("the checkpoint holds the progress and the plan", () => {
    expect(h.epoch).toEqual([0, 1]);
    expect(checkpoint.training).toMatchObject({ epoch: 2, steps: 2 * SPE, plan: { epochs: 4, stepsPerEpoch: SPE } });
    expect(checkpoint.optimizer.schedule).toEqual(schedule);
  });

  test("fromJSON and fit up to epoch 4 equal the uninterrupted run, bit for bit", () => {
    const resumed = Network.fromJSON(checkpoint);
    resumed.fit(data.pixels, data.labels, { epochs: 4, initialEpoch: resumed.epochsTrained, batchSize: BATCH });
    expect(resumed.toJSON().weights).toEqual(straight.toJSON().weights);
    resumed.dispose();
  });

  test("train --resume --epochs 4 equals it too: the plan is the same, so the schedule is", async () => {
    const saved = join(dir, `a-${kind}.json`),
      out = join(dir, `a-${kind}-resumed.json`);
    writeFileSync(saved, JSON.stringify(checkpoint));
    const text = await wasmlp("--epochs", "4", "--resume", saved, "--save", out, "--checkpoint");
    expect(text).toContain(`learning rate: ${kind} from ${LR} over epochs 1–4 (steps 0–16), re-planned from the saved run of 4 epochs`);
    expect(read(out).optimizer.schedule).toEqual(schedule);
    expect(bits(read(out))).toEqual(straight.toJSON().weights);
  });
});

describe.each([
  ["cosine", cosineAt],
  ["exponential", exponentialAt],
] as const)("(b) %s: a finished 2-epoch run extended to 4", (kind, rateAt) => {
  const first = join(dir, `b-${kind}-2.json`),
    second = join(dir, `b-${kind}-4.json`);

  test("each epoch's learning rate follows the rule; epochs 3–4 learn; the weights equal the library's run of that schedule", async () => {
    await wasmlp("--epochs", "2", "--lr-schedule", kind, "--save", first, "--checkpoint");
    const text = await wasmlp("--epochs", "4", "--resume", first, "--save", second, "--checkpoint");
    const a = read(first),
      b = read(second);
    expect(a.training).toMatchObject({ epoch: 2, steps: 2 * SPE, plan: { epochs: 2, stepsPerEpoch: SPE } });
    expect(b.training).toMatchObject({ epoch: 4, steps: 4 * SPE, plan: { epochs: 4, stepsPerEpoch: SPE } });
    expect((a.optimizer.schedule as { decaySteps: number }).decaySteps).toBe(2 * SPE);
    expect((b.optimizer.schedule as { decaySteps: number }).decaySteps).toBe(4 * SPE);
    expect(text).toContain(
      `learning rate: ${kind} from ${LR} over epochs 1–4 (steps 0–16), re-planned from the saved run of 2 epochs; step 8 runs at ${+rateAt(8, 16).toPrecision(6)}`,
    );

    // The rule: epochs 1–2 ran on the 2-epoch plan; epochs 3–4 run on the 4-epoch plan, from step 8.
    for (let epoch = 1; epoch <= 4; epoch++) {
      for (let s = (epoch - 1) * SPE; s < epoch * SPE; s++) {
        const expected = epoch <= 2 ? rateAt(s, 2 * SPE) : rateAt(s, 4 * SPE);
        const used = learningRateAt((epoch <= 2 ? a : b).optimizer.schedule!, s);
        expect(used, `epoch ${epoch}, step ${s}`).toBeCloseTo(expected, 15);
        if (epoch > 2) expect(used).toBeGreaterThan(0); // never the dead rate 0 of the old rule
      }
    }
    expect(b.weights).not.toEqual(a.weights);

    // The weights are those of a library run resumed with the re-planned schedule.
    const edited = structuredClone(a);
    (edited.optimizer.schedule as { decaySteps: number }).decaySteps = 4 * SPE;
    const lib = Network.fromJSON(edited);
    lib.fit(data.pixels, data.labels, { epochs: 4, initialEpoch: 2, batchSize: BATCH });
    expect(lib.toJSON().weights).toEqual(b.weights);
    lib.dispose();
  });
});

describe("--lr-schedule and --lr may correct the schedule on resume", () => {
  const first = join(dir, "c-2.json");

  test("--lr-schedule constant: the saved initial rate from here on; --lr-schedule cosine --lr: a new cosine over the run", async () => {
    await wasmlp("--epochs", "2", "--lr-schedule", "cosine", "--save", first, "--checkpoint");
    const flat = join(dir, "c-flat.json"),
      fresh = join(dir, "c-fresh.json");
    expect(await wasmlp("--epochs", "3", "--resume", first, "--lr-schedule", "constant", "--save", flat)).toContain(
      "learning rate: constant 0.001 (as --lr-schedule/--lr ask)",
    );
    expect(read(flat).optimizer).toMatchObject({ type: "adam", learningRate: LR });
    expect(read(flat).optimizer.schedule).toBeUndefined();
    await wasmlp("--epochs", "4", "--resume", first, "--lr-schedule", "cosine", "--lr", "0.01", "--save", fresh);
    expect(read(fresh).optimizer.schedule).toEqual({ type: "cosine", initialLearningRate: 0.01, decaySteps: 16 });
  });

  test("a checkpoint without a plan (older files) keeps its schedule unless --lr-schedule replaces it", async () => {
    const old = read(first);
    delete old.training!.plan;
    const oldPath = join(dir, "c-old.json"),
      kept = join(dir, "c-kept.json"),
      fixed = join(dir, "c-fixed.json");
    writeFileSync(oldPath, JSON.stringify(old));
    expect(await wasmlp("--epochs", "3", "--resume", oldPath, "--save", kept)).not.toContain("learning rate:");
    expect((read(kept).optimizer.schedule as { decaySteps: number }).decaySteps).toBe(8);
    await wasmlp("--epochs", "4", "--resume", oldPath, "--lr-schedule", "cosine", "--save", fixed);
    expect(read(fixed).optimizer.schedule).toEqual({ type: "cosine", initialLearningRate: LR, decaySteps: 16 });
    // --lr alone cannot say what to do with a schedule that is not the command line's.
    await expect(wasmlp("--epochs", "4", "--resume", oldPath, "--lr", "0.01")).rejects.toThrow(
      "train: --lr with --resume replaces a constant rate or the command line's own schedule, but this checkpoint's cosine schedule is neither; give --lr-schedule too",
    );
  });

  test("a bad plan in a checkpoint is refused, naming it", () => {
    const bad = read(first);
    bad.training!.plan = { epochs: 1, stepsPerEpoch: SPE };
    expect(() => Network.fromJSON(bad)).toThrow("model.training.plan.epochs is 1, below the 2 epochs done (model.training.epoch)");
    bad.training!.plan = { epochs: 2, stepsPerEpoch: 0 };
    expect(() => Network.fromJSON(bad)).toThrow(/model\.training\.plan\.stepsPerEpoch must be an integer ≥ 1, received 0/);
    (bad.training as any).plan = { epochs: 2, stepsPerEpoch: 4, total: 8 };
    expect(() => Network.fromJSON(bad)).toThrow(/model\.training\.plan has an unknown option "total"/);
  });
});
