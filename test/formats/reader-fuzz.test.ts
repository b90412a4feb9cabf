// Fuzzing the model readers: valid tfjs model.json files, weight shards and ONNX protobufs,
// mutated (bytes flipped, cut, inserted; values replaced, deleted, renamed, retyped; shapes and
// dims changed; nesting deepened), must each give one of wasmlp's named format errors or a
// network that agrees with wasmlp/reference (fuzz-oracle.ts). The walkers' counters must stay
// under the caps, and no allocation asked of the heap or by a reader may pass the documented cap
// or what the file's bytes justify (fuzz-oracle.ts). Fixed seeds; `npm run fuzz -- --runs N` runs each property N times.
import fc from "fast-check";
import protobuf from "protobufjs/light.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Network, init } from "wasmlp";
import { fromOnnx, readOnnx, toOnnx } from "wasmlp/onnx";
import { fromTfjs, readTfjs, toTfjs } from "wasmlp/tfjs";
import { MAX_JSON_DEPTH, MAX_JSON_VALUES, MAX_PROTO_DEPTH, MAX_PROTO_FIELDS, resetWalkerHighWater, walkerHighWater } from "../../src/formats/limits.js";
import { ONNX_SCHEMA } from "../../src/formats/onnx-schema.js";
import { MAX_ONNX_BYTES } from "../../src/formats/onnx/read.js";
import { MAX_TFJS_WEIGHT_BYTES } from "../../src/formats/tfjs/manifest.js";
import { type AllocationLimits, type Tally, allocationHighWater, checkOutcome } from "./fuzz-oracle.js";

/** Runs per property: WASMLP_FUZZ_RUNS (npm run fuzz -- --runs N), else what fits npm test's budget. */
const RUNS = Number(process.env.WASMLP_FUZZ_RUNS ?? 0) || 0;
const runs = (fallback: number): number => RUNS || fallback;
const SEED = Number(process.env.WASMLP_FUZZ_SEED ?? 2025);

const PROTOTYPE_NAMES = ["constructor", "__proto__", "toString", "valueOf", "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable", "toLocaleString"];
const Model = protobuf.Root.fromJSON({ nested: { onnx: ONNX_SCHEMA } } as protobuf.INamespace).lookupType("onnx.ModelProto");

type Json = unknown;
type Path = (string | number)[];
const tallies: Record<string, Tally> = {};
const tally = (name: string): Tally => (tallies[name] ??= { built: 0, refused: 0 });
/** A tfjs model's bytes: its model.json text and its weight shards. */
const tfjsLimits = (json: string, shards: Uint8Array[]): AllocationLimits => ({
  cap: MAX_TFJS_WEIGHT_BYTES,
  fileBytes: json.length + shards.reduce((n, s) => n + s.length, 0),
});

/** Small valid models wasmlp writes: every kind of layer the readers map. */
function networks(): Network[] {
  return [
    new Network({
      inputSize: 6,
      layers: [
        { units: 5, activation: "relu", dropout: 0.3, kernelRegularizer: { l1: 0.01, l2: 0.02 } },
        { units: 3, activation: "softmax" },
      ],
      seed: 1,
    }),
    new Network({
      inputSize: 12,
      inputShape: [3, 4],
      layers: [
        { units: 4, activation: "leaky-relu", alpha: 0.1 },
        { units: 2, activation: "sigmoid" },
      ],
      seed: 2,
    }),
    new Network({
      inputSize: 5,
      layers: [
        { units: 4, activation: "tanh", normalization: { type: "batch", momentum: 0.9, epsilon: 0.01 } },
        { units: 3, activation: "gelu", normalization: "layer" },
        { units: 3, activation: "swish", useBias: false },
        { units: 1 },
      ],
      seed: 3,
    }),
  ];
}

let tfjsBases: { modelJson: Json; weightData: Uint8Array }[];
let onnxBases: Uint8Array[];

