// Reading IDX data sets from disk in Node: plain or gzipped files, a directory of the four
// standard files, and the Fashion-MNIST test set kept in the repository (data/; not in the npm package).
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { holdOut } from "./fashion-mnist.js";
import { type LabelledImages, pairImagesLabels, parseIdxImages, parseIdxLabels } from "./idx.js";

export { FASHION_MNIST_CLASSES, take } from "./fashion-mnist.js";

/** The Fashion-MNIST test set kept in the repository (data/fashion-mnist). */
export const EMBEDDED_DIR = fileURLToPath(new URL("../../data/fashion-mnist/", import.meta.url));

export interface Split {
  train: LabelledImages;
  test: LabelledImages;
  source: string;
}

/** A file's bytes, gunzipped when it starts with the gzip magic number. */
export function readMaybeGzip(path: string): Uint8Array {
  const bytes = readFileSync(path);
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes);
    } catch (e) {
      throw new RangeError(`${path}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  return bytes;
}

/** `base` or `base.gz` in dir, whichever exists. */
function find(dir: string, base: string): string {
  for (const name of [base, `${base}.gz`]) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new Error(`${dir} has no ${base} or ${base}.gz`);
}

export function loadIdxPair(dir: string, prefix: "train" | "t10k"): LabelledImages {
  const imagesPath = find(dir, `${prefix}-images-idx3-ubyte`);
  const labelsPath = find(dir, `${prefix}-labels-idx1-ubyte`);
  return pairImagesLabels(
    parseIdxImages(readMaybeGzip(imagesPath), imagesPath),
    parseIdxLabels(readMaybeGzip(labelsPath), labelsPath),
    `${prefix} set in ${dir}`,
  );
}

/** A directory holding the four standard files (train and t10k, plain or .gz). */
export function loadDirectory(dir: string): Split {
  if (!existsSync(dir)) throw new Error(`data directory ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new Error(`--data ${dir} is a file, not a folder; give the folder that holds the train-/t10k- IDX files`);
  return { train: loadIdxPair(dir, "train"), test: loadIdxPair(dir, "t10k"), source: dir };
}

/** Where to get the data when the embedded set is absent: the npm package leaves it out (4.3 MB). */
export const EMBEDDED_MISSING = `the Fashion-MNIST test set is not here (${EMBEDDED_DIR}): it is in a clone of the wasmlp repository but not in the npm package, to keep installs small. Download the four files (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz) from https://github.com/zalandoresearch/fashion-mnist (MIT licence) into a folder and pass it with --data FOLDER`;

/** The repository's Fashion-MNIST test set split into 8,000 images for training and 2,000 held out. */
export function loadEmbedded(): Split {
  if (!existsSync(EMBEDDED_DIR)) throw new Error(EMBEDDED_MISSING);
  const { train, test } = holdOut(loadIdxPair(EMBEDDED_DIR, "t10k"));
  return {
    train,
    test,
    source: `embedded Fashion-MNIST test set (${train.count.toLocaleString("en-US")} train / ${test.count.toLocaleString("en-US")} held out)`,
  };
}
