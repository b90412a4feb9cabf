// Terminal output for the command line: a live per-epoch progress bar on a terminal, one
// plain line per epoch otherwise (CI logs), and a small results table.

export interface Output {
  write(text: string): void;
  isTTY: boolean;
  /** The terminal's width, when it is one (process.stdout.columns); 80 when unknown. */
  columns?: number;
}

/** The bar's widest and narrowest; below the narrowest the line drops the bar. */
const BAR = 24;
const MIN_BAR = 5;

/**
 * One progress line that fits in `columns` − 1 characters (a line as wide as the terminal wraps,
 * and the next \r redraw would then leave its first row behind): the bar shrinks first, then
 * goes, then the line is cut.
 */
export function fitProgressLine(columns: number, head: string, done: number, tail: string): string {
  const room = columns - 1 - head.length - tail.length - 3; // " [" + "]"
  const width = Math.min(BAR, room);
  const filled = Math.round(done * Math.max(width, 0));
  const line = width >= MIN_BAR ? `${head} [${"█".repeat(filled)}${"░".repeat(width - filled)}]${tail}` : `${head}${tail}`;
  return line.slice(0, Math.max(columns - 1, 1));
}

export class EpochProgress {
  private start = 0;
  private lastDraw = 0;
  private seen = 0;

  constructor(
    private readonly out: Output,
    private readonly epochs: number,
    private readonly samples: number,
  ) {}

  begin(): void {
    this.start = performance.now();
    this.lastDraw = 0;
    this.seen = 0;
  }

  /** After each batch: redraws the bar at most every 80 ms (terminal only). */
  batch(epoch: number, size: number, loss: number): void {
    this.seen += size;
    if (!this.out.isTTY) return;
    const now = performance.now();
    if (now - this.lastDraw < 80 && this.seen < this.samples) return;
    this.lastDraw = now;
    const done = this.seen / this.samples;
    const seconds = (now - this.start) / 1000;
    const rate = this.seen / Math.max(seconds, 1e-9);
    const eta = (this.samples - this.seen) / rate;
    const tail = ` ${Math.round(done * 100)}%  loss ${loss.toFixed(4)}  ${Math.round(rate).toLocaleString("en-US")} samples/s  ETA ${eta.toFixed(1)}s`;
    this.out.write(`\r\x1b[2K${fitProgressLine(this.out.columns ?? 80, `epoch ${epoch + 1}/${this.epochs}`, done, tail)}`);
  }

  /** After each epoch: one finished line. */
  end(epoch: number, logs: { loss: number; accuracy: number; valAccuracy?: number; seconds: number }, trainSeconds: number): void {
    const val = logs.valAccuracy === undefined ? "" : `  test acc ${logs.valAccuracy.toFixed(4)}`;
    const line = `epoch ${epoch + 1}/${this.epochs}  loss ${logs.loss.toFixed(4)}  train acc ${logs.accuracy.toFixed(4)}${val}  ${logs.seconds.toFixed(2)}s  ${Math.round(this.samples / trainSeconds).toLocaleString("en-US")} samples/s`;
    this.out.write(this.out.isTTY ? `\r\x1b[2K${line}\n` : `${line}\n`);
  }
}

export function renderTable(headers: string[], rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((c, i) => c.padStart(widths[i])).join("  ");
  return [line(headers), widths.map((w) => "─".repeat(w)).join("  "), ...cells.map(line)].join("\n") + "\n";
}

/**
 * A confusion matrix (rows: true class, columns: predicted) with per-class recall, precision
 * and F1, in at most 80 columns: class names label the rows, numbers the columns.
 */
export function renderConfusion(
  e: { confusionMatrix?: number[][]; precision?: number[]; recall?: number[]; f1?: number[] },
  names: readonly string[] | null,
): string {
  const matrix = e.confusionMatrix!;
  const k = matrix.length;
  const label = (c: number): string => (names ? `${c} ${names[c]}` : String(c)).slice(0, 14);
  const cells = matrix.map((row) => row.map((v) => v.toLocaleString("en-US")));
  const width = Math.max(3, ...cells.flat().map((c) => c.length));
  const head = Math.max(...Array.from({ length: k }, (_, c) => label(c).length), "true\\pred".length);
  const pct = (v: number): string => (100 * v).toFixed(1).padStart(6);
  const lines = [
    `confusion matrix: rows true class, columns predicted; recall, precision, F1 in %`,
    `${"true\\pred".padEnd(head)} ${Array.from({ length: k }, (_, c) => String(c).padStart(width)).join(" ")}  recall   prec.     F1`,
    ...cells.map(
      (row, c) => `${label(c).padEnd(head)} ${row.map((v) => v.padStart(width)).join(" ")}  ${pct(e.recall![c])}  ${pct(e.precision![c])}  ${pct(e.f1![c])}`,
    ),
  ];
  return lines.join("\n") + "\n";
}
