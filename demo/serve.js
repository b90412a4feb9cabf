// A static file server for the demo (npm run demo): serves the repository read-only on
// localhost, so the page can load dist/ and the embedded data set. Also used by the browser tests.
// Every response carries COOP/COEP, which make the page cross-origin isolated: SharedArrayBuffer,
// and so init({ threads }), need that.
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".gz": "application/octet-stream",
  ".map": "application/json",
  ".json": "application/json",
};

/** Headers that make a page cross-origin isolated (everything here is same-origin). */
const ISOLATION = { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" };

/** Starts the server; resolves to its base URL. Port 0 picks a free port. */
export function serve(port = 0, host = "127.0.0.1") {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://localhost").pathname);
    let file = normalize(join(ROOT, path));
    if (!file.startsWith(ROOT.endsWith(sep) ? ROOT : ROOT + sep)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) {
      res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "cache-control": "no-store", ...ISOLATION });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      resolve({ url: `http://${host}:${actual}`, close: () => new Promise((r) => server.close(r)) });
    }),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? 8080);
  const { url } = await serve(port);
  console.log(`wasmlp demo: ${url}/demo/  (Ctrl-C to stop)`);
}
