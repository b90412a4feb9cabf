// The module's exports: every kernel family, and where the TypeScript allocator may start.
export * from "./gemm";
export * from "./dense";
export * from "./reduce";
export * from "./activations";
export * from "./losses";
export * from "./optim";
export * from "./dropout";
export * from "./normalization";
export * from "./elementwise";
export * from "./quantized";

/** First byte above the module's static data: where the TypeScript allocator may start. */
export function heap_base(): usize {
  return __heap_base;
}
