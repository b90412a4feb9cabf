// Question: does a CSV much larger than memory stream in bounded memory at ≥ 50 MB/s (issue 23)?
// Generates a table of the given size and shape in the system's temporary folder (never in the
// repository; reused when it is already there), then, each in a fresh process so peak RSS is its own:
//   read   csvPieces over the file, rows counted (the reader alone)
//   fit    fitFeaturesStream: one pass fitting the feature spec (the first pass of train --csv)
//   train  node --max-old-space-size=256 dist/cli/main.js train --csv FILE (a fitting pass, one
//          epoch, the held-out pass: 3 reads), as the 1 GB run
// Tables (--table): numeric (x1…x8,y: nine decimals, no text; the byte scanner), mixed (a,b,
// color,flag,y: two decimals, a 3-value category, a boolean, a 3-place target; the byte scanner
// with cached texts), quoted (a,city,color,y with every city quoted and holding a comma: papaparse).
// --against DIR alternates the read stage with another checkout's dist/ (e.g. the previous
// reader), --rounds times, so the ratio comes from one session.
// MB/s counts the file's bytes per pass; CPU MB/s divides by the process's CPU time instead, which
// a shared machine disturbs less. Peak RSS is the process's VmHWM.
// Usage: node bench/csv-read.js [--mb 1000] [--table numeric|mixed|quoted] [--only read,fit,train]
//        [--against DIR] [--rounds 3] [--keep]
import { spawnSync } from "node:child_process";
import { closeSync, createReadStream, existsSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { machine, table } from "./util.js";

const { values } = parseArgs({
  options: {
    mb: { type: "string" },
    table: { type: "string" },
    only: { type: "string" },
    keep: { type: "boolean" },
    stage: { type: "string" },
    file: { type: "string" },
    against: { type: "string" },
    rounds: { type: "string" },
    dist: { type: "string" },
  },
});
const root = fileURLToPath(new URL("..", import.meta.url));
const peakRss = () => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) / 1024 : process.memoryUsage().rss / 2 ** 20;
};

// A child stage: one pass, then a JSON line with its timings.
if (values.stage) {
  const { csvPieces, fitFeaturesStream } = await import(values.dist ? join(values.dist, "data/index.js") : "../dist/data/index.js");
  const path = values.file;
  const open = () => createReadStream(path, { highWaterMark: 1 << 20 });
  const cpu0 = process.cpuUsage(),
    t0 = performance.now();
  let rows = 0;
  if (values.stage === "read") for await (const p of csvPieces(open(), { name: path })) rows += p.block.count;
  else rows = (await fitFeaturesStream(open(), { target: "y" }, { test: 0.2, seed: 1, csv: { name: path } })).rows;
  const cpu = process.cpuUsage(cpu0);
  console.log(JSON.stringify({ rows, seconds: (performance.now() - t0) / 1000, cpu: (cpu.user + cpu.system) / 1e6, rss: peakRss() }));
  process.exit(0);
}

const mb = Number(values.mb ?? 1000);
const shape = values.table ?? "mixed";
const only = new Set((values.only ?? "read,fit,train").split(","));
const path = join(tmpdir(), `wasmlp-csv-read-${shape}-${mb}mb.csv`);
const CITIES = ["Paris, FR", "Lyon, FR", "Porto, PT", "Oslo, NO", "Cork, IE"];
/** Row i of each table (the target y depends on the other columns, as in the 30 MB test's file). */
const ROWS = {
  header: { numeric: "x1,x2,x3,x4,x5,x6,x7,x8,y", mixed: "a,b,color,flag,y", quoted: 'a,"city",color,y' },
  numeric: (i) => {
    const k = Array.from({ length: 8 }, (_, c) => ((i * 7919 + c * 104729) % 200001) - 100000);
    return `${k.map((v) => v / 1000).join(",")},${(2 * k[0] - k[1]) / 1000}`;
  },
  mixed: (i) => {
    const a = ((i * 7919) % 1000) / 100,
      b = ((i * 104729) % 997) / 50,
      c = ["red", "green", "blue"][i % 3];
    return `${a},${b},${c},${i % 2 ? "true" : "false"},${(2 * a - b + (c === "red" ? 3 : 0)).toFixed(3)}`;
  },
  quoted: (i) => {
    const a = ((i * 7919) % 1000) / 100,
      city = i % 5,
      c = ["red", "green", "blue"][i % 3];
    return `${a},"${CITIES[city]}",${c},${(2 * a + city - (c === "red" ? 3 : 0)).toFixed(2)}`;
  },
};
if (!(shape in ROWS.header)) throw new Error(`--table must be numeric, mixed or quoted, received ${shape}`);
if (!existsSync(path) || statSync(path).size < mb * 1e6) {
  const fd = openSync(path, "w");
  writeSync(fd, `${ROWS.header[shape]}\n`);
  for (let i = 0, size = 0; size < mb * 1e6; ) {
    let s = "";
    for (let k = 0; k < 10000; k++, i++) s += `${ROWS[shape](i)}\n`;
    writeSync(fd, s);
    size += s.length;
  }
  closeSync(fd);
}
const bytes = statSync(path).size;
const perRow = Array.from({ length: 10000 }, (_, i) => ROWS[shape](i).length + 1).reduce((a, b) => a + b) / 10000;
console.log(
  `Streaming a ${(bytes / 1e6).toFixed(0)} MB CSV, table ${shape} (${ROWS.header[shape]}; ${perRow.toFixed(1)} bytes per row; ${path})\n${machine()}; load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(", ")} at the start\n`,
);

