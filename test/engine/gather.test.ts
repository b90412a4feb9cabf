// Copying a minibatch's rows out of a data set: narrow rows take a plain loop, wide ones a
// memcpy per row; both give the rows asked for, in order, into a Float32Array or Float64Array.
import { describe, expect, test } from "vitest";
import { gatherRows } from "../../src/engine/gather.js";

describe("gatherRows", () => {
  test.each([1, 10, 63, 64, 784])("rows of %i values, shuffled or contiguous", (width) => {
    const rows = 50;
    const src = Float32Array.from({ length: rows * width }, (_, i) => i * 0.5);
    const order = Uint32Array.from({ length: rows }, (_, i) => (i * 17 + 3) % rows);
    for (const dst of [new Float32Array(8 * width), new Float64Array(8 * width)]) {
      gatherRows(dst, src, width, order, 5, 7);
      for (let i = 0; i < 7; i++)
        expect(Array.from(dst.subarray(i * width, (i + 1) * width))).toEqual(Array.from(src.subarray(order[5 + i] * width, (order[5 + i] + 1) * width)));
      expect(Array.from(dst.subarray(7 * width))).toEqual(new Array(width).fill(0)); // nothing past the m rows
      gatherRows(dst, src, width, null, 40, 8);
      expect(Array.from(dst)).toEqual(Array.from(src.subarray(40 * width, 48 * width)));
      // A few rows at a time, into their places (the engine's copy-ahead).
      dst.fill(0);
      gatherRows(dst, src, width, order, 5, 3, 0);
      gatherRows(dst, src, width, order, 8, 4, 3);
      for (let i = 0; i < 7; i++) expect(dst[i * width + width - 1]).toBe(src[order[5 + i] * width + width - 1]);
      gatherRows(dst, src, width, null, 10, 1, 7);
      expect(Array.from(dst.subarray(7 * width))).toEqual(Array.from(src.subarray(10 * width, 11 * width)));
    }
  });
});
