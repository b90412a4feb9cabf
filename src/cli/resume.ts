// train --resume's learning-rate rule (docs/checkpoints.md). The command line's schedules span
// the run, epoch 1 to --epochs; a checkpoint keeps the run's plan (its epochs and steps per epoch)
// and its progress (epochs and steps done). On resume the schedule is planned again over the run
// that ends at the new --epochs, and continues at the steps already taken: the same --epochs
// gives the same schedule (a stopped run resumes bit for bit), a larger one stretches it.
import type { OptimizerSpec } from "../config.js";
import { type Schedule, learningRateAt } from "../schedules.js";
import type { ModelJSON } from "../types.js";
import { UsageError } from "./args.js";

export const LR_SCHEDULES = ["constant", "cosine", "exponential"] as const;
export type LrSchedule = (typeof LR_SCHEDULES)[number];

/** exponential decays to this fraction of the initial rate by the end of the run. */
const EXPONENTIAL_END = 0.01;

/** The learningRate option of a run of `steps` optimizer steps: cosine to 0 or exponential to a hundredth over the run. */
export function runLearningRate(kind: LrSchedule, lr: number, steps: number): number | Schedule {
  const decaySteps = Math.max(1, steps);
  if (kind === "constant") return lr;
  if (kind === "cosine") return { type: "cosine", initialLearningRate: lr, decaySteps };
  return { type: "exponential", initialLearningRate: lr, decaySteps, decayRate: EXPONENTIAL_END };
}

/** Whether `s` is one of the command line's schedules spanning a run that ends at step `end`. */
function spansRun(s: Schedule | undefined, end: number): s is Extract<Schedule, { type: "cosine" | "exponential" }> {
  if (s === undefined || s.type === "piecewise" || s.warmupSteps || s.decaySteps !== end) return false;
  return s.type === "cosine" ? !s.alpha : s.decayRate === EXPONENTIAL_END && !s.staircase;
}

/**
 * Applies the rule to a validated checkpoint (toJSON({ includeOptimizerState: true }) of the loaded
 * model), in place, for a run up to `epochs` of `stepsPerEpoch` steps; `kind` and `lr` are the
 * --lr-schedule and --lr given with --resume, if any. Returns a line for the user saying what the
 * learning rate does, or null when the file's optimizer is kept as it is.
 */
export function replanSchedule(file: ModelJSON, epochs: number, stepsPerEpoch: number, kind?: LrSchedule, lr?: number): string | null {
  const t = file.training!;
  if (epochs <= t.epoch) return null; // nothing to train: the caller says so
  const o = file.optimizer as OptimizerSpec;
  const end = t.steps + (epochs - t.epoch) * stepsPerEpoch;
  // The step the saved plan ended at: a schedule spanning it is the command line's "over the run".
  const planned = t.plan ? t.steps + (t.plan.epochs - t.epoch) * t.plan.stepsPerEpoch : -1;
  const saved = spansRun(o.schedule, planned) ? o.schedule : undefined;
  const next = kind ?? (saved ? saved.type : lr !== undefined && o.schedule === undefined ? "constant" : undefined);
  if (next === undefined) {
    if (lr !== undefined)
      throw new UsageError(
        `train: --lr with --resume replaces a constant rate or the command line's own schedule, but this checkpoint's ${o.schedule!.type} schedule is neither; give --lr-schedule too`,
      );
    return null;
  }
  const base = lr ?? (o.schedule && "initialLearningRate" in o.schedule ? o.schedule.initialLearningRate : o.learningRate);
  const rate = runLearningRate(next, base, end);
  const { schedule: _, ...rest } = o;
  const spec = typeof rate === "number" ? { ...rest, learningRate: rate } : { ...rest, learningRate: base, schedule: rate };
  file.optimizer = spec as OptimizerSpec;
  const at = typeof rate === "number" ? rate : learningRateAt(rate, t.steps);
  const why =
    kind !== undefined || lr !== undefined
      ? "as --lr-schedule/--lr ask"
      : `re-planned from the saved run of ${t.plan!.epochs} epoch${t.plan!.epochs === 1 ? "" : "s"}`;
  return typeof rate === "number"
    ? `learning rate: constant ${rate} (${why})`
    : `learning rate: ${next} from ${base} over epochs 1–${epochs} (steps 0–${end}), ${why}; step ${t.steps} runs at ${+at.toPrecision(6)}`;
}
