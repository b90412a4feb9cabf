// Node only: files written whole or not at all (model files, tfjs shards, ONNX exports).
import { renameSync, rmSync, writeFileSync } from "node:fs";

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
