// A tfjs model's layer list in the order data flows: a Sequential's as written, a functional
// model's (Model / Functional) walked from its one input to its one output. Anything but a chain
// (branches, residuals, shared layers, several inputs) is refused with an error naming the layer.
import { describe } from "../describe.js";
import { FormatError, FormatTypeError, UnsupportedFormatError } from "../errors.js";

/** One layer as the file lists it, before its config is read. */
export interface RawLayer {
  name: string;
  className: string;
  config: Record<string, unknown>;
  inbound: unknown;
}

/** The file's layer list, each entry checked for an object config and a class_name. */
export function rawLayers(list: unknown): RawLayer[] {
  if (!Array.isArray(list)) throw new FormatError(`tfjs modelTopology has no layer list (received ${describe(list)})`);
  return list.map((l, i) => {
    if (typeof l !== "object" || l === null) throw new FormatTypeError(`tfjs layer ${i} must be an object, received ${describe(l)}`);
    const layer = l as Record<string, unknown>;
    const config = (layer.config ?? {}) as Record<string, unknown>;
    if (typeof config !== "object" || Array.isArray(config)) throw new FormatTypeError(`tfjs layer ${i}: config must be an object`);
    const name = typeof layer.name === "string" ? layer.name : typeof config.name === "string" ? config.name : `#${i}`;
    if (typeof layer.class_name !== "string") throw new FormatTypeError(`tfjs layer "${name}" has no class_name`);
    return { name, className: layer.class_name, config, inbound: layer.inbound_nodes };
  });
}

/** A reference to a layer's output: [name, node, tensor, …] (Keras 2, tfjs) or Keras 3's __keras_tensor__. */
function tensorSource(ref: unknown): string | null {
  if (Array.isArray(ref) && typeof ref[0] === "string") return ref[0];
  if (typeof ref === "object" && ref !== null) {
    const history = (ref as { config?: { keras_history?: unknown } }).config?.keras_history;
    if (Array.isArray(history) && typeof history[0] === "string") return history[0];
  }
  return null;
}

/** The layers a node's call reads, in either serialisation. */
function nodeInputs(node: unknown): unknown[] {
  if (Array.isArray(node)) return node; // [[name, 0, 0, {}], …]
  if (typeof node === "object" && node !== null && Array.isArray((node as { args?: unknown }).args)) {
    return (node as { args: unknown[] }).args.flatMap((a) => (Array.isArray(a) && a.length > 0 && typeof a[0] !== "string" ? a : [a]));
  }
  return [node];
}

/** Orders a functional model's layers from its one input to its one output; refuses anything but a chain. */
export function chainOrder(layers: RawLayer[], inputs: unknown, outputs: unknown): RawLayer[] {
  const ends = (what: string, refs: unknown): string => {
    const list = Array.isArray(refs) && typeof refs[0] === "string" ? [refs] : refs; // Keras 3 writes a single [name, 0, 0]
    if (!Array.isArray(list) || list.length !== 1) {
      throw new UnsupportedFormatError(
        `tfjs model has ${Array.isArray(list) ? list.length : "no"} ${what} layers: only models with one input and one output are supported`,
      );
    }
    const name = tensorSource(list[0]);
    if (name === null) throw new FormatError(`tfjs model: ${what}_layers[0] is not a layer reference`);
    return name;
  };
  const input = ends("input", inputs);
  const output = ends("output", outputs);
  const byName = new Map(layers.map((l) => [l.name, l]));
  const consumers = new Map<string, RawLayer[]>();
  for (const l of layers) {
    if (l.name === input) continue;
    const nodes = l.inbound;
    if (!Array.isArray(nodes) || nodes.length === 0)
      throw new UnsupportedFormatError(
        `tfjs layer "${l.name}" (${l.className}) is not connected to anything: only a chain from one input to one output is supported`,
      );
    if (nodes.length > 1)
      throw new UnsupportedFormatError(`tfjs layer "${l.name}" (${l.className}) is applied ${nodes.length} times (a shared layer): not supported`);
    const sources = nodeInputs(nodes[0]).map(tensorSource);
    if (sources.length !== 1 || sources[0] === null) {
      throw new UnsupportedFormatError(
        `tfjs layer "${l.name}" (${l.className}) takes ${sources.length} inputs: residual and multi-input graphs are not supported`,
      );
    }
    const from = sources[0];
    if (!byName.has(from)) throw new FormatError(`tfjs layer "${l.name}" reads from "${from}", which is not a layer of the model`);
    consumers.set(from, [...(consumers.get(from) ?? []), l]);
  }
  const inputLayer = byName.get(input);
  if (!inputLayer) throw new FormatError(`tfjs model: the input layer "${input}" is not in the layer list`);
  const order = [inputLayer];
  for (let at = inputLayer; at.name !== output; ) {
    const next = consumers.get(at.name) ?? [];
    if (next.length !== 1) {
      throw new UnsupportedFormatError(
        next.length === 0
          ? `tfjs model: nothing reads layer "${at.name}", so the output "${output}" is not reached from the input`
          : `tfjs layer "${at.name}" feeds ${next.length} layers (${next.map((n) => `"${n.name}"`).join(", ")}): branching and residual graphs are not supported`,
      );
    }
    at = next[0];
    order.push(at);
  }
  if (order.length !== layers.length) {
    const off = layers.find((l) => !order.includes(l));
    throw new UnsupportedFormatError(
      `tfjs layer "${off?.name}" (${off?.className}) is not on the path from the input to the output: only a chain is supported`,
    );
  }
  return order;
}
