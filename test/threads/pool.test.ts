// The pool's protocol under interleavings the tests choose (fake-pool.ts: stand-in workers on
// this thread, a clock that moves only when told): who takes which tile, closing a late worker
// out, idle work, deadlines, failures, and the check of each tile's arguments against the
// kernel's signature. No sleeps, no retries: each interleaving happens on every run.
import { describe, expect, test } from "vitest";
import { Parallel, THREAD_SIGNATURES } from "../../src/threads/parallel.js";
import { KEPT, MAX_ARGS, ThreadError } from "../../src/threads/pool.js";
import { SEQ } from "../../src/threads/protocol.js";
import type { Kernels } from "../../src/kernels.js";
import { Random } from "../helpers.js";
import { fakePool, type Harness } from "./fake-pool.js";

/** mark(tile): counts the tile's runs. */
const MARK = "s";
function markPool(workers: number, timeoutMs?: number): Promise<Harness & { counts: number[] }> {
  const counts: number[] = [];
  return fakePool(workers, { mark: [MARK, (t) => void (counts[t] = (counts[t] ?? 0) + 1)] }, timeoutMs).then((h) => Object.assign(h, { counts }));
}

/** Writes mark's argument (the tile's own index) for `tiles` tiles and runs them on `threads`. */
function runMarks(h: Harness, tiles: number, threads = Infinity, idleFirst = false): unknown {
  for (let t = 0; t < tiles; t++) h.pool.args[t * MAX_ARGS] = t;
  return h.pool.parallelize("mark", tiles, threads, null, idleFirst);
}

const tilesOf = (h: Harness, thread: number) => h.runs.filter(([who]) => who === thread).map(([, t]) => t);

describe("taking tiles", () => {
  test("a worker that starts during the calling thread's first tile takes its own segment, then the calling thread's from the back", async () => {
    const h = await markPool(1);
    h.hook = (thread) => {
      if (thread === 0) h.step(0);
    };
    expect(runMarks(h, 8)).toBeNull();
    expect(tilesOf(h, 0)).toEqual([0]); // a fixed half would be 4 tiles
    expect(tilesOf(h, 1)).toEqual([4, 5, 6, 7, 3, 2, 1]);
    expect(h.counts).toEqual(Array(8).fill(1));
  });

  test("a worker not yet running when the calling thread has run every tile is closed out of that job, and takes part in the next", async () => {
    const h = await markPool(1);
    expect(runMarks(h, 2)).toBeNull();
    expect(tilesOf(h, 0)).toEqual([0, 1]);
    expect(h.step(0)).toBe(false); // it wakes to find itself closed out, and skips the job
    expect(h.counts).toEqual([1, 1]);
    h.runs.length = 0;
    h.hook = (thread) => {
      if (thread === 0) h.step(0);
    };
    expect(runMarks(h, 2)).toBeNull();
    expect(tilesOf(h, 1)).toEqual([1]);
    expect(h.counts).toEqual([2, 2]);
  });

  test("4 threads under 200 seeded schedules: every tile runs once, and a thread that starts in its own segment starts at its front", async () => {
    const h = await markPool(3);
    const rng = new Random(17);
    let workerTiles = 0,
      closedOut = 0;
    for (let round = 0; round < 200; round++) {
      const tiles = [1, 4, 7, 16, 64][round % 5];
      h.counts.length = h.runs.length = 0;
      // At each tile, whichever thread runs it, maybe start a worker that has not started yet:
      // its tiles then interleave with the others' claims.
      const started = new Set<number>();
      h.hook = () => {
        const w = Math.floor(rng.float() * 3);
        if (rng.float() < 0.3 && !started.has(w)) {
          started.add(w);
          h.step(w);
        }
      };
      expect(runMarks(h, tiles)).toBeNull();
      for (let w = 0; w < 3; w++) expect(h.step(w)).toBe(false); // each has taken part, or is closed out
      expect(h.counts, `round ${round}`).toEqual(Array(tiles).fill(1));
      const parts = Math.min(4, tiles);
      for (let thread = 0; thread < parts; thread++) {
        const first = tilesOf(h, thread)[0] ?? -1,
          start = Math.floor((thread * tiles) / parts),
          end = Math.floor(((thread + 1) * tiles) / parts);
        const inOwn = first >= start && first < end;
        expect(!inOwn || first === start, `round ${round} thread ${thread} began its segment at ${first}`).toBe(true);
      }
      expect(tilesOf(h, 0)[0]).toBe(0);
      workerTiles += h.runs.filter(([who]) => who > 0).length;
      closedOut += 3 - started.size;
    }
    // The schedules did interleave: workers ran tiles, and workers were closed out.
    expect(workerTiles).toBeGreaterThan(1000);
    expect(closedOut).toBeGreaterThan(100);
  });

  test("each thread's tiles get its own workspace, and `kept` on its second and later tiles", async () => {
    const seen: number[][] = [];
    const h = await fakePool(1, { pack: ["spi", (t, work, kept) => void (seen[t] = [work, kept])] });
    h.hook = (thread) => {
      if (thread === 0) h.step(0);
    };
    for (let t = 0; t < 4; t++) h.pool.args.set([t, 0, 1], t * MAX_ARGS);
    expect(h.pool.parallelize("pack", 4, 2, { arg: 1, pointers: [1000, 2000], kept: 2 })).toBeNull();
    expect(tilesOf(h, 0)).toEqual([0]);
    expect(seen).toEqual([
      [1000, 1],
      [2000, KEPT],
      [2000, 1],
      [2000, KEPT],
    ]); // the worker ran tiles 2, 3, then 1
  });
});

