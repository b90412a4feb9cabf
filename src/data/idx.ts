// The IDX format of MNIST and Fashion-MNIST: a big-endian header (two zero bytes, a type
// code, the number of dimensions, each dimension as uint32) followed by the values.
// Platform-neutral: bytes in, typed arrays out (decompression is the caller's, see node.ts).

const UBYTE = 0x08;

/** Images read from an IDX file: count images of rows × cols pixels. */
export interface IdxImages {
  /** count × rows·cols pixels scaled to [0, 1], sample-major. */
  pixels: Float32Array;
  count: number;
  rows: number;
  cols: number;
}

function header(bytes: Uint8Array, name: string, dims: number): number[] {
  const magic = `0x${Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join("")}`;
  const expected = `0x000008${dims.toString(16).padStart(2, "0")}`;
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== UBYTE || bytes[3] !== dims) {
    throw new RangeError(
      `${name}: wrong magic number ${bytes.length < 4 ? "(file shorter than 4 bytes)" : magic}, expected ${expected} (IDX unsigned bytes, ${dims} dimension${dims > 1 ? "s" : ""})`,
    );
  }
  const head = 4 + 4 * dims;
  if (bytes.length < head) throw new RangeError(`${name}: truncated header, ${bytes.length} bytes, expected at least ${head}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sizes = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const values = sizes.reduce((a, b) => a * b, 1);
  if (bytes.length < head + values) {
    throw new RangeError(`${name}: truncated, ${bytes.length - head} bytes of data, expected ${values} (${sizes.join(" × ")})`);
  }
  return sizes;
}

/** An idx3-ubyte image file: pixels scaled to [0, 1]. */
export function parseIdxImages(bytes: Uint8Array, name = "images"): IdxImages {
  const [count, rows, cols] = header(bytes, name, 3);
  if (rows === 0 || cols === 0) throw new RangeError(`${name}: images of ${rows}×${cols} pixels; expected at least 1×1`);
  const data = bytes.subarray(16, 16 + count * rows * cols);
  const pixels = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) pixels[i] = data[i] / 255;
  return { pixels, count, rows, cols };
}

/** An idx1-ubyte label file. */
export function parseIdxLabels(bytes: Uint8Array, name = "labels"): Uint8Array {
  const [count] = header(bytes, name, 1);
  return bytes.slice(8, 8 + count);
}

/** Images with one label (a class index) per image. */
export interface LabelledImages extends IdxImages {
  labels: Uint8Array;
}

/** Images and their labels, checked to be the same count. */
export function pairImagesLabels(images: IdxImages, labels: Uint8Array, name: string): LabelledImages {
  if (images.count !== labels.length) {
    throw new RangeError(`${name}: ${images.count} images but ${labels.length} labels; the counts must match`);
  }
  return { ...images, labels };
}
