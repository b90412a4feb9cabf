// Training variables without a Network: an optimizer of the optimizer table (the same wasm update
// kernels, or their float64 references) over a list of variables, as tfjs's
// optimizer.minimize(f, varList) or a step from gradients you computed. A step whose gradients
// are not all finite is refused before anything changes, as Network.trainBatch refuses one.
import { type OptimizerOptions, type OptimizerSpec, parseOptimizer } from "../config.js";
import { optimizerOps } from "../optimizers.js";
import { describe } from "../validate.js";
import { backpropagate } from "./autodiff.js";
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
    const spec = parseOptimizer(options);
    for (const key of ["clipNorm", "clipValue", "schedule"] as const) {
      if (key in spec) throw new TypeError(`optimizer.${key} applies to networks; over variables, clip or schedule yourself (the gradients are tensors)`);
    }
    this.spec = spec;
  }

  /** Steps taken so far. */
  get iterations(): number {
    return this.t;
  }

  /**
   * One update of each variable from its gradient (pairs, or a Map). Every gradient must be
   * finite: otherwise it throws and no variable or state changes.
   */
  step(gradients: ReadonlyMap<Tensor, Tensor> | readonly (readonly [Tensor, Tensor])[]): void {
    const pairs = [...(gradients instanceof Map ? gradients.entries() : (gradients as readonly (readonly [Tensor, Tensor])[]))];
    pairs.forEach(([v, g], i) => {
      checkTensor(`step: variable ${i}`, v);
      checkTensor(`step: gradient ${i}`, g);
      v.storage(`step: variable ${i}`);
      g.storage(`step: gradient ${i}`);
      if (!v.requiresGrad || v.node !== null) throw new TypeError(`step: variable ${i} is ${v.describe()}; optimizers update variables (variable(), or tensors made with requiresGrad)`);
      if (g.backend !== v.backend || g.shape.length !== v.shape.length || g.shape.some((d, j) => d !== v.shape[j])) {
        throw new RangeError(`step: gradient ${i} is ${g.describe()}, expected the shape and dtype of variable ${i}, ${v.describe()}`);
      }
      if (!g.backend.allFinite(g.size, g.storage("step"))) throw new RangeError(`step: gradient ${i} (of ${v.describe()}) has a non-finite value, so no update was applied (variables and optimizer state are unchanged)`);
    });
    this.t++;
    for (const [v, g] of pairs) {
      const states = this.statesOf(v);
      v.backend.optimizerStep(this.spec, this.t, v.size, g.storage("step"), v.storage("step"), states.map((s) => s.storage("step")));
    }
  }

  /**
   * Computes f() (a scalar), its gradients with respect to `variables` and one step; returns the
   * loss. The variables' .grad is untouched; every intermediate is freed.
   */
  minimize(f: () => Tensor, variables: readonly Tensor[]): number {
    if (typeof f !== "function") throw new TypeError(`minimize expects a function returning a scalar Tensor, received ${describe(f)}`);
    if (!Array.isArray(variables) || variables.length === 0) throw new TypeError(`minimize needs a non-empty array of variables, received ${describe(variables)}`);
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
    if (JSON.stringify(state.optimizer) !== JSON.stringify(this.spec)) throw new RangeError(`load: the state is of optimizer ${JSON.stringify(state.optimizer)}, this one is ${JSON.stringify(this.spec)}`);
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
      if (!Array.isArray(entry.states) || entry.states.length !== count) throw new RangeError(`load: variable ${i} has ${describe(entry.states?.length)} state vectors, ${this.spec.type} keeps ${count}`);
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

/** An optimizer of the table by options ({ type: "adam", learningRate: 0.01 }) or name. */
export const optimizer = (options: OptimizerOptions): Optimizer => new Optimizer(options);
/**
 * Plain gradient descent: v −= learningRate · g.
 * @param learningRate The step size (default 0.01).
 * @throws {RangeError} For a learning rate that is not a finite number > 0.
 */
export const sgd = (learningRate?: number): Optimizer => new Optimizer({ type: "sgd", learningRate });
/**
 * Gradient descent with momentum (Keras's form): u = momentum · u − learningRate · g, v += u.
 * @param learningRate The step size (default 0.01).
 * @param momentumValue The decay of the velocity u, in [0, 1) (default 0.9).
 * @throws {RangeError} For a setting out of its range.
 */
export const momentum = (learningRate?: number, momentumValue?: number): Optimizer => new Optimizer({ type: "momentum", learningRate, momentum: momentumValue });
/**
 * Adam (Kingma and Ba), with Keras's defaults.
 * @param learningRate The step size (default 0.001).
 * @param beta1 The decay of the first moment, in [0, 1) (default 0.9).
 * @param beta2 The decay of the second moment, in [0, 1) (default 0.999).
 * @param epsilon Added to the root of the second moment (default 1e-7).
 * @throws {RangeError} For a setting out of its range.
 */
export const adam = (learningRate?: number, beta1?: number, beta2?: number, epsilon?: number): Optimizer => new Optimizer({ type: "adam", learningRate, beta1, beta2, epsilon });
/**
 * RMSprop, with Keras's defaults.
 * @param learningRate The step size (default 0.001).
 * @param rho The decay of the mean square of the gradients, in [0, 1) (default 0.9).
 * @param epsilon Added to the root of the mean square (default 1e-7).
 * @throws {RangeError} For a setting out of its range.
 */
export const rmsprop = (learningRate?: number, rho?: number, epsilon?: number): Optimizer => new Optimizer({ type: "rmsprop", learningRate, rho, epsilon });