beforeAll(async () => {
  await init();
  const nets = networks();
  tfjsBases = nets.map((n) => {
    const { modelJson, weightData } = toTfjs(n);
    return { modelJson: JSON.parse(JSON.stringify(modelJson)), weightData: new Uint8Array(weightData) };
  });
  onnxBases = nets.map((n) => toOnnx(n, { omit: ["dropout", "kernelRegularizer"] })); // ONNX has no place for them
  nets.forEach((n) => n.dispose());
  resetWalkerHighWater();
});

afterAll(() => {
  // The counters of the iterative walkers never passed a cap (each throws on reaching cap + 1).
  expect(walkerHighWater.jsonDepth).toBeLessThanOrEqual(MAX_JSON_DEPTH);
  expect(walkerHighWater.jsonValues).toBeLessThanOrEqual(MAX_JSON_VALUES);
  expect(walkerHighWater.protoDepth).toBeLessThanOrEqual(MAX_PROTO_DEPTH);
  expect(walkerHighWater.protoFields).toBeLessThanOrEqual(MAX_PROTO_FIELDS);
  // Each property both built networks (checked against the reference) and met refusals.
  for (const [name, t] of Object.entries(tallies)) expect(t.built > 0 && t.refused > 0, `${name}: ${JSON.stringify(t)}`).toBe(true);
  if (process.env.WASMLP_FUZZ_RUNS)
    console.log(
      `fuzz runs per property ${RUNS}, seed ${SEED}:`,
      JSON.stringify(tallies),
      "walkers' high water",
      JSON.stringify(walkerHighWater),
      "largest allocation requests",
      JSON.stringify(allocationHighWater),
    );
});

/** Every path to a value in a JSON tree. */
function paths(value: Json, prefix: Path = []): Path[] {
  const out = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...paths(v, [...prefix, i])));
  else if (typeof value === "object" && value !== null) for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  return out;
}

function nested(value: Json, depth: number, asArray: boolean): Json {
  let v = value;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { x: v };
  return v;
}

/** A mutation of a JSON tree at one path (chosen by index, modulo the number of paths). */
const jsonMutation = fc.record({
  at: fc.nat(),
  op: fc.oneof(
    fc.constant({ kind: "delete" as const }),
    fc.record({
      kind: fc.constant("replace" as const),
      value: fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom<Json>(null, -1, 0, 1.5, 1e9, -8, NaN, Infinity, "", "float16", true, [], {}, [null])),
    }),
    fc.record({
      kind: fc.constant("rename" as const),
      name: fc.oneof(
        fc.constantFrom(...PROTOTYPE_NAMES, "Dense", "Conv2D", "relu", "linear", "dense/kernel", "dense_1/bias", "layers-model"),
        fc.string({ maxLength: 12 }),
      ),
    }),
    fc.record({
      kind: fc.constant("number" as const),
      value: fc.oneof(fc.integer({ min: -10, max: 100 }), fc.constantFrom(65537, 2 ** 31, 2 ** 53, -(2 ** 31))),
    }),
    fc.record({ kind: fc.constant("deepen" as const), depth: fc.oneof(fc.integer({ min: 1, max: 80 }), fc.constant(5_000)), asArray: fc.boolean() }),
    fc.constant({ kind: "retype" as const }),
  ),
});

