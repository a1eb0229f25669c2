// The matcher service's ports: everything it needs from the outside, injected through its constructor.
import type { Bus } from "@tickerbell/bus";
import type { Alert, TOPIC_CATALOG, WindowHistory } from "@tickerbell/contracts";

export type MatcherBus = Bus<typeof TOPIC_CATALOG>;

/** Which alerts a matcher taking partitions over needs, and what the alert service must have applied first. */
export interface SnapshotRequest {
  partitions: readonly number[];
  /** Partition count of the co-partitioned topics. */
  partitionCount: number;
  /** End offsets of alerts.runtime for those partitions when they were assigned (read-your-writes barrier). */
  runtimeOffsets: ReadonlyMap<number, string>;
}

export interface AlertSnapshotPage {
  /** Active alerts of the requested partitions, with their stored runtime state. */
  alerts: readonly Alert[];
  /** First page only: per symbol, the alerts.changes seq the snapshot reflects (replays up to it are stale). */
  changeSeqs: Readonly<Record<string, string>>;
  /** First page only: per symbol, the minute history its window alerts read, as last checkpointed. */
  windowHistories?: Readonly<Record<string, WindowHistory>>;
}

/** The alert service's record of the active alerts (GET /v1/internal/alerts), page by page. */
export interface AlertSnapshotSource {
  activeAlerts(request: SnapshotRequest): AsyncIterable<AlertSnapshotPage>;
}

export interface MatcherClock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: MatcherClock = { now: () => Date.now() };
