// init(): every kind of source it accepts, each in a fresh process (a process loads once).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";

const DIST = new URL("../dist/index.js", import.meta.url).href;
const WASM = fileURLToPath(new URL("../build/wasmlp.wasm", import.meta.url));

/** Runs `body` as an ES module with wasmlp imported as `w`; returns its stdout or throws its stderr. */
function run(body: string): { code: number | null; stdout: string; stderr: string } {
  const code = `import * as w from ${JSON.stringify(DIST)}; import { readFileSync } from "node:fs"; const WASM = ${JSON.stringify(WASM)};\n${body}`;
  const r = spawnSync(process.execPath, ["--input-type=module", "-e", code], { encoding: "utf8", timeout: 30_000 });
  return { code: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
}

const PROBE = `const net = new w.Network({ inputSize: 2, layers: [{ units: 1, activation: "sigmoid" }], seed: 1 }); net.setWeights([[2, -3], [-3]]); console.log(net.forward([[-1, -2]])[0].toFixed(4));`;

describe("init() sources", () => {
  test.each([
    ["the embedded module (no argument)", "await w.init();"],
    ["a file: URL", "await w.init(new URL('file://' + WASM));"],
    ["bytes", "await w.init(readFileSync(WASM));"],
    ["an ArrayBuffer", "const b = readFileSync(WASM); await w.init(b.buffer.slice(b.byteOffset, b.byteOffset + b.length));"],
    ["a compiled module", "await w.init(await WebAssembly.compile(readFileSync(WASM)));"],
    ["a Response", "await w.init(new Response(readFileSync(WASM), { headers: { 'content-type': 'application/wasm' } }));"],
  ])("%s", (_, load) => {
    const r = run(`${load}\n${PROBE}`);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe("0.7311");
  });

  test("a Network before init() says what to do, and its Layer objects stay usable", () => {
    const r = run(PROBE);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("call `await init()` before creating a Network");
    const retry = run(`const layers = [new w.Layer({ units: 1, activation: "sigmoid" })];
      try { new w.Network({ inputSize: 2, layers, seed: 1 }); } catch (e) { console.log("refused"); }
      await w.init();
      const net = new w.Network({ inputSize: 2, layers, seed: 1 });
      console.log(layers[0].inputSize);`);
    expect(retry.stderr).toBe("");
    expect(retry.stdout).toBe("refused\n2");
  });

  test("a wrong source is a TypeError, and a failed init can be retried", () => {
    const r = run(`try { await w.init(42); } catch (e) { console.log(e.constructor.name + ": " + e.message); }\nawait w.init();\n${PROBE}`);
    expect(r.stdout).toBe(
      "TypeError: init() expected a URL, string, Response, ArrayBuffer, typed array or WebAssembly.Module, received [object Number]\n0.7311",
    );
  });

  test("simdSupported() is true here", () => {
    expect(run("console.log(w.simdSupported())").stdout).toBe("true");
  });
});
