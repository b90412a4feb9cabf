// TensorFlow.js layers models as directories on disk (Node): model.json beside its weight
// shards, as tfjs-layers' file:// saver and tensorflowjs_converter write them.
import { writeAtomically } from "../atomic-write.js";
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import type { Network } from "../network.js";
import { describe } from "../validate.js";
import {
  type FromTfjsOptions, MAX_TFJS_JSON_BYTES, MAX_TFJS_WEIGHT_BYTES, type TfjsExportable, type TfjsModelJson, fromTfjs, toTfjs,
} from "./tfjs.js";

export * from "./tfjs.js";

/** Shard size of saveTfjs, as tfjs's converter uses (4 MiB). */
export const TFJS_SHARD_BYTES = 4 * 1024 * 1024;

/**
 * Reads a tfjs layers model from a directory holding model.json (or from the path of the
 * model.json file itself) and the weight files its manifest names, in the manifest's order.
 * Sizes are checked (stat) before any file is read.
 */
export function loadTfjs(path: string, options: FromTfjsOptions = {}): Network {
  if (typeof path !== "string" || path === "") throw new TypeError(`loadTfjs expects a directory or a model.json path, received ${describe(path)}`);
  const file = isDirectory(path) ? join(path, "model.json") : path;
  const dir = dirname(file);
  const size = fileSize(file, "model.json");
  if (size > MAX_TFJS_JSON_BYTES) throw new RangeError(`${file} is ${size} bytes, over the cap MAX_TFJS_JSON_BYTES (${MAX_TFJS_JSON_BYTES})`);
  let model: unknown;
  try {
    model = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new SyntaxError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const manifest = (model as { weightsManifest?: unknown } | null)?.weightsManifest;
  if (!Array.isArray(manifest)) throw new RangeError(`${file} has no weightsManifest array (received ${describe(manifest)}): not a tfjs layers model.json`);
  const paths = manifest.flatMap((group, g) => {
    const p = (group as { paths?: unknown } | null)?.paths;
    if (!Array.isArray(p) || !p.every((x) => typeof x === "string")) throw new TypeError(`${file}: weightsManifest[${g}].paths must be a list of file names, received ${describe(p)}`);
    return p as string[];
  });
  const files = paths.map((p) => {
    const full = resolve(dir, p);
    const rel = relative(resolve(dir), full);
    if (isAbsolute(p) || rel.startsWith("..") || isAbsolute(rel)) throw new RangeError(`${file}: weight file "${p}" lies outside the model's directory`);
    return full;
  });
  let total = 0;
  for (const [i, f] of files.entries()) {
    total += fileSize(f, `weight file "${paths[i]}" named in the manifest`);
    if (total > MAX_TFJS_WEIGHT_BYTES) throw new RangeError(`${file}: the weight files hold more than MAX_TFJS_WEIGHT_BYTES (${MAX_TFJS_WEIGHT_BYTES}) bytes`);
  }
  const shards = files.map((f) => readFileSync(f));
  return fromTfjs(model, shards, options);
}

/**
 * Writes a network as a tfjs layers model into `dir` (created if missing): model.json and
 * weight shards of at most `shardBytes` (group1-shard1ofN.bin, …). The shards are written
 * first and model.json last, each through a temporary file and a rename, so a reader never
 * sees a model.json whose shards are missing. Returns the paths written.
 */
export function saveTfjs(net: TfjsExportable, dir: string, options: { shardBytes?: number } = {}): string[] {
  const shardBytes = options.shardBytes ?? TFJS_SHARD_BYTES;
  if (!Number.isInteger(shardBytes) || shardBytes < 4 || shardBytes % 4 !== 0) throw new RangeError(`shardBytes must be a positive multiple of 4, received ${describe(shardBytes)}`);
  const { modelJson, weightData } = toTfjs(net);
  const bytes = new Uint8Array(weightData);
  const count = Math.max(1, Math.ceil(bytes.length / shardBytes));
  const names = Array.from({ length: count }, (_, i) => `group1-shard${i + 1}of${count}.bin`);
  const json: TfjsModelJson = { ...modelJson, weightsManifest: [{ paths: names, weights: modelJson.weightsManifest[0].weights }] };
  mkdirSync(dir, { recursive: true });
  const written = names.map((name, i) => {
    const path = join(dir, name);
    writeAtomically(path, bytes.subarray(i * shardBytes, (i + 1) * shardBytes));
    return path;
  });
  const modelPath = join(dir, "model.json");
  writeAtomically(modelPath, JSON.stringify(json));
  return [modelPath, ...written];
}


function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function fileSize(path: string, what: string): number {
  try {
    const s = statSync(path);
    if (!s.isFile()) throw new Error("not a file");
    return s.size;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`${what} ${path} ${code === "ENOENT" ? "does not exist" : `cannot be read (${(e as Error).message})`}`);
  }
}
