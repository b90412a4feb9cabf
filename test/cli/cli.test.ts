// The wasmlp command end to end (the built dist/, as a user runs it): a short training run
// on the embedded data, a saved model that eval and predict reload, and every bad argument.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const BIN = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "wasmlp-cli-"));

function wasmlp(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("a short run on the embedded data", () => {
  const model = join(dir, "model.json");
  const run = wasmlp("train", "--limit", "400", "--epochs", "2", "--layers", "32", "--batch-size", "32", "--save", model);

  test("train exits 0, prints one line per epoch, the table and the results, and saves the model", () => {
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Network(784 → 32 relu → 10 softmax; loss categorical-crossentropy; adam(lr=0.001");
    expect(run.stdout).toContain("training on 400 images, testing on 2,000");
    expect(run.stdout).toMatch(/^epoch 2\/2 {2}loss \d\.\d{4} {2}train acc \d\.\d{4} {2}test acc \d\.\d{4}/m);
    expect(run.stdout).toMatch(/epoch +loss +train acc +test acc +seconds/);
    expect(run.stdout).toMatch(/held-out accuracy 0\.\d{4} on 2,000 images; training throughput [\d,]+ samples\/s/);
    expect(run.stdout).not.toContain("\r"); // not a terminal: plain lines only
    expect(existsSync(model)).toBe(true);
    expect(existsSync(`${model}.tmp`)).toBe(false);
  });

  test("eval reloads the model to the same accuracy", () => {
    const trained = Number(/held-out accuracy (0\.\d{4})/.exec(run.stdout)![1]);
    expect(trained).toBeGreaterThan(0.3); // 400 images, two epochs: well above chance (0.1)
    const e = wasmlp("eval", "--model", model);
    expect(e.code).toBe(0);
    expect(e.stdout).toContain(`test accuracy ${trained.toFixed(4)} on 2,000 images`);
  });

  test("predict classifies chosen images", () => {
    const p = wasmlp("predict", "--model", model, "--index", "0,5,1999");
    expect(p.code).toBe(0);
    expect(p.stdout).toMatch(/image +predicted +probability +true/);
    expect(p.stdout.trim().split("\n")).toHaveLength(6);
    expect(p.stdout).toMatch(/\d of 3 correct/);
  });
});

describe("bad arguments: one line on stderr, non-zero exit, no stack trace", () => {
  const model = join(dir, "bad.json");
  writeFileSync(model, "{\"format\": \"wasmlp-model\", \"version\": 1, \"inputSize\": 784, \"layers\": [{\"units\": 10, \"activation\": \"softmax\"}], \"loss\": \"categorical-crossentropy\", \"optimizer\": {\"type\": \"sgd\", \"learningRate\": 0.1}, \"seed\": 1, \"weights\": [\"AAAA\", \"AAAA\"]}");
  const small = join(dir, "small.json");
  test.each([
    [["frobnicate"], 2, /unknown command "frobnicate"/],
    [["train", "--epochs", "0"], 2, /--epochs must be a whole number from 1 to 100000, received "0"/],
    [["train", "--epochs", "ten"], 2, /--epochs must be a whole number .* received "ten"/],
    [["train", "--lr=-1"], 2, /--lr must be a positive number, received "-1"/],
    [["train", "--lr", "-1"], 2, /train: --lr needs a value; to give one that starts with "-", write --lr=VALUE/],
    [["train", "--layers", "128,abc"], 2, /--layers must be a whole number/],
    [["train", "--optimizer", "rmsprop"], 2, /--optimizer must be one of sgd, momentum, adam, received "rmsprop"/],
    [["train", "--activation", "softmax"], 2, /--activation must be one of/],
    [["train", "--bogus"], 2, /train: unknown option --bogus \(see wasmlp train --help\)/],
    [["train", "extra"], 2, /unexpected argument "extra"/],
    [["train", "--data", "/no/such/dir"], 1, /data directory \/no\/such\/dir does not exist/],
    [["eval"], 2, /--model FILE is required/],
    [["eval", "--model", join(dir, "missing.json")], 1, /model file .*missing.json does not exist/],
    [["eval", "--model", model], 1, /is not a usable wasmlp model: model.weights\[0\] holds 0.75 float32 values, expected 7840/],
    [["predict", "--model", model, "--index", "1", "--count", "2"], 2, /give --index or --count, not both/],
  ])("%j", (args, code, message) => {
    const r = wasmlp(...(args as string[]));
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^wasmlp: error: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
  });

  test("a model that does not fit the data is refused", () => {
    const t = wasmlp("train", "--limit", "50", "--epochs", "1", "--layers", "4", "--save", small);
    expect(t.code).toBe(0);
    const file = JSON.parse(readFileSync(small, "utf8"));
    file.inputSize = 100;
    file.weights[0] = Buffer.from(new Float32Array(400).buffer).toString("base64");
    writeFileSync(small, JSON.stringify(file));
    const r = wasmlp("eval", "--model", small);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the model takes 100 inputs, but the images have 784 pixels/);
  });

  test("--help for each command", () => {
    for (const cmd of ["train", "eval", "predict"]) {
      const r = wasmlp(cmd, "--help");
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: wasmlp ${cmd}`));
    }
    expect(wasmlp("--help").stdout).toMatch(/Commands:\n {2}train/);
  });
});
