// The model files' compatibility rule (docs/model-files.md), shared by wasmlp-model and
// wasmlp-quantized. Every field a file may hold, at any depth, is listed with the format version
// that introduced it. A reader reads every version up to its own (older files keep loading
// with the same predictions: test/model-files.test.ts loads fixtures written by earlier
// versions) and refuses a newer one by name. A writer writes the lowest version whose fields
// describe the file, so a file that uses nothing new stays readable by older wasmlp releases.
// A field unknown to the file's version is refused, never ignored: ignoring it could change
// what the model computes.
import { describe } from "./validate.js";

/** A file kind's fields: field name → the format version that introduced it. */
export type FieldVersions = ReadonlyMap<string, number>;

/**
 * The version of a file read as `what` (e.g. "model"), checked against the newest version this
 * wasmlp reads. Throws a RangeError "written by a newer wasmlp (format N; this reads up to M)".
 */
export function checkFileVersion(what: string, version: unknown, newest: number): number {
  if (typeof version !== "number" || !Number.isInteger(version) || version < 1) {
    throw new RangeError(`${what}.version must be a whole number ≥ 1, received ${describe(version)}`);
  }
  if (version > newest)
    throw new RangeError(`${what} was written by a newer wasmlp (format ${version}; this reads up to ${newest}): upgrade wasmlp to load it`);
  return version;
}

/** Refuses a field the file's version does not have, naming it (and the version that has it, if any). */
export function checkFileFields(what: string, data: object, fields: FieldVersions, version: number): void {
  for (const key of Object.keys(data)) {
    const since = fields.get(key);
    if (since === undefined) {
      const known = [...fields].filter(([, v]) => v <= version).map(([k]) => k);
      throw new RangeError(`${what} has an unknown field "${key}" (format ${version} has ${known.join(", ")})`);
    }
    if (since > version) throw new RangeError(`${what}.${key} is not part of format ${version} (it came with format ${since})`);
  }
}

/** The lowest format version that holds every field `data` uses (at least 1). */
export function fileVersionFor(data: object, fields: FieldVersions): number {
  let version = 1;
  for (const key of Object.keys(data)) version = Math.max(version, fields.get(key) ?? 1);
  return version;
}
