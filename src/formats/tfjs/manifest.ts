// model.json's outer parts and the weight bytes: the caps, the JSON text, the weight specs of
// the manifest, and where each weight lies in the data. No topology here (tfjs/topology.ts).
import { describe } from "../describe.js";
import { FormatError, FormatSyntaxError, FormatTypeError, UnsupportedFormatError } from "../errors.js";
import { checkJsonTree } from "../limits.js";
import { readerBytes } from "../../memory.js";

/** Largest model.json text read (the topology is small; the weights live in the binary part). */
export const MAX_TFJS_JSON_BYTES = 16 * 1024 * 1024;
/** Largest weight data read: 256 Mi float32 values, far beyond any network wasmlp trains. */
export const MAX_TFJS_WEIGHT_BYTES = 1024 * 1024 * 1024;

/** One tensor in the weight data, as in tfjs's weightsManifest. */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
  group?: string;
}

/** The model.json file of a tfjs layers model. */
export interface TfjsModelJson {
  format: "layers-model";
  generatedBy: string;
  convertedBy: string | null;
  modelTopology: Record<string, unknown>;
  weightsManifest: { paths: string[]; weights: TfjsWeightSpec[] }[];
}

/** Weight bytes: one buffer, or the shards in the order of the manifest's paths. */
export type TfjsWeightData = ArrayBuffer | ArrayBufferView | readonly (ArrayBuffer | ArrayBufferView)[];

export function parseModelText(modelJson: unknown): Record<string, unknown> {
  let value = modelJson;
  if (typeof value === "string") {
    // Checked before parsing: a length in UTF-16 units is at least the UTF-8 length / 3.
    if (value.length > MAX_TFJS_JSON_BYTES)
      throw new FormatError(`tfjs model.json is ${value.length} characters, over the cap MAX_TFJS_JSON_BYTES (${MAX_TFJS_JSON_BYTES})`);
    try {
      value = JSON.parse(value);
    } catch (e) {
      throw new FormatSyntaxError(`tfjs model.json is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new FormatTypeError(`tfjs model.json must be an object or its JSON text, received ${describe(value)}`);
  checkJsonTree(value, "tfjs model.json"); // before anything below walks it
  const model = value as Record<string, unknown>;
  if (model.format !== undefined && model.format !== "layers-model") {
    throw new UnsupportedFormatError(
      `tfjs model format ${describe(model.format)} is not supported: wasmlp reads "layers-model" (a graph model from a SavedModel has no layers to map)`,
    );
  }
  if (typeof model.modelTopology !== "object" || model.modelTopology === null) {
    throw new FormatError(`tfjs model.json has no modelTopology object (received ${describe(model.modelTopology)}): not a layers model`);
  }
  return model;
}

export function weightBytes(data: unknown): Uint8Array {
  if (data === undefined || data === null)
    throw new FormatTypeError("tfjs weight data is missing: pass the weight bytes (an ArrayBuffer, a typed array, or the shards in order)");
  const parts = Array.isArray(data) ? data : [data];
  const views = parts.map((p, i) => {
    if (p instanceof ArrayBuffer) return new Uint8Array(p);
    if (ArrayBuffer.isView(p)) return new Uint8Array(p.buffer, p.byteOffset, p.byteLength);
    throw new FormatTypeError(`tfjs weight data${Array.isArray(data) ? `[${i}]` : ""} must be an ArrayBuffer or a typed array, received ${describe(p)}`);
  });
  const total = views.reduce((n, v) => n + v.byteLength, 0);
  if (total > MAX_TFJS_WEIGHT_BYTES) throw new FormatError(`tfjs weight data is ${total} bytes, over the cap MAX_TFJS_WEIGHT_BYTES (${MAX_TFJS_WEIGHT_BYTES})`);
  if (views.length === 1) return views[0];
  const out = readerBytes(total);
  let at = 0;
  for (const v of views) {
    out.set(v, at);
    at += v.byteLength;
  }
  return out;
}

export function weightSpecs(model: Record<string, unknown>): TfjsWeightSpec[] {
  let specs: unknown[];
  if (model.weightsManifest !== undefined) {
    const manifest = model.weightsManifest;
    if (!Array.isArray(manifest)) throw new FormatTypeError(`tfjs model.json weightsManifest must be an array of groups, received ${describe(manifest)}`);
    specs = manifest.flatMap((group, g) => {
      if (typeof group !== "object" || group === null || !Array.isArray((group as { weights?: unknown }).weights)) {
        throw new FormatTypeError(`tfjs weightsManifest[${g}] must be { paths, weights: [...] }, received ${describe(group)}`);
      }
      return (group as { weights: unknown[] }).weights;
    });
  } else if (model.weightSpecs !== undefined) {
    if (!Array.isArray(model.weightSpecs)) throw new FormatTypeError(`tfjs weightSpecs must be an array, received ${describe(model.weightSpecs)}`);
    specs = model.weightSpecs;
  } else {
    throw new FormatError("tfjs model.json has neither weightsManifest nor weightSpecs: it describes no weights");
  }
  return specs.map((s, i) => {
    if (typeof s !== "object" || s === null) throw new FormatTypeError(`tfjs weight spec ${i} must be an object, received ${describe(s)}`);
    const spec = s as Record<string, unknown>;
    const name = typeof spec.name === "string" ? spec.name : `#${i}`;
    if (typeof spec.name !== "string") throw new FormatTypeError(`tfjs weight spec ${i} has no name`);
    if (!Array.isArray(spec.shape) || !spec.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new FormatError(`tfjs weight "${name}": shape must be a list of whole numbers, received ${JSON.stringify(spec.shape)}`);
    }
    if (spec.quantization !== undefined && spec.quantization !== null) {
      throw new UnsupportedFormatError(
        `tfjs weight "${name}" is quantized (${JSON.stringify(spec.quantization)}): not supported; convert without --quantize_* options`,
      );
    }
    if (spec.dtype !== "float32") throw new UnsupportedFormatError(`tfjs weight "${name}" has dtype ${describe(spec.dtype)}: only float32 is supported`);
    return { name, shape: spec.shape as number[], dtype: "float32" };
  });
}

/** Byte offset of each weight in the data; the data must hold exactly what the specs describe. */
export function layoutWeights(specs: TfjsWeightSpec[], available: number): number[] {
  const offsets: number[] = [];
  let at = 0;
  for (const s of specs) {
    offsets.push(at);
    const count = s.shape.reduce((a, b) => a * b, 1);
    at += 4 * count;
    if (at > MAX_TFJS_WEIGHT_BYTES)
      throw new FormatError(`tfjs weight specs describe more than MAX_TFJS_WEIGHT_BYTES (${MAX_TFJS_WEIGHT_BYTES}) bytes of weights (at "${s.name}")`);
  }
  if (at !== available) {
    const why = available < at ? "the weight data is truncated or a shard is missing" : "the weight data has bytes no weight spec describes";
    throw new FormatError(`tfjs weight data has ${available} bytes, but the weight specs describe ${at} (${specs.length} float32 tensors): ${why}`);
  }
  return offsets;
}
