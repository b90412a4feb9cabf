// The table commands' flags: their help texts and the parsers of the flags train, eval and
// predict --csv share.
import { ACTIVATIONS, OPTIMIZERS, type Activation } from "../config.js";
import type { ColumnType } from "../features.js";
import { UsageError } from "./args.js";
import { modelFlagsHelp, MODEL_USAGE } from "./models.js";

export const HIDDEN = ACTIVATIONS.filter((a) => a !== "softmax") as Exclude<Activation, "softmax">[];
const TYPES = ["number", "integer", "boolean", "category"] as const;

export const CSV_HELP = {
  train: `Usage: wasmlp train --csv FILE --target COLUMN [options]

Trains an MLP on a table: a classifier when the target is a category, a boolean or a few whole
numbers, else a regression (--task to say which). Numeric columns are standardized and
categorical ones one-hot encoded with statistics from the training rows only; the saved model
holds that feature spec, so eval and predict --csv take raw rows.

Data:
  --csv FILE            the table (RFC 4180 CSV; a header line names the columns)
  --target LIST         the column to predict (several, comma-separated, for multi-target regression)
  --task NAME           classification or regression (default: inferred from the target)
  --columns LIST        input columns (default: all but the target and --ignore)
  --ignore LIST         columns to leave out
  --types LIST          stated column types, e.g. zip:category,age:integer (number, integer, boolean, category)
  --delimiter C         field separator: one character, "tab", or "auto" (default ",")
  --no-header           the file has no header line: columns are named "column 1", "column 2", …
  --missing LIST        cell texts that mean missing (default: empty, NA, N/A, NaN, nan, ?, null)
  --on-missing NAME     error (default: name the line and column), drop (the row) or fill (training mean/mode)
  --unknown NAME        a category unseen in training at prediction: error (default) or other
  --test-fraction X     rows held out for testing, stratified for classification (default 0.2)
  --no-standardize-target  regression: train on the raw targets (default: standardized, mapped back)
  --stream              read the file again each epoch instead of holding it (automatic above 16 MiB);
                        the test rows are then chosen by a seeded hash of the row number, not stratified
Model and training:
  --layers LIST         hidden layer sizes (default 64)
  --activation NAME     ${HIDDEN.join(", ")} (default relu)
  --loss NAME           regression loss: mse (default), mae, huber
  --epochs N            (default 100)
  --batch-size N        (default 32)
  --optimizer NAME      ${OPTIMIZERS.join(", ")} (default adam)
  --lr X                learning rate (default 0.001; 0.05 for sgd, momentum, nesterov)
  --l2 X                L2 penalty on every layer's weights (default 0)
  --seed N              seed for the split, the weights and shuffling (default 1)
  --save FILE           write the model and its feature spec (JSON, written atomically)
  -h, --help            show this help
`,
  eval: `Usage: wasmlp eval (${MODEL_USAGE}) --csv FILE

Evaluates a model trained with train --csv on every row of FILE: accuracy, confusion matrix and
per-class precision/recall/F1 for a classifier; R², MAE and RMSE per target for a regression.

Options:
${modelFlagsHelp(18)}  --csv FILE        the table (same columns as in training)
  --delimiter C     field separator (default ",")
  --no-header       the file has no header line
  -h, --help        show this help
`,
  predict: `Usage: wasmlp predict (${MODEL_USAGE}) --csv FILE [--out FILE] [--probabilities]

Predicts every row of FILE with a model trained with train --csv and writes the rows with the
prediction appended as CSV (to --out, or to the terminal).

Options:
${modelFlagsHelp(18)}  --csv FILE        the rows to predict
  --out FILE        write the CSV there (atomically) instead of to the terminal
  --probabilities   a classifier also writes one probability column per class
  --delimiter C     field separator (default ",")
  --no-header       the file has no header line
  -h, --help        show this help
`,
};

/** True when the arguments ask for the table commands (--csv given). */
export function wantsCsv(argv: readonly string[]): boolean {
  return argv.some((a) => a === "--csv" || a.startsWith("--csv="));
}

export const READ_FLAGS = {
  csv: { type: "string" },
  delimiter: { type: "string" },
  "no-header": { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export function list(name: string, v: string | boolean | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== "string" || v.trim() === "") throw new UsageError(`--${name} needs a comma-separated list`);
  return v
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

export function delimiter(v: string | boolean | undefined): string {
  if (v === undefined) return ",";
  if (v === "tab" || v === "\\t") return "\t";
  if (typeof v !== "string" || (v !== "auto" && v.length !== 1))
    throw new UsageError(`--delimiter must be one character, "tab" or "auto", received "${String(v)}"`);
  return v;
}

export function typesFlag(v: string | boolean | undefined): Map<string, ColumnType> | undefined {
  const items = list("types", v);
  if (!items) return undefined;
  return new Map(
    items.map((item) => {
      const at = item.lastIndexOf(":");
      const type = item.slice(at + 1) as ColumnType;
      if (at <= 0 || !TYPES.includes(type as (typeof TYPES)[number]))
        throw new UsageError(`--types takes COLUMN:TYPE pairs with TYPE one of ${TYPES.join(", ")}, received "${item}"`);
      return [item.slice(0, at), type];
    }),
  );
}
