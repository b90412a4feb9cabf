// The streaming readers' fast path (CsvReader with onBlock): pieces without quotes are scanned
// once, canonical decimals arrive as numbers. Every cell must read exactly as parseCsv's text
// does (cellNumber, cellText, missing values), and errors must name the same line and column.
import { describe, expect, test } from "vitest";
import { Readable } from "node:stream";
import { type Cell, type CellBlock, CsvReader, blockCell, csvPieces, parseCsv } from "../../src/data/index.js";
import { canonicalDecimal } from "../../src/data/csv-bytes.js";
import { cellNumber, cellText } from "../../src/features.js";
import { Random } from "../../src/random.js";

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

  test("byte chunks cut anywhere, even inside a character, read as the text does", async () => {
    const text = `\ufeffa,b,c\r\n${Array.from({ length: 200 }, (_, i) => `${i / 8},${["é", "日本", "x😀", '"q,""r"""'][i % 4]},${i % 7 === 0 ? "" : -i}`).join("\r\n")}\r\n`;
    const bytes = new TextEncoder().encode(text);
    const table = parseCsv(text);
    for (const size of [1, 2, 7, 4096]) {
      const chunks = Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));
      const rows: string[][] = [];
      const lines: number[] = [];
      for await (const p of csvPieces(Readable.from(chunks))) {
        expect(p.columns).toEqual(table.columns);
        for (let r = 0; r < p.block.count; r++) {
          rows.push(Array.from({ length: p.block.width }, (_, j) => cellText(blockCell(p.block, r, j))));
          lines.push(p.block.lines[r]);
        }
      }
      expect(rows).toEqual(table.rows.map((r) => r.map(cellText)));
      expect(lines).toEqual(table.lines);
    }
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

describe("canonicalDecimal: numbers parsed from bytes are exactly Number() of the same text", () => {
  const parse = (t: string): number => {
    const b = new TextEncoder().encode(` ${t} `); // inside a larger buffer, as in a piece
    return canonicalDecimal(b, 1, b.length - 1);
  };
  // Every accepted token must be Number(token) bit for bit and be how String writes that number.
  const wrong: string[] = [];
  const check = (t: string): boolean => {
    const v = parse(t);
    if (Number.isNaN(v)) return false;
    if (!Object.is(v, Number(t)) || String(v) !== t) wrong.push(t);
    return true;
  };

  test("edge tokens", () => {
    for (const t of ["0", "7", "-3", "10.25", "-0.5", "0.000001", "-0.000001", "123456789012345", "999999999999999", "0.123456789012345", "4503599627370.5"])
      expect(check(t), t).toBe(true);
    for (const t of [
      "",
      "-",
      "-0",
      "0.0",
      "-0.0",
      "00",
      "012",
      "1.50",
      "1e3",
      "1E3",
      "1e-7",
      "+4",
      ".5",
      "-.5",
      "5.",
      " 5",
      "5 ",
      "5\t",
      "0x10",
      "0b1",
      "1_000",
      "0.0000001",
      "1234567890123456",
      "12345678901234567890",
      "0.30000000000000004",
      "9007199254740993",
      "NaN",
      "Infinity",
      "-Infinity",
      "١",
      "1,5",
    ])
      expect(check(t), t).toBe(false);
    expect(wrong).toEqual([]);
  });

  test("random tokens: canonical numbers of every magnitude are accepted, and nothing is accepted that Number() reads otherwise", () => {
    const rng = new Random(7);
    let accepted = 0;
    for (let i = 0; i < 20000; i++) {
      const x = (rng.float() - 0.5) * 10 ** Math.floor(rng.float() * 24 - 8);
      const digits = 1 + Math.floor(rng.float() * 17);
      for (const t of [String(x), x.toPrecision(digits), x.toFixed(Math.floor(rng.float() * 8)), String(Math.round(x))]) {
        const ok = check(t);
        accepted += ok ? 1 : 0;
        // Canonical, at most 15 significant digits, no exponent, at least 1e-6: must be taken as a number.
        const sig = t.replace(/^-/, "").replace(".", "").replace(/^0+/, "").length;
        if (!ok && String(Number(t)) === t && !/e/.test(t) && t !== "-0" && sig <= 15 && (Number(t) === 0 || Math.abs(Number(t)) >= 1e-6))
          wrong.push(`missed ${t}`);
      }
      // Random strings over the characters of numbers.
      let s = "";
      for (let k = 1 + Math.floor(rng.float() * 20); k > 0; k--) s += "0123456789.-+eE x"[Math.floor(rng.float() * 17)];
      check(s);
    }
    expect(wrong).toEqual([]);
    expect(accepted).toBeGreaterThan(20000);
  });
});
