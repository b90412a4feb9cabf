// Shared benchmark plumbing: benchmark.js runs each case (warm-up, then timed samples);
// we report the median of its per-cycle samples, and name the machine.
import os from "node:os";
import Benchmark from "benchmark";

/** "AMD EPYC (2 cores), Node v20.20.2, linux x64" */
export function machine() {
  const cpus = os.cpus();
  return `${cpus[0]?.model.trim() ?? "unknown CPU"} (${cpus.length} cores), Node ${process.version}, ${process.platform} ${process.arch}`;
}

/** Median seconds per call of fn, measured by benchmark.js. */
export function measure(name, fn, { maxTime = 1, minSamples = 7 } = {}) {
  let result = NaN;
  const bench = new Benchmark(name, fn, { maxTime, minSamples, initCount: 3 });
  bench.on("complete", () => {
    const sample = [...bench.stats.sample].sort((a, b) => a - b);
    result = sample[Math.floor(sample.length / 2)];
  });
  bench.run({ async: false });
  if (bench.error) throw bench.error;
  return result;
}

export function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => String(c).padStart(widths[i])).join("  ");
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** Median seconds per call of an async fn (a deferred benchmark.js case). */
export async function measureAsync(name, fn, { maxTime = 1, minSamples = 7 } = {}) {
  for (let i = 0; i < 3; i++) await fn(); // warm-up, including any lazy compilation
  return new Promise((resolve, reject) => {
    const bench = new Benchmark(name, {
      defer: true,
      maxTime,
      minSamples,
      fn: (deferred) => {
        fn().then(() => deferred.resolve(), reject);
      },
      onComplete: () => {
        if (bench.error) return reject(bench.error);
        const sample = [...bench.stats.sample].sort((a, b) => a - b);
        resolve(sample[Math.floor(sample.length / 2)]);
      },
    });
    bench.run({ async: true });
  });
}
