// The streaming readers' fast path: a piece of CSV text without quote characters scanned once
// into a flat block of cells, canonical decimals parsed on the way (CsvReader's onBlock).
import type { Cell } from "../features.js";

/**
 * Rows of one piece, flat: cell (r, j) is `texts[r·width + j]` when that is a string, else
 * `nums[r·width + j]`; `lines[r]` is the line row r starts on.
 */
export interface CellBlock {
  readonly width: number;
  readonly count: number;
  readonly nums: Float64Array;
  readonly texts: readonly (string | undefined)[];
  readonly lines: readonly number[];
}

/** The cell at row r, column j of a block. */
export function blockCell(b: CellBlock, r: number, j: number): Cell {
  const at = r * b.width + j;
  const t = b.texts[at];
  return t === undefined ? b.nums[at] : t;
}

/** Builds a CellBlock cell by cell, growing its number array by doubling. */
export class BlockBuilder {
  private nums: Float64Array;
  private readonly texts: (string | undefined)[] = [];
  private readonly lines: number[] = [];
  private size = 0;

  constructor(
    private readonly width: number,
    rows: number,
  ) {
    this.nums = new Float64Array(Math.max(1, rows) * width);
  }

  number(v: number): void {
    if (this.size === this.nums.length) this.grow();
    this.nums[this.size] = v;
    this.texts.push(undefined);
    this.size++;
  }

  text(t: string): void {
    if (this.size === this.nums.length) this.grow();
    this.texts.push(t);
    this.size++;
  }

  line(l: number): void {
    this.lines.push(l);
  }

  private grow(): void {
    const next = new Float64Array(this.nums.length * 2);
    next.set(this.nums);
    this.nums = next;
  }

  done(): CellBlock {
    return { width: this.width, count: this.lines.length, nums: this.nums, texts: this.texts, lines: this.lines };
  }
}

/**
 * The records of `text` from `i` (no quote characters in it) into `block`: each field's
 * characters are read as a canonical decimal number on the way (no string made), or taken as
 * text, repeated short texts (categories) shared through `interned`. Stops at the first ragged
 * row or overlong field and says where. A function of its own, so that V8 optimizes it once.
 */
export function scanUnquoted(
  text: string,
  i: number,
  line: number,
  width: number,
  delim: number,
  max: number,
  block: BlockBuilder,
  interned: (string | undefined)[],
): { line: number; rows: number; error?: { kind: "long" | "ragged"; line: number; column: number; count: number } } {
  const n = text.length;
  let rows = 0;
  let j = 0; // the field's index in its record
  for (;;) {
    // One field from i: try a canonical number ([-](0|[1-9]d*)[.d*[1-9]], at most 15 digits).
    const start = i;
    let c = i < n ? text.charCodeAt(i) : -1;
    let neg = false;
    if (c === 45) {
      neg = true;
      c = ++i < n ? text.charCodeAt(i) : -1;
    }
    let mant = 0,
      digits = 0,
      scale = 0,
      ok = c >= 48 && c <= 57;
    if (c === 48) {
      i++;
      c = i < n ? text.charCodeAt(i) : -1;
      ok = !(c >= 48 && c <= 57);
    } // "0", "0.5": no leading zeros
    while (c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      digits++;
      c = ++i < n ? text.charCodeAt(i) : -1;
    }
    if (ok && c === 46) {
      c = ++i < n ? text.charCodeAt(i) : -1;
      ok = c >= 48 && c <= 57;
      let last = 0;
      while (c >= 48 && c <= 57) {
        mant = mant * 10 + (c - 48);
        if (mant > 0) digits++;
        scale++;
        last = c;
        c = ++i < n ? text.charCodeAt(i) : -1;
      }
      if (last === 48) ok = false; // "1.50" is not how String writes 1.5
    }
    let end = -1;
    while (c !== delim && c !== 10 && c !== -1) {
      if (c === 13 && (i + 1 === n || text.charCodeAt(i + 1) === 10)) {
        end = i;
        c = ++i < n ? text.charCodeAt(i) : -1;
        break;
      } // CRLF
      ok = false;
      c = ++i < n ? text.charCodeAt(i) : -1;
    }
    if (end < 0) end = i;
    const blank = j === 0 && end === start && c !== delim; // an empty line
    if (!blank) {
      if (j >= width) return { line, rows, error: { kind: "ragged", line, column: j, count: j + 1 + countFields(text, i, delim) } };
      // Exact: mant < 2^53 and 10^scale ≤ 10^22 are doubles, and one division rounds once
      // (Clinger's fast path), so the value is Number(text); below 1e-6 String would write an exponent.
      if (ok && digits <= 15 && scale <= 22 && !(neg && mant === 0) && (mant === 0 || mant / POWERS[scale] >= 1e-6)) {
        block.number(neg ? -mant / POWERS[scale] : mant / POWERS[scale]);
      } else {
        const len = end - start;
        if (len > max) return { line, rows, error: { kind: "long", line, column: j, count: len } };
        if (len <= 24) {
          let hash = 0;
          for (let k = start; k < end; k++) hash = (Math.imul(hash, 31) + text.charCodeAt(k)) | 0;
          const slot = (hash ^ (hash >>> 11)) & 255;
          const seen = interned[slot];
          if (seen !== undefined && seen.length === len && text.startsWith(seen, start)) block.text(seen);
          else block.text((interned[slot] = text.slice(start, end)));
        } else block.text(text.slice(start, end));
      }
    }
    if (c === delim) {
      i++;
      j++;
      continue;
    }
    // The end of a record.
    if (!blank) {
      if (j + 1 !== width) return { line, rows, error: { kind: "ragged", line, column: j, count: j + 1 } };
      block.line(line);
      rows++;
    }
    line++;
    j = 0;
    if (c === -1) return { line, rows };
    i++;
  }
}

/** How many more fields the rest of a record holds after position i (for the ragged-row error). */
function countFields(text: string, i: number, delim: number): number {
  let k = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) break;
    if (c === delim) k++;
  }
  return k;
}

/** 10^0 … 10^22, every one exact in float64 (written out: Math.pow need not be exact). */
const POWERS = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/** Whether the text has a carriage return that does not end a line (old Mac files: papaparse's path reads them). */
export function loneCarriageReturn(text: string): boolean {
  for (let i = text.indexOf("\r"); i >= 0; i = text.indexOf("\r", i + 1)) if (text.charCodeAt(i + 1) !== 10) return true;
  return false;
}
