// Copying a minibatch's rows (in shuffled order or as they are) out of a data set: the engines'
// loadX/loadY and the custom-loss training loop share it. No engine state, so it loads nothing else.
/**
 * dst row (at + i) = src row (order ? order[start+i] : start+i) for i < m, rows of `width` floats
 * (`at`: where in dst the rows go, for a batch copied a few rows at a time).
 */
export function gatherRows(
  dst: Float32Array | Float64Array,
  src: Float32Array,
  width: number,
  order: Uint32Array | null,
  start: number,
  m: number,
  at = 0,
): void {
  if (!order) {
    dst.set(src.subarray(start * width, (start + m) * width), at * width);
    return;
  }
  // Narrow rows (targets, a few features): a plain loop. Wide rows (images): subarray()+set(), a
  // memcpy each, faster despite the garbage; the two break even at 64 floats (bench/LOG.md).
  if (width < 64) {
    for (let i = 0; i < m; i++) {
      const r = order[start + i] * width,
        o = (at + i) * width;
      for (let j = 0; j < width; j++) dst[o + j] = src[r + j];
    }
    return;
  }
  for (let i = 0; i < m; i++) {
    const r = order[start + i] * width;
    dst.set(src.subarray(r, r + width), (at + i) * width);
  }
}
