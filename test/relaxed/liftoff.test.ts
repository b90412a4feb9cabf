// Node 20 with relaxed SIMD but its baseline compiler on (Liftoff computes relaxed_dot wrongly):
// the known-answer checks keep the plain int8 kernels while relaxed_madd stays, with one notice
// for an explicit "relaxed" and none for "auto". A child process, so that Liftoff is on there.
import { execFileSync } from "node:child_process";
import { expect, test } from "vitest";

const DIST = new URL("../../dist/index.js", import.meta.url).href;

function run(flags: string[], simd: string): { out: unknown; warnings: string[] } {
  const script = `
    const warnings = [];
    console.warn = (m) => warnings.push(String(m));
    const { init, simdFeatures, Network } = await import(${JSON.stringify(DIST)});
    await init({ simd: ${JSON.stringify(simd)} });
    const net = new Network({ inputSize: 20, layers: [{ units: 8, activation: "relu" }, { units: 3, activation: "softmax" }], seed: 2 });
    const q = net.quantize();
    const x = [Array.from({ length: 20 }, (_, i) => Math.sin(i))];
    const diff = Math.max(...Array.from(q.predict(x), (v, i) => Math.abs(v - net.predict(x)[i])));
    process.stdout.write(JSON.stringify({ features: simdFeatures(), diff, warnings }));`;
  const text = execFileSync(process.execPath, [...flags, "--input-type=module", "-e", script], { encoding: "utf8" });
  const { warnings, ...out } = JSON.parse(text);
  return { out, warnings };
}

test("Liftoff on: relaxed_dot fails its check, so int8 stays plain while relaxed_madd is used; one notice", () => {
  const { out, warnings } = run(["--experimental-wasm-relaxed-simd"], "relaxed");
  expect(out).toMatchObject({ features: { build: "relaxed", relaxedMadd: true, relaxedDot: false } });
  expect((out as { diff: number }).diff).toBeLessThan(0.02);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/relaxed_dot_i8x16_i7x16_add_s failed its known-answer check/);
});

test('Liftoff on, simd "auto": the same choice, silently', () => {
  const { out, warnings } = run(["--experimental-wasm-relaxed-simd"], "auto");
  expect(out).toMatchObject({ features: { build: "relaxed", relaxedMadd: true, relaxedDot: false } });
  expect(warnings).toEqual([]);
});

test('no relaxed SIMD in the engine: "relaxed" runs the plain build with one notice, "auto" silently', () => {
  const asked = run([], "relaxed");
  expect(asked.out).toMatchObject({ features: { build: "plain", relaxedMadd: false, relaxedDot: false } });
  expect(asked.warnings).toHaveLength(1);
  expect(asked.warnings[0]).toMatch(/does not validate relaxed SIMD/);
  const auto = run([], "auto");
  expect(auto.out).toMatchObject({ features: { build: "plain" } });
  expect(auto.warnings).toEqual([]);
});
