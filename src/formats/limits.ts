// The caps every model reader keeps (docs/formats.md lists them): file sizes, and the depth and
// count of JSON and protobuf structures, checked by iterative walkers before any recursive code
// (the readers, JSON.stringify in messages, protobufjs) sees the structure.
import { FormatError } from "./errors.js";

/** Deepest nesting of a model.json (Keras's deepest, a functional model's inbound nodes, is about 12). */
export const MAX_JSON_DEPTH = 64;
/** Most values (objects, arrays, numbers, strings…) in a model.json; a Dense stack needs a few hundred per layer. */
export const MAX_JSON_VALUES = 1_000_000;
/** Deepest nesting of protobuf messages in an ONNX model (a readable chain needs 7: model, graph, value info, type, tensor type, shape, dimension). */
export const MAX_PROTO_DEPTH = 32;
/** Most protobuf fields in an ONNX model (weights are one raw_data or packed field per tensor). */
export const MAX_PROTO_FIELDS = 4_000_000;

/**
 * The highest depth and count the walkers have met since the last reset: the fuzz tests read
 * these to check that no walk went past a cap (a walker throws on reaching cap + 1).
 */
export const walkerHighWater = { jsonDepth: 0, jsonValues: 0, protoDepth: 0, protoFields: 0 };

export function resetWalkerHighWater(): void {
  walkerHighWater.jsonDepth = walkerHighWater.jsonValues = walkerHighWater.protoDepth = walkerHighWater.protoFields = 0;
}

/** Whether a value is a JSON container the walker descends into (binary data and class instances are leaves). */
function isContainer(v: unknown): v is object {
  if (typeof v !== "object" || v === null) return false;
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/**
 * Throws a FormatError when `value` nests deeper than MAX_JSON_DEPTH or holds more than
 * MAX_JSON_VALUES values (a cycle reaches the count cap). Iterative: a file nested 200,000 deep
 * gets this error, not a stack overflow.
 */
export function checkJsonTree(value: unknown, what: string): void {
  const stack: unknown[] = [value];
  const depths: number[] = [1];
  let values = 0;
  while (stack.length > 0) {
    const v = stack.pop();
    const depth = depths.pop() as number;
    values++;
    if (values > MAX_JSON_VALUES) throw new FormatError(`${what} holds more than MAX_JSON_VALUES (${MAX_JSON_VALUES.toLocaleString("en-US")}) values`);
    if (values > walkerHighWater.jsonValues) walkerHighWater.jsonValues = values;
    if (!isContainer(v)) continue;
    if (depth > MAX_JSON_DEPTH) throw new FormatError(`${what} nests deeper than MAX_JSON_DEPTH (${MAX_JSON_DEPTH}) levels`);
    if (depth > walkerHighWater.jsonDepth) walkerHighWater.jsonDepth = depth;
    const children = Array.isArray(v) ? v : Object.values(v);
    // Counted before they are pushed, so a list of ten million numbers costs no stack space.
    if (values + stack.length + children.length > MAX_JSON_VALUES)
      throw new FormatError(`${what} holds more than MAX_JSON_VALUES (${MAX_JSON_VALUES.toLocaleString("en-US")}) values`);
    for (const c of children) {
      stack.push(c);
      depths.push(depth + 1);
    }
  }
}
