import { describe, expect, it } from "vitest";
import {
  DeliveryTriggerIdSchema,
  LookupDeliveriesRequestSchema,
  MAX_DELIVERY_BATCH,
  RecordDeliveriesRequestSchema,
  RecordDeliveryRequestSchema,
} from "./deliveries.ts";

const alertId = "0f8fad5b-d9cb-469f-a165-70867728950e";

describe("DeliveryTriggerIdSchema", () => {
  it.each([`${alertId}:0`, `${alertId}:12`, `${alertId}:expired`])("accepts %s", (id) => {
    expect(DeliveryTriggerIdSchema.safeParse(id).success).toBe(true);
  });
  it.each(["", alertId, `${alertId}:`, `${alertId}:a b`, `x${alertId}:1`, `${alertId.toUpperCase()}:1`])(
    "refuses %j",
    (id) => {
      expect(DeliveryTriggerIdSchema.safeParse(id).success).toBe(false);
    },
  );
});

describe("RecordDeliveryRequestSchema", () => {
  it("takes sent without a reason and undeliverable with one", () => {
    expect(RecordDeliveryRequestSchema.parse({ alertId, status: "sent" })).toEqual({
      alertId,
      status: "sent",
    });
    expect(
      RecordDeliveryRequestSchema.parse({ alertId, status: "undeliverable", reason: " blocked_by_user " }),
    ).toEqual({ alertId, status: "undeliverable", reason: "blocked_by_user" });
  });
  it.each([
    [{ alertId, status: "undeliverable" }, "reason"],
    [{ alertId, status: "sent", reason: "x" }, "reason"],
    [{ alertId, status: "gone" }, "status"],
    [{ status: "sent" }, "alertId"],
  ])("refuses %j at %s", (body, path) => {
    const result = RecordDeliveryRequestSchema.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join("."))).toContain(path);
  });
});

describe("RecordDeliveriesRequestSchema", () => {
  it("takes a batch of sent and undeliverable records", () => {
    const records = [
      { triggerId: `${alertId}:0`, alertId, status: "sent" },
      { triggerId: `${alertId}:1`, alertId, status: "undeliverable", reason: "blocked_by_user" },
    ];
    expect(RecordDeliveriesRequestSchema.parse({ records })).toEqual({ records });
  });
  it.each([
    [{ records: [] }, "records"],
    [{ records: [{ triggerId: `${alertId}:0`, alertId, status: "undeliverable" }] }, "records.0.reason"],
    [
      { records: [{ triggerId: "0f8fad5b-d9cb-469f-a165-000000000000:0", alertId, status: "sent" }] },
      "records.0.triggerId",
    ],
    [{ records: [{ triggerId: `${alertId}:0`, alertId, status: "sent", extra: 1 }] }, "records.0"],
    [
      {
        records: Array.from({ length: MAX_DELIVERY_BATCH + 1 }, (_, i) => ({
          triggerId: `${alertId}:${i}`,
          alertId,
          status: "sent",
        })),
      },
      "records",
    ],
  ])("refuses %# at %s", (body, path) => {
    const result = RecordDeliveriesRequestSchema.safeParse(body);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join("."))).toContain(path);
  });
});

describe("LookupDeliveriesRequestSchema", () => {
  it("takes triggerIds and refuses an empty list or a malformed id", () => {
    expect(LookupDeliveriesRequestSchema.safeParse({ triggerIds: [`${alertId}:3`] }).success).toBe(true);
    expect(LookupDeliveriesRequestSchema.safeParse({ triggerIds: [] }).success).toBe(false);
    expect(LookupDeliveriesRequestSchema.safeParse({ triggerIds: ["nope"] }).success).toBe(false);
  });
});
