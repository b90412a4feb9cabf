// The wasmlp command: a short training run on the embedded data, a saved model that eval and
// predict reload, and every bad argument, run in this process through run(); a few runs of the
// built dist/cli/main.js as a user starts it check the process's own exit codes and streams.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type CliResult, wasmlp } from "./run.js";
import { beforeAll, describe, expect, test } from "vitest";

const BIN = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "wasmlp-cli-"));

describe("the executable", () => {
  const node = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: 60_000 });

  test("prints its version and exits 0", () => {
    const r = node("--version");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^wasmlp \d+\.\d+\.\d+\n$/);
  });

  test("a usage error is one line on stderr and exit 2; a missing model file exit 1", () => {
    const usage = node("train", "--epochs", "0");
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/^wasmlp: error: --epochs .*\n$/);
    const missing = node("eval", "--model", "/no/such.json");
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe("wasmlp: error: model file /no/such.json does not exist\n");
  });
});

describe("a short run on the embedded data", () => {
  const model = join(dir, "model.json");
  let run: CliResult;
  beforeAll(async () => {
    run = await wasmlp("train", "--limit", "400", "--epochs", "2", "--layers", "32", "--batch-size", "32", "--save", model);
  });

  test("train exits 0, prints one line per epoch, the table and the results, and saves the model", async () => {
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Network(784 → 32 relu → 10 softmax; loss categorical-crossentropy; adam(lr=0.001");
    expect(run.stdout).toContain("training on 400 images, testing on 2,000; 1 thread");
    expect(run.stdout).toMatch(/^epoch 2\/2 {2}loss \d\.\d{4} {2}train acc \d\.\d{4} {2}test acc \d\.\d{4}/m);
    expect(run.stdout).toMatch(/epoch +loss +train acc +test acc +seconds/);
    expect(run.stdout).toMatch(/held-out accuracy 0\.\d{4} on 2,000 images; training throughput [\d,]+ samples\/s/);
    expect(run.stdout).not.toContain("\r"); // not a terminal: plain lines only
    expect(existsSync(model)).toBe(true);
    expect(existsSync(`${model}.tmp`)).toBe(false);
  });

  test("eval reloads the model to the same accuracy", async () => {
    const trained = Number(/held-out accuracy (0\.\d{4})/.exec(run.stdout)![1]);
    expect(trained).toBeGreaterThan(0.3); // 400 images, two epochs: well above chance (0.1)
    const e = await wasmlp("eval", "--model", model);
    expect(e.code).toBe(0);
    expect(e.stdout).toContain(`test accuracy ${trained.toFixed(4)} on 2,000 images`);
  });

  test("eval prints a confusion matrix with class names, recall, precision and F1, in 80 columns", async () => {
    const e = await wasmlp("eval", "--model", model);
    const lines = e.stdout.split("\n");
    const start = lines.findIndex((l) => l.startsWith("confusion matrix"));
    expect(start).toBeGreaterThan(0);
    expect(lines[start + 1]).toMatch(/^true\\pred +0 +1 +2 .* 9 +recall +prec\. +F1$/);
    expect(lines[start + 2]).toMatch(/^0 T-shirt\/top +(\d+ +){10}\d+\.\d +\d+\.\d +\d+\.\d$/);
    expect(lines[start + 11]).toMatch(/^9 Ankle boot /);
    const counts = lines.slice(start + 2, start + 12).map((l) => l.slice(13).trim().split(/ +/).slice(0, 10).map(Number));
    expect(counts.flat().reduce((a, b) => a + b)).toBe(2000);
    for (const l of lines.slice(start, start + 12)) expect(l.length).toBeLessThanOrEqual(80);
  });

  test("predict classifies chosen images", async () => {
    const p = await wasmlp("predict", "--model", model, "--index", "0,5,1999");
    expect(p.code).toBe(0);
    expect(p.stdout).toMatch(/image +predicted +probability +true/);
    expect(p.stdout.trim().split("\n")).toHaveLength(6);
    expect(p.stdout).toMatch(/\d of 3 correct/);
  });
});

describe("bad arguments: one line on stderr, non-zero exit, no stack trace", () => {
  const model = join(dir, "bad.json");
  writeFileSync(
    model,
    '{"format": "wasmlp-model", "version": 1, "inputSize": 784, "layers": [{"units": 10, "activation": "softmax"}], "loss": "categorical-crossentropy", "optimizer": {"type": "sgd", "learningRate": 0.1}, "seed": 1, "weights": ["AAAA", "AAAA"]}',
  );
  const small = join(dir, "small.json");
  const plain = join(dir, "plain.txt");
  writeFileSync(plain, "not a folder");
  test.each([
    [["frobnicate"], 2, /unknown command "frobnicate"/],
    [["train", "--epochs", "0"], 2, /--epochs must be a whole number from 1 to 100,000 written in digits, received "0"/],
    [["train", "--epochs", "ten"], 2, /--epochs must be a whole number .* received "ten"/],
    [["train", "--lr=-1"], 2, /--lr must be a positive number, received "-1"/],
    [["train", "--lr", "-1"], 2, /train: --lr needs a value; to give one that starts with "-", write --lr=VALUE/],
    [["train", "--layers", "128,abc"], 2, /--layers must be a whole number/],
    [["train", "--optimizer", "lion"], 2, /--optimizer must be one of sgd, momentum, nesterov, adam, adamw, rmsprop, adagrad, received "lion"/],
    [["train", "--activation", "softmax"], 2, /--activation must be one of/],
    [["train", "--bogus"], 2, /train: unknown option --bogus \(see wasmlp train --help\)/],
    [["train", "extra"], 2, /unexpected argument "extra"/],
    [["train", "--data", "/no/such/dir"], 1, /data directory \/no\/such\/dir does not exist/],
    [["eval"], 2, /--model FILE is required/],
    [["eval", "--model", join(dir, "missing.json")], 1, /model file .*missing.json does not exist/],
    [
      ["eval", "--model", model],
      1,
      /is not a usable wasmlp model: model.weights\[0\] decodes to 3 bytes, not a whole number of 4-byte float32 values: the text is truncated or damaged \(expected 7,840 float32 values \(31,360 bytes\)\)/,
    ],
    [["eval", "--model", "/dev/zero"], 1, /model file \/dev\/zero is a device; expected a regular file/],
    [["eval", "--model", dir], 1, /model file .* is a folder; expected a regular file/],
    [["predict", "--model", "/dev/zero"], 1, /model file \/dev\/zero is a device/],
    [["train", "--data", plain], 1, /--data .*plain.txt is a file, not a folder/],
    [["train", "--epochs", "0x2"], 2, /--epochs must be a whole number from 1 to 100,000 written in digits, received "0x2"/],
    [["train", "--epochs", "1e1"], 2, /--epochs must be a whole number .* received "1e1"/],
    [["train", "--batch-size", "2.5"], 2, /--batch-size must be a whole number .* received "2.5"/],
    [["train", "--save", "/no/such/folder/m.json"], 1, /--save \/no\/such\/folder\/m.json: the folder \/no\/such\/folder does not exist/],
    [["train", "--save", dir], 1, /--save .* is a folder; expected a file name/],
    [["train", "--save", join(plain, "m.json")], 1, /--save .*: .*plain.txt is a file, not a folder/],
    [["predict", "--model", model, "--index", "1", "--count", "2"], 2, /give --index or --count, not both/],
  ])("%j", async (args, code, message) => {
    const r = await wasmlp(...(args as string[]));
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^wasmlp: error: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stdout).toBe("");
  });

  test("a model that does not fit the data is refused", async () => {
    const t = await wasmlp("train", "--limit", "50", "--epochs", "1", "--layers", "4", "--save", small);
    expect(t.code).toBe(0);
    const file = JSON.parse(readFileSync(small, "utf8"));
    file.inputSize = 100;
    delete file.inputShape; // as files written before inputShape existed
    file.weights[0] = Buffer.from(new Float32Array(400).buffer).toString("base64");
    writeFileSync(small, JSON.stringify(file));
    const r = await wasmlp("eval", "--model", small);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/the model takes 100 inputs, but the images have 784 pixels \(28×28\)/);
  });

  test("--help for each command", async () => {
    for (const cmd of ["train", "eval", "predict"]) {
      const r = await wasmlp(cmd, "--help");
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: wasmlp ${cmd}`));
    }
    expect((await wasmlp("--help")).stdout).toMatch(/Commands:\n {2}train/);
  });
});

/** An IDX data folder (train and t10k) of `count` random images of rows × cols pixels each. */
function idxFolder(name: string, count: number, rows: number, cols: number): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  const images = Buffer.alloc(16 + count * rows * cols);
  images.writeUInt32BE(0x00000803, 0);
  images.writeUInt32BE(count, 4);
  images.writeUInt32BE(rows, 8);
  images.writeUInt32BE(cols, 12);
  for (let i = 16; i < images.length; i++) images[i] = (i * 2654435761) % 251;
  const labels = Buffer.alloc(8 + count);
  labels.writeUInt32BE(0x00000801, 0);
  labels.writeUInt32BE(count, 4);
  for (let i = 0; i < count; i++) labels[8 + i] = i % 10;
  for (const set of ["train", "t10k"]) {
    writeFileSync(join(folder, `${set}-images-idx3-ubyte.gz`), gzipSync(images));
    writeFileSync(join(folder, `${set}-labels-idx1-ubyte`), labels);
  }
  return folder;
}

describe("the issue 8 cases", () => {
  const model = join(dir, "m28.json");
  let trained: CliResult;
  beforeAll(async () => {
    trained = await wasmlp("train", "--limit", "64", "--epochs", "1", "--layers", "8", "--save", model);
  });

  test("--early-stopping N stops when the test loss stops falling and keeps the best epoch", async () => {
    const r = await wasmlp("train", "--limit", "300", "--epochs", "60", "--layers", "64", "--lr", "0.01", "--early-stopping", "1");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/early stopping: no lower test loss for 1 epoch after epoch (\d+); stopped after epoch (\d+) and kept epoch \1's weights/);
    const [, best, stopped] = /after epoch (\d+); stopped after epoch (\d+)/.exec(r.stdout)!.map(Number);
    expect(stopped - best).toBe(2);
    expect(stopped).toBeLessThan(60);
  });

  test("--save --checkpoint then --resume continues bit for bit; --resume refuses changes to the network", async () => {
    const [straight, first, resumed] = ["straight", "first", "resumed"].map((n) => join(dir, `${n}.json`));
    const common = ["--limit", "200", "--layers", "12", "--batch-size", "32"];
    expect((await wasmlp("train", ...common, "--epochs", "3", "--save", straight)).code).toBe(0);
    const c = await wasmlp("train", ...common, "--epochs", "1", "--save", first, "--checkpoint");
    expect(c.stdout).toContain(`saved checkpoint (model, optimizer state, epochs done) to ${first}`);
    expect(JSON.parse(readFileSync(first, "utf8")).training.epoch).toBe(1);
    const r = await wasmlp("train", "--limit", "200", "--batch-size", "32", "--epochs", "3", "--resume", first, "--save", resumed);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`resuming ${first} after epoch 1`);
    expect(r.stdout).toMatch(/^epoch 2\/3 /m);
    expect(r.stdout).not.toMatch(/^epoch 1\/3 /m);
    expect(JSON.parse(readFileSync(resumed, "utf8")).weights).toEqual(JSON.parse(readFileSync(straight, "utf8")).weights);
    const bad = await wasmlp("train", "--resume", first, "--layers", "3");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--resume continues the saved network as it is; --layers cannot change it/);
    const done = await wasmlp("train", "--resume", first, "--epochs", "1");
    expect(done.code).toBe(1);
    expect(done.stderr).toMatch(/has trained 1 epoch already; give --epochs above 1 to train more/);
    expect((await wasmlp("train", "--checkpoint")).stderr).toMatch(/--checkpoint needs --save FILE/);
  });

  test("--optimizer adamw --weight-decay and --lr-schedule reach the network; a pipe closed early ends quietly", async () => {
    const r = await wasmlp(
      "train",
      "--limit",
      "100",
      "--epochs",
      "1",
      "--layers",
      "8",
      "--optimizer",
      "adamw",
      "--weight-decay",
      "0.01",
      "--lr-schedule",
      "cosine",
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("adamw(lr=0.001, beta1=0.9, beta2=0.999, epsilon=1e-7, weightDecay=0.01, schedule=cosine)");
    expect((await wasmlp("train", "--weight-decay", "0.1")).stderr).toMatch(/--weight-decay applies to --optimizer adamw, not adam/);
    expect((await wasmlp("train", "--lr-schedule", "linear")).stderr).toMatch(/--lr-schedule must be one of constant, cosine, exponential, received "linear"/);
    const piped = spawnSync("sh", ["-c", `"${process.execPath}" "${BIN}" train --limit 2000 --epochs 3 --layers 8 | head -1`], { encoding: "utf8" });
    expect(piped.stdout).toMatch(/^Network\(/);
    expect(piped.stderr).toBe("");
  });

  // Threads start once per process, so the 2-thread run is a process of its own.
  test("--threads 2 trains to the same model bytes as one thread, and says how many it used", async () => {
    const [one, two] = ["t1", "t2"].map((n) => join(dir, `${n}.json`));
    const common = ["train", "--limit", "600", "--epochs", "2", "--layers", "64", "--batch-size", "128"];
    expect((await wasmlp(...common, "--save", one)).code).toBe(0);
    const r = spawnSync(process.execPath, [BIN, ...common, "--threads", "2", "--save", two], { encoding: "utf8", timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/testing on 2,000; 2 threads/);
    expect(JSON.parse(readFileSync(two, "utf8")).weights).toEqual(JSON.parse(readFileSync(one, "utf8")).weights);
    expect((await wasmlp("train", "--threads", "0")).stderr).toMatch(/--threads must be a whole number from 1 to 256/);
  });

  test("--standardize trains on standardized pixels and saves a model for raw pixels (eval agrees); it refuses --checkpoint and --resume", async () => {
    const file = join(dir, "standardized.json");
    const r = await wasmlp("train", "--limit", "300", "--epochs", "2", "--layers", "16", "--standardize", "--save", file);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /inputs standardized with mean 0\.2\d{3}, standard deviation 0\.3\d{3}; folded into the first layer \(on raw pixels the model's test accuracy is (0\.\d{4})\)/,
    );
    const raw = /test accuracy is (0\.\d{4})/.exec(r.stdout)![1];
    const trained = /held-out accuracy (0\.\d{4})/.exec(r.stdout)![1];
    // Folding changes the arithmetic by float32 rounding only: at most an image or two flips.
    expect(Math.abs(Number(raw) - Number(trained))).toBeLessThanOrEqual(2 / 2000);
    expect((await wasmlp("eval", "--model", file)).stdout).toContain(`test accuracy ${raw} on 2,000 images`);
    expect((await wasmlp("train", "--standardize", "--checkpoint", "--save", file)).stderr).toMatch(/--standardize cannot be combined with --checkpoint/);
    expect((await wasmlp("train", "--standardize", "--resume", file)).stderr).toMatch(/--standardize cannot be combined with --resume/);
  });

  test("--normalization reaches the hidden layers and is kept in the model file", async () => {
    const file = join(dir, "normalization.json");
    const r = await wasmlp("train", "--limit", "200", "--epochs", "1", "--layers", "16,8", "--normalization", "batch", "--activation", "gelu", "--save", file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("784 → 16 batch-norm gelu → 8 batch-norm gelu → 10 softmax");
    expect(JSON.parse(readFileSync(file, "utf8")).layers.map((l: { normalization?: { type: string } }) => l.normalization?.type)).toEqual([
      "batch",
      "batch",
      undefined,
    ]);
    expect((await wasmlp("train", "--normalization", "group")).stderr).toMatch(/--normalization/);
  });

  test("--dropout reaches the hidden layers and is kept in the model file", async () => {
    const file = join(dir, "dropout.json");
    const r = await wasmlp("train", "--limit", "200", "--epochs", "1", "--layers", "16,8", "--dropout", "0.2", "--save", file);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("784 → 16 relu (dropout 0.2) → 8 relu (dropout 0.2) → 10 softmax");
    expect(JSON.parse(readFileSync(file, "utf8")).layers.map((l: { dropout?: number }) => l.dropout)).toEqual([0.2, 0.2, undefined]);
    expect((await wasmlp("train", "--dropout", "1")).stderr).toMatch(/--dropout must be a number in \[0, 1\), received "1"/);
  });

  test("--version prints the package's version", async () => {
    const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
    for (const flag of ["--version", "-v"]) {
      const r = await wasmlp(flag);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`wasmlp ${version}\n`);
    }
  });

  test("a model remembers its image shape: 14×56 images (784 pixels too) are refused, naming both", async () => {
    expect(trained.code).toBe(0);
    expect(JSON.parse(readFileSync(model, "utf8")).inputShape).toEqual([28, 28]);
    for (const command of ["eval", "predict"]) {
      const r = await wasmlp(command, "--model", model, "--data", idxFolder("wide", 20, 14, 56));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^wasmlp: error: the model was trained on 28×28 images, but these are 14×56\n$/);
    }
    // The same shape is accepted.
    expect((await wasmlp("eval", "--model", model, "--data", idxFolder("same", 20, 28, 28))).code).toBe(0);
  });

  test("data with 0 images, or images of 0×0 pixels, are refused", async () => {
    const none = await wasmlp("train", "--data", idxFolder("none", 0, 28, 28));
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^wasmlp: error: .*none has no training images \(its train files hold 0\)\n$/);
    const flat = await wasmlp("train", "--data", idxFolder("flat", 5, 0, 0));
    expect(flat.code).toBe(1);
    expect(flat.stderr).toMatch(/^wasmlp: error: .*train-images-idx3-ubyte.gz: images of 0×0 pixels; expected at least 1×1\n$/);
  });

  test("eval on a sigmoid / binary cross-entropy model explains what eval needs", async () => {
    const { Network, init } = await import("../../src/index.js");
    await init();
    const net = new Network({ inputSize: 784, layers: [{ units: 10, activation: "sigmoid" }], seed: 1 });
    const file = join(dir, "bce.json");
    writeFileSync(file, JSON.stringify(net.toJSON()));
    net.dispose();
    const r = await wasmlp("eval", "--model", file);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^wasmlp: error: eval measures classification accuracy, which needs a softmax output trained with categorical-crossentropy; .*bce.json has a sigmoid output with binary-crossentropy/,
    );
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  test("model files missing inputSize, loss, optimizer or seed are refused, naming the field", async () => {
    const good = JSON.parse(readFileSync(model, "utf8"));
    for (const field of ["inputSize", "loss", "optimizer", "seed"]) {
      const file = join(dir, `no-${field}.json`);
      writeFileSync(file, JSON.stringify({ ...good, [field]: undefined }));
      const r = await wasmlp("eval", "--model", file);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`model\\.${field} is missing; a model file written by toJSON always has it\\n$`));
      expect(r.stderr).not.toMatch(/NaN/);
    }
  });

  test("predict's table names its last column, and counts use separators", async () => {
    const r = await wasmlp("predict", "--model", model, "--count", "1200");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/image +predicted +probability +true +correct/);
    expect(r.stdout).toMatch(/^[\d,]+ of 1,200 correct$/m);
  });
});
