// Node only: every path the library or the command line writes goes through here. A target is
// checked before anything is written (its folder exists and is writable, or for a folder can be
// created one level at a time), and files are written whole or not at all (model files, tfjs
// shards, ONNX exports, CSV predictions).
import { accessSync, constants, mkdirSync, renameSync, rmSync, statSync, type Stats, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";

/**
 * A path that cannot be written: a folder where a file belongs (or the reverse), a missing or
 * read-only folder, or a folder that cannot be created (`/proc/self/x`). Thrown before anything is
 * written; the message starts with what named the path (a flag such as `--out`, or a function).
 */
export class WriteTargetError extends Error {
  override name = "WriteTargetError";
}

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

function checkWritable(label: string, path: string, folder: string): void {
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new WriteTargetError(`${label} ${path}: the folder ${folder} is not writable`);
  }
}

/**
 * Throws a WriteTargetError unless the file `path` can be written: it is a regular file or does
 * not exist, and its folder exists and is writable. `label` names the path in the message.
 */
export function checkFileTarget(path: string, label: string): void {
  const target = statOrNull(path);
  if (target !== null && !target.isFile()) throw new WriteTargetError(`${label} ${path} is ${kind(target)}; expected a file name`);
  const folder = dirname(resolve(path));
  const s = statOrNull(folder);
  if (s === null) throw new WriteTargetError(`${label} ${path}: the folder ${folder} does not exist`);
  if (!s.isDirectory()) throw new WriteTargetError(`${label} ${path}: ${folder} is ${kind(s)}, not a folder`);
  checkWritable(label, path, folder);
}

/**
 * Throws a WriteTargetError unless the folder `path` exists and is writable, or can be created:
 * its nearest existing ancestor is a writable folder. Creation itself is createFolder's.
 */
export function checkFolderTarget(path: string, label: string): void {
  let p = resolve(path);
  let s = statOrNull(p);
  while (s === null && dirname(p) !== p) {
    p = dirname(p);
    s = statOrNull(p);
  }
  if (s === null) throw new WriteTargetError(`${label} ${path}: no part of it exists`);
  if (!s.isDirectory())
    throw new WriteTargetError(
      p === resolve(path) ? `${label} ${path} is ${kind(s)}; expected a folder` : `${label} ${path}: ${p} is ${kind(s)}, not a folder`,
    );
  checkWritable(label, path, p);
}

/**
 * Writes to a temporary file beside the target, then renames: never a half-written file. The
 * target is checked first (checkFileTarget), so a folder or a missing folder is a WriteTargetError.
 */
export function writeAtomically(path: string, contents: string | Uint8Array, label = "write"): void {
  checkFileTarget(path, label);
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
    if (!isDir) throw new WriteTargetError(`could not create the folder ${path}: ${p} exists and is not a folder`);
    break;
  }
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST" && statSync(p).isDirectory()) continue;
      throw new WriteTargetError(`could not create the folder ${p}: ${(e as Error).message}`);
    }
  }
}

/** The folder `path`, checked (checkFolderTarget) and then created if missing (createFolder). */
export function prepareFolder(path: string, label: string): void {
  checkFolderTarget(path, label);
  createFolder(path);
}
