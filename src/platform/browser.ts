// Every other platform's side of `#platform` (package.json "imports", condition "default"):
// browsers, Web Workers and bundlers for them. The same names as node.ts, with no node: imports.
import type * as NodePlatform from "./node.js";

export const readFileUrl: typeof NodePlatform.readFileUrl = async (url) => {
  throw new Error(`init() cannot read ${url.href}: file: URLs are read in Node only; pass an http(s) URL, a Response or the bytes`);
};

export const availableParallelism: typeof NodePlatform.availableParallelism = () => null;

export const nodeFs: typeof NodePlatform.nodeFs = null;

export const NodeWorker: typeof NodePlatform.NodeWorker = null;
