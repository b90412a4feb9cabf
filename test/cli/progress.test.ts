// The progress line fits the terminal: a line as wide as the terminal wraps, and the next \r
// redraw would leave its first row behind as debris.
import { expect, test } from "vitest";
import { EpochProgress, type Output, fitProgressLine } from "../../src/cli/progress.js";

const TAIL = " 42%  loss 0.5123  12,345 samples/s  ETA 3.2s";

test.each([30, 50, 60, 80, 120])("at %i columns the line is at most columns − 1 wide", (columns) => {
  for (const done of [0, 0.42, 1]) {
    const line = fitProgressLine(columns, "epoch 12/20", done, TAIL);
    expect(line.length).toBeLessThanOrEqual(columns - 1);
    expect(line.startsWith("epoch 12/20")).toBe(true);
  }
});

test("the bar shrinks before it goes, and is full width on a wide terminal", () => {
  const wide = fitProgressLine(120, "epoch 1/2", 0.5, TAIL);
  expect(wide).toContain(`[${"█".repeat(12)}${"░".repeat(12)}]`);
  const narrow = fitProgressLine(70, "epoch 1/2", 0.5, TAIL);
  const bar = /\[(█*)(░*)\]/.exec(narrow)!;
  expect(bar[0].length).toBeLessThan(26);
  expect(bar[0].length).toBeGreaterThanOrEqual(7);
  expect(fitProgressLine(50, "epoch 1/2", 0.5, TAIL)).not.toContain("[");
});

test("EpochProgress draws within the terminal's width on a 50-column terminal", () => {
  const writes: string[] = [];
  const out: Output = { write: (t) => void writes.push(t), isTTY: true, columns: 50 };
  const p = new EpochProgress(out, 20, 1000);
  p.begin();
  for (let i = 0; i < 10; i++) p.batch(0, 100, 0.5);
  const drawn = writes.filter((w) => w.startsWith("\r\x1b[2K") && !w.endsWith("\n"));
  expect(drawn.length).toBeGreaterThan(0);
  for (const w of drawn) expect(w.slice("\r\x1b[2K".length).length).toBeLessThanOrEqual(49);
});
