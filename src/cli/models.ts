// Where the eval, predict and export commands read a model from: one flag per format, each one
// table entry (flag, argument, help line, loader). Exactly one of them must be given.
import { existsSync } from "node:fs";
import { fromOnnx, readOnnx } from "../formats/onnx.js";
import { loadTfjs, readTfjsFolder } from "../formats/tfjs-node.js";
import { Network } from "../network.js";
import { parseModelJSON } from "../model-file.js";
import type { ModelJSON } from "../types.js";
import { type Spec, UsageError } from "./args.js";
import { readModelBytes, readModelText } from "./files.js";

interface ModelSource {
  arg: string;
  help: string;
  /** What the path names, for errors: "<path> is not a usable <what>". */
  what: string;
  /** Checks the path and reads what it can before parsing; its errors are shown as they are. */
  read(path: string): unknown;
  /** Builds the network from what read() returned; its errors say the model is not usable. */
  build(data: unknown): Network;
  /** The same as a wasmlp model file, without wasm (export converts at this level). */
  json(data: unknown): ModelJSON;
}

export const MODEL_SOURCES: Record<string, ModelSource> = {
  model: {
    arg: "FILE",
    what: "wasmlp model",
    help: "a model saved by wasmlp train --save",
    read: (path) => readModelText(path),
    build: (text) => Network.fromJSON(text as string),
    json: (text) => {
      const model = parseJSONText(text as string);
      parseModelJSON(model); // validated here, so that its errors name the file
      return model;
    },
  },
  "from-tfjs": {
    arg: "DIR",
    what: "TensorFlow.js layers model",
    help: "a TensorFlow.js layers model: model.json and its weight files (tensorflowjs_converter's output)",
    read: (path) => {
      if (!existsSync(path)) throw new Error(`TensorFlow.js model directory ${path} does not exist`);
      return path;
    },
    build: (path) => loadTfjs(path as string), // checks each file's size and real path before reading it
    json: (path) => readTfjsFolder(path as string),
  },
  "from-onnx": {
    arg: "FILE",
    what: "ONNX model",
    help: "an ONNX model (e.g. PyTorch's torch.onnx.export) of Gemm/MatMul layers and activations",
    read: (path) => readModelBytes(path),
    build: (bytes) => fromOnnx(bytes as Uint8Array) as unknown as Network,
    json: (bytes) => readOnnx(bytes as Uint8Array),
  },
};

/** The parseArgs spec of every model flag. */
export const MODEL_FLAGS: Spec = Object.fromEntries(Object.keys(MODEL_SOURCES).map((flag) => [flag, { type: "string" as const }]));

/** Help lines for the model flags, padded to `width`. */
export function modelFlagsHelp(width: number): string {
  return Object.entries(MODEL_SOURCES)
    .map(([flag, s]) => `  ${`--${flag} ${s.arg}`.padEnd(width)}${s.help}\n`)
    .join("");
}

/** The usage line's model part: --model FILE | --from-tfjs DIR | … */
export const MODEL_USAGE = Object.entries(MODEL_SOURCES)
  .map(([flag, s]) => `--${flag} ${s.arg}`)
  .join(" | ");

/** The one model source the flags name, and its path. */
function chosenSource(values: Record<string, string | boolean | undefined>, command: string): { source: ModelSource; path: string } {
  const given = Object.keys(MODEL_SOURCES).filter((flag) => values[flag] !== undefined);
  if (given.length === 0) {
    const others = Object.entries(MODEL_SOURCES)
      .slice(1)
      .map(([f, s]) => `--${f} ${s.arg}`)
      .join(", ");
    throw new UsageError(`${command}: --model FILE is required (or ${others}; see wasmlp ${command} --help)`);
  }
  if (given.length > 1) throw new UsageError(`${command}: give one model, received ${given.map((f) => `--${f}`).join(" and ")}`);
  const flag = given[0];
  const path = values[flag];
  if (typeof path !== "string" || path === "") throw new UsageError(`--${flag} needs a value`);
  return { source: MODEL_SOURCES[flag], path };
}

/** Loads the one model the flags name; errors name the path and what is wrong with it. */
export function loadModel(values: Record<string, string | boolean | undefined>, command: string): { net: Network; path: string } {
  const { source, path } = chosenSource(values, command);
  const data = source.read(path);
  try {
    return { net: source.build(data), path };
  } catch (e) {
    throw new Error(`${path} is not a usable ${source.what}: ${(e as Error).message}`);
  }
}

/** The one model the flags name as a wasmlp model file, without wasm (what export converts). */
export function loadModelJSON(values: Record<string, string | boolean | undefined>, command: string): { model: ModelJSON; path: string } {
  const { source, path } = chosenSource(values, command);
  const data = source.read(path);
  try {
    return { model: source.json(data), path };
  } catch (e) {
    throw new Error(`${path} is not a usable ${source.what}: ${(e as Error).message}`);
  }
}

function parseJSONText(text: string): ModelJSON {
  try {
    return JSON.parse(text) as ModelJSON;
  } catch (e) {
    throw new SyntaxError(`model file is not valid JSON: ${(e as Error).message}`);
  }
}
