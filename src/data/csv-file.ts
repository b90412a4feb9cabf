// Reading a CSV file in Node: checked to be a regular file first (a device, FIFO or folder fails
// at once), then streamed through the CSV reader. node:fs is imported only when called, so the
// browser bundle of wasmlp/data carries no Node import.
import { type CsvOptions, DataError, type Table, readCsv } from "./csv.js";

const NODE_FS = "node:fs";

/** Reads a CSV file (Node only); errors name the file, its line and column. */
export async function readCsvFile(path: string, options: CsvOptions = {}): Promise<Table> {
  if (typeof path !== "string" || path === "") throw new TypeError("readCsvFile needs a file path");
  const fs = (await import(NODE_FS)) as typeof import("node:fs");
  let stats: import("node:fs").Stats;
  try {
    stats = fs.statSync(path);
  } catch {
    throw new DataError(`CSV file ${path} does not exist`);
  }
  if (!stats.isFile()) throw new DataError(`CSV file ${path} is ${stats.isDirectory() ? "a folder" : "not a regular file"}; expected a file`);
  return readCsv(fs.createReadStream(path, { highWaterMark: 1 << 20 }), { name: path, ...options });
}
