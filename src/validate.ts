// Shape and value checks for every public entry point. Each runs before any state
// changes, and each message names what was expected and what was received.

/** m samples: flat and sample-major (typed array or number[]), or one row per sample. */
export type Batch = Float32Array | Float64Array | readonly number[] | readonly (readonly number[])[];
/** Targets of m samples laid out like a Batch (one-hot or real values), or class indices (one per sample) for categorical cross-entropy. */
export type Labels = Float32Array | Float64Array | Int32Array | Uint8Array | readonly number[] | readonly (readonly number[])[];

/** Describes a value for an error message: its type and size, never its whole content. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value))
    return `${article(value.constructor.name)} ${value.constructor.name} of length ${(value as unknown as ArrayLike<number>).length}`;
  if (typeof value === "number") return String(value);
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "object") return value.constructor?.name ? `${article(value.constructor.name)} ${value.constructor.name}` : "an object";
  return typeof value;
}

function article(word: string): string {
  // "a Uint8Array" (you-int), "an Int32Array", "an object".
  return /^(?:[AEIO]|U(?!int))/i.test(word) ? "an" : "a";
}

function isFloatArray(x: unknown): x is Float32Array | Float64Array {
  return x instanceof Float32Array || x instanceof Float64Array;
}

/** First non-finite entry of a flat array, as its index, or -1. */
function firstNonFinite(x: Float32Array): number {
  // x·0 is 0 for every finite x and NaN otherwise: four running sums of it (independent chains,
  // no branch per value) say whether to look for the culprit, about twice as fast as testing each.
  const n = x.length,
    n4 = n - (n % 4);
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0;
  for (let i = 0; i < n4; i += 4) {
    s0 += x[i] * 0;
    s1 += x[i + 1] * 0;
    s2 += x[i + 2] * 0;
    s3 += x[i + 3] * 0;
  }
  for (let i = n4; i < n; i++) s0 += x[i] * 0;
  if (s0 + s1 + s2 + s3 === 0) return -1;
  for (let i = 0; i < n; i++) if (!Number.isFinite(x[i])) return i;
  return -1;
}

/** The largest finite float32, 3.4028234663852886e38: values beyond it become ±Infinity in float32. */
export const F32_MAX = 3.4028234663852886e38;

function nonFiniteError(name: string, original: number, i: number, width: number): Error {
  const why = Number.isFinite(original) ? `beyond float32's range (±${F32_MAX.toPrecision(5)}), where it would become ${Math.fround(original)}` : "not finite";
  return new RangeError(`${name} sample ${Math.floor(i / width)}, value ${i % width} is ${original}, ${why}; every value must be a finite float32`);
}

/**
 * A batch of samples as one sample-major Float32Array (the input itself when it already is
 * one) and its sample count. Accepts a flat typed array of m·width values or number[][].
 * `finite: false` leaves the finiteness check to the caller (assertFinite, or a scan of the
 * copy in wasm memory before anything runs on it).
 */
