// The chart renderer's thread: draws what the process's ThreadedChartRenderer posts, off its event loop.
import { parentPort, workerData } from "node:worker_threads";
import { ChartRenderer, type ChartRendererOptions } from "./render.ts";
import type { RenderReply, RenderRequest } from "./threaded-render.ts";

const renderer = new ChartRenderer(workerData as ChartRendererOptions);
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
