// wasmlp export's --out: checked before the model is read, like --save (a folder that cannot be
// made fails at once, never a spin in a recursive mkdir on /proc), folders made one level at a
// time, and a note naming the training-only settings (dropout, kernel penalties) the files leave out.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { Network, init } from "wasmlp";
import { createFolder } from "../../src/atomic-write.js";
import { exportModel, trainingOnlySettings } from "../../src/cli/export.js";

await init();

const dir = mkdtempSync(join(tmpdir(), "wasmlp-export-"));
const model = join(dir, "model.json");
const plain = join(dir, "plain.json");
const net = new Network({
  inputSize: 4,
  layers: [
    { units: 6, activation: "relu", dropout: 0.25, kernelRegularizer: { l2: 0.01 } },
    { units: 5, kernelRegularizer: { l1: 0.001, l2: 0.002 } },
    { units: 3, activation: "softmax" },
  ],
  seed: 4,
});
writeFileSync(model, JSON.stringify(net));
writeFileSync(plain, JSON.stringify(new Network({ inputSize: 4, layers: [{ units: 3, activation: "softmax" }], seed: 4 })));

/** exportModel in this process: what it printed, and the error it threw (or null). */
async function run(...argv: string[]): Promise<{ text: string; error: Error | null }> {
  let text = "";
  const out = {
    write: (t: string) => {
      text += t;
    },
    isTTY: false,
    columns: 80,
  };
  try {
    await exportModel(argv, out);
    return { text, error: null };
  } catch (error) {
    return { text, error: error as Error };
  }
}

const onLinux = existsSync("/proc/self");

describe("--out is checked before the model is read", () => {
  test.skipIf(!onLinux)("tfjs --out /proc/self/x: an error naming the folder that cannot be written", async () => {
    const { error } = await run("--format", "tfjs", "--model", model, "--out", "/proc/self/x");
    expect(error?.message).toBe("--out /proc/self/x: the folder /proc/self is not writable");
  });

  test.skipIf(!onLinux)("createFolder refuses /proc/self/x after one mkdir, where a recursive mkdir spins", () => {
    expect(() => createFolder("/proc/self/x/y")).toThrow(/^could not create the folder \/proc\/self\/x: ENOENT/);
  });

  test.each([
    ["tfjs: a file where the folder should be", ["--format", "tfjs", "--out", "FILE"], /^--out .*plain\.json is a file; expected a folder$/],
    ["tfjs: a file among the parents", ["--format", "tfjs", "--out", "FILE/sub"], /^--out .*plain\.json\/sub: .*plain\.json is a file, not a folder$/],
    ["onnx: a missing folder", ["--format", "onnx", "--out", "MISSING/x.onnx"], /^--out .*missing\/x\.onnx: the folder .*missing does not exist$/],
    ["onnx: a folder as the file", ["--format", "onnx", "--out", "DIR"], /^--out .* is a folder; expected a file name$/],
  ])("%s", async (_, args, message) => {
    const argv = args.map((a) => a.replace("FILE", plain).replace("MISSING", join(dir, "missing")).replace("DIR", dir));
    // A model that does not exist: the --out error must come first.
    const { error } = await run(...argv, "--model", join(dir, "no-such-model.json"));
    expect(error?.message).toMatch(message);
  });

  test("missing folders are made, one level at a time, and the export is written", async () => {
    const out = join(dir, "a", "b", "c");
    const { error, text } = await run("--format", "tfjs", "--model", model, "--out", out);
    expect(error).toBeNull();
    expect(text).toContain(`wrote tfjs: ${join(out, "model.json")}`);
    expect(JSON.parse(readFileSync(join(out, "model.json"), "utf8")).format).toBe("layers-model");
  });
});

describe("exports say which training settings they leave out", () => {
  test("dropout and kernel penalties are listed, per layer", () => {
    expect(trainingOnlySettings(net.layers)).toEqual([
      "layer 0 dropout 0.25",
      "layer 0 kernelRegularizer (l2 0.01)",
      "layer 1 kernelRegularizer (l1 0.001, l2 0.002)",
    ]);
  });

  test("tfjs carries them (Dropout layers, L1L2 kernel regularizers): no note", async () => {
    const target = join(dir, "carried-tfjs");
    const { text } = await run("--format", "tfjs", "--model", model, "--out", target);
    expect(text).toContain("wrote tfjs");
    expect(text).not.toContain("note:");
    const layers = JSON.parse(readFileSync(join(target, "model.json"), "utf8")).modelTopology.config.layers;
    expect(layers.map((l: { class_name: string }) => l.class_name)).toEqual(["Dense", "Dropout", "Dense", "Dense"]);
    expect(layers[2].config.kernel_regularizer).toEqual({ class_name: "L1L2", config: { l1: 0.001, l2: 0.002 } });
  });

  test.each(["onnx"])("%s: a note after the files written; none for a network without them", async (format) => {
    const target = join(dir, `noted-${format}${format === "onnx" ? ".onnx" : ""}`);
    const { text } = await run("--format", format, "--model", model, "--out", target);
    expect(text).toContain(
      `note: the ${format} files hold what inference computes, not these training settings: layer 0 dropout 0.25; layer 0 kernelRegularizer (l2 0.01); layer 1 kernelRegularizer (l1 0.001, l2 0.002). Predictions are the same; training the exported model elsewhere starts without them.\n`,
    );
    const quiet = await run("--format", format, "--model", plain, "--out", `${target}-plain${format === "onnx" ? ".onnx" : ""}`);
    expect(quiet.text).toContain(`wrote ${format}`);
    expect(quiet.text).not.toContain("note:");
  });
});

test.skipIf(!onLinux)("the wasmlp command: export --format tfjs --out /proc/self/x exits 1 with that error", () => {
  const bin = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
  const r = spawnSync(process.execPath, [bin, "export", "--format", "tfjs", "--model", model, "--out", "/proc/self/x"], { encoding: "utf8" });
  expect(r.stderr).toBe("wasmlp: error: --out /proc/self/x: the folder /proc/self is not writable\n");
  expect(r.status).toBe(1);
});
