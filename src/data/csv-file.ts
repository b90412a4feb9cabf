// Reading a CSV file in Node: checked to be a regular file first (a device, FIFO or folder fails
// at once), then streamed through the CSV reader. node:fs comes through #platform, so a browser
// build of wasmlp/data reaches no Node module.
import { nodeFs } from "#platform";
import { type CsvOptions, DataError, type Table, readCsv } from "./csv.js";

/** Reads a CSV file (Node only); errors name the file, its line and column. */
export async function readCsvFile(path: string, options: CsvOptions = {}): Promise<Table> {
  if (typeof path !== "string" || path === "") throw new TypeError("readCsvFile needs a file path");
  const fs = nodeFs;
  if (!fs) throw new Error("readCsvFile reads files in Node only; elsewhere pass the text, bytes or a stream to readCsv");
  let stats: ReturnType<typeof fs.statSync>;
  try {
    stats = fs.statSync(path);
  } catch {
    throw new DataError(`CSV file ${path} does not exist`);
  }
  if (!stats.isFile()) throw new DataError(`CSV file ${path} is ${stats.isDirectory() ? "a folder" : "not a regular file"}; expected a file`);
  return readCsv(fs.createReadStream(path, { highWaterMark: 1 << 20 }), { name: path, ...options });
}
