import type { DeliveryLog, DeliveryOutcomeRecord, DeliveryState, RefusedRecord } from "./ports.ts";

/** A delivery log in memory, for the console chat and tests; it forgets on restart. The first record stands. */
export class InMemoryDeliveryLog implements DeliveryLog {
  readonly states = new Map<string, DeliveryState>();
  /** How many lookup and record calls it answered, for tests that count round trips. */
  readonly calls = { lookup: 0, record: 0 };

  async lookup(triggerIds: readonly string[]): Promise<Map<string, DeliveryState>> {
    this.calls.lookup++;
    return new Map(triggerIds.map((id) => [id, this.states.get(id) ?? "new"]));
  }

  async record(records: readonly DeliveryOutcomeRecord[]): Promise<RefusedRecord[]> {
    this.calls.record++;
    for (const record of records) {
      if (!this.states.has(record.triggerId)) this.states.set(record.triggerId, record.status);
    }
    return [];
  }
}
