// Runs before every test file: with WASMLP_DEBUG_WASM set (npm run test:debug), the suite runs
// against that module (the debug build, whose matmul exports assert C does not alias A or B)
// instead of the embedded release build. init() keeps the first instance, so later calls reuse it.
import { readFileSync } from "node:fs";
import { init } from "../src/index.js";

const path = process.env.WASMLP_DEBUG_WASM;
if (path) await init(readFileSync(path));
