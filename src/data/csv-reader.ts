// The CSV reader: text or UTF-8 bytes pushed in pieces of any size, cut after complete records,
// checked (ragged rows, overlong fields, quotes, UTF-8) with every problem named by line and
// column. Quoted pieces go through papaparse; with onBlock, pieces without quotes go through the
// byte scanner of csv-bytes.ts.
import Papa from "papaparse";
import type { Cell } from "../features.js";
import { BlockBuilder, type CellBlock } from "./csv-blocks.js";
import { TextCache, codePoints, countLineBreaks, firstInvalidUtf8, loneCarriageReturn, scanBytes, wholeCharacters } from "./csv-bytes.js";
import { type CsvOptions, DataError, countNewlines, guessDelimiter, resolved } from "./csv-options.js";

const EMPTY = new Uint8Array(0);
const ENCODER = new TextEncoder();
/** For guessing the delimiter and quoting an overlong record's start: never throws. */
const LENIENT = new TextDecoder("utf-8");

/**
 * Builds a table from text pushed in pieces of any size: each piece is cut after its last
 * newline outside quotes (an even number of quote characters before it, as RFC 4180 escapes a
 * quote by doubling it), and the complete records before the cut are parsed at once.
 */
export class CsvReader {
  readonly columns: string[] = [];
  private readonly o: ReturnType<typeof resolved>;
  private carry = "";
  private scanned = 0;
  private quotes = 0;
  private line = 1;
  private started = false;
  private ended = false;
  private delimiter: string;
  /** Whether onBlock's pieces are scanned as bytes (an ASCII delimiter and quote). */
  private readonly bytePath: boolean;
  /** The byte path's incomplete last record, and the file offset of its first byte. */
  private bytes: Uint8Array = EMPTY;
  private offset = 0;
  /** Decodes whole records (a BOM inside the file is kept, as the text path keeps it). */
  private readonly decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  /** Short texts seen lately (the byte scanner's cache). */
  private readonly cache = new TextCache(this.decoder);
  /** Rows per byte of the last piece: the next block's first size. */
  private rowsPerByte = 0.01;

  /**
   * @param options How to read the text (see CsvOptions; every field has a default).
   * @param onRows Called with each run of complete records (their cells, and the line each starts on) as push() finds them.
   * @param onBlock When given, receives the records instead, as flat CellBlocks, in which a field
   * spelled as a plain decimal number in canonical form (as `String(n)` writes it: "-12.5", not
   * "012", "1.50" or "1e3") is that number instead of its text: every cell reader (cellNumber,
   * cellText…) treats both the same, and the streaming readers create far fewer strings.
   * @throws {RangeError} For an option out of its range (a delimiter of two characters, a quote equal to the delimiter).
   */
  constructor(
    options: CsvOptions = {},
    private readonly onRows: (rows: Cell[][], lines: number[]) => void,
    private readonly onBlock?: (block: CellBlock) => void,
  ) {
    this.o = resolved(options);
    this.delimiter = this.o.delimiter;
    this.bytePath = onBlock !== undefined && this.delimiter.charCodeAt(0) < 128 && this.o.quote.charCodeAt(0) < 128;
  }

  /** The source's name in errors (options.name, default "CSV text"). */
  get source(): string {
    return this.o.name;
  }

  private fail(line: number, message: string): never {
    throw new DataError(`${this.o.name} line ${line}: ${message}`);
  }

