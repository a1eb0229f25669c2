import { AlertsApi } from "@tickerbell/alerts-client";
import {
  DeliveryOutcomeRecordSchema,
  DeliveryTriggerIdSchema,
  LookupDeliveriesResponseSchema,
  MAX_DELIVERY_BATCH,
  RecordDeliveriesResponseSchema,
} from "@tickerbell/contracts";
import type { Fetch } from "../clients/http.ts";
import type { DeliveryLog, DeliveryOutcomeRecord, DeliveryState, RefusedRecord } from "./ports.ts";

export interface HttpDeliveryLogOptions {
  /** The alert service. */
  baseUrl: string;
  /** The bot's own token: it decides which platform's records this log reads and writes. */
  token: string;
  timeoutMs?: number;
  /** The alert service's handler, called in process (the standalone); default: over the network. */
  fetch?: Fetch;
}

/**
 * The delivery log kept by the alert service (`POST /v1/deliveries/lookup`, `PUT /v1/deliveries`), so it
 * survives bot restarts and is shared by every instance of the bot. Failures throw (ApiError,
 * ServiceUnavailableError); the callers retry.
 */
export class HttpDeliveryLog implements DeliveryLog {
  readonly #api: AlertsApi;

  constructor(options: HttpDeliveryLogOptions) {
    this.#api = new AlertsApi(options);
  }

  async lookup(triggerIds: readonly string[]): Promise<Map<string, DeliveryState>> {
    const states = new Map<string, DeliveryState>();
    // A triggerId the service would refuse as malformed cannot have a record there.
    const asked = [...new Set(triggerIds)].filter((id) => {
      const wellFormed = DeliveryTriggerIdSchema.safeParse(id).success;
      if (!wellFormed) states.set(id, "new");
      return wellFormed;
    });
    for (const chunk of chunks(asked, MAX_DELIVERY_BATCH)) {
      const answer = await this.#api.call("post", "/v1/deliveries/lookup", LookupDeliveriesResponseSchema, {
        body: { triggerIds: chunk },
      });
      for (const id of chunk) states.set(id, answer.states[id] ?? "new");
    }
    return states;
  }

  async record(records: readonly DeliveryOutcomeRecord[]): Promise<RefusedRecord[]> {
    const refused: RefusedRecord[] = [];
    const valid = records.filter((record) => {
      const parsed = DeliveryOutcomeRecordSchema.safeParse(record);
      if (!parsed.success) {
        refused.push({ triggerId: record.triggerId, code: "invalid_record", message: parsed.error.message });
      }
      return parsed.success;
    });
    for (const chunk of chunks(valid, MAX_DELIVERY_BATCH)) {
      const answer = await this.#api.call("put", "/v1/deliveries", RecordDeliveriesResponseSchema, {
        body: { records: chunk },
      });
      for (const result of answer.results) {
        if (result.result === "refused") {
          refused.push({
            triggerId: result.triggerId,
            code: result.error?.code ?? "refused",
            message: result.error?.message ?? "refused",
          });
        }
      }
    }
    return refused;
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
