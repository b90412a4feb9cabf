// wasmlp/reference: the same math in plain float64 TypeScript, with no WebAssembly, and
// gradCheck, which checks a network's backprop against float64 finite differences.
export { ReferenceNetwork } from "./network.js";
export { Layer } from "../layer.js";
export * as math from "./math.js";
export { gradCheck, type GradCheckResult, type TensorCheck } from "./gradcheck.js";
