// The consumers' workspace: the tarball `npm pack` makes, unpacked as node_modules/wasmlp (its
// dependencies linked from this repository's node_modules, as an install would place them), and
// the committed fixture projects copied beside it. Nothing is installed at test time.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const FIXTURES = join(ROOT, "test/consumers/fixtures");

/** A fresh workspace holding the packed package and a copy of every fixture. */
export function makeWorkspace(): { dir: string; remove: () => void } {
  if (!existsSync(join(ROOT, "dist/index.js"))) throw new Error("dist/ is missing: run npm run build (npm test does) first");
  const dir = mkdtempSync(join(tmpdir(), "wasmlp-consumers-"));
  const [pack] = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", dir], {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }),
  );
  const installed = join(dir, "node_modules", "wasmlp");
  mkdirSync(installed, { recursive: true });
  execFileSync("tar", ["-xzf", join(dir, pack.filename), "-C", installed, "--strip-components=1"]);
  for (const dep of Object.keys(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).dependencies)) {
    mkdirSync(dirname(join(dir, "node_modules", dep)), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", dep), join(dir, "node_modules", dep), "dir");
  }
  cpSync(FIXTURES, dir, { recursive: true });
  for (const tool of ["esbuild", "webpack", "vite"]) cpSync(join(dir, "shared/scenario.mjs"), join(dir, tool, "src/scenario.mjs"));
  for (const to of ["esbuild/model.onnx", "webpack/model.onnx", "vite/public/model.onnx"]) {
    mkdirSync(dirname(join(dir, to)), { recursive: true });
    cpSync(join(dir, "shared/model.onnx"), join(dir, to));
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".onnx": "application/octet-stream",
  ".map": "application/json",
};

/**
 * A static server over `root`, every response with COOP/COEP (a cross-origin-isolated page, so
 * threads can start), or without them when `isolated` is false.
 */
export function serveStatic(root: string, isolated = true): Promise<{ url: string; close: () => Promise<void> }> {
  const headers = isolated ? { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" } : {};
  const server = createServer((req, res) => {
    let file = normalize(join(root, decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname)));
    if (!file.startsWith(root.endsWith(sep) ? root : root + sep)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store", ...headers });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) });
    }),
  );
}

/** Runs a Node fixture; resolves to the JSON it prints. */
export function runNode(dir: string, script: string, threads: number): Record<string, unknown> {
  return JSON.parse(execFileSync(process.execPath, [join(dir, script), String(threads)], { cwd: dirname(join(dir, script)), encoding: "utf8" }));
}
