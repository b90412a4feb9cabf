// CSV (RFC 4180) and JSON rows into a Table of raw cells, with every problem named by source,
// line and column. Parsing of quoted text is papaparse's (one dependency-free file for Node and
// browsers); the modules re-exported here add the checks, line numbers, a fast path for
// unquoted text and streaming around it.
export { blockCell, type CellBlock } from "./csv-blocks.js";
export { type CsvOptions, DataError } from "./csv-options.js";
export { CsvReader } from "./csv-reader.js";
export { type CsvSource, parseCsv, readCsv, textChunks } from "./csv-source.js";
export { type Table, subset, tableFromObjects, tableRows } from "./table.js";
