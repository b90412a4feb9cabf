// The training loop and metrics over an engine: step (forward, loss, backward, update),
// evaluation in bounded chunks, accuracy counting, and fit's epochs of minibatches.
import type { Loss } from "./config.js";
import type { Engine } from "./engine/engine.js";
import type { Random } from "./random.js";
import type { EpochLogs, Evaluation, FitOptions, History, Monitor } from "./types.js";
import { checkInt, checkKeys, checkNumber, checkObject, checkOneOf, describe, given } from "./validate.js";

/** Rows per chunk for predict/evaluate, so memory stays bounded on large inputs. */
export const INFER_ROWS = 1024;
const FIT_KEYS = [
  "sampleWeight",
  "classWeight",
  "epochs",
  "batchSize",
  "shuffle",
  "validationData",
  "validationSplit",
  "initialEpoch",
  "earlyStopping",
  "onEpochEnd",
  "onBatchEnd",
] as const;
const EARLY_STOPPING_KEYS = ["monitor", "patience", "minDelta", "restoreBestWeights"] as const;
const MONITORS: readonly Monitor[] = ["loss", "accuracy", "valLoss", "valAccuracy"];

/** What the loop needs to know about the network it trains. */
export interface Trainee<A extends Float32Array | Float64Array> {
  engine: Engine<A>;
  outputSize: number;
  loss: Loss;
}

/** A batch's mean loss and its correct predictions (counted in accuracyUnits()). */
export interface BatchResult {
  loss: number;
  correct: number;
}

/** Forward a batch already validated (rows of `order` from `start`, or contiguous) into slot 0. */
export function forwardLoss<A extends Float32Array | Float64Array>(
  t: Trainee<A>,
  x: Float32Array,
  y: Float32Array,
  order: Uint32Array | null,
  start: number,
  m: number,
  training = false,
  weights: Float32Array | null = null,
  xLoaded = false,
): BatchResult {
  const e = t.engine;
  e.ensureRows(0, m);
  if (!xLoaded) e.loadX(0, x, order, start, m);
  e.loadY(0, y, order, start, m);
  e.loadWeights(weights, order, start, m);
  const out = e.runForward(0, m, training);
  // Against the targets just copied (in cache, in order), not the shuffled rows of y.
  const correct = countCorrect(t, out, e.targets(0), null, 0, m);
  // The loss minimised: the batch mean plus the layers' kernel penalties (as Keras reports it).
  return { loss: e.lossSum(0, m) / m + e.penalty(), correct };
}

/**
 * forwardLoss, backward and one update; no update when the loss or a gradient is non-finite.
 * `xLoaded`: the caller has already put these m samples into slot 0 (to check them there).
 */
export function step<A extends Float32Array | Float64Array>(
  t: Trainee<A>,
  x: Float32Array,
  y: Float32Array,
  order: Uint32Array | null,
  start: number,
  m: number,
  where: string,
  weights: Float32Array | null = null,
  xLoaded = false,
): BatchResult {
  const result = forwardLoss(t, x, y, order, start, m, true, weights, xLoaded);
  const loss = result.loss;
  if (!Number.isFinite(loss)) {
    throw new Error(`${where}: the loss became ${loss}, so no update was applied (the weights are those from before this batch); try a smaller learning rate`);
  }
  t.engine.runBackwardLoss(m);
  if (!t.engine.gradientsFinite()) {
    throw new Error(
      `${where}: the gradients became non-finite (the loss was ${loss}), so no update was applied (the weights are those from before this batch); try a smaller learning rate`,
    );
  }
  if (!t.engine.batchStatsFinite()) {
    // A batch whose pre-activations reach ~1e19 has a variance beyond float32: folding it would make the moving variance ∞.
    throw new Error(
      `${where}: a batch-normalized layer's batch variance overflowed float32 (its inputs are too large: a weight near float32's limit?), so no update was applied (the weights are those from before this batch)`,
    );
  }
  t.engine.applyStep();
  return result;
}

