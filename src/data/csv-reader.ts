// The CSV reader: text pushed in pieces of any size, cut after complete records, checked (ragged
// rows, overlong fields, quotes) with every problem named by line and column. Quoted pieces go
// through papaparse; pieces without quotes through the scanner of csv-blocks.ts.
import Papa from "papaparse";
import type { Cell } from "../features.js";
import { BlockBuilder, type CellBlock, loneCarriageReturn, scanUnquoted } from "./csv-blocks.js";
import { type CsvOptions, DataError, countNewlines, guessDelimiter, resolved } from "./csv-options.js";

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
  /** Short texts seen lately, by a hash of their characters (parseUnquoted's cache). */
  private readonly interned: (string | undefined)[] = new Array(256);
  /** Rows per character of the last piece: the next block's first size. */
  private rowsPerChar = 0.01;

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
    if (this.onBlock && text.indexOf(this.o.quote) < 0 && !loneCarriageReturn(text)) {
      this.parseUnquoted(text);
      return;
    }
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
   * A piece without quote characters, scanned once into a CellBlock: each field's characters
   * are read as a canonical decimal number on the way (no string made), or taken as text
   * (repeated short texts, such as categories, shared through a small cache). Rows, lines and
   * checks are those of the papaparse path.
   */
  private parseUnquoted(text: string): void {
    const max = this.o.maxFieldLength;
    let i = 0;
    let line = this.line;
    let block: BlockBuilder | null = null;
    let rows = 0;
    if (this.columns.length === 0) {
      // The first record that is not blank names the columns (or is the first row): no quotes, so split is exact.
      for (;;) {
        const nl = text.indexOf("\n", i);
        const end = nl < 0 ? text.length : nl;
        const record = text.slice(i, end > i && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
        i = nl < 0 ? text.length : nl + 1;
        if (record !== "") {
          const fields = record.split(this.delimiter);
          this.setColumns(fields, line);
          if (!this.o.header) {
            for (let j = 0; j < fields.length; j++)
              if (fields[j].length > max)
                this.fail(
                  line,
                  `column ${this.columnName(j)}: a field of ${fields[j].length.toLocaleString("en-US")} characters; the limit is ${max.toLocaleString("en-US")} (maxFieldLength)`,
                );
            block = new BlockBuilder(fields.length, 16);
            for (const f of fields) block.text(f);
            block.line(line);
            rows++;
          }
          line++;
          break;
        }
        line++;
        if (nl < 0) {
          this.line = line;
          return;
        }
      }
      if (i >= text.length) {
        this.line = line;
        if (block) this.onBlock!(block.done());
        return;
      }
    }
    const width = this.columns.length;
    block ??= new BlockBuilder(width, Math.max(16, (this.rowsPerChar * (text.length - i)) | 0));
    const scan = scanUnquoted(text, i, line, width, this.delimiter.charCodeAt(0), this.o.maxFieldLength, block, this.interned);
    if (scan.error) {
      const e = scan.error;
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
    if (text.length > i) this.rowsPerChar = (rows + scan.rows) / (text.length - i);
    if (rows + scan.rows > 0) this.onBlock!(block.done());
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
