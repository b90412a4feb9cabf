// The streaming readers' fast path: UTF-8 bytes without quote characters scanned once into a
// flat block of cells (CsvReader's onBlock). Fields are found by their delimiter and newline
// bytes, canonical decimals are parsed from the bytes (no string made), and only text fields
// are decoded, repeated short ones (categories) shared through a small cache.
import type { BlockBuilder } from "./csv-blocks.js";

/** 10^0 … 10^22, every one exact in float64 (written out: Math.pow need not be exact). */
const POWERS = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];

/**
 * The number the bytes b[start, end) spell when they are a decimal in canonical form, as
 * `String(n)` writes it (`-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?`, at most 15 significant digits,
 * magnitude at least 1e-6, not "-0"), else NaN: every other spelling ("012", "1.50", "+4", ".5",
 * "5.", "1e3", " 5", "-0", 0x10) stays text, so its text and its Number() are both kept.
 * Exact: the digits (below 2^53) and 10^scale (at most 10^22) are doubles and one division
 * rounds once (Clinger's fast path), so the value is Number() of the same text.
 */
export function canonicalDecimal(b: Uint8Array, start: number, end: number): number {
  let i = start;
  if (i === end) return NaN;
  let c = b[i];
  const neg = c === 45;
  if (neg) {
    if (++i === end) return NaN;
    c = b[i];
  }
  let mant = 0,
    digits = 0,
    scale = 0;
  if (c === 48) {
    i++; // "0" or "0.…": no leading zeros
  } else if (c >= 49 && c <= 57) {
    do {
      mant = mant * 10 + (c - 48);
      digits++;
      c = ++i < end ? b[i] : -1;
    } while (c >= 48 && c <= 57);
  } else return NaN;
  if (i < end) {
    if (b[i] !== 46 || ++i === end) return NaN;
    for (; i < end; i++) {
      c = b[i];
      if (c < 48 || c > 57) return NaN;
      mant = mant * 10 + (c - 48);
      if (mant > 0) digits++;
      scale++;
    }
    if (c === 48) return NaN; // "1.50" is not how String writes 1.5
  }
  if (digits > 15 || scale > 22) return NaN;
  if (mant === 0) return neg || scale > 0 ? NaN : 0;
  const v = mant / POWERS[scale];
  if (v < 1e-6) return NaN; // String would write an exponent
  return neg ? -v : v;
}

/**
 * Texts of fields: sliced from the piece's text when the piece is ASCII (a byte is a character
 * there), else decoded; short ones (categories) kept by a hash of their bytes, so that a
 * repeated text is made once, not per row.
 */
export class TextCache {
  /** Slot k's bytes at keys[32k…], its length in lengths[k] (-1: empty); no allocation per miss. */
  private readonly keys = new Uint8Array(256 * 32);
  private readonly lengths = new Int32Array(256).fill(-1);
  private readonly texts: string[] = new Array(256).fill("");

  constructor(private readonly decoder: TextDecoder) {}

  /** The text of b[start, end), or undefined when those bytes are not UTF-8; `ascii` is b's text when b is all ASCII. */
  text(b: Uint8Array, start: number, end: number, ascii: string | null): string | undefined {
    const len = end - start;
    if (len > 32) return ascii !== null ? ascii.slice(start, end) : this.decode(b, start, end);
    let hash = 0;
    for (let k = start; k < end; k++) hash = (Math.imul(hash, 31) + b[k]) | 0;
    const slot = (hash ^ (hash >>> 11)) & 255;
    const keys = this.keys,
      at = slot * 32;
    if (this.lengths[slot] === len) {
      let k = 0;
      while (k < len && keys[at + k] === b[start + k]) k++;
      if (k === len) return this.texts[slot];
    }
    const t = ascii !== null ? ascii.slice(start, end) : this.decode(b, start, end);
    if (t === undefined) return undefined;
    for (let k = 0; k < len; k++) keys[at + k] = b[start + k];
    this.lengths[slot] = len;
    this.texts[slot] = t;
    return t;
  }

  private decode(b: Uint8Array, start: number, end: number): string | undefined {
    try {
      return this.decoder.decode(b.subarray(start, end));
    } catch {
      return undefined;
    }
  }
}

/** Where a scan stopped early: a ragged row, an overlong field or bytes that are not UTF-8 (at byte `at`). */
export interface ScanError {
  kind: "long" | "ragged" | "utf8";
  line: number;
  /** The field's index in its record (0-based). */
  column: number;
  /** ragged: the record's field count; long: the field's length in bytes. */
  count: number;
  /** utf8: the field's first byte. */
  at: number;
}

