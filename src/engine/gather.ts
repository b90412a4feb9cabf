// Copying a minibatch's rows (in shuffled order or as they are) out of a data set: the engines'
// loadX/loadY and the custom-loss training loop share it. No engine state, so it loads nothing else.
/** dst[i] = src row (order ? order[start+i] : start+i) for i < m, rows of `width` floats. */
export function gatherRows(dst: Float32Array | Float64Array, src: Float32Array, width: number, order: Uint32Array | null, start: number, m: number): void {
  if (!order) {
    dst.set(src.subarray(start * width, (start + m) * width));
    return;
  }
  // subarray()+set() per row: a memcpy each; measured faster than a plain loop despite the garbage.
  for (let i = 0; i < m; i++) {
    const r = order[start + i] * width;
    dst.set(src.subarray(r, r + width), i * width);
  }
}
