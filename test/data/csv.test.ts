// CSV reading: RFC 4180 quoting, line endings, BOM, delimiters, header or not, streams in any
// chunking, and every bad input named by source, line and column.
import { Readable } from "node:stream";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { csvPieces, parseCsv, readCsv, readCsvFile, tableFromObjects } from "../../src/data/index.js";

const dir = mkdtempSync(join(tmpdir(), "wasmlp-csv-"));

describe("parseCsv", () => {
  test("quoted fields hold commas, doubled quotes and newlines; line numbers count them", () => {
    const t = parseCsv('a,b,c\n1,"x, y",3\n2,"say ""hi""",4\n3,"two\nlines",5\n4,z,6\n', { name: "q.csv" });
    expect(t.columns).toEqual(["a", "b", "c"]);
    expect(t.rows.map((r) => r[1])).toEqual(["x, y", 'say "hi"', "two\nlines", "z"]);
    expect(t.lines).toEqual([2, 3, 4, 6]);
  });

  test("CRLF, a BOM, a last line without newline, blank lines", () => {
    const t = parseCsv("\ufeffa,b\r\n1,2\r\n\r\n3,4");
    expect(t.columns).toEqual(["a", "b"]);
    expect(t.rows).toEqual([
      ["1", "2"],
      ["3", "4"],
    ]);
    expect(t.lines).toEqual([2, 4]);
  });

  test("other delimiters, auto-detection, no header", () => {
    expect(parseCsv("a;b\n1,5;2\n", { delimiter: ";" }).rows).toEqual([["1,5", "2"]]);
    expect(parseCsv('"x"\t"y"\n1\t2\n', { delimiter: "\t" }).columns).toEqual(["x", "y"]);
    expect(parseCsv("a|b|c\n1|2|3\n", { delimiter: "auto" }).columns).toEqual(["a", "b", "c"]);
    const t = parseCsv("1,2\n3,4\n", { header: false });
    expect(t.columns).toEqual(["column 1", "column 2"]);
    expect(t.rows.length).toBe(2);
    expect(parseCsv("1,2\n", { header: false, columns: ["p", "q"] }).columns).toEqual(["p", "q"]);
  });

  test("column names that are Object.prototype's own stay plain names", () => {
    const t = parseCsv("__proto__,constructor,toString\n1,2,3\n");
    expect(t.columns).toEqual(["__proto__", "constructor", "toString"]);
  });

  test("readCsv gives the same table for every chunking, from strings, bytes, Node and web streams", async () => {
    const text = 'id,note,v\r\n1,"a\r\nb, ""c""",2.5\r\n2,plain,3\r\n3,"",4\r\n';
    const whole = parseCsv(text);
    const bytes = new TextEncoder().encode(text);
    for (let size = 1; size <= bytes.length; size += 3) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.slice(i, i + size));
      expect(await readCsv(Readable.from(chunks))).toEqual(whole);
    }
    expect(await readCsv(new Blob([bytes]).stream())).toEqual(whole);
    expect(await readCsv(bytes)).toEqual(whole);
    // A multi-byte character split between chunks.
    const euro = new TextEncoder().encode("a\n€\n");
    expect((await readCsv(Readable.from([euro.slice(0, 3), euro.slice(3)]))).rows).toEqual([["€"]]);
  });

  test("readCsvFile names the file in errors", async () => {
    const path = join(dir, "ok.csv");
    writeFileSync(path, "a,b\n1,2\n1\n");
    await expect(readCsvFile(path)).rejects.toThrow(`${path} line 3: 1 field, expected 2`);
    await expect(readCsvFile(join(dir, "missing.csv"))).rejects.toThrow("does not exist");
    await expect(readCsvFile(dir)).rejects.toThrow("is a folder");
  });

  test("JSON rows: columns in order of appearance, own properties only", () => {
    const rows = JSON.parse('[{"a":1,"__proto__":"x"},{"a":2,"b":true,"__proto__":"y"}]') as object[];
    const t = tableFromObjects(rows);
    expect(t.columns).toEqual(["a", "__proto__", "b"]);
    expect(t.rows).toEqual([
      [1, "x", undefined],
      [2, "y", true],
    ]);
    expect(() => tableFromObjects([{ a: {} }])).toThrow('JSON rows row 0, column "a": a value of type object');
  });
});

