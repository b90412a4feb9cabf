// Tables larger than memory: rows streamed from a CSV source and never held whole. The split is
// a seeded hash of the row number (no pass needs to see the file first); the feature spec is
// fitted in one pass over the training rows (Welford statistics, capped category sets); training
// reads the file again each epoch, through a shuffle buffer, in encoded batches (as tf.data's
// shuffle(bufferSize) and Keras generators), so memory holds one buffer, not the table.
import type { FeatureSpec, Rows } from "../features.js";
import { Random } from "../random.js";
import { type CellBlock, type CsvOptions, CsvReader, type CsvSource, DataError, blockCell } from "./csv.js";
import { pushChunk, sourceChunks } from "./csv-source.js";
import { FeatureFitter, type FitFeaturesOptions } from "./fit.js";

/** Whether row `row` (0-based, in file order) is held out: a seeded hash of its number below `fraction`. */
export function holdsOut(row: number, fraction: number, seed: number): boolean {
  if (fraction <= 0) return false;
  // murmur3's 32-bit finalizer over the row number mixed with the seed.
  let h = (row ^ Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h = (h ^ (h >>> 16)) >>> 0;
  return h / 4294967296 < fraction;
}

/** A piece of a CSV source as it is parsed: the columns and some complete rows (a CellBlock) with their lines. */
export interface CsvPiece {
  columns: readonly string[];
  block: CellBlock;
  source: string;
}

/** Pieces of a CSV source as they are parsed (numbers arrive as numbers: see CsvReader's onBlock). */
export async function* csvPieces(source: CsvSource, options: CsvOptions = {}): AsyncGenerator<CsvPiece> {
  const queue: CellBlock[] = [];
  const reader = new CsvReader(
    options,
    () => {},
    (block) => queue.push(block),
  );
  for await (const chunk of sourceChunks(source, reader.source)) {
    pushChunk(reader, chunk);
    while (queue.length > 0) yield { columns: reader.columns, block: queue.shift()!, source: reader.source };
  }
  reader.pushBytes(new Uint8Array(0), true);
  while (queue.length > 0) yield { columns: reader.columns, block: queue.shift()!, source: reader.source };
}

/** Options of a CSV stream's passes: how to read it, and the held-out fraction and its seed. */
export interface StreamOptions {
  /** How to read the CSV (delimiter, header, name…). */
  csv?: CsvOptions;
  /** Fraction of rows held out for testing, chosen by a seeded hash of the row number; default 0.2. */
  test?: number;
  /** Seed of the split; default 1. */
  seed?: number;
}

/** A piece's rows (all of them, or those at `pick`) as the Rows view feature specs encode. */
export function pieceRows(piece: CsvPiece, pick?: readonly number[]): Rows {
  if (!pick) pick = Array.from({ length: piece.block.count }, (_, i) => i);
  const at = new Map(piece.columns.map((c, j) => [c, j]));
  const b = piece.block;
  return {
    count: pick.length,
    get: (r, name) => {
      const j = at.get(name);
      return j === undefined ? undefined : blockCell(b, pick[r], j);
    },
    has: (name) => at.has(name),
    locate: (r) => `${piece.source} line ${b.lines[pick[r]]}`,
  };
}

/** Fits a feature spec in one pass over a stream's training rows; returns it with the row counts. */
export async function fitFeaturesStream(
  source: CsvSource,
  fit: FitFeaturesOptions,
  options: StreamOptions = {},
): Promise<{ spec: FeatureSpec; rows: number; train: number; test: number }> {
  const test = options.test ?? 0.2,
    seed = options.seed ?? 1;
  let fitter: FeatureFitter | null = null;
  let row = 0,
    train = 0;
  for await (const piece of csvPieces(source, options.csv)) {
    fitter ??= new FeatureFitter(piece.columns, piece.source, fit);
    const b = piece.block;
    for (let i = 0; i < b.count; i++, row++) {
      if (holdsOut(row, test, seed)) continue;
      if (
        fitter.addCells(
          (j) => blockCell(b, i, j),
          () => `${piece.source} line ${b.lines[i]}`,
        )
      )
        train++;
    }
  }
  if (!fitter) throw new DataError(`${options.csv?.name ?? "CSV text"} has a header line and no rows`);
  return { spec: fitter.spec(), rows: row, train, test: row - train };
}

/** Options of encodedBatches(): which part of the rows, the batch size and the shuffle buffer. */
export interface BatchOptions extends StreamOptions {
  /** Which rows: the training rows (default) or the held-out ones. */
  part?: "train" | "test";
  /** Rows per batch; default 32. */
  batchSize?: number;
  /** Rows held in the shuffle buffer (training part); default 10,000; 0 keeps file order. */
  shuffleBuffer?: number;
  /** Seed of the shuffle (vary it per epoch); default 1. */
  shuffleSeed?: number;
}

/** One encoded batch of m rows: inputs and targets ready for trainBatch. */
export interface Batch {
  /** m × spec.inputSize inputs. */
  x: Float32Array;
  /** Class indices (m) or standardized targets (m × outputs). */
  y: Int32Array | Float32Array;
  /** The rows in the batch (batchSize, or fewer for the last one). */
  m: number;
}

/**
 * Encoded batches of a stream's training (or test) rows. Training rows pass through a shuffle
 * buffer: once it is full, each new row replaces a random row of the buffer, which goes out.
 * The same data, seeds and options give the same batches.
 */
export async function* encodedBatches(source: CsvSource, spec: FeatureSpec, options: BatchOptions = {}): AsyncGenerator<Batch> {
  const test = options.test ?? 0.2,
    seed = options.seed ?? 1,
    batchSize = options.batchSize ?? 32;
  const wantTest = options.part === "test";
  const capacity = wantTest ? 0 : (options.shuffleBuffer ?? 10000);
  const n = spec.inputSize,
    k = spec.task === "classification" ? 1 : spec.outputSize;
  const classify = spec.task === "classification";
  const rng = new Random((options.shuffleSeed ?? 1) >>> 0);
  const bufX = new Float32Array(Math.max(capacity, 1) * n),
    bufY = new Float32Array(Math.max(capacity, 1) * k);
  let held = 0;
  let bx = new Float32Array(batchSize * n),
    by = new Float32Array(batchSize * k),
    bm = 0;
  const emit = (x: Float32Array, xo: number, y: ArrayLike<number>, yo: number): Batch | null => {
    bx.set(x.subarray(xo, xo + n), bm * n);
    for (let j = 0; j < k; j++) by[bm * k + j] = y[yo + j];
    if (++bm < batchSize) return null;
    const out = { x: bx, y: classify ? Int32Array.from(by) : by, m: bm };
    bx = new Float32Array(batchSize * n);
    by = new Float32Array(batchSize * k);
    bm = 0;
    return out;
  };
  let row = 0;
  for await (const piece of csvPieces(source, options.csv)) {
    const pick: number[] = [];
    for (let i = 0; i < piece.block.count; i++, row++) if (holdsOut(row, test, seed) === wantTest) pick.push(i);
    if (pick.length === 0) continue;
    const rows = pieceRows(piece, pick);
    const { x, kept } = spec.encode(rows);
    const y = spec.encodeTarget(rows, kept);
    for (let r = 0; r < kept.length; r++) {
      let out: Batch | null;
      if (capacity === 0) out = emit(x, r * n, y, r * k);
      else if (held < capacity) {
        bufX.set(x.subarray(r * n, (r + 1) * n), held * n);
        for (let j = 0; j < k; j++) bufY[held * k + j] = y[r * k + j];
        held++;
        out = null;
      } else {
        const j = Math.floor(rng.float() * capacity);
        out = emit(bufX, j * n, bufY, j * k);
        bufX.set(x.subarray(r * n, (r + 1) * n), j * n);
        for (let t = 0; t < k; t++) bufY[j * k + t] = y[r * k + t];
      }
      if (out) yield out;
    }
  }
  // The buffer's rest, in random order.
  const order = new Uint32Array(held);
  for (let i = 0; i < held; i++) order[i] = i;
  rng.shuffle(order);
  for (const i of order) {
    const out = emit(bufX, i * n, bufY, i * k);
    if (out) yield out;
  }
  if (bm > 0) yield { x: bx.slice(0, bm * n), y: classify ? Int32Array.from(by.subarray(0, bm)) : by.slice(0, bm * k), m: bm };
}

/** What fitDataset trains: anything with trainBatch (a Network). */
export interface Trainable {
  /** One optimizer step on m samples (x: m × inputs; y: class indices or m × outputs targets); returns the batch's loss. */
  trainBatch(x: Float32Array, y: Int32Array | Float32Array): number;
}

/**
 * Trains on batches from a function that starts a fresh pass for each epoch (as tfjs's
 * fitDataset): returns the mean training loss of each epoch. `onEpochEnd` returning false stops.
 */
export async function fitDataset(
  net: Trainable,
  batches: (epoch: number) => AsyncIterable<Batch>,
  {
    epochs = 1,
    onEpochEnd,
    onBatchEnd,
  }: {
    epochs?: number;
    onEpochEnd?: (epoch: number, logs: { loss: number; rows: number }) => void | boolean;
    onBatchEnd?: (epoch: number, m: number, loss: number) => void;
  } = {},
): Promise<{ loss: number[] }> {
  const losses: number[] = [];
  for (let epoch = 0; epoch < epochs; epoch++) {
    let sum = 0,
      rows = 0;
    for await (const b of batches(epoch)) {
      const loss = net.trainBatch(b.x, b.y);
      sum += loss * b.m;
      rows += b.m;
      onBatchEnd?.(epoch, b.m, loss);
    }
    losses.push(rows > 0 ? sum / rows : NaN);
    if (onEpochEnd?.(epoch, { loss: losses[epoch], rows }) === false) break;
  }
  return { loss: losses };
}
