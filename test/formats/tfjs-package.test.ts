// The tfjs format as a user gets it from the built package: behind its own subpaths, out of
// the main browser bundle, and sharing the application's wasmlp module (one Network class, one
// wasm instance) in Node and in a bundler.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { expect, test } from "vitest";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "wasmlp-tfjs-pkg-"));

test("the main browser bundle carries none of the format code", () => {
  const bundle = readFileSync(join(ROOT, "dist/wasmlp.browser.js"), "utf8");
  // Strings only the format code holds (checked as booleans: a failure should not print the bundle).
  for (const marker of ["layers-model", "MAX_TFJS", "tfjs layer"]) expect(bundle.includes(marker), marker).toBe(false);
});

test("in Node, wasmlp/tfjs/node resolves to dist and returns the application's Network", () => {
  const script = `
    import { init, Network } from "wasmlp";
    import { fromTfjs, toTfjs } from "wasmlp/tfjs";
    import { loadTfjs, saveTfjs } from "wasmlp/tfjs/node";
    await init();
    const net = new Network({ inputSize: 3, layers: [{ units: 2, activation: "tanh" }], seed: 4 });
    saveTfjs(net, ${JSON.stringify(join(dir, "node"))});
    const a = loadTfjs(${JSON.stringify(join(dir, "node"))});
    const { modelJson, weightData } = toTfjs(net);
    const b = fromTfjs(modelJson, weightData);
    console.log(a instanceof Network, b instanceof Network, Array.from(a.predict([1, 2, 3])).join(","), Array.from(net.predict([1, 2, 3])).join(","));
  `;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8" }).trim().split(" ");
  expect(out.slice(0, 2)).toEqual(["true", "true"]);
  expect(out[2]).toBe(out[3]);
});

test("a bundler gives wasmlp/tfjs the same wasmlp module as the application: one copy, one init()", async () => {
  // The application has wasmlp installed from the packed tarball, as from the registry.
  const [pack] = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }),
  );
  mkdirSync(join(dir, "node_modules", "wasmlp"), { recursive: true });
  execFileSync("tar", ["-xzf", join(dir, pack.filename), "-C", join(dir, "node_modules", "wasmlp"), "--strip-components=1"]);
  for (const dep of Object.keys(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).dependencies)) {
    mkdirSync(dirname(join(dir, "node_modules", dep)), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", dep), join(dir, "node_modules", dep), "dir");
  }
  const entry = join(dir, "app.js");
  writeFileSync(entry, `export { init, Network } from "wasmlp";\nexport { fromTfjs, toTfjs } from "wasmlp/tfjs";\n`);
  const outfile = join(dir, "app.bundle.js");
  await build({ entryPoints: [entry], bundle: true, format: "esm", platform: "browser", outfile, absWorkingDir: dir, logLevel: "silent" });
  const code = readFileSync(outfile, "utf8");
  expect(code.split("has been disposed; create a new one").length - 1).toBe(1); // Model's message: one copy of the façade
  const app = await import(pathToFileURL(outfile).href);
  await app.init(); // the one init() the application calls also serves the format code
  const net = new app.Network({ inputSize: 2, layers: [{ units: 1, activation: "sigmoid" }], seed: 1 });
  const { modelJson, weightData } = app.toTfjs(net);
  const back = app.fromTfjs(modelJson, weightData);
  expect(back).toBeInstanceOf(app.Network);
  expect(Array.from(back.predict([0.5, -1]))).toEqual(Array.from(net.predict([0.5, -1])));
});
