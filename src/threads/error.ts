// A leaf, so that the main entry can export ThreadError without loading the pool.

/** Thrown when a part of a step fails on a thread; the pool is then unusable (the caller falls back). */
export class ThreadError extends Error {
  override name = "ThreadError";
}
