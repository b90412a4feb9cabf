// wasmlp eval/predict --csv: a model trained with train --csv scores or predicts a table piece by
// piece (never holding it), predictions written as CSV.
import { closeSync, openSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import Papa from "papaparse";
import { DataError, blockCell } from "../data/csv.js";
import { StreamingMetrics } from "../data/metrics.js";
import { type CsvPiece, csvPieces, pieceRows } from "../data/stream.js";
import type { FeatureSpec } from "../features.js";
import type { Network } from "../network.js";
import { init } from "../wasm.js";
import { parse, text } from "./args.js";
import { CSV_HELP, READ_FLAGS, delimiter } from "./csv-flags.js";
import { renderMetrics } from "./csv-report.js";
import { addScores, open } from "./csv-stream.js";
import { checkSaveTarget } from "./files.js";
import { MODEL_FLAGS, loadModel } from "./models.js";
import type { Output } from "./progress.js";

function loadTabular(a: Record<string, string | boolean | undefined>, command: string): { net: Network; features: FeatureSpec; path: string } {
  const { net, path } = loadModel(a, command);
  if (!net.features) {
    net.dispose();
    throw new Error(`${path} has no feature spec (it was not trained with train --csv), so it cannot read CSV rows`);
  }
  return { net, features: net.features, path };
}

/** The pieces of the --csv file, read as they are needed (eval and predict hold one piece at a time). */
function csvFilePieces(a: Record<string, string | boolean | undefined>): AsyncGenerator<CsvPiece> {
  const path = text("csv", a.csv)!;
  let stats: ReturnType<typeof statSync>;
  try {
    stats = statSync(path);
  } catch {
    throw new DataError(`CSV file ${path} does not exist`);
  }
  if (!stats.isFile()) throw new DataError(`CSV file ${path} is ${stats.isDirectory() ? "a folder" : "not a regular file"}; expected a file`);
  const options = { name: path, delimiter: delimiter(a.delimiter), header: a["no-header"] !== true };
  // Opened when the first piece is asked for, and closed when the loop over it ends or throws.
  return (async function* () {
    yield* csvPieces(open(path), options);
  })();
}

export async function evalCsv(argv: string[], out: Output): Promise<number> {
  const a = parse(argv, { ...MODEL_FLAGS, ...READ_FLAGS }, "eval");
  if (a.help) {
    out.write(CSV_HELP.eval);
    return 0;
  }
  const pieces = csvFilePieces(a);
  await init();
  const { net, features } = loadTabular(a, "eval");
  try {
    // Streamed: each piece is encoded, predicted and counted, then dropped.
    const metrics = new StreamingMetrics(features.task, features.outputSize);
    for await (const piece of pieces) {
      const rows = pieceRows(piece);
      const { x, kept } = features.encode(rows);
      addScores(metrics, features, features.encodeTarget(rows, kept), net.predict(x));
    }
    if (metrics.rows === 0) throw new DataError(`${text("csv", a.csv)} has a header line and no rows`);
    out.write(`${net}\ndata: ${text("csv", a.csv)}\n${renderMetrics(features, metrics, "")}`);
  } finally {
    net.dispose();
  }
  return 0;
}

/** A CSV field as RFC 4180 writes it: quoted (quotes doubled) when it holds a comma, a quote or a line break. */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Where predict writes: the terminal, or a temporary file renamed to --out only once every row is written. */
function predictionSink(target: string | undefined, out: Output): { write(text: string): void; commit(): void; abandon(): void } {
  if (target === undefined) return { write: (t) => out.write(t), commit: () => {}, abandon: () => {} };
  const tmp = `${target}.${process.pid}.tmp`;
  let fd: number | null = openSync(tmp, "w");
  const close = (): void => {
    if (fd !== null) {
      closeSync(fd);
      fd = null;
    }
  };
  return {
    write: (t) => {
      writeSync(fd!, t);
    },
    commit: () => {
      close();
      try {
        renameSync(tmp, target);
      } catch (e) {
        rmSync(tmp, { force: true });
        throw new Error(`could not write ${target}: ${(e as Error).message}`);
      }
    },
    abandon: () => {
      close();
      rmSync(tmp, { force: true });
    },
  };
}

export async function predictCsv(argv: string[], out: Output): Promise<number> {
  const a = parse(argv, { ...MODEL_FLAGS, ...READ_FLAGS, out: { type: "string" }, probabilities: { type: "boolean" } }, "predict");
  if (a.help) {
    out.write(CSV_HELP.predict);
    return 0;
  }
  const target = text("out", a.out);
  if (target !== undefined) checkSaveTarget(target);
  const pieces = csvFilePieces(a);
  await init();
  const { net, features } = loadTabular(a, "predict");
  const t = features.target;
  const k = features.outputSize;
  const probabilities = a.probabilities === true && t.task === "classification";
  let sink: ReturnType<typeof predictionSink> | null = null;
  let count = 0;
  try {
    // Streamed: each piece's rows go out with their predictions as soon as they are read.
    for await (const piece of pieces) {
      const rows = pieceRows(piece);
      const { x, kept } = features.encode(rows);
      if (kept.length < rows.count) {
        const r = kept.findIndex((v, i) => v !== i);
        throw new Error(`${rows.locate(r < 0 ? kept.length : r)}: a missing value; the model's feature spec drops such rows, so it cannot predict them`);
      }
      const outputs = net.predict(x);
      const predictions = features.decode(outputs);
      if (!sink) {
        sink = predictionSink(target, out);
        const header = [...piece.columns, ...features.targetNames.map((n) => `predicted ${n}`)];
        if (probabilities) header.push(...t.classes.map((c) => `p(${c})`));
        sink.write(`${Papa.unparse([header], { newline: "\n" })}\n`);
      }
      const b = piece.block;
      const lines: string[] = new Array(predictions.length);
      for (let i = 0; i < predictions.length; i++) {
        let line = "";
        for (let j = 0; j < b.width; j++) {
          const c = blockCell(b, i, j);
          line += `${j > 0 ? "," : ""}${typeof c === "number" ? String(c) : csvField(c === null || c === undefined ? "" : String(c))}`;
        }
        const p = predictions[i];
        for (const v of Array.isArray(p) ? p : [p]) line += `,${csvField(String(v))}`;
        if (probabilities) for (let j = 0; j < k; j++) line += `,${outputs[i * k + j].toPrecision(6)}`;
        lines[i] = line;
      }
      sink.write(`${lines.join("\n")}\n`);
      count += lines.length;
    }
    if (!sink) throw new DataError(`${text("csv", a.csv)} has a header line and no rows`);
    sink.commit();
    if (target !== undefined) out.write(`${net}\nwrote ${count.toLocaleString("en-US")} predictions to ${target}\n`);
  } catch (e) {
    sink?.abandon(); // nothing is saved after a bad row
    throw e;
  } finally {
    net.dispose();
  }
  return 0;
}
