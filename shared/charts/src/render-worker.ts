// A chart renderer's thread: draws what its ThreadedChartRenderer posts, off the event loop, one chart at a time,
// at the niceness it was given (a background renderer's charts take only the CPU the services leave over).
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { ChartRenderer, type ChartRendererOptions } from "./render.ts";
import type { RenderReply, RenderRequest } from "./threaded-render.ts";

const { niceness, ...options } = workerData as ChartRendererOptions & { niceness: number };
if (niceness > 0) lowerThisThreadsPriority(niceness);
const renderer = new ChartRenderer({ ...options, concurrency: 1, rasteriseInThread: true });
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
function lowerThisThreadsPriority(niceness: number): void {
  try {
    const threadId = Number(readlinkSync("/proc/thread-self").split("/").at(-1));
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, niceness);
  } catch {
    // No /proc (not Linux) or not allowed: charts are drawn at normal priority.
  }
}
