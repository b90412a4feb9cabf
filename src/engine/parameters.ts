// A network's numbers that outlive a batch, one flat buffer each: the parameters (W1, b1, W2, …,
// then each normalized layer's γ, β), their gradients, the optimizer's state vectors, and the
// moving and last-batch statistics of batch-normalized layers; each layer's handles into them,
// and reading and writing them as the façade's lists (src/engine/schedule.ts computes on them).
import type { OptimizerOp } from "../optimizers.js";
import type { Backend, Buffer } from "./backend.js";
import { allocAll, type Values } from "./batch.js";
import type { EngineSpec } from "./engine.js";

/** Where one layer's tensors live: W and b (and their gradients); γ, β and the statistics of a normalized layer. */
export interface LayerHandles<H> {
  w: H;
  b: H;
  dw: H;
  db: H;
  gamma: H | null;
  beta: H | null;
  dgamma: H | null;
  dbeta: H | null;
  /** Moving mean and variance (batch normalization), and the last training batch's. */
  mean: H | null;
  variance: H | null;
  batchMean: H | null;
  batchVariance: H | null;
}

/** The parameter, gradient, optimizer-state and statistics buffers of one network, allocated all or none. */
export class Parameters<H, A extends Values> {
  readonly params: Buffer<H, A>;
  readonly grads: Buffer<H, A>;
  readonly states: Buffer<H, A>[];
  readonly stateHandles: H[];
  /** Moving mean and variance of each batch-normalized layer (movingSizes), and the last training batch's; null when none. */
  readonly moving: Buffer<H, A> | null;
  readonly batchStats: Buffer<H, A> | null;
  /** Element offset of each tensor (W1, b1, W2, …) inside params and grads. */
  readonly offsets: readonly number[];
  /** Element offset of each moving tensor inside moving and batchStats. */
  readonly movingOffsets: readonly number[];
  /** Each layer's handles, made once. */
  readonly layers: readonly LayerHandles<H>[];

  constructor(
    private readonly backend: Backend<H, A>,
    private readonly spec: EngineSpec,
    optimizer: OptimizerOp,
  ) {
    this.offsets = prefixSums(spec.tensorSizes);
    this.movingOffsets = prefixSums(spec.movingSizes);
    const movingCount = spec.movingSizes.reduce((a, b) => a + b, 0);
    const n = spec.parameterCount,
      states = optimizer.states;
    const regions = allocAll(
      backend,
      [n, n, ...Array<number>(states).fill(n), ...(movingCount > 0 ? [movingCount, movingCount] : [])],
      `the ${n.toLocaleString("en-US")} parameters, their gradients and ${states} optimizer state buffers`,
    );
    [this.moving, this.batchStats] = movingCount > 0 ? regions.splice(-2) : [null, null];
    [this.params, this.grads, ...this.states] = regions;
    const initial = optimizer.initial?.(spec.optimizer) ?? [];
    this.states.forEach((s, i) => s.view.fill(initial[i] ?? 0));
    this.stateHandles = this.states.map((s) => s.handle);
    this.layers = spec.layers.map((_, l) => this.handlesOf(l));
  }

  private handlesOf(l: number): LayerHandles<H> {
    const { spec, backend } = this;
    const tensor = (b: Buffer<H, A>, t: number): H => backend.at(b, this.offsets[t], spec.tensorSizes[t]);
    const stat = (b: Buffer<H, A> | null, t: number): H | null => (b ? backend.at(b, this.movingOffsets[t], spec.movingSizes[t]) : null);
    const g = spec.gammaIndex[l],
      s = spec.movingIndex[l];
    const norm = spec.layers[l].normalization !== null,
      batch = spec.layers[l].normalization?.type === "batch";
    return {
      w: tensor(this.params, 2 * l),
      b: tensor(this.params, 2 * l + 1),
      dw: tensor(this.grads, 2 * l),
      db: tensor(this.grads, 2 * l + 1),
      gamma: norm ? tensor(this.params, g) : null,
      beta: norm ? tensor(this.params, g + 1) : null,
      dgamma: norm ? tensor(this.grads, g) : null,
      dbeta: norm ? tensor(this.grads, g + 1) : null,
      mean: batch ? stat(this.moving, s) : null,
      variance: batch ? stat(this.moving, s + 1) : null,
      batchMean: batch ? stat(this.batchStats, s) : null,
      batchVariance: batch ? stat(this.batchStats, s + 1) : null,
    };
  }

  /** The live storage of parameter tensor i (W1, b1, W2, …). */
  tensor(i: number): A {
    return this.params.view.subarray(this.offsets[i], this.offsets[i] + this.spec.tensorSizes[i]) as A;
  }

  /** Copies of every trainable tensor, then of each moving statistic (getWeights' list). */
  read(): A[] {
    const moving = this.moving?.view;
    return [...this.split(this.params.view), ...this.spec.movingSizes.map((n, i) => moving!.slice(this.movingOffsets[i], this.movingOffsets[i] + n) as A)];
  }

  /** Copies of every trainable tensor's gradient. */
  readGrads(): A[] {
    return this.split(this.grads.view);
  }

  /** Writes read()'s list back (validated by the caller). */
  write(weights: readonly ArrayLike<number>[]): void {
    const view = this.params.view,
      trainable = this.spec.tensorSizes.length;
    weights.forEach((w, i) => (i < trainable ? view.set(w, this.offsets[i]) : this.moving!.view.set(w, this.movingOffsets[i - trainable])));
  }

  /** Copies of the optimizer's state vectors. */
  readStates(): A[] {
    return this.states.map((s) => s.view.slice() as A);
  }

  writeStates(states: readonly ArrayLike<number>[]): void {
    states.forEach((s, i) => this.states[i].view.set(s));
  }

  dispose(): void {
    for (const r of [this.params, this.grads, ...this.states, this.moving, this.batchStats]) r?.dispose();
  }

  private split(view: A): A[] {
    return this.spec.tensorSizes.map((n, i) => view.slice(this.offsets[i], this.offsets[i] + n) as A);
  }
}

/** Where each of a list of consecutive tensors starts. */
function prefixSums(sizes: readonly number[]): number[] {
  const out: number[] = [];
  let at = 0;
  for (const n of sizes) {
    out.push(at);
    at += n;
  }
  return out;
}
