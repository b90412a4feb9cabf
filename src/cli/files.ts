// The command line's file checks: model files are read only when they are regular files of a
// sane size (a device such as /dev/zero, a FIFO or a folder must fail at once, not hang), and a
// --save target is checked before training starts, so a long run never ends in "could not write".
import { accessSync, constants, statSync, type Stats } from "node:fs";
import { readNamedFile } from "../formats/files.js";
import { dirname, resolve } from "node:path";

/** Largest model file read: a 784-4096-4096-10 network is about 110 MB of base64. */
export const MAX_MODEL_BYTES = 256 * 1024 * 1024;

function kind(s: Stats): string {
  if (s.isFile()) return "a file";
  if (s.isDirectory()) return "a folder";
  if (s.isFIFO()) return "a FIFO (named pipe)";
  if (s.isCharacterDevice() || s.isBlockDevice()) return "a device";
  if (s.isSocket()) return "a socket";
  return "not a regular file";
}

function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

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
  const target = statOrNull(path);
  if (target !== null && !target.isFile()) throw new Error(`${flag} ${path} is ${kind(target)}; expected a file name`);
  const folder = dirname(resolve(path));
  const s = statOrNull(folder);
  if (s === null) throw new Error(`${flag} ${path}: the folder ${folder} does not exist`);
  if (!s.isDirectory()) throw new Error(`${flag} ${path}: ${folder} is ${kind(s)}, not a folder`);
  checkWritable(flag, path, folder);
}

/**
 * Throws unless the folder `path` exists and is writable, or can be created: its nearest existing
 * ancestor is a writable folder. Creation itself is createFolder's, after the model has loaded.
 */
export function checkOutFolder(path: string, flag = "--out"): void {
  let p = resolve(path);
  let s = statOrNull(p);
  while (s === null && dirname(p) !== p) {
    p = dirname(p);
    s = statOrNull(p);
  }
  if (s === null) throw new Error(`${flag} ${path}: no part of it exists`);
  if (!s.isDirectory()) throw new Error(p === resolve(path) ? `${flag} ${path} is ${kind(s)}; expected a folder` : `${flag} ${path}: ${p} is ${kind(s)}, not a folder`);
  checkWritable(flag, path, p);
}

function checkWritable(flag: string, path: string, folder: string): void {
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new Error(`${flag} ${path}: the folder ${folder} is not writable`);
  }
}
