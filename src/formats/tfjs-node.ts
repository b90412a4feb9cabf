// TensorFlow.js layers models as folders on disk (Node): model.json beside its weight shards,
// as tfjs-layers' file:// saver and tensorflowjs_converter write them. Every file is read
// through files.ts (the folder rule and the size caps); readTfjsFolder / writeTfjsFolder are
// the data level (a wasmlp model file, no wasm), loadTfjs / saveTfjs the same with a Network.
import { join } from "node:path";
import type { Network } from "../network.js";
import { checkFileTarget, prepareFolder, writeAtomically } from "../atomic-write.js";
export { WriteTargetError } from "../atomic-write.js";
import type { ModelJSON } from "../types.js";
import { describe } from "./describe.js";
import { FormatError, FormatSyntaxError, FormatTypeError } from "./errors.js";
import { type CheckedFile, checkFile, dirname, insideByName, readChecked, realFolder, statOrNull } from "./files.js";
import {
  type FromTfjsOptions,
  MAX_TFJS_JSON_BYTES,
  MAX_TFJS_WEIGHT_BYTES,
  type TfjsExport,
  type TfjsExportable,
  type TfjsModelJson,
  fromTfjs,
  readTfjs,
  toTfjs,
  writeTfjs,
} from "./tfjs.js";
import { type ExportOmission, type ExportOptions, checkExportOptions } from "./export-plan.js";

export * from "./tfjs.js";

/** Shard size of saveTfjs, as tfjs's converter uses (4 MiB). */
export const TFJS_SHARD_BYTES = 4 * 1024 * 1024;
/** Most weight files a manifest may name (tfjs's converter writes one per 4 MiB: 256 for the weight cap). */
export const MAX_TFJS_SHARDS = 4096;

/**
 * model.json and its shards from a folder (or from the path of model.json itself), checked by
 * files.ts: every size (stat) before any file is read, and every real path inside the folder.
 */
