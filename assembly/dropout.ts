// Inverted dropout with a counter-based generator: element i of a call seeded `seed` is kept
// when hash(seed, i) ≥ threshold (threshold = rate·2³²) and then scaled by 1/(1 − rate). The
// mask is never stored: the backward pass recomputes it from the same seed, and a float64
// reference (src/dropout.ts) draws the very same bits.

// splitmix32's finaliser over seed + i·φ: every (seed, i) gives a well-mixed 32-bit word.
// @ts-ignore: decorator
@inline function hash(seed: u32, i: u32): u32 {
  let z: u32 = seed + i * 0x9e3779b9;
  z = (z ^ (z >>> 16)) * 0x21f0aaad;
  z = (z ^ (z >>> 15)) * 0x735a2d97;
  return z ^ (z >>> 15);
}

/** out(n) = a ∘ mask: scale where hash(seed, i) ≥ threshold, else 0. out may be a. */
export function dropout_forward(n: i32, a: usize, out: usize, threshold: u32, scale: f32, seed: u32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, hash(seed, <u32>i) >= threshold ? load<f32>(a + o) * scale : 0);
  }
}

/** d(n) ∘= mask, the mask of the dropout_forward call with the same threshold, scale and seed. */
export function dropout_backward(n: i32, d: usize, threshold: u32, scale: f32, seed: u32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(d + o, hash(seed, <u32>i) >= threshold ? load<f32>(d + o) * scale : 0);
  }
}
