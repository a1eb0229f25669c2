// The chart renderer's thread: draws what the process's ThreadedChartRenderer posts, off its event loop, one
// chart at a time, at a lower priority than every other thread of the machine's services.
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { ChartRenderer, type ChartRendererOptions } from "./render.ts";
import type { RenderReply, RenderRequest } from "./threaded-render.ts";

/** Niceness of the chart thread: the CPU left over by what sends DMs (and by the other services) draws charts. */
const CHART_THREAD_NICENESS = 10;

lowerThisThreadsPriority();
const renderer = new ChartRenderer({
  ...(workerData as ChartRendererOptions),
  concurrency: 1,
  rasteriseInThread: true,
});
const running = new Map<number, AbortController>();
const port = parentPort!;

port.on("message", (request: RenderRequest) => {
  if (request.kind === "cancel") {
    running.get(request.id)?.abort(new Error("the chart is no longer wanted"));
    return;
  }
  const controller = new AbortController();
  running.set(request.id, controller);
  renderer.render(request.spec, controller.signal).then(
    (png) => reply({ id: request.id, png }),
    (error: unknown) =>
      reply({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
  );
});

function reply(message: RenderReply): void {
  running.delete(message.id);
  port.postMessage(message);
}

/**
 * Linux schedules threads on their own: setpriority on this thread's id (from /proc/thread-self) lowers only this
 * thread. Elsewhere, or where it is refused, the thread keeps the process's priority.
 */
function lowerThisThreadsPriority(): void {
  try {
    const threadId = Number(readlinkSync("/proc/thread-self").split("/").at(-1));
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, CHART_THREAD_NICENESS);
  } catch {
    // No /proc (not Linux) or not allowed: charts are drawn at normal priority.
  }
}
