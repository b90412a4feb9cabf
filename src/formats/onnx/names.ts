// The one table of ONNX names: for each wasmlp activation, the operators (and the node patterns
// of swish and exact gelu) read as it, with their attribute checks, and the node toOnnx writes.
// Lookups go through Maps, so an op_type such as "constructor" or "__proto__" is unknown.
import { ACTIVATION_REGISTRY, type Activation } from "../../activations.js";
import { UnsupportedFormatError } from "../errors.js";
import type { Node } from "./proto.js";

/** Op types of the fused patterns (not ONNX operators: the names cannot clash). */
export const SWISH_PATTERN = "Sigmoid+Mul (swish)";
export const GELU_PATTERN = "Div+Erf+Add+Mul+Mul (gelu)";

type AttributeOf = (name: string) => number | undefined;
/** What a node is, given its attributes: the activation (and slope), or why it is not representable. */
type ReadCheck = (attr: AttributeOf) => { alpha?: number } | string;
/**
 * What toOnnx writes for the activation: one node, "pattern" (several nodes, see write.ts),
 * "identity" (nothing: the registry's identity, whose kernels are null), or null (no exact
 * equivalent: the export is refused).
 */
type WriteNode = ((alpha: number) => { opType: string; attribute: object[] }) | "pattern" | "identity" | null;

export function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b));
}

const plain: ReadCheck = () => ({});

/**
 * What the ONNX format adds to the registry's operator names (src/activations.ts): the attributes
 * each operator is read with and written with. An operator not listed takes no attributes.
 */
const OPERATOR_RULES: ReadonlyMap<string, { check: ReadCheck; write: (alpha: number) => object[] }> = new Map([
  [
    "LeakyRelu",
    {
      check: (a: AttributeOf) => {
        const alpha = a("alpha") ?? 0.01;
        return alpha > 0 && alpha < 1 ? { alpha } : `alpha ${alpha} (wasmlp's leaky-relu takes a slope in (0, 1))`;
      },
      write: (alpha: number) => [{ name: "alpha", type: 1, f: alpha }],
    },
  ],
  [
    "Elu",
    {
      check: (a: AttributeOf) => (close(a("alpha") ?? 1, 1) ? {} : `alpha ${a("alpha")} (wasmlp's elu has alpha 1)`),
      write: () => [{ name: "alpha", type: 1, f: 1 }],
    },
  ],
  [
    "Selu",
    {
      check: (a: AttributeOf) =>
        close(a("alpha") ?? 1.67326319217681884765625, 1.6732632423543772) && close(a("gamma") ?? 1.05070102214813232421875, 1.0507009873554805)
          ? {}
          : "alpha/gamma other than SELU's constants",
      write: () => [],
    },
  ],
  [
    "HardSigmoid",
    {
      check: (a: AttributeOf) =>
        close(a("alpha") ?? 0.2, 1 / 6) && close(a("beta") ?? 0.5, 0.5)
          ? {}
          : `alpha ${a("alpha") ?? 0.2}, beta ${a("beta") ?? 0.5} (wasmlp's hard-sigmoid is relu6(x + 3)/6: alpha 1/6, beta 0.5)`,
      write: () => [
        { name: "alpha", type: 1, f: 1 / 6 },
        { name: "beta", type: 1, f: 0.5 },
      ],
    },
  ],
  ["Softmax", { check: plain, write: () => [{ name: "axis", type: 2, i: -1 }] }],
]);

/**
 * Activations with no single operator (the registry's onnx is null) that ONNX still expresses:
 * swish as Sigmoid and Mul (no Swish operator before opset 24), exact gelu as Div, Erf, Add, Mul,
 * Mul (toOnnx and PyTorch before opset 20) or opset 20's Gelu (its approximate attribute is
 * checked where it is read). Written as those patterns, read back as the fused pattern nodes.
 */
const PATTERNS: ReadonlyMap<Activation, string[]> = new Map<Activation, string[]>([
  ["swish", [SWISH_PATTERN]],
  ["gelu", ["Gelu", GELU_PATTERN]],
]);

/**
 * Registry activations an ONNX graph cannot hold exactly, each with the reason toOnnx gives (none:
 * every one has an operator or a pattern). Any other activation without either is refused too,
 * and fails test/formats/onnx.test.ts, which exports every registry activation, by name.
 */
export const ONNX_UNWRITABLE: ReadonlyMap<Activation, string> = new Map<Activation, string>();

