// The engine interface: the math of a network (where its numbers live and how they are
// computed), behind the one façade class in src/model.ts. Engines: wasm float32
// (src/engine/wasm.ts) and the float64 reference (src/reference/engine.ts). Inputs reaching an
// engine are already validated; an engine never validates user data.
import type { NetworkSpec, TensorLayout } from "../config.js";

/** Slot 0 holds the training batch (and forward()'s state for backward()); slot 1 inference chunks. */
export type Slot = 0 | 1;

/** What an engine is built from: the normalised spec plus the derived sizes. */
export interface EngineSpec extends NetworkSpec, Readonly<TensorLayout> {
  /** Entries of the trainable tensors (tensorSizes: W1, b1, W2, b2, …, then each normalized layer's γ, β). */
  parameterCount: number;
}

export interface Engine<A extends Float32Array | Float64Array> {
  newArray(n: number): A;
  /** Makes room in a slot for m samples (allocating only when m exceeds every earlier batch). */
  ensureRows(slot: Slot, m: number): void;
  /** Whether the slot already has room for m samples (ensureRows would not allocate). */
  hasRows(slot: Slot, m: number): boolean;
  /** Copies m samples (rows order[start..] or start.. of src) into the slot's input. */
  loadX(slot: Slot, src: Float32Array, order: Uint32Array | null, start: number, m: number): void;
  /**
   * Per-sample loss weights for slot 0's next training pass (rows as loadX's), or null for none:
   * the loss becomes Σ wᵢ·Lᵢ / m and each sample's gradient is scaled by its weight.
   */
  loadWeights(src: Float32Array | null, order: Uint32Array | null, start: number, m: number): void;
  /** Same for the targets. */
  loadY(slot: Slot, src: Float32Array, order: Uint32Array | null, start: number, m: number): void;
  /** The slot's targets as loadY left them, row after row: a view valid until the next engine call. */
  targets(slot: Slot): A;
  /**
   * Runs the layers; returns a view of the outputs valid until the next engine call. `training`
   * (slot 0, training steps only): dropout layers drop, and the next backprop goes through their masks;
   * batch-normalized layers use the batch's statistics (else their moving ones), which the next
   * applyStep() then folds into the moving statistics.
   */
  runForward(slot: Slot, m: number, training?: boolean): A;
  /** Sum over the batch of the per-sample loss of the slot's outputs and targets. */
  lossSum(slot: Slot, m: number): number;
  /** The layers' kernel penalties Σ l1·|W| + l2·W² at the current weights (0 without regularizers). */
  penalty(): number;
  /** Gradients of the mean loss of slot 0, penalties included, into the gradient buffers. */
  runBackwardLoss(m: number): void;
  /** Gradients (summed over the batch) from a given dL/d(outputs) of slot 0; returns dL/dx. */
  runBackwardFrom(dOut: Float32Array, m: number): A;
  /** Whether every gradient entry is finite (checked before each update). */
  gradientsFinite(): boolean;
  /** Whether the batch statistics a training forward pass left for the next update (batch normalization) are finite float32 values. */
  batchStatsFinite(): boolean;
  /** Whether the m samples last loaded into the slot's input are all finite. */
  inputFinite(slot: Slot, m: number): boolean;
  /** One optimizer update from the gradient buffers. */
  applyStep(): void;
  /** The trainable tensors (tensorSizes), then the moving statistics (movingSizes). */
  readParams(): A[];
  /** Gradients of the trainable tensors. */
  readGrads(): A[];
  /** Takes readParams()'s list. */
  writeParams(weights: readonly ArrayLike<number>[]): void;
  /** The optimizer's step count and state vectors (each parameterCount long, in W1, b1, … order). */
  readOptimizerState(): { steps: number; states: A[] };
  writeOptimizerState(steps: number, states: readonly ArrayLike<number>[]): void;
  /** Frees everything the engine holds; every later call throws before touching memory. */
  release(): void;
  /** False once release() ran. */
  isAlive(): boolean;
}
