// Every model file wasmlp reads goes through here (Node): one seam (ReadFileSystem) that tests
// can replace to record each path, and one rule. A folder the user names is the boundary: the
// real path of each file read from it (links resolved) must lie inside the folder's real path,
// so a weight file that links elsewhere is refused. A file the user names directly is read
// where its link points (the user chose it). Every file must be a regular file under its size
// cap, checked (stat) before it is opened; the open never blocks (a FIFO swapped in after the
// check fails instead of hanging) and reads at most the checked size.
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync, type Stats } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { FormatError } from "./errors.js";
import { readerBytes } from "../memory.js";

export interface FileInfo {
  /** "file", "folder", "FIFO (named pipe)", "device", "socket", or "not a regular file". */
  kind: string;
  size: number;
}

/** The file-system calls the model readers make, and nothing else. */
export interface ReadFileSystem {
  /** The path with every link resolved; throws (code ENOENT) when it does not exist. */
  realpath(path: string): string;
  /** What the path is (links followed). */
  stat(path: string): FileInfo;
  /** The bytes of the regular file at `path`; more than `maxBytes` is an error. */
  read(path: string, maxBytes: number): Uint8Array;
}

function kindOf(s: Stats): string {
  if (s.isFile()) return "file";
  if (s.isDirectory()) return "folder";
  if (s.isFIFO()) return "FIFO (named pipe)";
  if (s.isCharacterDevice() || s.isBlockDevice()) return "device";
  if (s.isSocket()) return "socket";
  return "not a regular file";
}

/** Opens without following a final link and without blocking, checks again that it is a regular file, reads at most maxBytes + 1 to see growth. */
function readBounded(path: string, maxBytes: number): Uint8Array {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  try {
    const s = fstatSync(fd);
    if (!s.isFile()) throw new FormatError(`${path} is a ${kindOf(s)}; expected a regular file`);
    if (s.size > maxBytes) throw new FormatError(`${path} is ${s.size} bytes, over its cap of ${maxBytes}`);
    const out = readerBytes(s.size);
    let at = 0;
    while (at < out.length) {
      const n = readSync(fd, out, at, out.length - at, null);
      if (n === 0) break;
      at += n;
    }
    if (at < out.length) throw new FormatError(`${path} shrank while it was read (${at} of ${out.length} bytes)`);
    if (readSync(fd, new Uint8Array(1), 0, 1, null) !== 0) throw new FormatError(`${path} grew while it was read (over ${out.length} bytes)`);
    return out;
  } finally {
    closeSync(fd);
  }
}

export const nodeFileSystem: ReadFileSystem = {
  realpath: (path) => realpathSync(path),
  stat: (path) => {
    const s = statSync(path);
    return { kind: kindOf(s), size: s.size };
  },
  read: readBounded,
};

let fs: ReadFileSystem = nodeFileSystem;

/** @internal Replaces the file system the readers use (tests record through it); returns a function that puts the previous one back. */
export function useFileSystem(replacement: ReadFileSystem): () => void {
  const previous = fs;
  fs = replacement;
  return () => {
    fs = previous;
  };
}

/** What a path is, or null when it does not exist or cannot be stat'ed. */
export function statOrNull(path: string): FileInfo | null {
  try {
    return fs.stat(path);
  } catch {
    return null;
  }
}

function article(kind: string): string {
  return kind === "not a regular file" ? kind : `${/^[aeiou]/i.test(kind) ? "an" : "a"} ${kind}`;
}

/** A file checked and ready to read: its real path and size. */
export interface CheckedFile {
  path: string;
  real: string;
  size: number;
}

/**
 * Checks a file before it is read: it exists, is a regular file of at most `cap` bytes and,
 * when `folder` is given (the real path of the folder the user named), its real path lies
 * inside it. `what` names it in messages ("model.json", "weight file "x.bin" named in the manifest").
 */
export function checkFile(path: string, what: string, cap: number, capName: string, folder: string | null): CheckedFile {
  let real: string;
  try {
    real = fs.realpath(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new FormatError(`${what} ${path} ${code === "ENOENT" ? "does not exist" : `cannot be read (${(e as Error).message})`}`);
  }
  if (folder !== null && !isInside(folder, real)) {
    throw new FormatError(`${what} ${path} lies outside the model's folder ${folder}: it is a link to ${real}`);
  }
  let info: FileInfo;
  try {
    info = fs.stat(real);
  } catch (e) {
    throw new FormatError(`${what} ${path} cannot be read (${(e as Error).message})`);
  }
  if (info.kind !== "file") throw new FormatError(`${what} ${path} is ${article(info.kind)}; expected a regular file`);
  if (info.size > cap) throw new FormatError(`${path} is ${info.size} bytes, over the cap ${capName} (${cap})`);
  return { path, real, size: info.size };
}

/** The bytes of a checked file (its size, as checked: a file that changed since is refused). */
export function readChecked(file: CheckedFile): Uint8Array {
  return fs.read(file.real, file.size);
}

/** The real path of a folder the user named. */
export function realFolder(path: string): string {
  try {
    return fs.realpath(path);
  } catch (e) {
    throw new FormatError(`the folder ${path} cannot be read (${(e as Error).message})`);
  }
}

/** Whether `real` lies strictly inside the folder `root` (both real paths). */
export function isInside(root: string, real: string): boolean {
  const rel = relative(root, real);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/** A manifest's relative path resolved against the folder as named, refused when it names a place outside it (before any link is looked at). */
export function insideByName(folder: string, name: string): string | null {
  if (isAbsolute(name)) return null;
  const full = resolve(folder, name);
  return isInside(resolve(folder), full) ? full : null;
}

/** A model file the user named directly: a regular file of at most `cap` bytes, read where its link points. */
export function readNamedFile(path: string, cap: number, capName: string): Uint8Array {
  return readChecked(checkFile(path, "model file", cap, capName, null));
}

export { dirname, join };
