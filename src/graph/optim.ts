// Training variables without a Network: an optimizer of the optimizer table (the same wasm update
// kernels, or their float64 references) over a list of variables, as tfjs's
// optimizer.minimize(f, varList) or a step from gradients you computed. A step whose gradients
// are not all finite is refused before anything changes, as Network.trainBatch refuses one.
// Clipping and learning-rate schedules follow the Network's update: clipValue, then clipNorm over
// all the step's gradients together, then the kernel at the schedule's rate for this update.
import { type OptimizerOptions, type OptimizerSpec, parseOptimizer } from "../config.js";
import { optimizerOps } from "../optimizers.js";
import { type Schedule, learningRateAt } from "../schedules.js";
import { describe } from "../validate.js";
import { backpropagate } from "./autodiff.js";
import { noGrad } from "./apply.js";
import { clip } from "./composites.js";
import { mul } from "./ops.js";
import { Tensor, checkTensor, emptyTensor, tidy } from "./tensor.js";

/** An optimizer's state, as plain JSON (save() and load()). */
export interface OptimizerState {
  format: "wasmlp-graph-optimizer";
  version: 1;
  optimizer: OptimizerSpec;
  /** Steps taken. */
  step: number;
  /** Per variable, in the order given: its shape, values and state vectors. */
  variables: { shape: number[]; values: number[]; states: number[][] }[];
}

/**
 * An optimizer over graph variables (tensors made by variable()): step() applies one update of
 * each variable from its gradient, in place, keeping per-variable state (momentum, Adam's
 * moments) between steps. The same update rules and defaults as a Network's optimizers. Make one
 * with optimizer(), sgd(), momentum(), adam() or rmsprop().
 */
export class Optimizer {
  /** The settings with every default filled in, e.g. { type: "adam", learningRate: 0.001, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 }. */
  readonly spec: OptimizerSpec;
  private t = 0;
  private readonly slots = new Map<Tensor, Tensor[]>();

  /** @internal Use optimizer(), sgd(), adam(), …. */
  constructor(options: OptimizerOptions) {
    this.spec = parseOptimizer(options);
  }

  /** Steps taken so far. */
  get iterations(): number {
    return this.t;
  }

  /** The learning rate the next step() takes: the schedule's rate for it, or the fixed rate. */
  get learningRate(): number {
    return this.spec.schedule ? learningRateAt(this.spec.schedule, this.t) : this.spec.learningRate;
  }

  /**
   * One update of each variable from its gradient (pairs, or a Map), as a Network's update: each
   * gradient entry clipped to ±clipValue, then all the gradients scaled together so that their
   * global L2 norm is at most clipNorm, then the optimizer's kernel at the schedule's rate for
   * this update (counting updates from 0). The gradients you pass are not modified.
   *
   * @param gradients - [variable, gradient] pairs (or a Map), each gradient of its variable's shape and dtype.
   * @throws RangeError when a gradient is not finite (no variable or state changes) or has the wrong shape.
   * @throws TypeError when a variable is not a leaf that requires gradients.
   */
  step(gradients: ReadonlyMap<Tensor, Tensor> | readonly (readonly [Tensor, Tensor])[]): void {
    const pairs = [...(gradients instanceof Map ? gradients.entries() : (gradients as readonly (readonly [Tensor, Tensor])[]))];
    pairs.forEach(([v, g], i) => {
      checkTensor(`step: variable ${i}`, v);
      checkTensor(`step: gradient ${i}`, g);
      v.storage(`step: variable ${i}`);
      g.storage(`step: gradient ${i}`);
      if (!v.requiresGrad || v.node !== null)
        throw new TypeError(`step: variable ${i} is ${v.describe()}; optimizers update variables (variable(), or tensors made with requiresGrad)`);
      if (g.backend !== v.backend || g.shape.length !== v.shape.length || g.shape.some((d, j) => d !== v.shape[j])) {
        throw new RangeError(`step: gradient ${i} is ${g.describe()}, expected the shape and dtype of variable ${i}, ${v.describe()}`);
      }
      if (!g.backend.allFinite(g.size, g.storage("step")))
        throw new RangeError(
          `step: gradient ${i} (of ${v.describe()}) has a non-finite value, so no update was applied (variables and optimizer state are unchanged)`,
        );
    });
    const o = this.spec.schedule ? { ...this.spec, learningRate: learningRateAt(this.spec.schedule, this.t) } : this.spec;
    this.t++;
    tidy(() =>
      noGrad(() => {
        const used = clipped(
          pairs.map(([, g]) => g),
          o.clipValue,
          o.clipNorm,
        );
        pairs.forEach(([v], i) => {
          const states = this.statesOf(v);
          v.backend.optimizerStep(
            o,
            this.t,
            v.size,
            used[i].storage("step"),
            v.storage("step"),
            states.map((s) => s.storage("step")),
          );
        });
      }),
    );
  }