export function toMatrix(name: string, x: unknown, width: number, { finite = true }: { finite?: boolean } = {}): { data: Float32Array; m: number } {
  let data: Float32Array;
  if (Array.isArray(x) && x.length > 0 && typeof x[0] === "number") {
    // A flat number[] is read like a typed array (brain.js's run([...]) style for one sample).
    const bad = x.findIndex((v) => typeof v !== "number");
    if (bad >= 0) throw new TypeError(`${name}[${bad}] is ${describe(x[bad])}; expected a number`);
    if (x.length % width !== 0) {
      throw new RangeError(`${name} has ${x.length} values, which is not a whole number of samples of ${width} values (expected m·${width})`);
    }
    data = Float32Array.from(x as number[]);
    if (finite) assertFinite(name, x, data, width);
    return { data, m: data.length / width };
  }
  if (isFloatArray(x)) {
    if (x.length === 0) throw new RangeError(`${name} is empty: expected at least one sample of ${width} values`);
    if (x.length % width !== 0) {
      throw new RangeError(`${name} has ${x.length} values, which is not a whole number of samples of ${width} values (expected m·${width})`);
    }
    data = x instanceof Float32Array ? x : Float32Array.from(x);
  } else if (Array.isArray(x)) {
    if (x.length === 0) throw new RangeError(`${name} is empty: expected at least one sample of ${width} values`);
    data = new Float32Array(x.length * width);
    for (let i = 0; i < x.length; i++) {
      const row: unknown = x[i];
      if (!Array.isArray(row) && !isFloatArray(row)) {
        throw new TypeError(`${name}[${i}] is ${describe(row)}; expected an array of ${width} numbers`);
      }
      if (row.length !== width) throw new RangeError(`${name}[${i}] has ${row.length} values, expected ${width}`);
      for (let j = 0; j < width; j++) {
        const v = row[j];
        if (typeof v !== "number") throw new TypeError(`${name}[${i}][${j}] is ${describe(v)}; expected a number`);
        data[i * width + j] = v;
      }
    }
  } else {
    throw new TypeError(`${name} is ${describe(x)}; expected a Float32Array or number[] of m·${width} values, or an array of rows of ${width} numbers`);
  }
  if (finite) assertFinite(name, x, data, width);
  return { data, m: data.length / width };
}

/**
 * Throws the RangeError for the first value of `data` (toMatrix's float32 copy of `x`) that is
 * not a finite float32, if there is one. Checked after the conversion to float32, so a
 * Float64Array or number[][] holding 1e39 is rejected exactly like a Float32Array holding
 * Infinity (every input form agrees); the message quotes the value as given.
 */
export function assertFinite(name: string, x: unknown, data: Float32Array, width: number): void {
  const bad = firstNonFinite(data);
  if (bad < 0) return;
  const original =
    isFloatArray(x) || (Array.isArray(x) && typeof x[0] === "number")
      ? (x as ArrayLike<number>)[bad]
      : (x as ArrayLike<ArrayLike<number>>)[Math.floor(bad / width)][bad % width];
  throw nonFiniteError(name, original, bad, width);
}

/**
 * Targets for m samples as an m·width Float32Array. Class indices (Int32Array, Uint8Array or
 * number[] of length m) are one-hot encoded and allowed only where `classes` is true.
 */
export function toTargets(name: string, y: unknown, m: number, width: number, classes: boolean): Float32Array {
  const indices = y instanceof Int32Array || y instanceof Uint8Array || (Array.isArray(y) && (y.length === 0 || !Array.isArray(y[0])));
  // Without classes, a flat number[] is plain targets, sample-major, like a Float32Array.
  if (indices && (classes || !Array.isArray(y))) {
    const labels = y as ArrayLike<unknown>;
    if (!classes) {
      throw new TypeError(`${name} holds class indices (${describe(y)}), which only categorical-crossentropy takes; expected targets of ${m}×${width} values`);
    }
    if (labels.length !== m) throw new RangeError(`${name} has ${labels.length} labels, expected ${m} (one per sample)`);
    const out = new Float32Array(m * width);
    for (let i = 0; i < m; i++) {
      const c = labels[i];
      if (typeof c !== "number" || !Number.isInteger(c) || c < 0 || c >= width) {
        throw new RangeError(`${name}[${i}] is ${describe(c)}; expected a class index, an integer in [0, ${width})`);
      }
      out[i * width + c] = 1;
    }
    return out;
  }
  const { data, m: rows } = toMatrix(name, y, width);
  if (rows !== m) throw new RangeError(`${name} has ${rows} samples of ${width} values, expected ${m} (one per input sample)`);
  return data;
}

/** How far a categorical-crossentropy target row's sum may be from 1 (float32 rounding of smoothed labels). */
export const CCE_ROW_SUM_TOLERANCE = 1e-3;