  /** Adds text; `final` marks the end of the input. */
  push(text: string, final = false): void {
    if (this.bytePath) {
      this.pushBytes(text.length > 0 ? ENCODER.encode(text) : EMPTY, final);
      return;
    }
    if (this.ended) throw new Error("CsvReader: push after the final piece");
    if (!this.started && text.length > 0) {
      this.started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const nul = text.indexOf("\0");
    if (nul >= 0) {
      const before = this.carry + text.slice(0, nul);
      this.fail(this.line + countNewlines(before, 0, before.length), "the input is not text (it holds a NUL byte); give a CSV file");
    }
    this.carry += text;
    let cut: number;
    if (final) {
      this.ended = true;
      cut = this.carry.length;
    } else {
      cut = -1;
      const s = this.carry;
      const quote = this.o.quote.charCodeAt(0);
      if ((this.quotes & 1) === 0 && s.indexOf(this.o.quote, this.scanned) < 0) {
        // No quote in the new text (the common case): the cut is after its last newline.
        const nl = s.lastIndexOf("\n");
        if (nl >= this.scanned) cut = nl + 1;
      } else {
        for (let i = this.scanned; i < s.length; i++) {
          const c = s.charCodeAt(i);
          if (c === quote) this.quotes++;
          else if (c === 10 && (this.quotes & 1) === 0) cut = i + 1;
        }
      }
      this.scanned = s.length;
      if (cut < 0) {
        const limit = 4 * this.o.maxFieldLength + 65536;
        if (s.length > limit) this.failLongRecord(s, limit);
        if (s.length > limit)
          this.fail(
            this.line,
            `a record runs past ${limit.toLocaleString("en-US")} characters without ending (a quoted field that never closes, or a field over maxFieldLength ${this.o.maxFieldLength.toLocaleString("en-US")})`,
          );
        return;
      }
      // Parity after the cut: recount the quotes that stay behind.
      let q = 0;
      for (let i = cut; i < s.length; i++) if (s.charCodeAt(i) === quote) q++;
      this.quotes = q;
      this.scanned = s.length - cut;
    }
    const piece = this.carry.slice(0, cut);
    this.carry = this.carry.slice(cut);
    if (piece.length > 0) this.parse(piece);
    if (final && this.columns.length === 0) {
      throw new DataError(this.o.header ? `${this.o.name} is empty: no header line and no rows` : `${this.o.name} is empty: no rows`);
    }
  }

  private parse(piece: string): void {
    // A record-ending newline at the very end would read as one more (empty) record.
    let trailing = 0;
    if (piece.endsWith("\r\n")) trailing = 2;
    else if (piece.endsWith("\n") || piece.endsWith("\r")) trailing = 1;
    const text = piece.slice(0, piece.length - trailing);
    if (this.delimiter === "auto") this.delimiter = guessDelimiter(text);
    const result = Papa.parse<string[]>(text, {
      delimiter: this.delimiter,
      quoteChar: this.o.quote,
      escapeChar: this.o.quote,
      header: false,
      dynamicTyping: false,
      skipEmptyLines: false,
    });
    const data = result.data;
    const lines: number[] = new Array(data.length);
    let line = this.line;
    for (let r = 0; r < data.length; r++) {
      lines[r] = line;
      line += 1;
      const row = data[r];
      for (let j = 0; j < row.length; j++) {
        const f = row[j];
        if (f.length > 0 && f.indexOf("\n") >= 0) line += countNewlines(f, 0, f.length);
      }
    }
    if (result.errors.length > 0) {
      const e = result.errors.find((x) => x.type === "Quotes") ?? result.errors[0];
      const at = e.row !== undefined && e.row < lines.length ? lines[e.row] : this.line;
      const what =
        e.code === "MissingQuotes"
          ? "a quoted field is never closed"
          : e.code === "InvalidQuotes"
            ? 'a quoted field has text after its closing quote (write a quote inside a quoted field as "")'
            : e.message;
      if (e.type === "Quotes") this.fail(at, what);
    }
    this.line = line;
    const keep: string[][] = [];
    const keptLines: number[] = [];
    for (let r = 0; r < data.length; r++) {
      const row = data[r];
      if (row.length === 1 && row[0] === "") continue; // a blank line
      if (this.columns.length === 0) {
        this.setColumns(row, lines[r]);
        if (this.o.header) continue;
      }
      for (let j = 0; j < row.length; j++) {
        const n = row[j].length;
        if (n > this.o.maxFieldLength)
          this.fail(
            lines[r],
            `column ${this.columnName(j)}: a field of ${n.toLocaleString("en-US")} characters; the limit is ${this.o.maxFieldLength.toLocaleString("en-US")} (maxFieldLength)`,
          );
      }
      if (row.length !== this.columns.length) {
        this.fail(
          lines[r],
          `${row.length} field${row.length === 1 ? "" : "s"}, expected ${this.columns.length} (as ${this.o.header ? "the header has" : "the first row has"}); every row needs one value per column`,
        );
      }
      keep.push(row);
      keptLines.push(lines[r]);
    }
    if (keep.length === 0) return;
    if (!this.onBlock) {
      this.onRows(keep, keptLines);
      return;
    }
    const block = new BlockBuilder(this.columns.length, keep.length);
    for (let r = 0; r < keep.length; r++) {
      for (const f of keep[r]) block.text(f);
      block.line(keptLines[r]);
    }
    this.onBlock(block.done());
  }

  /**
   * Adds UTF-8 bytes; `final` marks the end of the input. Bytes that are not UTF-8 are an error
   * naming the line, the column (the character on that line) and the byte offset of the first
   * invalid sequence.
   */
  pushBytes(chunk: Uint8Array, final = false): void {
    if (this.ended) throw new Error("CsvReader: push after the final piece");
    // A Node Buffer's slice() is a view: read every chunk as a plain Uint8Array (one shape for the scanner, too).
    let buf = chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (!this.started) {
      // A BOM is dropped (it may come a byte at a time); offsets in errors still count it.
      if (this.bytes.length > 0) buf = joined(this.bytes, buf);
      this.bytes = EMPTY;
      const bom = buf.length > 0 && buf[0] === 0xef && (buf.length < 2 || buf[1] === 0xbb) && (buf.length < 3 || buf[2] === 0xbf);
      if (bom && buf.length < 3 && !final) {
        this.bytes = buf.slice();
        return;
      }
      if (buf.length > 0) {
        this.started = true;
        if (bom && buf.length >= 3) {
          buf = buf.subarray(3);
          this.offset = 3;
        }
      }
    }
    if (!this.bytePath) {
      // The text path: decoded up to the last whole character (the rest waits for the next chunk), then pushed as text.
      if (this.bytes.length > 0) buf = joined(this.bytes, buf);
      const cut = final ? buf.length : wholeCharacters(buf);
      let text = "";
      try {
        text = this.decoder.decode(buf.subarray(0, cut));
      } catch {
        this.failTextBytes(buf, firstInvalidUtf8(buf, 0, cut));
      }
      this.bytes = cut < buf.length ? buf.slice(cut) : EMPTY;
      this.offset += cut;
      this.push(text, final);
      return;
    }
    const nul = buf.indexOf(0);
    if (nul >= 0) {
      const line = this.line + countLineBreaks(this.bytes, 0, this.bytes.length) + countLineBreaks(buf, 0, nul);
      this.fail(line, "the input is not text (it holds a NUL byte); give a CSV file");
    }
    if (this.bytes.length > 0) buf = joined(this.bytes, buf);
    let cut = buf.length;
    if (final) this.ended = true;
    else {
      cut = this.cutBytes(buf);
      if (cut < 0) {
        const limit = 4 * this.o.maxFieldLength + 65536;
        if (buf.length > limit) {
          this.failLongRecord(LENIENT.decode(buf.subarray(0, limit)), limit);
          this.fail(
            this.line,
            `a record runs past ${limit.toLocaleString("en-US")} characters without ending (a quoted field that never closes, or a field over maxFieldLength ${this.o.maxFieldLength.toLocaleString("en-US")})`,
          );
        }
        this.bytes = buf === chunk ? buf.slice() : buf;
        return;
      }
    }
    this.bytes = cut < buf.length ? buf.slice(cut) : EMPTY;
    if (cut > 0) this.parseBytes(buf, cut);
    this.offset += cut;
    if (final && this.columns.length === 0) {
      throw new DataError(this.o.header ? `${this.o.name} is empty: no header line and no rows` : `${this.o.name} is empty: no rows`);
    }
  }

  /** Where the complete records of buf end (after a newline outside quotes), or -1; keeps the quote parity as push() does. */
  private cutBytes(buf: Uint8Array): number {
    const quote = this.o.quote.charCodeAt(0);
    let cut = -1;
    if ((this.quotes & 1) === 0 && buf.indexOf(quote, this.scanned) < 0) {
      const nl = buf.lastIndexOf(10);
      if (nl >= this.scanned) cut = nl + 1;
    } else {
      for (let i = this.scanned; i < buf.length; i++) {
        const c = buf[i];
        if (c === quote) this.quotes++;
        else if (c === 10 && (this.quotes & 1) === 0) cut = i + 1;
      }
    }
    if (cut < 0) {
      this.scanned = buf.length;
      return -1;
    }
    let q = 0;
    for (let i = buf.indexOf(quote, cut); i >= 0; i = buf.indexOf(quote, i + 1)) q++;
    this.quotes = q;
    this.scanned = buf.length - cut;
    return cut;
  }

  /**
   * Complete records b[0, end): without quotes, scanned as bytes into a CellBlock (canonical
   * decimals parsed from their bytes, only texts decoded); with quotes or a lone carriage
   * return, decoded and read by papaparse. Rows, lines and checks are the same either way.
   */
  private parseBytes(b: Uint8Array, end: number): void {
    if (this.delimiter === "auto") this.delimiter = guessDelimiter(LENIENT.decode(b.subarray(0, Math.min(end, 65536))));
    const q = b.indexOf(this.o.quote.charCodeAt(0));
    if ((q >= 0 && q < end) || loneCarriageReturn(b, 0, end)) {
      this.parse(this.decodeBytes(b, 0, end));
      return;
    }
    let i = 0,
      line = this.line;
    if (this.columns.length === 0) {
      // The first record that is not blank names the columns (or is the first row): no quotes, so split is exact.
      for (;;) {
        if (i >= end) {
          this.line = line;
          return;
        }
        let nl = b.indexOf(10, i);
        if (nl < 0 || nl >= end) nl = end;
        const stop = nl > i && b[nl - 1] === 13 ? nl - 1 : nl;
        if (stop > i) {
          this.setColumns(this.decodeBytes(b, i, stop).split(this.delimiter), line);
          if (this.o.header) {
            i = nl + 1;
            line++;
          }
          break;
        }
        i = nl + 1;
        line++;
      }
    }
    // One native decode checks the piece's UTF-8; when every byte is ASCII, texts are slices of it.
    const text = this.decodeBytes(b, 0, end);
    const ascii = text.length === end ? text : null;
    const width = this.columns.length;
    const block = new BlockBuilder(width, Math.max(16, (this.rowsPerByte * (end - i)) | 0));
    const scan = scanBytes(b, i, end, line, width, this.delimiter.charCodeAt(0), this.o.maxFieldLength, block, this.cache, ascii);
    if (scan.error) {
      const e = scan.error;
      if (e.kind === "utf8") this.failUtf8(b, firstInvalidUtf8(b, e.at, end));
      if (e.kind === "long")
        this.fail(
          e.line,
          `column ${this.columnName(e.column)}: a field of ${e.count.toLocaleString("en-US")} characters; the limit is ${this.o.maxFieldLength.toLocaleString("en-US")} (maxFieldLength)`,
        );
      this.fail(
        e.line,
        `${e.count} field${e.count === 1 ? "" : "s"}, expected ${width} (as ${this.o.header ? "the header has" : "the first row has"}); every row needs one value per column`,
      );
    }
    this.line = scan.line;
    if (end > i) this.rowsPerByte = scan.rows / (end - i);
    if (scan.rows > 0) this.onBlock!(block.done());
  }

  /** The text of b[from, to) (whole records of the piece b, which starts on this.line), or the error naming where it is not UTF-8. */
  private decodeBytes(b: Uint8Array, from: number, to: number): string {
    try {
      return this.decoder.decode(b.subarray(from, to));
    } catch {
      return this.failUtf8(b, firstInvalidUtf8(b, from, to));
    }
  }

  /** The error for the invalid UTF-8 at b[at], b being a piece that starts on this.line at byte this.offset. */
  private failUtf8(b: Uint8Array, at: number): never {
    const start = at > 0 ? b.lastIndexOf(10, at - 1) + 1 : 0;
    this.failEncoding(this.line + countLineBreaks(b, 0, at), 1 + codePoints(b, start, at), b, at);
  }

  /** The text path's error for the invalid UTF-8 at b[at], b following the text still carried. */
  private failTextBytes(b: Uint8Array, at: number): never {
    const breaks = countLineBreaks(b, 0, at);
    const line = this.line + countNewlines(this.carry, 0, this.carry.length) + breaks;
    const start = at > 0 ? b.lastIndexOf(10, at - 1) + 1 : 0;
    const before = breaks > 0 ? 0 : [...this.carry.slice(this.carry.lastIndexOf("\n") + 1)].length;
    this.failEncoding(line, 1 + before + codePoints(b, start, at), b, at);
  }

  private failEncoding(line: number, column: number, b: Uint8Array, at: number): never {
    const byte = `0x${b[at].toString(16).padStart(2, "0")}`;
    throw new DataError(
      `${this.o.name} line ${line}, column ${column}: not UTF-8 text (byte ${byte} at offset ${this.offset + at}); give a CSV file saved as UTF-8`,
    );
  }

  /** Names the column of an overlong field when the record has no quotes (its fields are plain to count). */
  private failLongRecord(s: string, limit: number): void {
    const head = s.slice(0, limit);
    if (head.indexOf(this.o.quote) >= 0 || this.delimiter === "auto") return;
    const line = this.line + countNewlines(head, 0, head.lastIndexOf("\n") + 1);
    let start = head.lastIndexOf("\n") + 1,
      j = 0;
    for (;;) {
      const next = head.indexOf(this.delimiter, start);
      if (next < 0 || next - start > this.o.maxFieldLength) break;
      start = next + 1;
      j++;
    }
    this.fail(line, `column ${this.columnName(j)}: a field of more than ${this.o.maxFieldLength.toLocaleString("en-US")} characters (maxFieldLength)`);
  }

  private setColumns(row: string[], line: number): void {
    if (row.length > this.o.maxColumns) this.fail(line, `${row.length} columns; the limit is ${this.o.maxColumns} (maxColumns)`);
    const given = this.o.columns;
    if (given !== undefined && given.length !== row.length) this.fail(line, `${row.length} fields, but ${given.length} column names were given`);
    const names = given ? [...given] : this.o.header ? row.map((n, j) => n.trim() || `column ${j + 1}`) : row.map((_, j) => `column ${j + 1}`);
    const seen = new Set<string>();
    names.forEach((n, j) => {
      if (seen.has(n)) this.fail(line, `column ${j + 1} repeats the name ${JSON.stringify(n)}; column names must be unique`);
      seen.add(n);
    });
    this.columns.push(...names);
  }

  private columnName(j: number): string {
    return j < this.columns.length ? `${j + 1} (${JSON.stringify(this.columns[j])})` : String(j + 1);
  }
}

/** a followed by b, in a new array. */
function joined(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