  /**
   * Computes f() (a scalar), its gradients with respect to `variables` and one step; returns the
   * loss. The variables' .grad is untouched; every intermediate is freed.
   */
  minimize(f: () => Tensor, variables: readonly Tensor[]): number {
    if (typeof f !== "function") throw new TypeError(`minimize expects a function returning a scalar Tensor, received ${describe(f)}`);
    if (!Array.isArray(variables) || variables.length === 0)
      throw new TypeError(`minimize needs a non-empty array of variables, received ${describe(variables)}`);
    return tidy(() => {
      const loss = f();
      if (!(loss instanceof Tensor)) throw new TypeError(`the loss function must return a scalar Tensor, it returned ${describe(loss)}`);
      if (loss.size !== 1) throw new RangeError(`the loss function must return a scalar; it returned ${loss.describe()} (take its mean())`);
      const value = loss.item();
      if (!Number.isFinite(value)) throw new RangeError(`the loss became ${value}, so no update was applied (variables and optimizer state are unchanged)`);
      if (!loss.requiresGrad) throw new Error("the loss does not depend on any of the variables, so it has no gradient to train with");
      const grads = backpropagate(loss, null, variables);
      this.step(variables.map((v, i) => [v, grads[i]] as const));
      return value;
    });
  }

  /** The state of the optimizer and of these variables, as JSON-ready data. */
  save(variables: readonly Tensor[]): OptimizerState {
    return {
      format: "wasmlp-graph-optimizer",
      version: 1,
      optimizer: { ...this.spec },
      step: this.t,
      variables: variables.map((v, i) => {
        checkTensor(`save: variable ${i}`, v);
        return { shape: [...v.shape], values: Array.from(v.data()), states: this.statesOf(v).map((s) => Array.from(s.data())) };
      }),
    };
  }

  /**
   * Restores what save() returned into these variables (same count, shapes) and this optimizer
   * (same settings). Everything is checked before anything is written.
   */
  load(variables: readonly Tensor[], state: OptimizerState): void {
    if (state === null || typeof state !== "object" || state.format !== "wasmlp-graph-optimizer" || state.version !== 1) {
      throw new TypeError(`load expects what Optimizer.save() returned (format "wasmlp-graph-optimizer", version 1), received ${describe(state)}`);
    }
    if (JSON.stringify(state.optimizer) !== JSON.stringify(this.spec))
      throw new RangeError(`load: the state is of optimizer ${JSON.stringify(state.optimizer)}, this one is ${JSON.stringify(this.spec)}`);
    if (!Number.isInteger(state.step) || state.step < 0) throw new RangeError(`load: step is ${describe(state.step)}, expected a whole number ≥ 0`);
    if (!Array.isArray(state.variables) || state.variables.length !== variables.length) {
      throw new RangeError(`load: the state holds ${describe(state.variables?.length)} variables, ${variables.length} were given`);
    }
    const count = optimizerOps[this.spec.type].states;
    state.variables.forEach((entry, i) => {
      const v = variables[i];
      checkTensor(`load: variable ${i}`, v);
      if (!Array.isArray(entry?.shape) || entry.shape.length !== v.shape.length || entry.shape.some((d, j) => d !== v.shape[j])) {
        throw new RangeError(`load: variable ${i} is ${v.describe()}, the state's has shape ${describe(entry?.shape)}`);
      }
      const arrays = [entry.values, ...(Array.isArray(entry.states) ? entry.states : [])];
      if (!Array.isArray(entry.states) || entry.states.length !== count)
        throw new RangeError(`load: variable ${i} has ${describe(entry.states?.length)} state vectors, ${this.spec.type} keeps ${count}`);
      arrays.forEach((a, k) => {
        if (!Array.isArray(a) || a.length !== v.size || !a.every((x) => typeof x === "number" && Number.isFinite(x))) {
          throw new RangeError(`load: variable ${i}'s ${k === 0 ? "values" : `state ${k - 1}`} must be ${v.size} finite numbers, received ${describe(a)}`);
        }
      });
    });
    state.variables.forEach((entry, i) => {
      const v = variables[i];
      v.storage("load").view.set(entry.values);
      this.statesOf(v).forEach((s, k) => s.storage("load").view.set(entry.states[k]));
    });
    this.t = state.step;
  }

