// The relaxed-SIMD build's loading and known-answer checks, a module of its own that src/wasm.ts
// imports only when init({ simd }) asks (the browser bundle keeps it a separate file, so the
// default bundle does not grow). It imports nothing: a second copy of the runtime cannot arise.

/** What simdFeatures() reports (the type lives in wasm.ts; repeated here to keep this file standalone). */
interface Features {
  build: "relaxed";
  relaxedMadd: true;
  relaxedDot: boolean;
}

interface RelaxedProbes {
  relaxed_madd_probe(a: number, b: number, c: number, lane: number): number;
  relaxed_dot_probe(a0: bigint, a1: bigint, b0: bigint, b1: bigint, c: number, lane: number): number;
}

/** 16 int8 values as the two little-endian i64 halves of a v128. */
function halves(v: readonly number[]): [bigint, bigint] {
  const bytes = new Int8Array(16);
  bytes.set(v);
  const words = new BigInt64Array(bytes.buffer);
  return [words[0], words[1]];
}

/**
 * Known answers per relaxed instruction family, run in the loaded module itself (so on the
 * compiler tier that runs its kernels). relaxed_madd may round once or twice: either is right.
 * The dot's cases keep the second operand in [0, 127], where every engine must agree (Node 20's
 * baseline compiler, Liftoff, gets them wrong: 280 for 140).
 */
export function relaxedChecks(probes: RelaxedProbes): { madd: boolean; dot: boolean } {
  const a = Math.fround(1 + 2 ** -23),
    b = Math.fround(1 - 2 ** -23);
  const fused = Math.fround(a * b - 1),
    unfused = Math.fround(Math.fround(a * b) - 1);
  let madd = true;
  for (let lane = 0; lane < 4; lane++) {
    const r = probes.relaxed_madd_probe(a, b, -1, lane);
    if (!Object.is(r, fused) && !Object.is(r, unfused)) madd = false;
    if (probes.relaxed_madd_probe(1.5, -2, 0.25, lane) !== -2.75) madd = false;
  }
  const x = [-128, 127, -1, 2, 3, 4, -5, 6, 127, -127, 0, 1, -2, 8, 100, -100];
  const y = [127, 127, 10, 20, 30, 0, 1, 2, 127, 126, 5, 0, 64, 99, 1, 1];
  const cases: [number[], number[], number][] = [
    [x, y, 0],
    [x, y, 30],
    [y, x.map((v) => Math.abs(v) & 127), -7],
    [new Array(16).fill(1), [10, 20, 30, 0, 10, 20, 30, 5], 30],
  ];
  let dot = true;
  for (const [p, q, c] of cases) {
    const [a0, a1] = halves(p),
      [b0, b1] = halves(q);
    for (let lane = 0; lane < 4; lane++) {
      let want = c;
      for (let t = 0; t < 4; t++) want += (p[4 * lane + t] ?? 0) * (q[4 * lane + t] ?? 0);
      if (probes.relaxed_dot_probe(a0, a1, b0, b1, c, lane) !== want) dot = false;
    }
  }
  return { madd, dot };
}

/** Whether this engine validates relaxed SIMD (f32x4.relaxed_madd and i32x4.relaxed_dot_i8x16_i7x16_add_s). */
export function relaxedSimdSupported(): boolean {
  // One function returning v128: relaxed_madd of three constants, then relaxed_dot_i8x16_i7x16_add_s.
  const c = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
  const body = [0, ...c, ...c, ...c, 0xfd, 0x85, 0x02, ...c, ...c, 0xfd, 0x93, 0x02, 0x0b];
  return (
    typeof WebAssembly === "object" &&
    WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7b, 3, 2, 1, 0, 10, body.length + 2, 1, body.length, ...body]))
  );
}

/** The notice where the engine has no relaxed SIMD; null: run the plain build. */
export function unsupported(notice: (why: string) => void): null {
  notice("is not available: this engine does not validate relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd); running the plain build");
  return null;
}

/**
 * Instantiates the relaxed build from its bytes and checks it: null (run the plain build) when it
 * fails to load or relaxed_madd is wrong; relaxedDot false keeps the plain int8 kernels.
 * `notice` says why, once (wasm.ts prints it only for an explicit "relaxed").
 */
export async function instantiateRelaxed(
  found: BufferSource | Response | WebAssembly.Module,
  notice: (why: string) => void,
): Promise<{ bytes: Uint8Array; instance: WebAssembly.Instance; features: Features } | null> {
  if (found instanceof WebAssembly.Module)
    throw new TypeError("init() relaxedSource must be bytes, a URL or a Response: the threads derive their module from its bytes");
  let bytes: Uint8Array, instance: WebAssembly.Instance;
  try {
    bytes =
      found instanceof Response
        ? new Uint8Array(await found.arrayBuffer())
        : ArrayBuffer.isView(found)
          ? new Uint8Array(found.buffer, found.byteOffset, found.byteLength)
          : new Uint8Array(found);
    instance = (await WebAssembly.instantiate(bytes as Uint8Array<ArrayBuffer>)).instance;
  } catch (e) {
    notice(`could not be loaded (${(e as Error).message}); running the plain build`);
    return null;
  }
  const { madd, dot } = relaxedChecks(instance.exports as unknown as RelaxedProbes);
  if (!madd) {
    notice("is not available: f32x4.relaxed_madd failed its known-answer check on this engine; running the plain build");
    return null;
  }
  if (!dot)
    notice(
      "is only partly available: i32x4.relaxed_dot_i8x16_i7x16_add_s failed its known-answer check on this engine (Node 20's baseline compiler computes it wrongly; --no-liftoff avoids it), so int8 inference keeps the plain kernels; f32x4.relaxed_madd is in use",
    );
  return { bytes, instance, features: { build: "relaxed", relaxedMadd: true, relaxedDot: dot } };
}
