// A pool whose workers are stand-ins on the test's own thread and whose clock moves only when
// told: a test steps each worker through the real worker code (worker.ts) at the point it
// chooses (inside a tile of another thread, inside the idle work, while the calling thread
// sleeps), so each interleaving it checks happens every run, whatever the OS scheduler does.
import { type Clock, type KernelFn, SEQ } from "../../src/threads/protocol.js";
import { Pool, type Spawner } from "../../src/threads/pool.js";
import { attach, enter, report, runJob, type WorkerState } from "../../src/threads/worker.js";

/** Time that passes only by ticks (each reading of now() adds one microsecond, so polls end) and sleeps. */
export class FakeClock implements Clock {
  ms = 0;
  /** Called each time a thread sleeps, after the time slept has passed. */
  onWait: (() => void) | null = null;
  sleeps = 0;

  now(): number {
    this.ms += 0.001;
    return this.ms;
  }

  wait(_cell: Int32Array, _index: number, _value: number, ms: number): void {
    if (!Number.isFinite(ms)) throw new Error("a stand-in worker never sleeps without a deadline");
    this.ms += ms;
    this.sleeps++;
    this.onWait?.();
  }
}

/** Thread 0 is the calling thread; worker w is thread w + 1. */
export interface Harness {
  pool: Pool;
  clock: FakeClock;
  workers: WorkerState[];
  /** The thread running a kernel now. */
  current: number;
  /** Per tile run: [thread, first argument] in order. */
  runs: [thread: number, arg0: number][];
  /** Called at the start of every tile, on whichever thread runs it (a test steps workers here). */
  hook: ((thread: number) => void) | null;
  /** Calls `onExit` of worker w, as a worker that crashed would. */
  exit(w: number, why: string): void;
  /** Worker w takes up the posted job if it has not seen it: enters (unless closed out) and runs tiles; with `finish`, reports too. Returns whether it entered. */
  step(w: number, finish?: boolean): boolean;
  /** Worker w reports the job it entered and ran (a step without `finish`). */
  finish(w: number): void;
}

/**
 * A pool of `workers` stand-ins running `kernels` (name → signature, function), each kernel
 * called through the hook first. Kernels see `h.current` as the running thread.
 */
export async function fakePool(workers: number, kernels: Record<string, [string, KernelFn]>, timeoutMs = 1000): Promise<Harness> {
  const clock = new FakeClock();
  const exits: ((why: string) => void)[] = [];
  const pending: number[] = [];
  const h = {} as Harness;
  const wrap =
    (f: KernelFn): KernelFn =>
    (...a) => {
      h.runs.push([h.current, a[0]]);
      h.hook?.(h.current);
      return f(...a);
    };
  const fns = Object.fromEntries(Object.entries(kernels).map(([n, [, f]]) => [n, wrap(f)]));
  const states: WorkerState[] = [];
  const spawn: Spawner = async ({ control, slot, workers: count, names }, onExit) => {
    states[slot] = attach(
      control,
      slot,
      count,
      names.map((n) => fns[n]),
    );
    exits[slot] = onExit;
    return { handle: { terminate: () => undefined }, ready: Promise.resolve() };
  };
  const signatures = new Map(Object.entries(kernels).map(([n, [sig]]) => [n, sig]));
  const pool = await Pool.start({ workers, signatures, local: fns, module: null as never, memory: null as never, spawn, timeoutMs, pollMicros: 0, clock });
  const as = <T>(thread: number, f: () => T): T => {
    const before = h.current;
    h.current = thread;
    try {
      return f();
    } finally {
      h.current = before;
    }
  };
  Object.assign(h, {
    pool,
    clock,
    workers: states,
    current: 0,
    runs: [],
    hook: null,
    exit: (w: number, why: string) => exits[w](why),
    step: (w: number, finish = true) => {
      const s = states[w],
        seq = Atomics.load(s.i32, SEQ);
      if (seq === s.seen || seq < 0 || !enter(s, seq)) return false;
      pending[w] = as(w + 1, () => runJob(s));
      if (finish) report(s, pending[w]);
      return true;
    },
    finish: (w: number) => report(states[w], pending[w]),
  });
  return h;
}
