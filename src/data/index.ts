// wasmlp/data: IDX readers (MNIST's format) and Fashion-MNIST's class names and hold-out split,
// and tables: CSV and JSON rows, feature specs, splits and metrics; platform-neutral (readCsvFile
// imports node:fs only when called), for Node and browsers alike.
export { pairImagesLabels, parseIdxImages, parseIdxLabels, type IdxImages, type LabelledImages } from "./idx.js";
export { FASHION_MNIST_CLASSES, holdOut, take } from "./fashion-mnist.js";
export {
  CsvReader,
  DataError,
  blockCell,
  type CellBlock,
  parseCsv,
  readCsv,
  subset,
  tableFromObjects,
  tableRows,
  textChunks,
  type CsvOptions,
  type CsvSource,
  type Table,
} from "./csv.js";
export { readCsvFile } from "./csv-file.js";
export { FeatureFitter, columnTypes, fitFeatures, inferType, type FitFeaturesOptions } from "./fit.js";
export { kFold, splitTable, type SplitOptions, type TableSplit } from "./split.js";
export { argmaxRows, classificationMetrics, regressionMetrics, type ClassificationMetrics, type RegressionMetrics } from "./metrics.js";
export {
  DEFAULT_MISSING,
  FEATURE_LIMITS,
  FeatureSpec,
  objectRows,
  type Cell,
  type ColumnJSON,
  type ColumnType,
  type FeaturesJSON,
  type MissingPolicy,
  type Prediction,
  type Rows,
  type Task,
} from "../features.js";
export { SKLEARN_FEATURES, parseSklearnCsv, parseSklearnDiabetes } from "./sklearn.js";
export {
  csvPieces,
  type CsvPiece,
  encodedBatches,
  fitDataset,
  fitFeaturesStream,
  holdsOut,
  type Batch,
  type BatchOptions,
  type StreamOptions,
  type Trainable,
} from "./stream.js";
