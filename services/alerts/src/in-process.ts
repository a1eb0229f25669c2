// The alert service's internal API as in-process adapters, for a process that runs the alert service itself
// (the standalone): the same use cases the HTTP routes call, without a loopback request.
import type { Alert, WindowHistory } from "@tickerbell/contracts";
import { MAX_INTERNAL_PAGE } from "@tickerbell/contracts";
import type { RunningAlertService } from "./service.ts";

/** What a matcher taking partitions over asks for (structurally the matcher's SnapshotRequest). */
export interface InProcessSnapshotRequest {
  partitions: readonly number[];
  partitionCount: number;
  runtimeOffsets: ReadonlyMap<number, string>;
}

/** The matcher's AlertSnapshotSource: GET /v1/internal/alerts with its barrier, called directly. */
export function inProcessSnapshots(service: Pick<RunningAlertService, "alerts" | "runtime">) {
  return {
    async *activeAlerts(request: InProcessSnapshotRequest): AsyncIterable<{
      alerts: readonly Alert[];
      changeSeqs: Readonly<Record<string, string>>;
      windowHistories: Readonly<Record<string, WindowHistory>>;
    }> {
      await service.runtime.awaitApplied(
        new Map([...request.runtimeOffsets].map(([p, offset]) => [p, BigInt(offset)] as const)),
      );
      const share = { partitions: new Set(request.partitions), count: request.partitionCount };
      let after: string | null = null;
      do {
        const page = await service.alerts.page("active", after, MAX_INTERNAL_PAGE, share);
        const windowHistories = after === null ? await service.runtime.windowHistories(share) : {};
        yield { alerts: page.alerts, changeSeqs: page.changeSeqs, windowHistories };
        after = page.nextAfter;
      } while (after !== null);
    },
  };
}

/** The pricing service's DemandSnapshotSource: GET /v1/internal/demand, called directly. */
export function inProcessDemand(service: Pick<RunningAlertService, "alerts">) {
  return { fetchDemand: (symbols?: readonly string[]) => service.alerts.demand(symbols ?? null) };
}
