// wasmlp train --csv on a file larger than memory (--stream, or any file over STREAM_BYTES): the
// spec is fitted in one pass over the training rows, each epoch reads the file again through a
// shuffle buffer, and the held-out rows (a seeded hash of the row number) are scored in a last pass.
import { createReadStream } from "node:fs";
import type { CsvOptions } from "../data/csv.js";
import type { FitFeaturesOptions } from "../data/fit.js";
import { StreamingMetrics } from "../data/metrics.js";
import { encodedBatches, fitDataset, fitFeaturesStream } from "../data/stream.js";
import type { FeatureSpec } from "../features.js";
import type { Network } from "../network.js";
import type { Output } from "./progress.js";

/** Files above this size are streamed (their rows as strings would take several times the file in memory). */
export const STREAM_BYTES = 16 * 1024 * 1024;

export interface StreamRun {
  path: string;
  csv: CsvOptions;
  fit: FitFeaturesOptions;
  test: number;
  seed: number;
  epochs: number;
  batchSize: number;
}

export const open = (path: string): AsyncIterable<Uint8Array> => createReadStream(path, { highWaterMark: 1 << 20 });

export async function fitSpecStreaming(run: StreamRun): Promise<{ spec: FeatureSpec; rows: number; train: number; test: number }> {
  return fitFeaturesStream(open(run.path), run.fit, { csv: run.csv, test: run.test, seed: run.seed });
}

/** Trains epoch by epoch from the file, printing one line per epoch, then scores the held-out rows. */
export async function trainStreaming(
  net: Network,
  spec: FeatureSpec,
  run: StreamRun,
  out: Output,
  report: (metrics: StreamingMetrics) => string,
): Promise<void> {
  const split = { csv: run.csv, test: run.test, seed: run.seed };
  await fitDataset(net, (epoch) => encodedBatches(open(run.path), spec, { ...split, batchSize: run.batchSize, shuffleSeed: (run.seed * 7919 + epoch) >>> 0 }), {
    epochs: run.epochs,
    onEpochEnd: (epoch, logs) => out.write(`epoch ${epoch + 1}/${run.epochs}  loss ${logs.loss.toFixed(4)}  ${logs.rows.toLocaleString("en-US")} rows\n`),
  });
  if (run.test <= 0) return;
  // Scored batch by batch into counts and sums: memory does not grow with the held-out rows.
  const metrics = new StreamingMetrics(spec.task, spec.outputSize);
  for await (const b of encodedBatches(open(run.path), spec, { ...split, part: "test", batchSize: 4096 })) addScores(metrics, spec, b.y, net.predict(b.x));
  if (metrics.rows === 0) return;
  out.write(`\n${report(metrics)}`);
}

/** Adds a batch's truth (encoded targets) and outputs to the metrics, regression in the targets' units. */
export function addScores(metrics: StreamingMetrics, spec: FeatureSpec, y: ArrayLike<number>, outputs: Float32Array): void {
  if (spec.task === "classification") metrics.add(y, outputs);
  else metrics.add(spec.unscale(y), spec.unscale(outputs));
}
