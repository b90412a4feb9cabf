// Learning-rate schedules as data (serializable in model files), Keras's three most used:
// ExponentialDecay, PiecewiseConstantDecay and CosineDecay, each with an optional linear
// warm-up. `step` counts optimizer updates from 0, as Keras's `iterations`.
import { checkInt, checkKeys, checkNumber, checkObject, checkOneOf, describe } from "./validate.js";

export type Schedule =
  | { type: "exponential"; initialLearningRate: number; decaySteps: number; decayRate: number; staircase?: boolean; warmupSteps?: number }
  | { type: "piecewise"; boundaries: number[]; values: number[]; warmupSteps?: number }
  | { type: "cosine"; initialLearningRate: number; decaySteps: number; alpha?: number; warmupSteps?: number };

const KEYS: Record<Schedule["type"], readonly string[]> = {
  exponential: ["type", "initialLearningRate", "decaySteps", "decayRate", "staircase", "warmupSteps"],
  piecewise: ["type", "boundaries", "values", "warmupSteps"],
  cosine: ["type", "initialLearningRate", "decaySteps", "alpha", "warmupSteps"],
};

/** The schedule's rate at an update `step` (from 0), before any warm-up. */
function base(s: Schedule, step: number): number {
  switch (s.type) {
    case "exponential": {
      const p = step / s.decaySteps;
      return s.initialLearningRate * s.decayRate ** (s.staircase ? Math.floor(p) : p);
    }
    case "piecewise": {
      let i = 0;
      while (i < s.boundaries.length && step > s.boundaries[i]) i++;
      return s.values[i];
    }
    case "cosine": {
      const alpha = s.alpha ?? 0;
      const cosine = 0.5 * (1 + Math.cos((Math.PI * Math.min(step, s.decaySteps)) / s.decaySteps));
      return s.initialLearningRate * ((1 - alpha) * cosine + alpha);
    }
  }
}

/**
 * The learning rate of update `step`. With warmupSteps w, the first w updates rise linearly to
 * the schedule's first rate (update i of them takes rate(0)·(i + 1)/w), and the schedule starts after them.
 */
export function learningRateAt(s: Schedule, step: number): number {
  const w = s.warmupSteps ?? 0;
  return step < w ? (base(s, 0) * (step + 1)) / w : base(s, step - w);
}

/** A validated copy of a schedule (errors name the field, the expected and the received). */
export function parseSchedule(value: unknown, where = "optimizer.learningRate"): Schedule {
  checkObject(where, value);
  const type = checkOneOf(`${where}.type`, value.type, ["exponential", "piecewise", "cosine"] as const);
  checkKeys(`${where} (${type})`, value, KEYS[type]);
  const warm = value.warmupSteps === undefined ? {} : { warmupSteps: checkInt(`${where}.warmupSteps`, value.warmupSteps, 0) };
  const rate = (key: string) => checkNumber(`${where}.${key}`, value[key], 0, Infinity, true);
  if (type === "exponential") {
    if (value.staircase !== undefined && typeof value.staircase !== "boolean")
      throw new TypeError(`${where}.staircase must be true or false, received ${describe(value.staircase)}`);
    return {
      type,
      initialLearningRate: rate("initialLearningRate"),
      decaySteps: checkInt(`${where}.decaySteps`, value.decaySteps, 1),
      decayRate: checkNumber(`${where}.decayRate`, value.decayRate, 0, 1, true),
      ...(value.staircase === undefined ? {} : { staircase: value.staircase }),
      ...warm,
    };
  }
  if (type === "cosine") {
    return {
      type,
      initialLearningRate: rate("initialLearningRate"),
      decaySteps: checkInt(`${where}.decaySteps`, value.decaySteps, 1),
      ...(value.alpha === undefined ? {} : { alpha: checkNumber(`${where}.alpha`, value.alpha, 0, 1) }),
      ...warm,
    };
  }
  const { boundaries, values } = value;
  if (!Array.isArray(boundaries) || !Array.isArray(values) || values.length !== boundaries.length + 1) {
    throw new RangeError(`${where}: piecewise needs boundaries (n steps) and values (n + 1 rates), received ${describe(boundaries)} and ${describe(values)}`);
  }
  boundaries.forEach((b, i) => {
    checkInt(`${where}.boundaries[${i}]`, b, 0);
    if (i > 0 && b <= boundaries[i - 1]) throw new RangeError(`${where}.boundaries must increase, but [${i - 1}] is ${boundaries[i - 1]} and [${i}] is ${b}`);
  });
  values.forEach((v, i) => checkNumber(`${where}.values[${i}]`, v, 0, Infinity, true));
  return { type, boundaries: [...boundaries], values: [...values], ...warm };
}
