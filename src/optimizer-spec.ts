// The optimizers' settings as types: the normalised spec the engines run and the options users write.
import type { Schedule } from "./schedules.js";

/** Settings every optimizer takes: a learning-rate schedule, and gradient clipping (one kind at a time, as Keras). */
export interface OptimizerCommon {
  /** A learning-rate schedule (src/schedules.ts); learningRate is then its first rate. */
  schedule?: Schedule;
  /** Scale all gradients together so that their global L2 norm is at most this (Keras's global_clipnorm). */
  clipNorm?: number;
  /** Clip every gradient entry to [−clipValue, clipValue] (Keras's clipvalue). */
  clipValue?: number;
}

/** An optimizer with every setting given, as `net.optimizer` and model files hold it (the defaults filled in). */
export type OptimizerSpec = (
  | { type: "sgd"; learningRate: number }
  | { type: "momentum"; learningRate: number; momentum: number }
  | { type: "nesterov"; learningRate: number; momentum: number }
  | { type: "adam"; learningRate: number; beta1: number; beta2: number; epsilon: number }
  | { type: "adamw"; learningRate: number; beta1: number; beta2: number; epsilon: number; weightDecay: number }
  | { type: "rmsprop"; learningRate: number; rho: number; epsilon: number }
  | { type: "adagrad"; learningRate: number; initialAccumulatorValue: number; epsilon: number }
) &
  OptimizerCommon;

export type SpecOf<T extends OptimizerSpec["type"]> = Extract<OptimizerSpec, { type: T }>;

/** An optimizer's name (its defaults), or its type with any of its settings; learningRate may be a schedule. */
export type OptimizerOptions =
  | OptimizerSpec["type"]
  | {
      [T in OptimizerSpec["type"]]: { type: T } & Partial<Omit<SpecOf<T>, "type" | "learningRate">> & { learningRate?: number | Schedule };
    }[OptimizerSpec["type"]];