  /** Frees the state vectors. */
  dispose(): void {
    for (const states of this.slots.values()) states.forEach((s) => s.dispose());
    this.slots.clear();
  }

  /** "Optimizer(adam, 2 variables, 10 steps)": the type, the variables it has state for, the steps taken. */
  toString(): string {
    return `Optimizer(${this.spec.type}, ${this.slots.size} variables, ${this.t} steps)`;
  }

  private statesOf(v: Tensor): Tensor[] {
    let states = this.slots.get(v);
    if (!states) {
      const op = optimizerOps[this.spec.type];
      const initial = (op.initial as ((s: OptimizerSpec) => number[]) | undefined)?.(this.spec) ?? [];
      states = Array.from({ length: op.states }, (_, k) => {
        const s = emptyTensor(v.backend, v.shape, false, null, "optimizer state");
        s.scope?.delete(s);
        s.scope = null;
        s.storage("optimizer").view.fill(initial[k] ?? 0);
        return s;
      });
      this.slots.set(v, states);
    }
    return states;
  }
}

/**
 * The gradients a Network's update would use: each entry clipped to ±clipValue, then all scaled
 * by clipNorm / ‖g‖ when their global norm ‖g‖ (accumulated in double precision) exceeds clipNorm.
 * New tensors where anything changes (the caller's scope frees them), else the given ones.
 */
function clipped(gs: readonly Tensor[], clipValue: number | undefined, clipNorm: number | undefined): readonly Tensor[] {
  let out = gs;
  if (clipValue !== undefined) out = out.map((g) => clip(g, -clipValue, clipValue));
  if (clipNorm !== undefined) {
    let squares = 0;
    for (const g of out) squares += g.backend.sumSquares(g.size, g.storage("step"));
    const norm = Math.sqrt(squares);
    if (norm > clipNorm) out = out.map((g) => mul(g, clipNorm / norm));
  }
  return out;
}

/**
 * An optimizer of the table by options or name, with the Network's options: e.g.
 * { type: "adam", learningRate: 0.01 }, a schedule as learningRate
 * ({ type: "cosine", initialLearningRate: 0.1, decaySteps: 1000 }), and clipNorm or clipValue.
 * @param options - the optimizer's type and settings (defaults: the Network's).
 * @throws RangeError for a setting out of its range; TypeError for an unknown one, or clipNorm with clipValue.
 */
export const optimizer = (options: OptimizerOptions): Optimizer => new Optimizer(options);
/**
 * Plain gradient descent: v −= learningRate · g.
 * @param learningRate The step size (default 0.01), or a learning-rate schedule.
 * @throws {RangeError} For a learning rate that is not a finite number > 0.
 */
export const sgd = (learningRate?: number | Schedule): Optimizer => new Optimizer({ type: "sgd", learningRate });
/**
 * Gradient descent with momentum (Keras's form): u = momentum · u − learningRate · g, v += u.
 * @param learningRate The step size (default 0.01), or a learning-rate schedule.
 * @param momentumValue The decay of the velocity u, in [0, 1) (default 0.9).
 * @throws {RangeError} For a setting out of its range.
 */
export const momentum = (learningRate?: number | Schedule, momentumValue?: number): Optimizer =>
  new Optimizer({ type: "momentum", learningRate, momentum: momentumValue });
/**
 * Adam (Kingma and Ba), with Keras's defaults.
 * @param learningRate The step size (default 0.001), or a learning-rate schedule.
 * @param beta1 The decay of the first moment, in [0, 1) (default 0.9).
 * @param beta2 The decay of the second moment, in [0, 1) (default 0.999).
 * @param epsilon Added to the root of the second moment (default 1e-7).
 * @throws {RangeError} For a setting out of its range.
 */
export const adam = (learningRate?: number | Schedule, beta1?: number, beta2?: number, epsilon?: number): Optimizer =>
  new Optimizer({ type: "adam", learningRate, beta1, beta2, epsilon });
/**
 * RMSprop, with Keras's defaults.
 * @param learningRate The step size (default 0.001), or a learning-rate schedule.
 * @param rho The decay of the mean square of the gradients, in [0, 1) (default 0.9).
 * @param epsilon Added to the root of the mean square (default 1e-7).
 * @throws {RangeError} For a setting out of its range.
 */
export const rmsprop = (learningRate?: number | Schedule, rho?: number, epsilon?: number): Optimizer =>
  new Optimizer({ type: "rmsprop", learningRate, rho, epsilon });
