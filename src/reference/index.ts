// wasmlp/reference: the same math in plain float64 TypeScript, with no WebAssembly.
export { ReferenceNetwork } from "./network.js";
export { Layer } from "../layer.js";
export * as math from "./math.js";
