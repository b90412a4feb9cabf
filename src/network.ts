// The wasm-backed network: parameters, gradients, optimizer state and batch buffers live in
// the module's linear memory, owned through F32Region; each step is a handful of kernel calls
// and allocates nothing once the batch size has been seen.
import { type ActivationKernels, activationKernels } from "./activations.js";
import { type LossKernels, lossKernels } from "./losses.js";
import { F32Region } from "./memory.js";
import { Model, type ModelJSON, type NetworkOptions, type Slot } from "./model.js";
import { type OptimizerKernels, optimizerKernels } from "./optimizers.js";
import { type Runtime, runtime } from "./runtime.js";

/** Buffers for up to `rows` samples: the input, each layer's output, the targets, and for the training slot two gradient buffers. */
interface Batch {
  rows: number;
  x: F32Region;
  y: F32Region;
  acts: F32Region[];
  deltas: [F32Region, F32Region] | null;
}

export class Network extends Model<Float32Array> {
  private readonly rt: Runtime;
  private readonly params: F32Region;
  private readonly grads: F32Region;
  private readonly states: F32Region[];
  private readonly statePtrs: number[];
  /** Element offset of each tensor (W1, b1, W2, …) inside params and grads. */
  private readonly offsets: number[];
  private readonly acts: ActivationKernels[];
  private readonly lossK: LossKernels;
  private readonly optimizerK: OptimizerKernels;
  /** Output layer's dZ comes straight from the loss (sigmoid+BCE, softmax+CCE). */
  private readonly fusedOutput: boolean;
  private readonly slots: [Batch | null, Batch | null] = [null, null];
  private steps = 0;

  constructor(options: NetworkOptions) {
    super(options);
    try {
      this.rt = runtime();
    } catch (e) {
      this.detachLayers(); // a failed construction must not keep the caller's Layer objects
      throw e;
    }
    this.acts = this.spec.layers.map((l) => activationKernels[l.activation]);
    this.lossK = lossKernels[this.lossName];
    this.optimizerK = optimizerKernels[this.optimizer.type];
    this.fusedOutput = this.lossK.fused?.activation === this.spec.layers[this.spec.layers.length - 1].activation;
    this.offsets = [];
    let offset = 0;
    for (const size of this.tensorSizes) { this.offsets.push(offset); offset += size; }
    const heap = this.rt.heap;
    this.params = new F32Region(heap, this.parameterCount);
    this.grads = new F32Region(heap, this.parameterCount);
    this.states = Array.from({ length: this.optimizerK.states }, () => new F32Region(heap, this.parameterCount));
    for (const s of this.states) s.view.fill(0);
    this.statePtrs = this.states.map((s) => s.ptr);
    this.writeParams(this.initialWeights());
  }

  /** Rebuilds a network from toJSON()'s object (or its JSON text), validating every field. */
  static fromJSON(json: ModelJSON | string): Network {
    const { options, weights } = Model.parseJSON(json);
    const net = new Network(options);
    net.setWeights(weights);
    return net;
  }

  // ---- engine --------------------------------------------------------------------------

  protected newArray(n: number): Float32Array {
    return new Float32Array(n);
  }

  protected ensureRows(slot: Slot, m: number): void {
    const current = this.slots[slot];
    if (current && current.rows >= m) return;
    if (current) this.freeBatch(current);
    const heap = this.rt.heap;
    const widths = this.spec.layers.map((l) => l.units);
    const widest = Math.max(this.inputSize, ...widths);
    this.slots[slot] = {
      rows: m,
      x: new F32Region(heap, m * this.inputSize),
      y: new F32Region(heap, m * this.outputSize),
      acts: widths.map((w) => new F32Region(heap, m * w)),
      deltas: slot === 0 ? [new F32Region(heap, m * widest), new F32Region(heap, m * widest)] : null,
    };
  }

  protected loadX(slot: Slot, src: Float32Array, order: Uint32Array | null, start: number, m: number): void {
    gatherRows(this.slots[slot]!.x.view, src, this.inputSize, order, start, m);
  }

  protected loadY(slot: Slot, src: Float32Array, order: Uint32Array | null, start: number, m: number): void {
    gatherRows(this.slots[slot]!.y.view, src, this.outputSize, order, start, m);
  }

  protected runForward(slot: Slot, m: number): Float32Array {
    const k = this.rt.parallel.kernelsShared; // large elementwise passes shared with threads
    const b = this.slots[slot]!;
    const w = this.params.ptr;
    let prev = b.x.ptr;
    for (let l = 0; l < this.spec.layers.length; l++) {
      const layer = this.spec.layers[l];
      const out = b.acts[l].ptr;
      // z = a_prev·Wᵀ + b (samples as rows), then a = g(z) in place.
      this.rt.parallel.matmul("nt", m, layer.units, this.inputSizeOf(l), prev, w + 4 * this.offsets[2 * l], out, false);
      k.add_bias(m, layer.units, w + 4 * this.offsets[2 * l + 1], out);
      this.acts[l].forward(k, m, layer.units, out, out, layer.alpha);
      prev = out;
    }
    return b.acts[b.acts.length - 1].view;
  }

