// How to read CSV text: the options with their defaults and checks, the error every data
// problem throws, and the small text helpers the readers share.
/** How to read CSV text: the delimiter, the header, the quote, the size limits. */
export interface CsvOptions {
  /** Field separator: one character; default ",". "auto" guesses among , ; tab and |. */
  delimiter?: string;
  /** Whether the first line names the columns; default true. Without one, columns are named "column 1", … or by `columns`. */
  header?: boolean;
  /** Column names for a file without a header line. */
  columns?: readonly string[];
  /** The source's name in errors (e.g. the file name); default "CSV text". */
  name?: string;
  /** The quote character; default '"' (RFC 4180). Some files quote with "'". */
  quote?: string;
  /** The longest field, in characters; default 1,048,576. */
  maxFieldLength?: number;
  /** The most columns; default 4,096. */
  maxColumns?: number;
}

const DEFAULTS = { maxFieldLength: 1 << 20, maxColumns: 4096 };

/** A CSV or JSON-rows problem, with the source, line and column it was found at. */
export class DataError extends RangeError {
  override name = "DataError";
}

/** The options with every default filled in, after checking the delimiter and the quote. */
export function resolved(o: CsvOptions): Required<Omit<CsvOptions, "columns">> & { columns?: readonly string[] } {
  if (o === null || typeof o !== "object") throw new TypeError("CSV options must be an object");
  const delimiter = o.delimiter ?? ",";
  if (typeof delimiter !== "string" || (delimiter !== "auto" && (delimiter.length !== 1 || delimiter === '"' || delimiter === "\n" || delimiter === "\r"))) {
    throw new RangeError(`delimiter must be one character other than a quote or newline, or "auto"; received ${JSON.stringify(delimiter)}`);
  }
  const quote = o.quote ?? '"';
  if (typeof quote !== "string" || quote.length !== 1 || quote === delimiter || quote === "\n" || quote === "\r") {
    throw new RangeError(`quote must be one character other than the delimiter or a newline; received ${JSON.stringify(quote)}`);
  }
  return {
    delimiter,
    quote,
    header: o.header ?? true,
    columns: o.columns,
    name: o.name ?? "CSV text",
    maxFieldLength: o.maxFieldLength ?? DEFAULTS.maxFieldLength,
    maxColumns: o.maxColumns ?? DEFAULTS.maxColumns,
  };
}

/** How many newlines s holds between from and to. */
export function countNewlines(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = s.indexOf("\n", from); i >= 0 && i < to; i = s.indexOf("\n", i + 1)) n++;
  return n;
}

/** The delimiter among , ; tab | that splits the first lines into the most equal, non-trivial field counts. */
export function guessDelimiter(text: string): string {
  const sample = text
    .slice(0, 65536)
    .split(/\r?\n/)
    .slice(0, 20)
    .filter((l) => l.length > 0);
  let best = ",",
    bestScore = 0;
  for (const d of [",", ";", "\t", "|"]) {
    const counts = sample.map((l) => l.split(d).length);
    if (counts.length === 0 || counts[0] < 2) continue;
    const same = counts.filter((c) => c === counts[0]).length;
    const score = same * 1000 + counts[0];
    if (score > bestScore) [best, bestScore] = [d, score];
  }
  return best;
}