/**
 * Targets the loss is defined for: binary-crossentropy takes values in [0, 1];
 * categorical-crossentropy takes rows of values in [0, 1] that sum to 1 within
 * CCE_ROW_SUM_TOLERANCE (one-hot or label-smoothed), because its fused gradient assumes so.
 */
export function checkTargetRange(name: string, y: Float32Array, width: number, loss: string): void {
  if (loss === "hinge") {
    // Labels, not values: −1 or 1, or 0 or 1 (0 is the negative class).
    for (let i = 0; i < y.length; i++) {
      if (y[i] !== -1 && y[i] !== 0 && y[i] !== 1) {
        throw new RangeError(`${name} sample ${Math.floor(i / width)}, value ${i % width} is ${y[i]}; hinge targets are class labels −1 or 1 (or 0 or 1)`);
      }
    }
    return;
  }
  if (loss !== "binary-crossentropy" && loss !== "categorical-crossentropy") return;
  for (let i = 0; i < y.length; i++) {
    if (!(y[i] >= 0 && y[i] <= 1)) {
      throw new RangeError(`${name} sample ${Math.floor(i / width)}, value ${i % width} is ${y[i]}; ${loss} targets must lie in [0, 1]`);
    }
  }
  if (loss === "binary-crossentropy") return;
  for (let r = 0; r < y.length / width; r++) {
    let sum = 0;
    for (let j = 0; j < width; j++) sum += y[r * width + j];
    if (Math.abs(sum - 1) > CCE_ROW_SUM_TOLERANCE) {
      throw new RangeError(
        `${name} sample ${r} sums to ${sum}; categorical-crossentropy targets must be probabilities summing to 1 (within ${CCE_ROW_SUM_TOLERANCE}), such as one-hot or label-smoothed rows`,
      );
    }
  }
}

/**
 * An option's value, or `fallback` when it is not given (undefined). null is a value, which the
 * option's check then refuses, never a way to ask for the default (`x ?? fallback` would be).
 */
export function given<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}

/** Rejects keys that an options object does not know, naming the ones it does. */
export function checkKeys(name: string, options: object, known: readonly string[]): void {
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new TypeError(`${name} has an unknown option "${key}"; known options: ${known.join(", ")}`);
  }
}

export function checkObject(name: string, value: unknown): asserts value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new TypeError(`${name} must be an options object, received ${describe(value)}`);
  }
}

/** An integer in [min, max]. */
export function checkInt(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `≥ ${min}` : `in [${min}, ${max}]`;
    throw new RangeError(`${name} must be an integer ${range}, received ${describe(value)}`);
  }
  return value;
}

/** A finite number in the open or closed range given. */
export function checkNumber(name: string, value: unknown, min: number, max: number, openMin = false, openMax = false): number {
  const ok = typeof value === "number" && Number.isFinite(value) && (openMin ? value > min : value >= min) && (openMax ? value < max : value <= max);
  if (!ok) {
    const range = `${openMin ? "(" : "["}${min}, ${max === Infinity ? "∞" : max}${openMax ? ")" : "]"}`;
    throw new RangeError(`${name} must be a finite number in ${range}, received ${describe(value)}`);
  }
  return value as number;
}

/**
 * `value` when it is one of the names `allowed`. The list is searched, never an object's
 * properties, so "constructor" or "__proto__" is an unknown name like any other.
 */
export function checkOneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== "string" || !allowed.includes(value as T)) {
    throw new RangeError(
      `${name} must be one of ${allowed.map((a) => `"${a}"`).join(", ")}, received ${describe(value)}${typeof value === "string" ? ", an unknown name" : ""}`,
    );
  }
  return value as T;
}

/**
 * An export asked to write a network holding something its format cannot carry (an ONNX model
 * has no place for dropout; a one-hot feature spec is not weights): the message names it and
 * the `omit` option that leaves it out. Not a file's fault, so not a format error.
 */
export class ExportOmissionError extends RangeError {
  override name = "ExportOmissionError";
}
