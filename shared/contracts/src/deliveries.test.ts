import { describe, expect, it } from "vitest";
import { DeliveryTriggerIdSchema, RecordDeliveryRequestSchema } from "./deliveries.ts";

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
