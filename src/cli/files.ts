// The command line's file checks: model files are read only when they are regular files of a
// sane size (a device such as /dev/zero, a FIFO or a folder must fail at once, not hang), and a
// --save target is checked before training starts, so a long run never ends in "could not write".
import { readNamedFile } from "../formats/files.js";
import { checkFileTarget, checkFolderTarget } from "../atomic-write.js";

/** Largest model file read: a 784-4096-4096-10 network is about 110 MB of base64. */
export const MAX_MODEL_BYTES = 256 * 1024 * 1024;

/** The text of a model file, after checking that it is a regular file of at most MAX_MODEL_BYTES. */
export function readModelText(path: string): string {
  return readModelBytes(path).toString("utf8");
}

/** The bytes of a model file, after checking that it is a regular file of at most MAX_MODEL_BYTES (through the formats' one file-system seam). */
export function readModelBytes(path: string): Buffer {
  const bytes = readNamedFile(path, MAX_MODEL_BYTES, "MAX_MODEL_BYTES");
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Throws unless `path` can be written: its folder exists and is writable, and it is not a folder itself. */
export function checkSaveTarget(path: string, flag = "--save"): void {
  checkFileTarget(path, flag);
}

/**
 * Throws unless the folder `path` exists and is writable, or can be created: its nearest existing
 * ancestor is a writable folder. Creation itself is createFolder's, after the model has loaded.
 */
export function checkOutFolder(path: string, flag = "--out"): void {
  checkFolderTarget(path, flag);
}
