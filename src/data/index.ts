// wasmlp/data: IDX readers (MNIST's format) and Fashion-MNIST's class names and hold-out split,
// platform-neutral (no Node APIs), for Node and browsers alike.
export { pairImagesLabels, parseIdxImages, parseIdxLabels, type IdxImages, type LabelledImages } from "./idx.js";
export { FASHION_MNIST_CLASSES, holdOut, take } from "./fashion-mnist.js";