  protected lossSum(slot: Slot, m: number): number {
    const b = this.slots[slot]!;
    return this.lossK.sum(this.rt.kernels, m, this.outputSize, b.acts[b.acts.length - 1].ptr, b.y.ptr);
  }

  protected runBackwardLoss(m: number): void {
    const k = this.rt.parallel.kernelsShared; // large elementwise passes shared with threads
    const b = this.slots[0]!;
    const last = this.spec.layers.length - 1;
    const out = b.acts[last].ptr;
    const d = b.deltas![0].ptr;
    if (this.fusedOutput) {
      this.lossK.fused!.grad(k, m, this.outputSize, out, b.y.ptr, d);
    } else {
      this.lossK.grad(k, m, this.outputSize, out, b.y.ptr, d);
      this.acts[last].backward(k, m, this.outputSize, out, d, d, this.spec.layers[last].alpha);
    }
    this.backpropLayers(m, false);
  }

  protected runBackwardFrom(dOut: Float32Array, m: number): Float32Array {
    const k = this.rt.parallel.kernelsShared; // large elementwise passes shared with threads
    const b = this.slots[0]!;
    const last = this.spec.layers.length - 1;
    b.deltas![0].view.set(dOut);
    const d = b.deltas![0].ptr;
    this.acts[last].backward(k, m, this.outputSize, b.acts[last].ptr, d, d, this.spec.layers[last].alpha);
    return this.backpropLayers(m, true)!.copy(m * this.inputSize);
  }

  /** From dZ of the last layer in deltas[0]: dW, db of every layer; dA_prev → dZ_prev on the way down. */
  private backpropLayers(m: number, wantInput: boolean): F32Region | null {
    const k = this.rt.parallel.kernelsShared; // large elementwise passes shared with threads
    const b = this.slots[0]!;
    let [cur, next] = b.deltas!;
    for (let l = this.spec.layers.length - 1; l >= 0; l--) {
      const units = this.spec.layers[l].units;
      const fanIn = this.inputSizeOf(l);
      const prev = l === 0 ? b.x : b.acts[l - 1];
      // dW = dZᵀ·A_prev (n_l × n_(l−1)), db = Σ_rows dZ, dA_prev = dZ·W.
      this.rt.parallel.matmul("tn", units, fanIn, m, cur.ptr, prev.ptr, this.grads.ptr + 4 * this.offsets[2 * l], false);
      k.sum_cols(m, units, cur.ptr, this.grads.ptr + 4 * this.offsets[2 * l + 1], 1, 0);
      if (l === 0 && !wantInput) return null;
      this.rt.parallel.matmul("nn", m, fanIn, units, cur.ptr, this.params.ptr + 4 * this.offsets[2 * l], next.ptr, false);
      if (l > 0) this.acts[l - 1].backward(k, m, fanIn, prev.ptr, next.ptr, next.ptr, this.spec.layers[l - 1].alpha);
      [cur, next] = [next, cur];
    }
    return cur;
  }

  protected gradientsFinite(): boolean {
    return Number.isFinite(this.rt.kernels.max_abs(this.parameterCount, this.grads.ptr));
  }

  protected applyStep(): void {
    this.steps++;
    this.optimizerK.step(this.rt.parallel.kernelsShared, this.parameterCount, this.grads.ptr, this.params.ptr, this.statePtrs, this.optimizer, this.steps);
  }

  protected readParams(): Float32Array[] {
    return this.split(this.params.view);
  }

  protected readGrads(): Float32Array[] {
    return this.split(this.grads.view);
  }

  protected writeParams(weights: readonly ArrayLike<number>[]): void {
    const view = this.params.view;
    weights.forEach((w, i) => view.set(w, this.offsets[i]));
  }

  protected releaseAll(): void {
    for (const b of this.slots) if (b) this.freeBatch(b);
    this.slots[0] = this.slots[1] = null;
    for (const r of [this.params, this.grads, ...this.states]) r.dispose();
  }

  private split(view: Float32Array): Float32Array[] {
    return this.tensorSizes.map((n, i) => view.slice(this.offsets[i], this.offsets[i] + n));
  }

  private freeBatch(b: Batch): void {
    for (const r of [b.x, b.y, ...b.acts, ...(b.deltas ?? [])]) r.dispose();
  }
}

/** dst[i] = src row (order ? order[start+i] : start+i) for i < m, rows of `width` floats. */
export function gatherRows(dst: Float32Array, src: Float32Array, width: number, order: Uint32Array | null, start: number, m: number): void {
  if (!order) {
    dst.set(src.subarray(start * width, (start + m) * width));
    return;
  }
  // subarray()+set() per row: a memcpy each; measured faster than a plain loop despite the garbage.
  for (let i = 0; i < m; i++) {
    const r = order[start + i] * width;
    dst.set(src.subarray(r, r + width), i * width);
  }
}