/**
 * Mean loss and accuracy over validated data, in chunks of INFER_ROWS through slot 1; for
 * classifiers (several outputs, argmax), with `metrics`, also the confusion matrix and the
 * per-class precision, recall and F1.
 */
export function evaluateRows<A extends Float32Array | Float64Array>(t: Trainee<A>, x: Float32Array, y: Float32Array, m: number, metrics = false): Evaluation {
  const e = t.engine;
  const k = t.outputSize;
  const confusion = metrics && !elementwiseAccuracy(t) ? new Float64Array(k * k) : null;
  let loss = 0;
  let correct = 0;
  for (let start = 0; start < m; start += INFER_ROWS) {
    const rows = Math.min(INFER_ROWS, m - start);
    e.ensureRows(1, rows);
    e.loadX(1, x, null, start, rows);
    e.loadY(1, y, null, start, rows);
    const out = e.runForward(1, rows);
    checkOutputsFinite("evaluate", out, k, start, rows);
    correct += countCorrect(t, out, y, null, start, rows, confusion);
    loss += e.lossSum(1, rows);
  }
  const result: Evaluation = { loss: loss / m + e.penalty(), accuracy: correct / (m * accuracyUnits(t)) };
  return confusion ? { ...result, ...classMetrics(confusion, k) } : result;
}

/** Precision, recall and F1 per class from a confusion matrix (rows: true class, columns: predicted). */
export function classMetrics(confusion: ArrayLike<number>, k: number): Required<Omit<Evaluation, "loss" | "accuracy">> {
  const matrix = Array.from({ length: k }, (_, i) => Array.from({ length: k }, (_, j) => confusion[i * k + j]));
  const precision: number[] = [],
    recall: number[] = [],
    f1: number[] = [];
  for (let c = 0; c < k; c++) {
    const hit = matrix[c][c];
    const predicted = matrix.reduce((s, row) => s + row[c], 0);
    const actual = matrix[c].reduce((s, v) => s + v, 0);
    const p = predicted > 0 ? hit / predicted : 0,
      r = actual > 0 ? hit / actual : 0;
    precision.push(p);
    recall.push(r);
    f1.push(p + r > 0 ? (2 * p * r) / (p + r) : 0);
  }
  const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / k;
  return { confusionMatrix: matrix, precision, recall, f1, macro: { precision: mean(precision), recall: mean(recall), f1: mean(f1) } };
}

/** Non-finite outputs are an error naming the sample, never a NaN loss or a wrong accuracy. */
export function checkOutputsFinite(where: string, out: ArrayLike<number>, width: number, start: number, rows: number): void {
  for (let i = 0; i < rows * width; i++) {
    if (!Number.isFinite(out[i])) {
      throw new Error(
        `${where}: the output of sample ${start + Math.floor(i / width)} is ${out[i]} (value ${i % width}): the weights or the inputs overflow float32, so no result is returned`,
      );
    }
  }
}

/** Accuracy is per sample (argmax) for several outputs, per output (threshold 0.5) for binary ones. */
export function accuracyUnits(t: { outputSize: number; loss: Loss }): number {
  return elementwiseAccuracy(t) ? t.outputSize : 1;
}

function elementwiseAccuracy(t: { outputSize: number; loss: Loss }): boolean {
  return t.loss === "binary-crossentropy" || t.outputSize === 1;
}

/** Correct predictions among rows [start, start + m) of y (or order's rows), by the accuracy rule of accuracyUnits(). */
export function countCorrect(
  t: { outputSize: number; loss: Loss },
  out: ArrayLike<number>,
  y: ArrayLike<number>,
  order: Uint32Array | null,
  start: number,
  m: number,
  confusion: Float64Array | null = null,
): number {
  const n = t.outputSize;
  const elementwise = elementwiseAccuracy(t);
  let correct = 0;
  for (let i = 0; i < m; i++) {
    const row = order ? order[start + i] : start + i;
    if (elementwise) {
      for (let j = 0; j < n; j++) if (out[i * n + j] >= 0.5 === y[row * n + j] >= 0.5) correct++;
    } else {
      let best = 0,
        want = 0;
      for (let j = 1; j < n; j++) {
        if (out[i * n + j] > out[i * n + best]) best = j;
        if (y[row * n + j] > y[row * n + want]) want = j;
      }
      if (best === want) correct++;
      if (confusion) confusion[want * n + best]++;
    }
  }
  return correct;
}