describe("idle work", () => {
  test("the calling thread does idle work until a worker has finished; idle work that throws is dropped, the job is not", async () => {
    const h = await markPool(1);
    // The worker enters during tile 0 and runs tile 1, but reports only from the third idle call.
    h.hook = (thread) => {
      if (thread === 0) h.step(0, false);
    };
    let calls = 0;
    h.pool.idle = () => {
      if (++calls === 3) h.finish(0);
      return true;
    };
    expect(runMarks(h, 2)).toBeNull();
    expect(calls).toBe(3);
    expect(h.counts).toEqual([1, 1]);
    // Now it throws: dropped, and the calling thread waits (sleeps) for the worker's report.
    h.pool.idle = () => {
      throw new Error("idle work failed");
    };
    h.clock.onWait = () => h.finish(0);
    expect(runMarks(h, 2)).toBeNull();
    expect(h.pool.idle).toBeNull();
    expect(h.counts).toEqual([2, 2]);
  });

  test("with idleFirst the calling thread does its idle work before its tiles, and a worker takes them meanwhile", async () => {
    const h = await markPool(1);
    const events: string[] = [];
    let left = 3;
    h.pool.idle = () => {
      events.push("idle");
      if (left === 2) h.step(0);
      return --left > 0;
    };
    h.hook = (thread) => events.push(`tile on ${thread}`);
    expect(runMarks(h, 8, 2, true)).toBeNull();
    expect(events).toEqual(["idle", "idle", ...Array(8).fill("tile on 1"), "idle"]);
    expect(h.counts).toEqual(Array(8).fill(1));
    // Idle work that throws is dropped; the job runs whole.
    h.pool.idle = () => {
      throw new Error("idle work failed");
    };
    h.hook = null;
    expect(runMarks(h, 8, 2, true)).toBeNull();
    expect(h.pool.idle).toBeNull();
    expect(h.counts).toEqual(Array(8).fill(2));
  });
});