function readFolder(path: string, caller: string): { model: unknown; shards: Uint8Array[] } {
  if (typeof path !== "string" || path === "") throw new TypeError(`${caller} expects a directory or a model.json path, received ${describe(path)}`);
  const named = statOrNull(path)?.kind === "folder";
  const dir = named ? path : dirname(path);
  const file = named ? join(path, "model.json") : path;
  const folder = realFolder(dir);
  // A model.json named directly is the user's choice, read where it points; in a named folder it must lie inside.
  const json = checkFile(file, "model.json", MAX_TFJS_JSON_BYTES, "MAX_TFJS_JSON_BYTES", named ? folder : null);
  let model: unknown;
  try {
    model = JSON.parse(new TextDecoder().decode(readChecked(json)));
  } catch (e) {
    if (e instanceof FormatError) throw e;
    throw new FormatSyntaxError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const manifest = typeof model === "object" && model !== null ? (model as { weightsManifest?: unknown }).weightsManifest : undefined;
  if (!Array.isArray(manifest)) throw new FormatError(`${file} has no weightsManifest array (received ${describe(manifest)}): not a tfjs layers model.json`);
  const paths = manifest.flatMap((group, g) => {
    const p = typeof group === "object" && group !== null ? (group as { paths?: unknown }).paths : undefined;
    if (!Array.isArray(p) || !p.every((x) => typeof x === "string"))
      throw new FormatTypeError(`${file}: weightsManifest[${g}].paths must be a list of file names, received ${describe(p)}`);
    return p as string[];
  });
  if (paths.length > MAX_TFJS_SHARDS)
    throw new FormatError(`${file}: the manifest names ${paths.length} weight files, over the cap MAX_TFJS_SHARDS (${MAX_TFJS_SHARDS})`);
  const files: CheckedFile[] = [];
  let total = 0;
  for (const p of paths) {
    const full = insideByName(dir, p);
    if (full === null) throw new FormatError(`${file}: weight file "${p}" lies outside the model's directory`);
    const checked = checkFile(full, `weight file "${p}" named in the manifest`, MAX_TFJS_WEIGHT_BYTES, "MAX_TFJS_WEIGHT_BYTES", folder);
    total += checked.size;
    if (total > MAX_TFJS_WEIGHT_BYTES) throw new FormatError(`${file}: the weight files hold more than MAX_TFJS_WEIGHT_BYTES (${MAX_TFJS_WEIGHT_BYTES}) bytes`);
    files.push(checked);
  }
  return { model, shards: files.map(readChecked) };
}

/**
 * Reads a tfjs layers model from a directory holding model.json (or from the path of the
 * model.json file itself) and the weight files its manifest names, in the manifest's order.
 * Sizes are checked (stat) before any file is read; every file's real path must lie inside
 * the directory (a weight file that links elsewhere is refused).
 */
export function loadTfjs(path: string, options: FromTfjsOptions = {}): Network {
  const { model, shards } = readFolder(path, "loadTfjs");
  return fromTfjs(model, shards, options);
}

/** loadTfjs as a wasmlp model file, without wasm (see readTfjs). */
export function readTfjsFolder(path: string, options: FromTfjsOptions = {}): ModelJSON {
  const { model, shards } = readFolder(path, "readTfjsFolder");
  return readTfjs(model, shards, options);
}

function checkShardBytes(fn: string, options: { shardBytes?: number; omit?: readonly ExportOmission[] }): number {
  checkExportOptions(fn, options, ["shardBytes"]);
  const shardBytes = options.shardBytes ?? TFJS_SHARD_BYTES;
  if (!Number.isInteger(shardBytes) || shardBytes < 4 || shardBytes % 4 !== 0)
    throw new RangeError(`shardBytes must be a positive multiple of 4, received ${describe(shardBytes)}`);
  return shardBytes;
}

/** Writes the shards first and model.json last, each through a temporary file and a rename. */
/** saveTfjs's and writeTfjsFolder's options: toTfjs's, and the largest shard in bytes (default TFJS_SHARD_BYTES). */
export interface SaveTfjsOptions extends ExportOptions {
  shardBytes?: number;
}

function omitOnly(options: SaveTfjsOptions): ExportOptions {
  return options.omit === undefined ? {} : { omit: options.omit };
}

function writeFolder({ modelJson, weightData, omitted }: TfjsExport, dir: string, shardBytes: number, label: string): string[] {
  const bytes = new Uint8Array(weightData);
  const count = Math.max(1, Math.ceil(bytes.length / shardBytes));
  const names = Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}.bin`);
  const json: TfjsModelJson = {
    ...modelJson,
    weightsManifest: [{ paths: names, weights: modelJson.weightsManifest[0].weights }],
    ...(omitted.length > 0 ? { userDefinedMetadata: { wasmlp: { omitted } } } : {}),
  };
  prepareFolder(dir, label); // checked, then made one level at a time: a recursive mkdir spins on /proc/self/x
  const modelPath = join(dir, "model.json");
  for (const path of [...names.map((name) => join(dir, name)), modelPath]) checkFileTarget(path, label); // all of them before the first write
  const written = names.map((name, i) => {
    const path = join(dir, name);
    writeAtomically(path, bytes.subarray(i * shardBytes, (i + 1) * shardBytes), label);
    return path;
  });
  writeAtomically(modelPath, JSON.stringify(json), label);
  return [modelPath, ...written];
}

/**
 * Writes a network as a tfjs layers model into `dir` (created if missing): model.json and
 * weight shards of at most `shardBytes` (group1-shard1ofN.bin, …). The shards are written
 * first and model.json last, each through a temporary file and a rename, so a reader never
 * sees a model.json whose shards are missing. Returns the paths written. `dir` is checked
 * before anything is written and missing folders are made one level at a time, so a path that
 * cannot be a folder (`/proc/self/x`, a file among its parents) fails at once.
 * Dropout, kernel regularizers and feature specs travel as toTfjs says (`options.omit` as toTfjs's);
 * what is left out is listed in model.json's `userDefinedMetadata.wasmlp.omitted`.
 * @throws WriteTargetError when `dir` cannot be written or created (message "saveTfjs DIR: …").
 * @throws ExportOmissionError as toTfjs.
 */
export function saveTfjs(net: TfjsExportable, dir: string, options: SaveTfjsOptions = {}): string[] {
  const shardBytes = checkShardBytes("saveTfjs", options);
  return writeFolder(toTfjs(net, omitOnly(options)), dir, shardBytes, "saveTfjs");
}

/**
 * saveTfjs of a wasmlp model file (toJSON's object or its JSON text), without wasm.
 * @throws WriteTargetError when `dir` cannot be written or created (message "writeTfjsFolder DIR: …").
 * @throws ExportOmissionError as toTfjs.
 */
export function writeTfjsFolder(model: ModelJSON | string, dir: string, options: SaveTfjsOptions = {}): string[] {
  const shardBytes = checkShardBytes("writeTfjsFolder", options);
  return writeFolder(writeTfjs(model, omitOnly(options)), dir, shardBytes, "writeTfjsFolder");
}