function mutateJson(base: Json, m: { at: number; op: { kind: string; value?: Json; name?: string; depth?: number; asArray?: boolean } }): Json {
  const json = structuredClone(base) as Record<string | number, Json>;
  const all = paths(json).filter((p) => p.length > 0);
  const path = all[m.at % all.length];
  let parent = json as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, Json>;
  const last = path[path.length - 1];
  const old = parent[last];
  switch (m.op.kind) {
    case "delete":
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
      break;
    case "replace":
      parent[last] = m.op.value;
      break;
    case "rename":
      parent[last] = typeof old === "string" || typeof old !== "object" ? m.op.name : { ...(old as object), [m.op.name as string]: old };
      break;
    case "number":
      parent[last] = typeof old === "number" || typeof old === "string" ? m.op.value : Array.isArray(old) ? [...old, m.op.value] : m.op.value;
      break;
    case "deepen":
      parent[last] = nested(old, m.op.depth as number, m.op.asArray as boolean);
      break;
    case "retype":
      parent[last] = Array.isArray(old)
        ? { ...old }
        : typeof old === "object" && old !== null
          ? Object.values(old)
          : typeof old === "number"
            ? String(old)
            : typeof old === "string"
              ? Number(old) || [old]
              : { value: old };
      break;
  }
  return json;
}

describe("tfjs", () => {
  test("model.json: values replaced, deleted, renamed, renumbered, retyped and nested deeper", () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 }), jsonMutation, (which, m) => {
        const base = tfjsBases[which];
        const json = mutateJson(base.modelJson, m);
        checkOutcome(
          "tfjs",
          () => fromTfjs(json, base.weightData),
          () => readTfjs(json, base.weightData, { seed: 1 }),
          tally("tfjs json"),
          tfjsLimits(JSON.stringify(base.modelJson), [base.weightData]),
        );
      }),
      { seed: SEED, numRuns: runs(200) },
    );
  });

  test("model.json text: characters flipped, cut and inserted", () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 }), fc.nat(), fc.integer({ min: 0, max: 2 }), fc.string({ minLength: 1, maxLength: 4 }), (which, at, op, text) => {
        const base = tfjsBases[which];
        const s = JSON.stringify(base.modelJson);
        const i = at % s.length;
        const json = op === 0 ? s.slice(0, i) : op === 1 ? s.slice(0, i) + text + s.slice(i + 1) : s.slice(0, i) + text + s.slice(i);
        checkOutcome(
          "tfjs",
          () => fromTfjs(json, base.weightData),
          () => readTfjs(json, base.weightData, { seed: 1 }),
          tally("tfjs text"),
          tfjsLimits(json, [base.weightData]),
        );
      }),
      { seed: SEED + 1, numRuns: runs(300) },
    );
  });

  test("weight shards: bytes flipped, cut, appended, and split into several shards", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }),
        fc.integer({ min: -8, max: 8 }),
        fc.array(fc.nat(), { maxLength: 3 }),
        (which, flips, resize, cuts) => {
          const base = tfjsBases[which];
          let data = base.weightData.slice();
          for (const [at, xor] of flips) data[at % data.length] ^= xor;
          data = resize < 0 ? data.slice(0, Math.max(0, data.length + resize)) : Uint8Array.from([...data, ...new Array(resize).fill(7)]);
          const points = [...new Set(cuts.map((c) => (data.length ? c % data.length : 0)))].sort((a, b) => a - b);
          const shards = [0, ...points].map((p, i, all) => data.slice(p, i + 1 < all.length ? all[i + 1] : data.length));
          checkOutcome(
            "tfjs",
            () => fromTfjs(base.modelJson, shards),
            () => readTfjs(base.modelJson, shards, { seed: 1 }),
            tally("tfjs shards"),
            tfjsLimits(JSON.stringify(base.modelJson), shards),
          );
        },
      ),
      { seed: SEED + 2, numRuns: runs(300) },
    );
  });
});

/** The decoded ONNX model as plain objects, for structural mutations. */
type OnnxObject = {
  opsetImport: { version: number }[];
  graph: {
    node: { opType: string; input: string[]; output: string[]; attribute: { name: string; type?: number; f?: number; i?: number; g?: unknown }[] }[];
    initializer: { name: string; dims: number[]; dataType: number; rawData: Uint8Array }[];
    input: { name: string; type: { tensorType: { elemType: number; shape: { dim: { dimValue?: number }[] } } } }[];
  };
};
const decode = (bytes: Uint8Array): OnnxObject => Model.toObject(Model.decode(bytes), { defaults: true, arrays: true, longs: Number }) as unknown as OnnxObject;
const encode = (model: OnnxObject): Uint8Array => Model.encode(Model.fromObject(model as never)).finish();