describe("deadlines and failures", () => {
  test("a worker that never wakes is closed out of each call, which completes, until it has taken no part for the deadline", async () => {
    const h = await markPool(1, 300);
    expect(runMarks(h, 2)).toBeNull(); // absent from t ≈ 0
    h.clock.ms = 200;
    expect(runMarks(h, 2)).toBeNull();
    h.clock.ms = 301;
    const error = runMarks(h, 2);
    expect(error).toBeInstanceOf(ThreadError);
    expect(String(error)).toMatch(/thread 1 has not taken up a call for 300 ms/);
    expect(h.counts).toEqual([3, 3]); // the failing call still ran every tile
    expect(runMarks(h, 2)).toBeInstanceOf(ThreadError); // and the pool takes no more work
  });

  test("a worker that wakes late to every call is alive: it is closed out each time, never failed", async () => {
    const h = await markPool(1, 300);
    for (let call = 0; call < 5; call++) {
      h.clock.ms = call * 200;
      expect(runMarks(h, 2)).toBeNull();
      expect(h.step(0)).toBe(false); // saw the call, too late to enter it
    }
  });

  test("a worker's part that runs past the deadline fails the call instead of hanging", async () => {
    const h = await markPool(1, 5);
    h.hook = (thread) => {
      if (thread === 0) h.step(0, false);
    }; // enters and runs, never reports
    const error = runMarks(h, 2);
    expect(error).toBeInstanceOf(ThreadError);
    expect(String(error)).toMatch(/thread 1 did not finish its part within 5 ms/);
    expect(h.clock.ms).toBeGreaterThanOrEqual(5);
  });

  test("a kernel that throws on a worker fails the call with its message, and the pool takes no more work", async () => {
    const h = await fakePool(1, {
      trap: [
        "s",
        (t) => {
          if (t === 1) throw new Error("memory access out of bounds");
        },
      ],
    });
    h.hook = (thread) => {
      if (thread === 0) h.step(0);
    };
    h.pool.args[0] = 0;
    h.pool.args[MAX_ARGS] = 1;
    const error = h.pool.parallelize("trap", 2);
    expect(error).toBeInstanceOf(ThreadError);
    expect(String(error)).toMatch(/a kernel threw on thread 1: memory access out of bounds/);
    expect(h.pool.failure).toMatch(/out of bounds/);
  });

  test("a worker that exits fails the next call with a clear error", async () => {
    const h = await markPool(2);
    h.exit(1, "a thread exited (code 1)");
    const error = runMarks(h, 4);
    expect(error).toBeInstanceOf(ThreadError);
    expect(String(error)).toMatch(/threads failed: a thread exited \(code 1\)/);
    expect(h.runs).toHaveLength(0);
  });

  test("the dispatcher turns a worker's failure into a ThreadError for that call, then works on the calling thread alone", async () => {
    // sigmoid_forward stand-in over a JavaScript array: 1 on the calling thread; the worker traps.
    const memory = new Float32Array(1 << 20);
    const sigmoid = (n: number, z: number, a: number) => {
      for (let i = 0; i < n; i++) memory[a / 4 + i] = 1 / (1 + Math.exp(-memory[z / 4 + i]));
    };
    let trap = true;
    const h = await fakePool(1, {
      ...Object.fromEntries(
        [...THREAD_SIGNATURES].map(([n, sig]) => [
          n,
          [
            sig,
            () => {
              throw new Error(`${n} is not part of this test`);
            },
          ],
        ]),
      ),
      sigmoid_forward: [
        THREAD_SIGNATURES.get("sigmoid_forward")!,
        (n, z, a) => {
          if (h.current === 1 && trap) throw new Error("memory access out of bounds");
          sigmoid(n, z, a);
        },
      ],
    });
    h.hook = (thread) => {
      if (thread === 0) h.step(0);
    };
    const kernels = { sigmoid_forward: sigmoid } as unknown as Kernels;
    const parallel = new Parallel(kernels, h.pool, [0, 0]);
    const n = 1 << 16;
    expect(() => parallel.kernelsShared.sigmoid_forward(n, 0, 4 * n)).toThrow(
      /a kernel threw on thread 1: memory access out of bounds.*continues on one thread/,
    );
    expect(parallel.threads).toBe(1);
    trap = false;
    memory.fill(0, n, 2 * n);
    parallel.kernelsShared.sigmoid_forward(n, 0, 4 * n);
    expect(memory.subarray(n, 2 * n).every((v) => v === 0.5)).toBe(true);
  });
});

describe("arguments", () => {
  test("each tile's arguments are checked against the kernel's signature before any thread sees the job", async () => {
    const h = await fakePool(1, { step: ["spf", () => {}], max_abs: ["sp>f", () => 3] });
    const seq = Atomics.load(h.workers[0].i32, SEQ);
    const run = (rows: number[][]) => {
      rows.forEach((r, t) => h.pool.args.set(r, t * MAX_ARGS));
      return h.pool.parallelize("step", rows.length);
    };
    expect(
      String(
        run([
          [4, 64, 0.5],
          [-4, 64, 0.5],
        ]),
      ),
    ).toBe("Error: wasmlp internal error: step tile 1 argument 0 is -4, expected a size (an integer from 0 to 2^31 − 1)");
    expect(String(run([[4, 64.5, NaN]]))).toMatch(/step tile 0 argument 1 is 64.5, expected a pointer/);
    expect(String(h.pool.parallelize("gemm", 1))).toMatch(/kernel gemm cannot run on threads/);
    expect(String(h.pool.parallelize("step", 65))).toMatch(/kernel step cannot run on threads with 65 tiles/);
    expect(Atomics.load(h.workers[0].i32, SEQ)).toBe(seq); // no job was posted
    expect(h.runs).toHaveLength(0);
    // A good job runs, and afterwards its rows read as unwritten: the next job must write its own.
    expect(run([[4, 64, NaN]])).toBeNull();
    expect(String(h.pool.parallelize("step", 1))).toMatch(/argument 0 is NaN/);
    // A kernel's result stays in its row for the caller.
    h.pool.args.set([4, 64], 0);
    expect(h.pool.parallelize("max_abs", 1)).toBeNull();
    expect(h.pool.args[MAX_ARGS - 1]).toBe(3);
  });

  test("every kernel the dispatcher shares has a signature of sizes, pointers and scalars that fits a tile's row", () => {
    for (const [name, sig] of THREAD_SIGNATURES) {
      expect(sig, name).toMatch(/^s+p+[sipf]*(>[fdi])?$/);
      expect(sig.split(">")[0].length, name).toBeLessThan(MAX_ARGS);
    }
  });
});
