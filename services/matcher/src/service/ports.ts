// The matcher service's ports: everything it needs from the outside, injected through its constructor.
import type { Bus } from "@tickerbell/bus";
import type {
  Alert,
  ExtremeUpdate,
  RecordTriggerRequest,
  RecordTriggerResponse,
  TOPIC_CATALOG,
} from "@tickerbell/contracts";

export type MatcherBus = Bus<typeof TOPIC_CATALOG>;

export interface AlertSnapshotPage {
  alerts: readonly Alert[];
  /** The highest alerts.changes seq the page reflects ("0" when unknown). */
  asOfSeq: string;
}

/** The active alerts as the alert service has them now (GET /v1/internal/alerts), page by page. */
export interface AlertSnapshotSource {
  activeAlerts(): AsyncIterable<AlertSnapshotPage>;
}

/** Where trailing peaks and troughs are persisted (POST /v1/internal/extremes). */
export interface ExtremeStore {
  /** Returns how many updates moved an extreme; the rest were stale or not outward. */
  saveExtremes(updates: readonly ExtremeUpdate[]): Promise<number>;
}

/**
 * Records a firing with the alert service (POST /v1/internal/triggers, idempotent by triggerId). The alert
 * service's trigger consumer records every firing from the notification topics anyway; the matcher calls this
 * only when it hands partitions over, so that the next owner's snapshot already shows its latest firings.
 */
export interface TriggerRecorder {
  recordTrigger(request: RecordTriggerRequest): Promise<RecordTriggerResponse>;
}

export interface MatcherClock {
  /** Epoch milliseconds. */
  now(): number;
}

export const systemClock: MatcherClock = { now: () => Date.now() };
