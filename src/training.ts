// The training loop and metrics over an engine: step (forward, loss, backward, update),
// evaluation in bounded chunks, accuracy counting, and fit's epochs of minibatches.
import type { Loss } from "./config.js";
import type { Engine } from "./engine/engine.js";
import type { Random } from "./random.js";
import type { EpochLogs, FitOptions, History } from "./types.js";
import { checkInt, checkKeys, checkObject, describe } from "./validate.js";

/** Rows per chunk for predict/evaluate, so memory stays bounded on large inputs. */
export const INFER_ROWS = 1024;
const FIT_KEYS = ["epochs", "batchSize", "shuffle", "validationData", "onEpochEnd", "onBatchEnd"] as const;

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
  t: Trainee<A>, x: Float32Array, y: Float32Array, order: Uint32Array | null, start: number, m: number,
): BatchResult {
  const e = t.engine;
  e.ensureRows(0, m);
  e.loadX(0, x, order, start, m);
  e.loadY(0, y, order, start, m);
  const out = e.runForward(0, m);
  const correct = countCorrect(t, out, y, order, start, m);
  return { loss: e.lossSum(0, m) / m, correct };
}

/** forwardLoss, backward and one update; no update when the loss or a gradient is non-finite. */
export function step<A extends Float32Array | Float64Array>(
  t: Trainee<A>, x: Float32Array, y: Float32Array, order: Uint32Array | null, start: number, m: number, where: string,
): BatchResult {
  const result = forwardLoss(t, x, y, order, start, m);
  const loss = result.loss;
  if (!Number.isFinite(loss)) {
    throw new Error(`${where}: the loss became ${loss}, so no update was applied (the weights are those from before this batch); try a smaller learning rate`);
  }
  t.engine.runBackwardLoss(m);
  if (!t.engine.gradientsFinite()) {
    throw new Error(`${where}: the gradients became non-finite (the loss was ${loss}), so no update was applied (the weights are those from before this batch); try a smaller learning rate`);
  }
  t.engine.applyStep();
  return result;
}

/** Mean loss and accuracy over validated data, in chunks of INFER_ROWS through slot 1. */
export function evaluateRows<A extends Float32Array | Float64Array>(
  t: Trainee<A>, x: Float32Array, y: Float32Array, m: number,
): { loss: number; accuracy: number } {
  const e = t.engine;
  let loss = 0;
  let correct = 0;
  for (let start = 0; start < m; start += INFER_ROWS) {
    const rows = Math.min(INFER_ROWS, m - start);
    e.ensureRows(1, rows);
    e.loadX(1, x, null, start, rows);
    e.loadY(1, y, null, start, rows);
    const out = e.runForward(1, rows);
    checkOutputsFinite("evaluate", out, t.outputSize, start, rows);
    correct += countCorrect(t, out, y, null, start, rows);
    loss += e.lossSum(1, rows);
  }
  return { loss: loss / m, accuracy: correct / (m * accuracyUnits(t)) };
}

/** Non-finite outputs are an error naming the sample, never a NaN loss or a wrong accuracy. */
export function checkOutputsFinite(where: string, out: ArrayLike<number>, width: number, start: number, rows: number): void {
  for (let i = 0; i < rows * width; i++) {
    if (!Number.isFinite(out[i])) {
      throw new Error(`${where}: the output of sample ${start + Math.floor(i / width)} is ${out[i]} (value ${i % width}): the weights or the inputs overflow float32, so no result is returned`);
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

function countCorrect(t: { outputSize: number; loss: Loss }, out: ArrayLike<number>, y: Float32Array, order: Uint32Array | null, start: number, m: number): number {
  const n = t.outputSize;
  const elementwise = elementwiseAccuracy(t);
  let correct = 0;
  for (let i = 0; i < m; i++) {
    const row = order ? order[start + i] : start + i;
    if (elementwise) {
      for (let j = 0; j < n; j++) if ((out[i * n + j] >= 0.5) === (y[row * n + j] >= 0.5)) correct++;
    } else {
      let best = 0, want = 0;
      for (let j = 1; j < n; j++) {
        if (out[i * n + j] > out[i * n + best]) best = j;
        if (y[row * n + j] > y[row * n + want]) want = j;
      }
      if (best === want) correct++;
    }
  }
  return correct;
}

/** fit's options, checked before any data is looked at. */
export interface FitSettings {
  epochs: number;
  batchSize: number;
  shuffle: boolean;
  onEpochEnd?: FitOptions["onEpochEnd"];
  onBatchEnd?: FitOptions["onBatchEnd"];
}

export function parseFitOptions(options: FitOptions): FitSettings {
  checkObject("fit options", options as unknown);
  checkKeys("fit options", options, FIT_KEYS);
  const epochs = checkInt("epochs", options.epochs ?? 1, 1);
  const batchSize = checkInt("batchSize", options.batchSize ?? 32, 1, 1 << 16);
  const shuffle = options.shuffle ?? true;
  if (typeof shuffle !== "boolean") throw new TypeError(`shuffle must be true or false, received ${describe(shuffle)}`);
  for (const name of ["onEpochEnd", "onBatchEnd"] as const) {
    if (options[name] !== undefined && typeof options[name] !== "function") {
      throw new TypeError(`${name} must be a function, received ${describe(options[name])}`);
    }
  }
  return { epochs, batchSize, shuffle, onEpochEnd: options.onEpochEnd, onBatchEnd: options.onBatchEnd };
}

/** Validated training and validation data. */
export interface FitData {
  x: Float32Array;
  y: Float32Array;
  m: number;
  validation: { x: Float32Array; y: Float32Array; m: number } | null;
}

/** Epochs of shuffled minibatches; returns the per-epoch history. */
export function fit<A extends Float32Array | Float64Array>(t: Trainee<A>, shuffler: Random, data: FitData, settings: FitSettings): History {
  const { x, y, m, validation } = data;
  const history: History = { loss: [], accuracy: [], valLoss: [], valAccuracy: [], seconds: [] };
  const order = new Uint32Array(m);
  for (let i = 0; i < m; i++) order[i] = i;
  const rows = Math.min(settings.batchSize, m);
  t.engine.ensureRows(0, rows);
  let batchIndex = 0;
  for (let epoch = 0; epoch < settings.epochs; epoch++) {
    const t0 = performance.now();
    if (settings.shuffle) shuffler.shuffle(order);
    let lossSum = 0;
    let correct = 0;
    for (let start = 0; start < m; start += rows) {
      const count = Math.min(rows, m - start);
      const result = step(t, x, y, order, start, count, `fit (epoch ${epoch + 1}, batch ${batchIndex + 1})`);
      correct += result.correct;
      lossSum += result.loss * count;
      settings.onBatchEnd?.(batchIndex++, { loss: result.loss, size: count });
      // dispose() inside a callback: stop before the next batch touches anything; the history
      // holds the epochs completed before it.
      if (!t.engine.isAlive()) return history;
    }
    const logs: EpochLogs = { loss: lossSum / m, accuracy: correct / (m * accuracyUnits(t)), seconds: 0 };
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
    if (settings.onEpochEnd?.(epoch, logs) === false || !t.engine.isAlive()) break;
  }
  return history;
}