const onnxMutation = fc.oneof(
  fc.record({
    kind: fc.constant("dims" as const),
    at: fc.nat(),
    dim: fc.nat(),
    value: fc.oneof(fc.integer({ min: -10, max: 40 }), fc.constantFrom(-8, -4, 65537, 2 ** 31, 2 ** 40)),
  }),
  fc.record({
    kind: fc.constant("opType" as const),
    at: fc.nat(),
    name: fc.oneof(
      fc.constantFrom(...PROTOTYPE_NAMES, "Relu", "Gemm", "MatMul", "Add", "Softmax", "Flatten", "Identity", "Gelu", "Conv", "Sigmoid", "Mul"),
      fc.string({ maxLength: 8 }),
    ),
  }),
  fc.record({ kind: fc.constant("dataType" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 17 }) }),
  fc.record({
    kind: fc.constant("rename" as const),
    at: fc.nat(),
    input: fc.boolean(),
    name: fc.oneof(fc.constantFrom(...PROTOTYPE_NAMES, "input", "output", "dense_0.weight", ""), fc.string({ maxLength: 6 })),
  }),
  fc.record({ kind: fc.constant("dropNode" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("attribute" as const),
    at: fc.nat(),
    name: fc.constantFrom("alpha", "axis", "transB", "transA", "epsilon", "momentum", "beta", "approximate", ...PROTOTYPE_NAMES),
    value: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.double({ noNaN: false })),
  }),
  fc.record({ kind: fc.constant("inputShape" as const), dim: fc.nat(), value: fc.integer({ min: -3, max: 70000 }) }),
  fc.record({ kind: fc.constant("opset" as const), value: fc.integer({ min: 0, max: 30 }) }),
  fc.record({ kind: fc.constant("deepen" as const), at: fc.nat(), depth: fc.integer({ min: 1, max: 30 }) }), // deeper: the raw-bytes test below (protobufjs cannot encode them)
);

function mutateOnnx(
  bytes: Uint8Array,
  m: { kind: string; at?: number; dim?: number; value?: number; name?: string; input?: boolean; depth?: number },
): Uint8Array {
  const model = decode(bytes);
  const g = model.graph;
  const node = g.node[(m.at ?? 0) % g.node.length];
  const init = g.initializer[(m.at ?? 0) % g.initializer.length];
  switch (m.kind) {
    case "dims":
      if (init.dims.length === 0) init.dims.push(m.value as number);
      else init.dims[(m.dim as number) % init.dims.length] = m.value as number;
      break;
    case "opType":
      node.opType = m.name as string;
      break;
    case "dataType":
      init.dataType = m.value as number;
      break;
    case "rename": {
      const list = m.input ? node.input : node.output;
      if (list.length > 0) list[(m.dim ?? 0) % list.length] = m.name as string;
      else list.push(m.name as string);
      break;
    }
    case "dropNode":
      g.node.splice((m.at as number) % g.node.length, 1);
      break;
    case "attribute": {
      const a = node.attribute.find((x) => x.name === m.name);
      const value = m.value as number;
      if (a) {
        if (a.type === 2) a.i = Math.trunc(value) || 0;
        else a.f = value;
      } else node.attribute.push(Number.isInteger(value) ? { name: m.name as string, type: 2, i: value } : { name: m.name as string, type: 1, f: value });
      break;
    }
    case "inputShape": {
      const dims = g.input[0].type.tensorType.shape.dim;
      dims[(m.dim as number) % dims.length] = { dimValue: m.value as number };
      break;
    }
    case "opset":
      model.opsetImport[0].version = m.value as number;
      break;
    case "deepen": {
      // A subgraph attribute nested `depth` graphs deep (the walker counts messages, not just graphs).
      let sub: unknown = { name: "deep", node: [] };
      for (let i = 0; i < (m.depth as number); i++)
        sub = { name: `g${i}`, node: [{ opType: "If", input: [], output: [], attribute: [{ name: "then_branch", type: 5, g: sub }] }] };
      node.attribute.push({ name: "then_branch", type: 5, g: sub });
      break;
    }
  }
  return encode(model);
}

