/**
 * Runs `work` with a signal that aborts after `ms`, held by a timer so it fires whatever the garbage collector
 * does. `AbortSignal.timeout` is referenced only weakly once fetch has copied it into its Request: collected,
 * it never fires, and a call to a server that never answers waits for ever.
 */
export async function withDeadline<T>(ms: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DOMException(`no answer within ${ms} ms`, "TimeoutError")),
    ms,
  );
  try {
    return await work(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}
