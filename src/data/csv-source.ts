// Reading whole CSV sources: text, bytes, web ReadableStreams or async iterables of chunks (Node
// streams), handed to a CsvReader as they come and collected into a Table.
import type { Cell } from "../features.js";
import { type CsvOptions, DataError } from "./csv-options.js";
import { CsvReader } from "./csv-reader.js";
import type { Table } from "./table.js";

/** A table collecting a CsvReader's rows. */
function collector(options: CsvOptions): { reader: CsvReader; table: () => Table } {
  const rows: Cell[][] = [];
  const lines: number[] = [];
  const reader = new CsvReader(options, (r, l) => {
    for (let i = 0; i < r.length; i++) {
      rows.push(r[i]);
      lines.push(l[i]);
    }
  });
  return {
    reader,
    table: () => {
      if (rows.length === 0) throw new DataError(`${reader.source} has a header line and no rows`);
      return { source: reader.source, columns: reader.columns, rows, lines, unit: "line" };
    },
  };
}

/** Parses CSV text (RFC 4180: quoted fields with commas, quotes and newlines; CRLF; a BOM). */
export function parseCsv(text: string, options: CsvOptions = {}): Table {
  if (typeof text !== "string") throw new TypeError(`parseCsv takes the CSV text as a string, received ${typeof text}`);
  const { reader, table } = collector(options);
  reader.push(text, true);
  return table();
}

/** Anything readCsv reads: text, bytes, a web ReadableStream, or an async iterable of chunks (a Node stream). */
export type CsvSource = string | Uint8Array | ReadableStream<Uint8Array | string> | AsyncIterable<Uint8Array | string>;

/** The chunks of a source as they come (bytes or text, not decoded): what CsvReader's pushBytes and push take. */
export async function* sourceChunks(source: CsvSource, name: string): AsyncGenerator<Uint8Array | string> {
  if (typeof source === "string" || source instanceof Uint8Array) {
    yield source;
    return;
  }
  let iterable: AsyncIterable<Uint8Array | string>;
  if (typeof (source as ReadableStream).getReader === "function" && !(Symbol.asyncIterator in source)) {
    const reader = (source as ReadableStream<Uint8Array | string>).getReader();
    iterable = {
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done) return;
            yield value;
          }
        } finally {
          reader.releaseLock();
        }
      },
    };
  } else if (source !== null && typeof source === "object" && Symbol.asyncIterator in source) {
    iterable = source as AsyncIterable<Uint8Array | string>;
  } else {
    throw new TypeError("readCsv takes a string, a Uint8Array, a ReadableStream or an async iterable of chunks");
  }
  for await (const chunk of iterable) {
    if (typeof chunk !== "string" && !(chunk instanceof Uint8Array)) throw new TypeError(`${name}: a stream chunk is ${typeof chunk}; expected bytes or text`);
    yield chunk;
  }
}

/** Hands a chunk to the reader: text to push, bytes to pushBytes (which checks UTF-8 and names where it fails). */
export function pushChunk(reader: CsvReader, chunk: Uint8Array | string): void {
  if (typeof chunk === "string") reader.push(chunk);
  else reader.pushBytes(chunk);
}

/** Chunks of text from a source, decoded as UTF-8 (invalid UTF-8 is an error naming the source). */
export async function* textChunks(source: CsvSource, name: string): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const decode = (bytes: Uint8Array, stream: boolean): string => {
    try {
      return decoder.decode(bytes, { stream });
    } catch {
      throw new DataError(`${name} is not UTF-8 text; give a CSV file (or convert it to UTF-8)`);
    }
  };
  for await (const chunk of sourceChunks(source, name)) yield typeof chunk === "string" ? chunk : decode(chunk, true);
  const rest = decode(new Uint8Array(0), false);
  if (rest.length > 0) yield rest;
}

/** Reads a whole CSV source into a table (Node streams, web ReadableStreams, text or bytes). */
export async function readCsv(source: CsvSource, options: CsvOptions = {}): Promise<Table> {
  const { reader, table } = collector(options);
  for await (const chunk of sourceChunks(source, reader.source)) pushChunk(reader, chunk);
  reader.pushBytes(new Uint8Array(0), true);
  return table();
}
