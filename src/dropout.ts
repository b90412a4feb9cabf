// Dropout's random mask, shared by both engines: the wasm kernels (assembly/dropout.ts) and the
// float64 reference draw the same keep decisions from the same counter-based hash, so a network
// trains to the same weights in either (within float rounding) and on any thread count.

/** The same word as assembly/dropout.ts's hash(seed, i). */
export function dropoutHash(seed: number, i: number): number {
  let z = (seed + Math.imul(i, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad) >>> 0;
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97) >>> 0;
  return (z ^ (z >>> 15)) >>> 0;
}

/** The kernel's arguments for a rate: keep when hash ≥ threshold, and scale what is kept. */
export function dropoutArgs(rate: number): { threshold: number; scale: number } {
  return { threshold: Math.min(Math.floor(rate * 2 ** 32), 2 ** 32 - 1), scale: Math.fround(1 / (1 - rate)) };
}

/** The seed of layer `layer`'s mask at update `step` of a network seeded `seed`. */
export function dropoutSeed(seed: number, step: number, layer: number): number {
  return dropoutHash((seed ^ 0x68e31da4) >>> 0, step * 256 + layer);
}
