// The streaming readers' fast path (CsvReader with onBlock): pieces without quotes are scanned
// once, canonical decimals arrive as numbers. Every cell must read exactly as parseCsv's text
// does (cellNumber, cellText, missing values), and errors must name the same line and column.
import { describe, expect, test } from "vitest";
import { type Cell, type CellBlock, CsvReader, blockCell, parseCsv } from "../../src/data/index.js";
import { cellNumber, cellText } from "../../src/features.js";

function blocks(text: string, options = {}, pieces = [text]): { columns: readonly string[]; rows: Cell[][]; lines: number[] } {
  const rows: Cell[][] = [],
    lines: number[] = [];
  const reader = new CsvReader(
    options,
    () => {
      throw new Error("rows should arrive as blocks");
    },
    (b: CellBlock) => {
      for (let r = 0; r < b.count; r++) {
        rows.push(Array.from({ length: b.width }, (_, j) => blockCell(b, r, j)));
        lines.push(b.lines[r]);
      }
    },
  );
  for (const p of pieces) reader.push(p);
  reader.push("", true);
  return { columns: reader.columns, rows, lines };
}

const same = (text: string, options = {}) => {
  const table = parseCsv(text, options),
    fast = blocks(text, options);
  expect(fast.columns).toEqual(table.columns);
  expect(fast.lines).toEqual(table.lines);
  expect(fast.rows.map((r) => r.map(cellText))).toEqual(table.rows.map((r) => r.map(cellText)));
  expect(fast.rows.map((r) => r.map(cellNumber))).toEqual(table.rows.map((r) => r.map(cellNumber)));
  return fast;
};

describe("the fast path of the streaming reader", () => {
  test("canonical decimals become numbers; every other spelling stays text and reads the same", () => {
    const values = [
      "0",
      "7",
      "-3",
      "10.25",
      "-0.5",
      "0.000001",
      "123456789012345",
      "012",
      "1.50",
      "-0",
      "0.0",
      "1e3",
      "+4",
      ".5",
      "5.",
      " 5",
      "5 ",
      "0.0000001",
      "1234567890123456",
      "0.30000000000000004",
      "NaN",
      "inf",
      "-Infinity",
      "",
      "?",
      "red",
      "é",
      "1,5",
    ];
    const text = `v,w\n${values.map((v, i) => `${v.includes(",") ? "x" : v},${i}`).join("\n")}\n`;
    const fast = same(text);
    const kinds = fast.rows.map((r) => typeof r[0]);
    expect(kinds.slice(0, 7)).toEqual(Array(7).fill("number"));
    expect(kinds.slice(7).every((k) => k === "string")).toBe(true);
  });

  test("CRLF, blank lines, a BOM, no header, another delimiter, pieces cut anywhere", () => {
    same("\ufeffa;b\r\n1;x\r\n\r\n2.5;y\r\n", { delimiter: ";" });
    same("1,2\n\n3,4\n", { header: false });
    same("a\tb\n1\t2\n", { delimiter: "\t" });
    const text = "a,b,c\n" + Array.from({ length: 300 }, (_, i) => `${i / 4},${["p", "q"][i % 2]},${i}`).join("\n") + "\n";
    const cut = blocks(text, {}, [text.slice(0, 7), text.slice(7, 999), text.slice(999)]);
    expect(cut.rows.map((r) => r.map(cellText))).toEqual(parseCsv(text).rows.map((r) => r.map(cellText)));
  });

  test("quoted pieces take papaparse's path, and still arrive as blocks", () => {
    same('a,b\n"x, y",1\n2,"3"\n');
  });

  test("errors name the same line and column as the text path", () => {
    for (const [text, options] of [
      ["a,b\n1,2\n3\n", {}],
      ["a,b\n1,2\n3,4,5\n", {}],
      ["a,b\n1,xxxxxxxxxxxx\n", { maxFieldLength: 5 }],
    ] as const) {
      let want = "";
      try {
        parseCsv(text, options);
      } catch (e) {
        want = (e as Error).message;
      }
      expect(want).not.toBe("");
      expect(() => blocks(text, options)).toThrow(want);
    }
  });
});
