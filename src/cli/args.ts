// Flag parsing for the command line (node:util parseArgs, strict), with values checked into
// numbers and lists; every problem is a UsageError, printed as one line with exit code 2.
import { parseArgs } from "node:util";

export class UsageError extends Error {}

export type Spec = Record<string, { type: "string" | "boolean"; short?: string }>;

export function parse(args: string[], spec: Spec, command: string): Record<string, string | boolean | undefined> {
  try {
    const { values, positionals } = parseArgs({ args, options: spec, strict: true, allowPositionals: true });
    if (positionals.length > 0) throw new UsageError(`${command}: unexpected argument "${positionals[0]}"`);
    return values;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    // parseArgs' messages run over several lines; keep one, with the flag named.
    const raw = (e as Error).message;
    const ambiguous = /^Option '(--[\w-]+)' argument is ambiguous/.exec(raw);
    const message = ambiguous
      ? `${ambiguous[1]} needs a value; to give one that starts with "-", write ${ambiguous[1]}=VALUE`
      : raw
          .split("\n")[0]
          .split(". ")[0]
          .replace(/^Unknown option '(.+?)'.*/, "unknown option $1");
    throw new UsageError(`${command}: ${message} (see wasmlp ${command} --help)`);
  }
}

export function int(name: string, value: string | boolean | undefined, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  // Plain decimal digits only: Number() would also take "0x2", "1e1" and "2.0".
  const n = typeof value === "string" && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : NaN;
  if (typeof value !== "string" || !Number.isSafeInteger(n) || n < min || n > max) {
    const range =
      max === Number.MAX_SAFE_INTEGER ? `at least ${min.toLocaleString("en-US")}` : `from ${min.toLocaleString("en-US")} to ${max.toLocaleString("en-US")}`;
    throw new UsageError(`--${name} must be a whole number ${range} written in digits, received "${value}"`);
  }
  return n;
}

export function positive(name: string, value: string | boolean | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (typeof value !== "string" || value.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`--${name} must be a positive number, received "${value}"`);
  }
  return n;
}

export function intList(name: string, value: string | boolean | undefined, fallback: number[]): number[] {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || value.trim() === "") throw new UsageError(`--${name} must be a comma-separated list of whole numbers, received "${value}"`);
  return value.split(",").map((part) => int(name, part.trim(), 0, 1, 65536));
}

export function oneOf<T extends string>(name: string, value: string | boolean | undefined, fallback: T, allowed: readonly T[]): T {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !allowed.includes(value as T)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(", ")}, received "${value}"${typeof value === "string" ? ", an unknown name" : ""}`);
  }
  return value as T;
}

export function text(name: string, value: string | boolean | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || value === "") throw new UsageError(`--${name} needs a value`);
  return value;
}
