// Node only: files written whole or not at all (model files, tfjs shards, ONNX exports).
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

/** Writes to a temporary file beside the target, then renames: never a half-written file. */
export function writeAtomically(path: string, contents: string | Uint8Array): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, contents);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new Error(`could not write ${path}: ${(e as Error).message}`);
  }
}

/**
 * Creates the folder `path` and any missing parents, one level at a time. mkdirSync's recursive
 * mode spins forever where a parent exists but refuses children (procfs: /proc/self/x); one
 * level at a time, the first refusal is an error naming the folder.
 */
export function createFolder(path: string): void {
  const missing: string[] = [];
  for (let p = resolve(path); ; p = dirname(p)) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      missing.push(p);
      if (dirname(p) === p) break;
      continue;
    }
    if (!isDir) throw new Error(`could not create the folder ${path}: ${p} exists and is not a folder`);
    break;
  }
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST" && statSync(p).isDirectory()) continue;
      throw new Error(`could not create the folder ${p}: ${(e as Error).message}`);
    }
  }
}