describe("bad input: one error naming source, line and column", () => {
  const cases: [string, string, string][] = [
    ["ragged row", "a,b,c\n1,2,3\n4,5\n", "f.csv line 3: 2 fields, expected 3"],
    ["too many fields", "a,b\n1,2,3\n", "f.csv line 2: 3 fields, expected 2"],
    ["empty file", "", "f.csv is empty"],
    ["only a header", "a,b,c\n", "f.csv has a header line and no rows"],
    ["unclosed quote", 'a,b\n1,"open\n2,3\n', "f.csv line 2: a quoted field is never closed"],
    ["not text", "a,b\n1,\u0000\u0001\n", "f.csv line 2: the input is not text"],
    ["repeated column name", "a,a\n1,2\n", 'f.csv line 1: column 2 repeats the name "a"'],
  ];
  test.each(cases)("%s", (_, text, message) => {
    expect(() => parseCsv(text, { name: "f.csv" })).toThrow(message);
  });

  test("a 10 MB field", () => {
    const big = "x".repeat(10 * 1024 * 1024);
    expect(() => parseCsv(`a,b\n1,2\n3,${big}\n`, { name: "f.csv" })).toThrow(
      'f.csv line 3: column 2 ("b"): a field of 10,485,760 characters; the limit is 1,048,576 (maxFieldLength)',
    );
  });

  test("a 10 MB quoted field in a stream stops at the record cap, not at the end of the input", async () => {
    const chunks = ['a,b\n1,"', ...Array.from({ length: 10 }, () => "x".repeat(1 << 20))];
    await expect(readCsv(Readable.from(chunks), { name: "s.csv" })).rejects.toThrow("s.csv line 2: a record runs past 4,259,840 characters without ending");
  });

  test("bytes that are not UTF-8: the line, column and byte offset of the first invalid sequence, on every path and chunking", async () => {
    const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p) : Buffer.from(p))));
    const cases: [Buffer, string][] = [
      [bytes("a,b\n1,x", [0xff], "\n"), "line 2, column 4: not UTF-8 text (byte 0xff at offset 7)"],
      [bytes("a,b\n1,é", [0xff], "\n"), "line 2, column 4: not UTF-8 text (byte 0xff at offset 8)"],
      [bytes('a,b\n"x\ny",', [0xc3, 0x28], "\n"), "line 3, column 4: not UTF-8 text (byte 0xc3 at offset 10)"],
      [bytes("a,b\n1,2\n3,", [0xe2, 0x82]), "line 3, column 3: not UTF-8 text (byte 0xe2 at offset 10)"],
      [bytes([0xef, 0xbb, 0xbf], "a,", [0xed, 0xa0, 0x80], "\n1,2\n"), "line 1, column 3: not UTF-8 text (byte 0xed at offset 5)"],
    ];
    for (const [input, message] of cases) {
      for (const size of [input.length, 1, 3]) {
        const chunks = () => Readable.from(Array.from({ length: Math.ceil(input.length / size) }, (_, i) => input.subarray(i * size, (i + 1) * size)));
        // readCsv: the text path (papaparse); csvPieces: the byte scanner (quoted pieces: papaparse).
        await expect(readCsv(chunks(), { name: "b.csv" })).rejects.toThrow(`b.csv ${message}; give a CSV file saved as UTF-8`);
        await expect(
          (async () => {
            for await (const _ of csvPieces(chunks(), { name: "b.csv" }));
          })(),
        ).rejects.toThrow(`b.csv ${message}`);
      }
    }
  });

  test("a bad delimiter option", () => {
    expect(() => parseCsv("a\n", { delimiter: '"' })).toThrow("delimiter must be one character other than a quote or newline");
  });
});