/** earlyStopping, checked; `monitor` is resolved once fit knows whether there is validation data. */
export interface EarlyStoppingSettings {
  monitor: Monitor | null;
  patience: number;
  minDelta: number;
  restoreBestWeights: boolean;
}

/** fit's options, checked before any data is looked at. */
export interface FitSettings {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  initialEpoch: number;
  validationSplit: number;
  earlyStopping: EarlyStoppingSettings | null;
  onEpochEnd?: FitOptions["onEpochEnd"];
  onBatchEnd?: FitOptions["onBatchEnd"];
}

function parseEarlyStopping(value: unknown): EarlyStoppingSettings | null {
  if (value === undefined || value === false) return null;
  const o = value === true ? {} : value;
  checkObject("earlyStopping", o);
  checkKeys("earlyStopping", o, EARLY_STOPPING_KEYS);
  const restore = given(o.restoreBestWeights, false);
  if (typeof restore !== "boolean") throw new TypeError(`earlyStopping.restoreBestWeights must be true or false, received ${describe(restore)}`);
  return {
    monitor: o.monitor === undefined ? null : checkOneOf("earlyStopping.monitor", o.monitor, MONITORS),
    patience: checkInt("earlyStopping.patience", given(o.patience, 0), 0),
    minDelta: checkNumber("earlyStopping.minDelta", given(o.minDelta, 0), 0, Infinity),
    restoreBestWeights: restore,
  };
}

export function parseFitOptions(options: FitOptions): FitSettings {
  checkObject("fit options", options as unknown);
  checkKeys("fit options", options, FIT_KEYS);
  const epochs = checkInt("epochs", given(options.epochs, 1), 1);
  const initialEpoch = checkInt("initialEpoch", given(options.initialEpoch, 0), 0);
  if (initialEpoch >= epochs) {
    throw new RangeError(
      `initialEpoch (${initialEpoch}) must be less than epochs (${epochs}): as in Keras, epochs is the index the run ends at, so epochs ${initialEpoch} … ${epochs - 1} would be none`,
    );
  }
  const validationSplit = options.validationSplit === undefined ? 0 : checkNumber("validationSplit", options.validationSplit, 0, 1, false, true);
  if (validationSplit > 0 && options.validationData !== undefined) {
    throw new TypeError("give validationData or validationSplit, not both");
  }
  const batchSize = checkInt("batchSize", given(options.batchSize, 32), 1, 1 << 16);
  const shuffle = given(options.shuffle, true);
  if (typeof shuffle !== "boolean") throw new TypeError(`shuffle must be true or false, received ${describe(shuffle)}`);
  for (const name of ["onEpochEnd", "onBatchEnd"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "function") {
      throw new TypeError(`${name} must be a function, received ${describe(options[name])}`);
    }
  }
  return {
    epochs,
    batchSize,
    shuffle,
    initialEpoch,
    validationSplit,
    earlyStopping: parseEarlyStopping(options.earlyStopping),
    onEpochEnd: options.onEpochEnd,
    onBatchEnd: options.onBatchEnd,
  };
}

/** Validated training and validation data. */
export interface FitData {
  x: Float32Array;
  y: Float32Array;
  m: number;
  validation: { x: Float32Array; y: Float32Array; m: number } | null;
  /** Per-sample loss weights (sampleWeight × classWeight), or null. */
  weights: Float32Array | null;
}

