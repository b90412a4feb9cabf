// Int8 inference (docs/quantization.md): the scheme and the kernels' weight layouts
// (quantize/scheme.ts), the inference-only network (quantize/network.ts) and its model file
// (quantize/file.ts).
export * from "./quantize/file.js";
export * from "./quantize/network.js";
export * from "./quantize/scheme.js";