const rows = [];
const self = fileURLToPath(import.meta.url);
const stage = (name, dist, label) => {
  const r = spawnSync(process.execPath, ["--max-old-space-size=256", self, "--stage", name, "--file", path, ...(dist ? ["--dist", dist] : [])], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`${name} failed: ${r.stderr}`);
  const o = JSON.parse(r.stdout);
  rows.push([
    label,
    "1",
    o.rows.toLocaleString("en-US"),
    o.seconds.toFixed(1),
    (bytes / 1e6 / o.seconds).toFixed(1),
    (bytes / 1e6 / o.cpu).toFixed(1),
    o.rss.toFixed(0),
  ]);
};
const rounds = Number(values.rounds ?? (values.against ? 3 : 1));
for (let round = 0; round < rounds; round++) {
  if (only.has("read")) stage("read", null, "read");
  if (values.against && only.has("read")) stage("read", join(values.against, "dist"), `read (${values.against})`);
}
if (only.has("fit")) stage("fit", null, "fit");
if (only.has("train")) {
  const save = join(tmpdir(), `wasmlp-csv-read-${process.pid}.json`);
  const args = [
    "--max-old-space-size=256",
    join(root, "dist/cli/main.js"),
    "train",
    "--csv",
    path,
    "--target",
    "y",
    "--epochs",
    "1",
    "--layers",
    "16",
    "--batch-size",
    "256",
    "--lr",
    "0.01",
    "--save",
    save,
  ];
  // /usr/bin/time -v gives the child's peak RSS and CPU time; without it, wall time only.
  const time = existsSync("/usr/bin/time");
  const t0 = performance.now();
  const r = spawnSync(time ? "/usr/bin/time" : process.execPath, time ? ["-v", process.execPath, ...args] : args, { encoding: "utf8", maxBuffer: 1 << 26 });
  const seconds = (performance.now() - t0) / 1000;
  rmSync(save, { force: true });
  if (r.status !== 0) throw new Error(`train failed: ${r.stderr}`);
  const field = (name) => {
    const m = new RegExp(`${name}: ([\\d.:]+)`).exec(r.stderr);
    return m ? m[1] : null;
  };
  const cpu = time ? Number(field("User time \\(seconds\\)")) + Number(field("System time \\(seconds\\)")) : NaN;
  const rss = time ? Number(field("Maximum resident set size \\(kbytes\\)")) / 1024 : NaN;
  const count = /([\d,]+) rows; training/.exec(r.stdout)?.[1] ?? "?";
  rows.push([
    "train --csv (3 passes)",
    "3",
    count,
    seconds.toFixed(1),
    ((3 * bytes) / 1e6 / seconds).toFixed(1),
    ((3 * bytes) / 1e6 / cpu).toFixed(1),
    rss.toFixed(0),
  ]);
  console.log(
    r.stdout
      .split("\n")
      .filter((l) => /held-out|^data:/.test(l))
      .join("\n"),
  );
}
console.log(table(["stage", "passes", "rows", "seconds", "MB/s", "CPU MB/s", "peak RSS MiB"], rows));
console.log(
  `load average ${loadavg()
    .map((l) => l.toFixed(1))
    .join(", ")} at the end`,
);
if (!values.keep) rmSync(path, { force: true });
