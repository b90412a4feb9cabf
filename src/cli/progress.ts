// Terminal output for the command line: a live per-epoch progress bar on a terminal, one
// plain line per epoch otherwise (CI logs), and a small results table.

export interface Output {
  write(text: string): void;
  isTTY: boolean;
}

const BAR = 24;

export class EpochProgress {
  private start = 0;
  private lastDraw = 0;
  private seen = 0;

  constructor(private readonly out: Output, private readonly epochs: number, private readonly samples: number) {}

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
    const filled = Math.round(done * BAR);
    this.out.write(`\r\x1b[2Kepoch ${epoch + 1}/${this.epochs} [${"█".repeat(filled)}${"░".repeat(BAR - filled)}] ${Math.round(done * 100)}%  loss ${loss.toFixed(4)}  ${rate.toFixed(0)} samples/s  ETA ${eta.toFixed(1)}s`);
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
