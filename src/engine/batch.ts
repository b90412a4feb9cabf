// A network's batch buffers (one set per slot, made once per batch size) and the reading ahead
// of the next minibatch's rows on threads: the memory side of the schedule (src/engine/schedule.ts).
import { needsInput } from "../activations.js";
import type { Backend, Buffer } from "./backend.js";
import type { EngineSpec, Slot } from "./engine.js";
import { gatherRows } from "./gather.js";

export type Values = Float32Array | Float64Array;

/** Buffers for up to `rows` samples: the input, each layer's output, the targets, and for the training slot two gradient buffers. */
export interface Batch<H, A extends Values> {
  rows: number;
  x: Buffer<H, A>;
  y: Buffer<H, A>;
  acts: Buffer<H, A>[];
  deltas: [Buffer<H, A>, Buffer<H, A>] | null;
  /** Slot 0: each dropout layer's outputs after dropout (the next layer's input in training steps). */
  dropped: (Buffer<H, A> | null)[];
  /** Slot 0: per-sample loss weights (used while the batch is weighted). */
  weights: Buffer<H, A> | null;
  /** Slot 0: the input z of each layer whose activation's derivative reads it (swish, gelu). */
  pre: (Buffer<H, A> | null)[];
  /** Slot 0: each normalized layer's x̂ (its normalized z, before γ and β). */
  xhat: (Buffer<H, A> | null)[];
  /** Each layer-normalized layer's 1/√(variance + ε) per sample. */
  invstd: (Buffer<H, A> | null)[];
  /** Slot 0 on threads: where the next batch's input is copied ahead (made on first use). */
  spare: Buffer<H, A> | null;
}

/** A slot's buffers for m samples, all or none (a RangeError naming the batch when memory runs out). */
export function makeBatch<H, A extends Values>(backend: Backend<H, A>, spec: EngineSpec, slot: Slot, m: number): Batch<H, A> {
  const outputSize = spec.layers[spec.layers.length - 1].units;
  const widths = spec.layers.map((l) => l.units);
  const widest = Math.max(spec.inputSize, ...widths);
  const sizes: number[] = [];
  const take = (n: number): number => sizes.push(n) - 1;
  const perLayer = (want: (l: EngineSpec["layers"][number]) => boolean, n: (w: number) => number): number[] =>
    spec.layers.map((l, i) => (want(l) ? take(n(widths[i])) : -1));
  const x = take(m * spec.inputSize),
    y = take(m * outputSize);
  const acts = widths.map((w) => take(m * w));
  const deltas = slot === 0 ? [take(m * widest), take(m * widest)] : [];
  const dropped = perLayer(
    (l) => slot === 0 && l.dropout > 0,
    (w) => m * w,
  );
  const weights = slot === 0 ? take(m) : -1;
  const pre = perLayer(
    (l) => slot === 0 && needsInput(l.activation),
    (w) => m * w,
  );
  const xhat = perLayer(
    (l) => slot === 0 && l.normalization !== null,
    (w) => m * w,
  );
  const invstd = perLayer(
    (l) => l.normalization?.type === "layer",
    () => m,
  );
  const r = allocAll(backend, sizes, `the buffers of a batch of ${m.toLocaleString("en-US")} samples`);
  const at = (i: number): Buffer<H, A> | null => (i < 0 ? null : r[i]);
  return {
    rows: m,
    x: r[x],
    y: r[y],
    acts: acts.map((i) => r[i]),
    deltas: slot === 0 ? [r[deltas[0]], r[deltas[1]]] : null,
    dropped: dropped.map(at),
    weights: at(weights),
    pre: pre.map(at),
    xhat: xhat.map(at),
    invstd: invstd.map(at),
    spare: null,
  };
}

export function freeBatch<H, A extends Values>(b: Batch<H, A>): void {
  for (const r of [b.x, b.y, ...b.acts, ...(b.deltas ?? []), ...b.dropped, b.weights, ...b.pre, ...b.xhat, ...b.invstd, b.spare]) r?.dispose();
}

/** Buffers of the given sizes, all or none: on failure the ones made are released and a RangeError names what was asked for. */
export function allocAll<H, A extends Values>(backend: Backend<H, A>, counts: number[], what: string): Buffer<H, A>[] {
  const made: Buffer<H, A>[] = [];
  try {
    for (const n of counts) made.push(backend.alloc(n));
    return made;
  } catch (e) {
    for (const r of made) r.dispose();
    const bytes = counts.reduce((a, n) => a + (backend.dtype === "float32" ? 4 : 8) * n, 0);
    throw new RangeError(
      `out of memory: could not allocate ${what} (${bytes.toLocaleString("en-US")} bytes requested; ${(e as Error).message}); nothing was changed`,
    );
  }
}

const NO_ROWS = new Float32Array(0),
  NO_ORDER = new Uint32Array(0);

/**
 * Slot 0's next minibatch copied ahead: on threads, a shuffled minibatch's rows (fit) are most
 * likely the ones after the current batch's, so the calling thread copies them into a spare
 * input while it waits for the workers' last tiles (the backend's idle work). If the guess was
 * right, the spare becomes the input (the same bytes, as long as the data does not change while
 * fit runs); if not, nothing is lost but some idle time.
 */
export class ReadAhead<H, A extends Values> {
  private active = false;
  private batch: Batch<H, A> | null = null;
  private src: Float32Array = NO_ROWS;
  private order: Uint32Array = NO_ORDER;
  private first = 0;
  private m = 0;
  private done = 0;

  constructor(
    private readonly backend: Backend<H, A>,
    private readonly width: number,
  ) {}

  /** Copies up to `rows` more rows ahead; whether some are left (the pool's idle slot calls it with 2). */
  private readonly copy = (rows = 2): boolean => {
    const spare = this.batch?.spare;
    if (!this.active || !spare) return false;
    const end = Math.min(this.m, this.done + rows);
    gatherRows(spare.view, this.src, this.width, this.order, this.first + this.done, end - this.done, this.done);
    this.done = end;
    return end < this.m;
  };

  /** Starts copying rows order[start .. start + m) into b's spare input (made now if missing) in idle time. */
  start(b: Batch<H, A>, src: Float32Array, order: Uint32Array, start: number, m: number): void {
    if (!b.spare) {
      try {
        [b.spare] = allocAll(this.backend, [b.rows * this.width], "a spare input");
      } catch {
        return; // reading ahead is only an optimisation
      }
    }
    this.active = true;
    this.batch = b;
    this.src = src;
    this.order = order;
    this.first = start;
    this.m = m;
    this.done = 0;
    this.backend.idle = this.copy;
  }

  /** If these rows are the ones being read ahead into b: finishes the copy, makes it b's input, and says true. */
  take(b: Batch<H, A>, src: Float32Array, order: Uint32Array | null, start: number, m: number): boolean {
    if (!this.active || this.batch !== b || !b.spare || this.src !== src || this.order !== order || this.first !== start || this.m !== m) return false;
    this.copy(m); // the rows not copied yet
    const x = b.x;
    b.x = b.spare;
    b.spare = x;
    return true;
  }

  /** Stops reading ahead and lets go of the user's data. */
  stop(): void {
    this.active = false;
    this.batch = null;
    this.src = NO_ROWS;
    this.order = NO_ORDER;
    if (this.backend.idle === this.copy) this.backend.idle = null;
  }
}