/** Per activation, the op types read as it and the node written for it, from the registry. */
interface OnnxActivation {
  reads: [string, ReadCheck][];
  writes: WriteNode;
}
const ACTIVATIONS: ReadonlyMap<Activation, OnnxActivation> = new Map(
  [...ACTIVATION_REGISTRY.values()].map((a): [Activation, OnnxActivation] => {
    if (a.onnx !== null) {
      const op = a.onnx,
        rule = OPERATOR_RULES.get(op);
      return [a.name, { reads: [[op, rule?.check ?? plain]], writes: (alpha: number) => ({ opType: op, attribute: rule?.write(alpha) ?? [] }) }];
    }
    const pattern = PATTERNS.get(a.name);
    if (pattern) return [a.name, { reads: pattern.map((op) => [op, plain]), writes: "pattern" }];
    return [a.name, { reads: [], writes: a.kernels === null ? "identity" : null }];
  }),
);

const READS: ReadonlyMap<string, { activation: Activation; check: ReadCheck }> = new Map(
  [...ACTIVATIONS].flatMap(([activation, entry]) => entry.reads.map(([op, check]) => [op, { activation, check }] as const)),
);

/** The activation node type `opType` is, with its attribute check, or undefined when it is not one. */
export function onnxActivation(opType: string): { activation: Activation; check: ReadCheck } | undefined {
  return READS.get(opType);
}

/** The lowest opset that has the operator toOnnx writes for an activation (0: any). */
export function onnxOpsetOf(activation: Activation): number {
  return ACTIVATION_REGISTRY.get(activation)?.onnxOpset ?? 0;
}

/** What toOnnx writes for an activation. */
export function onnxNodeOf(activation: Activation): WriteNode {
  if (ONNX_UNWRITABLE.has(activation)) return null;
  return ACTIVATIONS.get(activation)?.writes ?? null;
}

/**
 * Refuses, before anything is written, a network with an activation ONNX cannot hold exactly:
 * writing it as anything else (an Identity) would give a model that computes something else.
 * @throws UnsupportedFormatError naming the function, the layer, the activation and the format.
 */
export function checkOnnxActivations(fn: string, layers: readonly { activation: Activation }[]): void {
  layers.forEach((l, i) => {
    if (onnxNodeOf(l.activation) !== null) return;
    const why =
      ONNX_UNWRITABLE.get(l.activation) ?? "the registry (src/activations.ts) gives it no ONNX operator and src/formats/onnx/names.ts no node pattern";
    throw new UnsupportedFormatError(`${fn}: layer ${i} (${l.activation}) has no ONNX equivalent: ${why}`);
  });
}

/** The shortest decimal that is this float32 (attributes are float32: 0.2 arrives as 0.2000000030). */
export function shortestFloat(f: number): number {
  for (let digits = 1; digits <= 9; digits++) {
    const v = Number(f.toPrecision(digits));
    if (Math.fround(v) === Math.fround(f)) return v;
  }
  return f;
}

/**
 * The graph's nodes with the patterns of swish (x·Sigmoid(x)) and exact gelu (x·(1 + Erf(x/√2))·0.5,
 * as toOnnx and PyTorch before opset 20 write it) each replaced by one node of x, so that the chain
 * reader sees one activation after each layer.
 */
export function fusePatterns(nodes: Node[], scalar: (name: string) => number | null): Node[] {
  const out: Node[] = [];
  const constant = (n: Node, x: string): number | null => {
    if (n.input.length !== 2 || !n.input.includes(x)) return null;
    return scalar(n.input[0] === x ? n.input[1] : n.input[0]);
  };
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i],
      x = n.input[0];
    const [a, b, c, d] = [nodes[i + 1], nodes[i + 2], nodes[i + 3], nodes[i + 4]];
    if (n.opType === "Sigmoid" && a?.opType === "Mul" && a.input.length === 2 && a.input.includes(x) && a.input.includes(n.output[0]) && x !== n.output[0]) {
      out.push({ name: a.name, opType: SWISH_PATTERN, input: [x], output: a.output, attribute: [] });
      i += 1;
      continue;
    }
    if (
      n.opType === "Div" &&
      n.input[0] === x &&
      close(scalar(n.input[1]) ?? NaN, Math.SQRT2) &&
      a?.opType === "Erf" &&
      a.input[0] === n.output[0] &&
      b?.opType === "Add" &&
      close(constant(b, a.output[0]) ?? NaN, 1) &&
      c?.opType === "Mul" &&
      c.input.includes(x) &&
      c.input.includes(b.output[0]) &&
      d?.opType === "Mul" &&
      close(constant(d, c.output[0]) ?? NaN, 0.5)
    ) {
      out.push({ name: d.name, opType: GELU_PATTERN, input: [x], output: d.output, attribute: [] });
      i += 4;
      continue;
    }
    out.push(n);
  }
  return out;
}
