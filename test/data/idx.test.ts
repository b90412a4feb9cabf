// The IDX reader on small files the test writes itself: plain and gzipped, and every corruption.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { pairImagesLabels, parseIdxImages, parseIdxLabels } from "../../src/data/idx.js";
import { loadDirectory, loadEmbedded, readMaybeGzip } from "../../src/data/node.js";

/** An IDX file of unsigned bytes with the given dimensions. */
export function idx(dims: number[], values: number[]): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  head.set([0, 0, 0x08, dims.length]);
  const view = new DataView(head.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(head.length + values.length);
  out.set(head);
  out.set(values, head.length);
  return out;
}

const IMAGES = idx([3, 2, 2], [0, 255, 51, 102, 1, 2, 3, 4, 255, 255, 0, 0]);
const LABELS = idx([3], [7, 0, 9]);

test("images are scaled to [0, 1] and labels read as bytes", () => {
  const images = parseIdxImages(IMAGES);
  expect([images.count, images.rows, images.cols]).toEqual([3, 2, 2]);
  expect(Array.from(images.pixels.subarray(0, 4))).toEqual([0, 1, 0.2, 0.4].map(Math.fround));
  expect(Array.from(parseIdxLabels(LABELS))).toEqual([7, 0, 9]);
});

describe("corrupt files", () => {
  test.each([
    ["wrong magic (labels file read as images)", () => parseIdxImages(LABELS, "x"), /x: wrong magic number 0x00000801, expected 0x00000803/],
    ["wrong magic (images read as labels)", () => parseIdxLabels(IMAGES, "y"), /y: wrong magic number 0x00000803, expected 0x00000801/],
    ["not IDX at all", () => parseIdxImages(new TextEncoder().encode("hello world, not idx"), "z"), /wrong magic number 0x68656c6c/],
    ["empty file", () => parseIdxLabels(new Uint8Array(0), "e"), /file shorter than 4 bytes/],
    ["truncated header", () => parseIdxImages(IMAGES.subarray(0, 10), "h"), /truncated header, 10 bytes, expected at least 16/],
    ["truncated data", () => parseIdxImages(IMAGES.subarray(0, IMAGES.length - 1), "d"), /truncated, 11 bytes of data, expected 12 \(3 × 2 × 2\)/],
    ["truncated labels", () => parseIdxLabels(LABELS.subarray(0, 10), "l"), /truncated, 2 bytes of data, expected 3/],
    ["count mismatch", () => pairImagesLabels(parseIdxImages(IMAGES), parseIdxLabels(idx([2], [1, 2])), "set"), /set: 3 images but 2 labels/],
  ])("%s", (_, call, message) => {
    expect(call).toThrow(message);
  });
});

test("a directory of the four files, plain or gzipped, and its errors", () => {
  const dir = mkdtempSync(join(tmpdir(), "wasmlp-idx-"));
  writeFileSync(join(dir, "train-images-idx3-ubyte.gz"), gzipSync(IMAGES));
  writeFileSync(join(dir, "train-labels-idx1-ubyte"), LABELS);
  writeFileSync(join(dir, "t10k-images-idx3-ubyte"), idx([1, 2, 2], [1, 2, 3, 4]));
  writeFileSync(join(dir, "t10k-labels-idx1-ubyte.gz"), gzipSync(idx([1], [5])));
  const split = loadDirectory(dir);
  expect(split.train.count).toBe(3);
  expect(Array.from(split.test.labels)).toEqual([5]);
  expect(Array.from(readMaybeGzip(join(dir, "train-images-idx3-ubyte.gz")))).toEqual(Array.from(IMAGES));

  writeFileSync(join(dir, "t10k-labels-idx1-ubyte.gz"), gzipSync(idx([2], [5, 6])));
  expect(() => loadDirectory(dir)).toThrow(/1 images but 2 labels/);
  writeFileSync(join(dir, "t10k-labels-idx1-ubyte.gz"), gzipSync(idx([1], [5])).subarray(0, 12));
  expect(() => loadDirectory(dir)).toThrow(/corrupt gzip data/);
  expect(() => loadDirectory(join(dir, "missing"))).toThrow(/does not exist/);
  const empty = mkdtempSync(join(tmpdir(), "wasmlp-idx-"));
  expect(() => loadDirectory(empty)).toThrow(/has no train-images-idx3-ubyte or train-images-idx3-ubyte.gz/);
});

test("the embedded Fashion-MNIST test set splits into 8,000 and 2,000 images", () => {
  const { train, test: held } = loadEmbedded();
  expect([train.count, held.count, train.rows, train.cols]).toEqual([8000, 2000, 28, 28]);
  expect(train.pixels).toHaveLength(8000 * 784);
  expect(Math.max(...held.labels)).toBe(9);
  const counts = new Array(10).fill(0);
  for (const l of train.labels) counts[l]++;
  expect(Math.min(...counts)).toBeGreaterThan(700); // every class is there
});