/** Epochs of shuffled minibatches; returns the per-epoch history. */
export function fit<A extends Float32Array | Float64Array>(t: Trainee<A>, shuffler: Random, data: FitData, settings: FitSettings): History {
  const { x, y, m, validation } = data;
  const history: History = { epoch: [], loss: [], accuracy: [], valLoss: [], valAccuracy: [], seconds: [] };
  const watch = settings.earlyStopping ? new EarlyStopping(t, settings.earlyStopping, validation !== null) : null;
  const order = new Uint32Array(m);
  const rows = Math.min(settings.batchSize, m);
  t.engine.ensureRows(0, rows);
  for (let epoch = settings.initialEpoch; epoch < settings.epochs; epoch++) {
    const t0 = performance.now();
    // Each epoch shuffles 0…m−1 afresh, so its order depends on the generator's state alone and a
    // checkpoint (which stores that state) resumes with the very same batches.
    for (let i = 0; i < m; i++) order[i] = i;
    if (settings.shuffle) shuffler.shuffle(order);
    let lossSum = 0;
    let correct = 0;
    for (let start = 0, batch = 0; start < m; start += rows, batch++) {
      const count = Math.min(rows, m - start);
      const result = step(t, x, y, order, start, count, `fit (epoch ${epoch + 1}, batch ${batch + 1})`, data.weights);
      correct += result.correct;
      lossSum += result.loss * count;
      settings.onBatchEnd?.(batch, { loss: result.loss, size: count, epoch });
      // dispose() inside a callback: stop before the next batch touches anything; the history
      // holds the epochs completed before it.
      if (!t.engine.isAlive()) return history;
    }
    const logs: EpochLogs = { loss: lossSum / m, accuracy: correct / (m * accuracyUnits(t)), seconds: 0 };
    history.epoch.push(epoch);
    history.loss.push(logs.loss);
    history.accuracy.push(logs.accuracy);
    if (validation) {
      const v = evaluateRows(t, validation.x, validation.y, validation.m);
      logs.valLoss = v.loss;
      logs.valAccuracy = v.accuracy;
      history.valLoss.push(v.loss);
      history.valAccuracy.push(v.accuracy);
    }
    logs.seconds = (performance.now() - t0) / 1000;
    history.seconds.push(logs.seconds);
    const stop = watch?.update(epoch, logs) ?? false;
    if (settings.onEpochEnd?.(epoch, logs) === false || !t.engine.isAlive()) break;
    if (stop) {
      history.stoppedEpoch = epoch;
      break;
    }
  }
  if (watch) {
    history.bestEpoch = watch.bestEpoch;
    if (t.engine.isAlive()) watch.restore();
  }
  return history;
}

/** Keras's EarlyStopping: watches one EpochLogs field, remembers the best epoch (and its weights). */
class EarlyStopping<A extends Float32Array | Float64Array> {
  private readonly monitor: Monitor;
  private readonly sign: number;
  private best = Infinity;
  private wait = 0;
  private bestWeights: A[] | null = null;
  bestEpoch: number | undefined;

  constructor(
    private readonly t: Trainee<A>,
    private readonly s: EarlyStoppingSettings,
    hasValidation: boolean,
  ) {
    this.monitor = s.monitor ?? (hasValidation ? "valLoss" : "loss");
    if (this.monitor.startsWith("val") && !hasValidation) {
      throw new RangeError(`earlyStopping.monitor "${this.monitor}" needs validation data (validationData or validationSplit)`);
    }
    // Losses should fall, accuracies rise: compare sign·value, smaller is better.
    this.sign = this.monitor.endsWith("oss") ? 1 : -1;
  }

  /** After an epoch: whether training should stop now. */
  update(epoch: number, logs: EpochLogs): boolean {
    const value = this.sign * (logs[this.monitor] as number);
    if (value < this.best - this.s.minDelta) {
      this.best = value;
      this.bestEpoch = epoch;
      this.wait = 0;
      if (this.s.restoreBestWeights) this.bestWeights = this.t.engine.readParams();
      return false;
    }
    return ++this.wait > this.s.patience;
  }

  /** With restoreBestWeights, puts the best epoch's weights back. */
  restore(): void {
    if (this.bestWeights) this.t.engine.writeParams(this.bestWeights);
  }
}