/**
 * The records of b[i, end) (no quote bytes, no carriage return but before a newline; complete
 * records, the last one ending at a newline or at `end`) into `block`; `ascii` is b's text when
 * b is all ASCII (texts are then sliced from it). Blank lines are skipped.
 * Stops at the first ragged row, overlong field or text that is not UTF-8 and says where. A
 * function of its own, so that V8 optimizes it once.
 */
export function scanBytes(
  b: Uint8Array,
  i: number,
  end: number,
  line: number,
  width: number,
  delim: number,
  max: number,
  block: BlockBuilder,
  cache: TextCache,
  ascii: string | null,
): { line: number; rows: number; error?: ScanError } {
  let rows = 0;
  while (i < end) {
    let c = b[i];
    if (c === 10 || (c === 13 && i + 1 < end && b[i + 1] === 10)) {
      i += c === 10 ? 1 : 2; // a blank line
      line++;
      continue;
    }
    let j = 0; // the field's index in its record
    for (;;) {
      const start = i;
      while (i < end && (c = b[i]) !== delim && c !== 10) i++;
      const stop = i < end && c === 10 && i > start && b[i - 1] === 13 ? i - 1 : i; // CRLF
      if (j >= width) return { line, rows, error: { kind: "ragged", line, column: j, count: j + 1 + countFields(b, i, end, delim), at: start } };
      const v = canonicalDecimal(b, start, stop);
      if (!Number.isNaN(v)) block.number(v);
      else {
        if (stop - start > max) return { line, rows, error: { kind: "long", line, column: j, count: stop - start, at: start } };
        const t = cache.text(b, start, stop, ascii);
        if (t === undefined) return { line, rows, error: { kind: "utf8", line, column: j, count: 0, at: start } };
        block.text(t);
      }
      j++;
      if (i < end && c === delim) i++;
      else break;
    }
    if (j !== width) return { line, rows, error: { kind: "ragged", line, column: j - 1, count: j, at: i } };
    block.line(line);
    rows++;
    line++;
    i++; // past the newline
  }
  return { line, rows };
}

/** How many more fields the rest of a record holds after position i (for the ragged-row error). */
function countFields(b: Uint8Array, i: number, end: number, delim: number): number {
  let k = 0;
  for (; i < end; i++) {
    const c = b[i];
    if (c === 10) break;
    if (c === delim) k++;
  }
  return k;
}

/** Whether b[from, to) has a carriage return that does not end a line (old Mac files: papaparse's path reads them). */
export function loneCarriageReturn(b: Uint8Array, from: number, to: number): boolean {
  for (let i = b.indexOf(13, from); i >= 0 && i < to; i = b.indexOf(13, i + 1)) if (i + 1 >= to || b[i + 1] !== 10) return true;
  return false;
}

/** How many newline bytes b[from, to) holds. */
export function countLineBreaks(b: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = b.indexOf(10, from); i >= 0 && i < to; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/** The offset of the first byte in b[from, to) that does not start a complete, valid UTF-8 sequence (to when all are valid). */
export function firstInvalidUtf8(b: Uint8Array, from: number, to: number): number {
  let i = from;
  while (i < to) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    // The sequence's length and the range of its second byte (no overlongs, surrogates or values past U+10FFFF).
    let n: number,
      lo = 0x80,
      hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 2;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 3;
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 4;
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f;
    } else return i;
    if (i + n > to || b[i + 1] < lo || b[i + 1] > hi) return i;
    for (let k = 2; k < n; k++) if (b[i + k] < 0x80 || b[i + k] > 0xbf) return i;
    i += n;
  }
  return to;
}

/** How many characters (code points) the valid UTF-8 bytes b[from, to) hold. */
export function codePoints(b: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if ((b[i] & 0xc0) !== 0x80) n++;
  return n;
}
/** Where b's last whole UTF-8 character ends: b's length, or the start of a sequence its end cuts short. */
export function wholeCharacters(b: Uint8Array): number {
  let i = b.length - 1;
  while (i >= 0 && i > b.length - 4 && (b[i] & 0xc0) === 0x80) i--; // continuation bytes
  if (i < 0 || b[i] < 0xc0) return b.length;
  const need = b[i] >= 0xf0 ? 4 : b[i] >= 0xe0 ? 3 : 2;
  return i + need <= b.length ? b.length : i;
}
