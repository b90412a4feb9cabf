// Flat blocks of cells, as the streaming readers receive them (CsvReader's onBlock): numbers in
// a Float64Array, texts only where a cell is one, no array per row.
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
  private texts: (string | undefined)[] = [];
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
    this.nums[this.size++] = v;
  }

  // Texts are written at their cell's index only; the array is made (holey, at full size) by the first text.
  text(t: string): void {
    if (this.size === this.nums.length) this.grow();
    if (this.texts.length === 0) this.texts = new Array(this.nums.length);
    this.texts[this.size++] = t;
  }

  line(l: number): void {
    this.lines.push(l);
  }

  private grow(): void {
    const next = new Float64Array(this.nums.length * 2);
    next.set(this.nums);
    this.nums = next;
    if (this.texts.length > 0) this.texts.length = next.length;
  }

  done(): CellBlock {
    return { width: this.width, count: this.lines.length, nums: this.nums, texts: this.texts, lines: this.lines };
  }
}