describe("onnx", () => {
  test("structure: dims, op types, data types, names, attributes, input shape, opset and nesting changed", () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 }), onnxMutation, (which, m) => {
        const bytes = mutateOnnx(onnxBases[which], m);
        checkOutcome(
          "onnx",
          () => fromOnnx(bytes),
          () => readOnnx(bytes, { seed: 1 }),
          tally("onnx structure"),
          { cap: MAX_ONNX_BYTES, fileBytes: bytes.length },
        );
      }),
      { seed: SEED + 3, numRuns: runs(200) },
    );
  });

  test("bytes: flipped, cut, inserted and repeated", () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 3 }),
        fc.nat(),
        fc.integer({ min: 0, max: 3 }),
        fc.uint8Array({ maxLength: 8 }),
        (which, flips, at, op, extra) => {
          let bytes = onnxBases[which].slice();
          for (const [i, xor] of flips) bytes[i % bytes.length] ^= xor;
          const i = at % bytes.length;
          if (op === 1) bytes = bytes.slice(0, i);
          else if (op === 2) bytes = Uint8Array.from([...bytes.slice(0, i), ...extra, ...bytes.slice(i)]);
          else if (op === 3) bytes = Uint8Array.from([...bytes, ...bytes.slice(i, i + 40)]);
          checkOutcome(
            "onnx",
            () => fromOnnx(bytes),
            () => readOnnx(bytes, { seed: 1 }),
            tally("onnx bytes"),
            { cap: MAX_ONNX_BYTES, fileBytes: bytes.length },
          );
        },
      ),
      { seed: SEED + 4, numRuns: runs(300) },
    );
  });

  test("messages nested 100,000 deep (built iteratively) give the named depth error", () => {
    // Model.graph → Graph.node → Node.attribute → Attribute.g → Graph.node → …: each level a tag and a
    // length around the next. Lengths are summed from the inside out, then the bytes written in one pass.
    const LEVELS = 100_000;
    const varint = (n: number): number[] => {
      const out: number[] = [];
      while (n > 127) {
        out.push((n & 127) | 128);
        n = Math.floor(n / 128);
      }
      out.push(n);
      return out;
    };
    const fieldOf = (level: number): number => (level === 0 ? 7 : [1, 5, 6][(level - 1) % 3]); // level 0 is ModelProto.graph
    const lengths = new Array<number>(LEVELS + 1).fill(0); // lengths[l]: bytes inside level l's field
    for (let l = LEVELS - 1; l >= 0; l--)
      lengths[l] = lengths[l + 1] === 0 && l === LEVELS - 1 ? 0 : varint((fieldOf(l + 1) << 3) | 2).length + varint(lengths[l + 1]).length + lengths[l + 1];
    const out: number[] = [];
    for (let l = 0; l < LEVELS; l++) out.push(...varint((fieldOf(l) << 3) | 2), ...varint(lengths[l]));
    const bytes = Uint8Array.from(out);
    const before = { ...walkerHighWater }; // the other properties' high water, which afterAll checks
    resetWalkerHighWater();
    expect(() => fromOnnx(bytes)).toThrow(`onnx: protobuf messages nest deeper than MAX_PROTO_DEPTH (${MAX_PROTO_DEPTH}) levels`);
    expect(walkerHighWater.protoDepth).toBe(MAX_PROTO_DEPTH);
    for (const k of Object.keys(before) as (keyof typeof before)[]) walkerHighWater[k] = Math.max(walkerHighWater[k], before[k]);
  });
});
