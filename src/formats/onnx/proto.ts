// The ONNX protobuf: the official onnx.proto schema (onnx-schema.ts) through protobufjs, the
// plain shapes of the decoded messages, and an iterative walk of the wire format that checks
// the depth and count caps before protobufjs (which recurses per nested message) decodes it.
import protobuf from "protobufjs/light.js";
import { FormatError } from "../errors.js";
import { MAX_PROTO_DEPTH, MAX_PROTO_FIELDS, walkerHighWater } from "../limits.js";
import { ONNX_SCHEMA } from "../onnx-schema.js";

const root = protobuf.Root.fromJSON({ nested: { onnx: ONNX_SCHEMA } } as protobuf.INamespace);
root.resolveAll();
export const ModelProto = root.lookupType("onnx.ModelProto");
export const FLOAT = 1; // TensorProto.DataType.FLOAT

/** An int64 as protobufjs gives it: a number, or a Long when it does not fit one. */
export type Int64 = number | { toNumber(): number };

// Plain shapes of the decoded messages (protobufjs gives objects with these fields).
export interface Attribute {
  name: string;
  type?: number;
  f?: number;
  i?: Int64;
  s?: Uint8Array;
  ints?: unknown[];
  t?: Tensor;
}
export interface Node {
  name?: string;
  opType: string;
  domain?: string;
  input: string[];
  output: string[];
  attribute: Attribute[];
}
export interface Tensor {
  name: string;
  dims: Int64[];
  dataType: number;
  rawData?: Uint8Array;
  floatData?: number[];
  dataLocation?: number;
  externalData?: unknown[];
}
export interface ValueInfo {
  name: string;
  type?: { tensorType?: { elemType?: number; shape?: { dim: { dimValue?: Int64; dimParam?: string }[] } } };
}
export interface Graph {
  node: Node[];
  initializer: Tensor[];
  input: ValueInfo[];
  output: ValueInfo[];
  sparseInitializer?: unknown[];
}
export interface Model {
  irVersion?: unknown;
  opsetImport: { domain?: string; version?: Int64 }[];
  graph?: Graph;
}

export const num = (v: Int64 | undefined): number => (v === undefined ? 0 : typeof v === "number" ? v : v.toNumber());

/**
 * Walks the wire format without recursion: every field's tag and length are read, and each
 * length-delimited field the schema declares as a message is entered. Refuses nesting deeper
 * than MAX_PROTO_DEPTH, more than MAX_PROTO_FIELDS fields, lengths past the end, and groups.
 */
export function checkWire(bytes: Uint8Array): void {
  const types: protobuf.Type[] = [ModelProto];
  const ends: number[] = [bytes.length];
  let pos = 0;
  let fields = 0;
  const fail = (why: string): never => {
    throw new FormatError(`onnx: not a readable ONNX model (${why} at byte ${pos}); the file is truncated or not ONNX`);
  };
  const varint = (): number => {
    let value = 0;
    for (let shift = 0, scale = 1; shift < 70; shift += 7, scale *= 128) {
      if (pos >= ends[ends.length - 1]) fail("a number runs past the end of its message");
      const b = bytes[pos++];
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
    }
    return fail("a number longer than 10 bytes");
  };
  while (ends.length > 0) {
    const end = ends[ends.length - 1];
    if (pos === end) {
      ends.pop();
      types.pop();
      continue;
    }
    const tag = varint();
    const wire = tag % 8,
      id = Math.floor(tag / 8);
    if (id === 0) fail("field number 0");
    if (++fields > MAX_PROTO_FIELDS)
      throw new FormatError(`onnx: the model holds more than MAX_PROTO_FIELDS (${MAX_PROTO_FIELDS.toLocaleString("en-US")}) protobuf fields`);
    if (fields > walkerHighWater.protoFields) walkerHighWater.protoFields = fields;
    let skip = 0;
    if (wire === 0) varint();
    else if (wire === 1) skip = 8;
    else if (wire === 5) skip = 4;
    else if (wire === 2) {
      const length = varint();
      if (length > end - pos) fail(`a field of ${length} bytes runs past the end of its message`);
      const field = types[types.length - 1].fieldsById[id];
      const nested = field?.resolvedType;
      if (nested instanceof protobuf.Type) {
        if (ends.length + 1 > MAX_PROTO_DEPTH) throw new FormatError(`onnx: protobuf messages nest deeper than MAX_PROTO_DEPTH (${MAX_PROTO_DEPTH}) levels`);
        types.push(nested);
        ends.push(pos + length);
        if (ends.length > walkerHighWater.protoDepth) walkerHighWater.protoDepth = ends.length;
        continue;
      }
      skip = length;
    } else fail(`wire type ${wire} (groups are not ONNX)`);
    if (skip > end - pos) fail("a field runs past the end of its message");
    pos += skip;
  }
}

/** The model message of ONNX bytes, as plain objects, after checkWire. */
export function decodeModel(bytes: Uint8Array): Model {
  checkWire(bytes);
  try {
    return ModelProto.toObject(ModelProto.decode(bytes), { defaults: true, arrays: true }) as unknown as Model;
  } catch (e) {
    throw new FormatError(`onnx: not a readable ONNX model (${(e as Error).message}); the file is truncated or not ONNX`);
  }
}

export function encodeModel(model: object): Uint8Array {
  // In Node protobufjs returns a Buffer, often a view into a shared 8 KiB pool: its .slice() is a view and its
  // .buffer holds other bytes. A plain Uint8Array that owns exactly the model's bytes surprises no one.
  return Uint8Array.from(ModelProto.encode(ModelProto.fromObject(model)).finish());
}
