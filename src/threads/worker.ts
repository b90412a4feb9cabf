// A worker's side of the protocol (protocol.ts, docs/threads.md): wait for a posted job, enter it
// or find itself closed out of it, run tiles as runTiles says for thread slot + 1, report. The
// worker program (worker-main.ts) loops over these on its own thread; the pool's tests call them
// on the test's thread, step by step, to set up each interleaving they check.
import {
  ARGC,
  type Clock,
  COUNT,
  callWith,
  DONE,
  ENTER,
  ENTERED,
  ERR_BYTE,
  ERR_CHARS,
  ERRLEN,
  JOB_HEADER_BYTES,
  JOB_INTS,
  JOB_SEQ,
  KEPT,
  KEPT_ARG,
  type KernelFn,
  OP,
  OPEN,
  PARTS,
  POLL_US,
  RESULT,
  runTiles,
  SEEN,
  SEQ,
  SLOT,
  STATUS,
  stopTiles,
  WORK,
  WORK_ARG,
  MAX_ARGS,
} from "./protocol.js";

/** One worker's views of the control block and its state between jobs. */
export interface WorkerState {
  readonly slot: number;
  /** This worker's slot. */
  readonly i32: Int32Array;
  readonly err: Uint16Array;
  readonly job: Int32Array;
  readonly args: Float64Array;
  /** The kernels by op code. */
  readonly fns: readonly KernelFn[];
  /** The last seq this worker has seen, and the seq of the job it entered. */
  seen: number;
  entered: number;
  /** Tiles this worker has run of the job it entered (for Workspace.kept). */
  ran: number;
  readonly runTile: (t: number) => void;
}

export function attach(control: SharedArrayBuffer, slot: number, workers: number, fns: readonly KernelFn[]): WorkerState {
  const i32 = new Int32Array(control, slot * SLOT * 4, SLOT);
  const job = new Int32Array(control, workers * SLOT * 4, JOB_INTS);
  const args = new Float64Array(control, workers * SLOT * 4 + JOB_HEADER_BYTES);
  const state: WorkerState = {
    slot,
    i32,
    err: new Uint16Array(control, slot * SLOT * 4 + ERR_BYTE, ERR_CHARS),
    job,
    args,
    fns,
    seen: 0,
    entered: 0,
    ran: 0,
    // A tile is run by one thread only, so its row of arguments is that thread's to write.
    runTile: (t) => {
      const at = t * MAX_ARGS,
        workArg = job[WORK_ARG],
        keptArg = job[KEPT_ARG];
      if (workArg >= 0) args[at + workArg] = i32[WORK];
      if (keptArg >= 0 && state.ran++ > 0) args[at + keptArg] = KEPT;
      const r = callWith(fns[job[OP]], args, at, job[ARGC]);
      if (r !== undefined) args[at + RESULT] = r as number;
    },
  };
  return state;
}

/**
 * Waits for a job newer than the last one seen: polls for job[POLL_US] microseconds (the next
 * call of a step usually follows within that), then sleeps. Returns the posted seq (negative:
 * the pool is closing).
 */
export function awaitJob(s: WorkerState, clock: Clock): number {
  const i32 = s.i32;
  for (;;) {
    if (Atomics.load(i32, SEQ) === s.seen) {
      const until = clock.now() + Atomics.load(s.job, POLL_US) / 1000;
      for (let spin = 1; Atomics.load(i32, SEQ) === s.seen; spin++) if ((spin & 255) === 0 && clock.now() > until) break;
    }
    clock.wait(i32, SEQ, s.seen, Infinity);
    const seq = Atomics.load(i32, SEQ);
    if (seq !== s.seen) return seq;
  }
}

/**
 * Takes up the job posted as `seq`: enters it unless the calling thread has closed this worker
 * out of it already (then false: it skips the job, which has no tiles left for it).
 */
export function enter(s: WorkerState, seq: number): boolean {
  s.seen = seq;
  Atomics.store(s.i32, SEEN, seq);
  if (Atomics.compareExchange(s.i32, ENTER, OPEN, ENTERED) !== OPEN) return false;
  // Whatever seq woke it, the job in the area is the one it entered (opened after it was written).
  s.seen = s.entered = Atomics.load(s.job, JOB_SEQ);
  return true;
}

/** Runs the entered job's tiles until none is left; returns its status: 0, or 1 when a kernel threw (the text is then in the slot). */
export function runJob(s: WorkerState): number {
  const job = s.job;
  s.ran = 0;
  try {
    runTiles(job, s.slot + 1, job[PARTS], job[COUNT], s.runTile);
    return 0;
  } catch (e) {
    stopTiles(job, job[PARTS]);
    const text = String((e instanceof Object && (e as Error).message) || e).slice(0, ERR_CHARS);
    for (let i = 0; i < text.length; i++) s.err[i] = text.charCodeAt(i);
    s.i32[ERRLEN] = text.length;
    return 1;
  }
}

/** Reports the entered job finished: its status, then DONE = its seq, and wakes the calling thread. */
export function report(s: WorkerState, status: number): void {
  s.i32[STATUS] = status;
  Atomics.store(s.i32, DONE, s.entered);
  Atomics.notify(s.i32, DONE);
}

/** The worker's life: every job posted until the pool closes. */
export function serve(s: WorkerState, clock: Clock): void {
  for (;;) {
    const seq = awaitJob(s, clock);
    if (seq < 0) return;
    if (enter(s, seq)) report(s, runJob(s));
  }
}
