// Node's side of `#platform` (package.json "imports", condition "node"): the one module of the
// library's entries that names node: builtins, so that a browser build never reaches them.
import * as fs from "node:fs";
import { readFile } from "node:fs/promises";
import { availableParallelism as osParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

/** The bytes of a file: URL (Node's fetch does not read files). */
export async function readFileUrl(url: URL): Promise<Uint8Array> {
  return readFile(fileURLToPath(url));
}

/** Cores the OS lets this process use, or null where the platform does not say. */
export function availableParallelism(): number | null {
  return osParallelism();
}

/** Node's file system (for readCsvFile), or null outside Node. */
export const nodeFs: typeof fs | null = fs;

/** Node's worker threads, or null outside Node. */
export const NodeWorker: typeof Worker | null = Worker;
