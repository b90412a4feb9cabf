// The errors a model file can cause. Each is a named subclass of the built-in kind the style
// asks for (TypeError: a value of the wrong kind; RangeError: a wrong size, range or name;
// SyntaxError: text that does not parse), so callers and the fuzz tests can tell wasmlp's own
// refusals from a runtime error escaping from inside.

/** A model file holding a value of the wrong kind (a string where a list belongs). */
export class FormatTypeError extends TypeError {
  override name = "FormatTypeError";
}

/** A model file that is damaged, over a cap, or inconsistent (a shape, a size, a missing weight). */
export class FormatError extends RangeError {
  override name = "FormatError";
}

/** A model file that parses but describes what wasmlp cannot represent (a Conv layer, an unknown activation). */
export class UnsupportedFormatError extends FormatError {
  override name = "UnsupportedFormatError";
}

// Not a file's fault, so not a format error; defined beneath the networks, which raise it too (quantize).
export { ExportOmissionError } from "../validate.js";

/** A model.json that is not JSON. */
export class FormatSyntaxError extends SyntaxError {
  override name = "FormatSyntaxError";
}

/** Whether `e` is one of the errors above (wasmlp refusing a file, not a failure inside it). */
export function isFormatError(e: unknown): e is FormatTypeError | FormatError | FormatSyntaxError {
  return e instanceof FormatTypeError || e instanceof FormatError || e instanceof FormatSyntaxError;
}
