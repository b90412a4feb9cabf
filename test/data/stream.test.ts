// Streaming tables: a seeded hash split, a spec fitted in one pass equal to the in-memory fit of
// the same training rows, shuffled batches that depend only on the seeds, fitDataset, and the CLI
// training, evaluating and predicting a 30 MB file in a 64 MB heap.
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { Network, init } from "../../src/index.js";
import { encodedBatches, fitDataset, fitFeatures, fitFeaturesStream, holdsOut, parseCsv, subset } from "../../src/data/index.js";

const text = "a,c,y\n" + Array.from({ length: 500 }, (_, i) => `${(i * 37) % 101},${["p", "q", "__proto__"][i % 3]},${i % 2 ? "yes" : "no"}`).join("\n") + "\n";
const source = (): Readable => Readable.from([Buffer.from(text.slice(0, 1234)), Buffer.from(text.slice(1234))]);

beforeAll(async () => {
  await init();
});

describe("streaming", () => {
  test("the hash split holds out about the fraction asked, the same rows for the same seed", () => {
    const held = Array.from({ length: 10000 }, (_, r) => holdsOut(r, 0.2, 5));
    const share = held.filter(Boolean).length / 10000;
    expect(share).toBeGreaterThan(0.18);
    expect(share).toBeLessThan(0.22);
    expect(Array.from({ length: 10000 }, (_, r) => holdsOut(r, 0.2, 5))).toEqual(held);
    expect(Array.from({ length: 10000 }, (_, r) => holdsOut(r, 0.2, 6))).not.toEqual(held);
  });

  test("one pass over the stream fits the spec the table fit gives on the same training rows", async () => {
    const { spec, rows, train } = await fitFeaturesStream(source(), { target: "y" }, { test: 0.25, seed: 3 });
    const table = parseCsv(text);
    const trainRows = table.rows.map((_, r) => r).filter((r) => !holdsOut(r, 0.25, 3));
    expect([rows, train]).toEqual([500, trainRows.length]);
    const direct = fitFeatures(subset(table, trainRows), { target: "y" }).toJSON();
    const streamed = spec.toJSON();
    expect(streamed.columns[1]).toEqual(direct.columns[1]);
    expect(streamed.target).toEqual(direct.target);
    const [a, b] = [streamed.columns[0] as { mean: number; std: number }, direct.columns[0] as { mean: number; std: number }];
    expect(a.mean).toBeCloseTo(b.mean, 10);
    expect(a.std).toBeCloseTo(b.std, 10);
  });

  test("batches: every training row once per pass, shuffled by the seed alone; fitDataset trains", async () => {
    const { spec, train } = await fitFeaturesStream(source(), { target: "y" }, { test: 0.25, seed: 3 });
    const collect = async (shuffleSeed: number): Promise<number[]> => {
      const xs: number[] = [];
      for await (const b of encodedBatches(source(), spec, { test: 0.25, seed: 3, batchSize: 7, shuffleBuffer: 50, shuffleSeed }))
        for (let i = 0; i < b.m; i++) xs.push(b.x[i * spec.inputSize]);
      return xs;
    };
    const first = await collect(1);
    expect(first.length).toBe(train);
    expect(await collect(1)).toEqual(first);
    const other = await collect(2);
    expect(other).not.toEqual(first);
    expect([...other].sort()).toEqual([...first].sort());
    const net = new Network({
      inputSize: spec.inputSize,
      layers: [
        { units: 8, activation: "relu" },
        { units: 2, activation: "softmax" },
      ],
      seed: 1,
      features: spec,
    });
    const { loss } = await fitDataset(net, (epoch) => encodedBatches(source(), spec, { test: 0.25, seed: 3, batchSize: 16, shuffleSeed: epoch }), {
      epochs: 3,
    });
    expect(loss.length).toBe(3);
    expect(loss.every(Number.isFinite)).toBe(true);
    net.dispose();
  });

  test("a bad row deep in a stream is named by its line", async () => {
    const bad = text + "7,p\n";
    await expect(fitFeaturesStream(Readable.from([bad]), { target: "y" }, { csv: { name: "s.csv" } })).rejects.toThrow("s.csv line 502: 2 fields, expected 3");
  });

  test("the CLI trains, evaluates and predicts on a 30 MB file in a 64 MB heap (streamed)", () => {
    const dir = mkdtempSync(join(tmpdir(), "wasmlp-big-"));
    const path = join(dir, "big.csv");
    const fd = openSync(path, "w");
    writeSync(fd, "a,b,color,flag,y\n");
    let size = 0;
    for (let i = 0; size < 30e6; ) {
      let s = "";
      for (let k = 0; k < 10000; k++, i++) {
        const a = ((i * 7919) % 1000) / 100,
          b = ((i * 104729) % 997) / 50,
          c = ["red", "green", "blue"][i % 3];
        s += `${a},${b},${c},${i % 2 ? "true" : "false"},${(2 * a - b + (c === "red" ? 3 : 0)).toFixed(3)}\n`;
      }
      writeSync(fd, s);
      size += s.length;
    }
    closeSync(fd);
    const bin = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));
    try {
      const r = spawnSync(
        process.execPath,
        [
          "--max-old-space-size=64",
          bin,
          "train",
          "--csv",
          path,
          "--target",
          "y",
          "--epochs",
          "1",
          "--layers",
          "8",
          "--batch-size",
          "512",
          "--lr",
          "0.01",
          "--test-fraction",
          "0",
          "--save",
          join(dir, "m.json"),
        ],
        { encoding: "utf8" },
      );
      // Little training (a fitting pass and one epoch); eval below scores the model on every row.
      expect(r.stderr).toBe("");
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(/\(streamed\), 1,1\d\d,\d{3} rows/);
      expect(JSON.parse(readFileSync(join(dir, "m.json"), "utf8")).features.columns.length).toBe(4);
      // eval and predict stream too: the same 64 MB heap, one piece in memory at a time.
      const e = spawnSync(process.execPath, ["--max-old-space-size=64", bin, "eval", "--model", join(dir, "m.json"), "--csv", path], { encoding: "utf8" });
      expect(e.stderr).toBe("");
      expect(e.stdout).toMatch(/R² (0\.9\d{3}|1\.0000) on 1,1\d\d,\d{3} rows/);
      const out = join(dir, "predicted.csv");
      const p = spawnSync(process.execPath, ["--max-old-space-size=64", bin, "predict", "--model", join(dir, "m.json"), "--csv", path, "--out", out], {
        encoding: "utf8",
      });
      expect(p.stderr).toBe("");
      expect(p.stdout).toMatch(/wrote 1,1\d\d,\d{3} predictions/);
      const head = readFileSync(out, "utf8").slice(0, 200).split("\n");
      expect(head[0]).toBe("a,b,color,flag,y,predicted y");
      expect(head[1]).toMatch(/^0,0,red,false,3\.000,[-\d.e]+$/);
    } finally {
      rmSync(dir, { recursive: true, force: true }); // 30 MB of scratch
    }
  }, 600_000);
});
