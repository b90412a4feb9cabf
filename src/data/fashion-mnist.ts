// Fashion-MNIST facts shared by Node (data/node.ts) and browsers (the demo): the class names,
// and the split of the shipped test set into images to train on and images held out.
import type { LabelledImages } from "./idx.js";

/** Fashion-MNIST's ten class names, indexed by label (0 "T-shirt/top" … 9 "Ankle boot"). */
export const FASHION_MNIST_CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"] as const;

/** Samples start..start+count of a set, as views (no copy). */
export function take(set: LabelledImages, start: number, count: number): LabelledImages {
  const size = set.rows * set.cols;
  return {
    ...set,
    count,
    pixels: set.pixels.subarray(start * size, (start + count) * size),
    labels: set.labels.subarray(start, start + count),
  };
}

/** The first 80% to train on and the rest held out: 8,000 / 2,000 of the 10,000 t10k images. */
export function holdOut(all: LabelledImages): { train: LabelledImages; test: LabelledImages } {
  const trainCount = Math.round(all.count * 0.8);
  return { train: take(all, 0, trainCount), test: take(all, trainCount, all.count - trainCount) };
}
