import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { priceAlert, sql, startPostgresHarness } from "./harness.ts";

// The outbox row is written after the alert row, inside the same transaction. A constraint that refuses
// every new outbox row makes that second write fail for real, after the alert write has happened: the
// transaction must then leave neither row behind.

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
let existing: string;
beforeAll(async () => {
  h = await startPostgresHarness();
  // Both expire within the hour: the sweep later changes them, two symbols, in one transaction.
  const expiresAt = new Date(h.clock.now().getTime() + 3600_000).toISOString();
  existing = (
    await h.api("POST", "/v1/alerts", { as: "atomic", body: priceAlert({ note: "before", expiresAt }) })
  ).body.id;
  await h.api("POST", "/v1/alerts", { as: "atomic", body: priceAlert({ symbol: "MSFT", expiresAt }) });
});
afterAll(async () => {
  await h?.close();
});

async function breakOutbox() {
  await sql(h.db.url, "alter table outbox add constraint refuse_everything check (false) not valid");
}
async function repairOutbox() {
  await sql(h.db.url, "alter table outbox drop constraint refuse_everything");
}
const count = async (table: string) => (await sql(h.db.url, `select count(*)::int as n from ${table}`))[0].n;

describe("outbox atomicity", () => {
  it("a failed outbox write rolls back the alert it describes", async () => {
    const alertsBefore = await count("alerts");
    const outboxBefore = await count("outbox");
    await breakOutbox();
    try {
      const created = await h.api("POST", "/v1/alerts", {
        as: "atomic",
        body: priceAlert({ symbol: "ROLLBK" }),
      });
      expect(created.status).toBe(500);
      expect(created.body.error.code).toBe("internal_error");
      expect(created.text).not.toMatch(/refuse_everything|outbox|insert/i);

      const updated = await h.api("PATCH", `/v1/alerts/${existing}`, {
        as: "atomic",
        body: { note: "after" },
      });
      expect(updated.status).toBe(500);
      // A transaction over several alerts (the expiry sweep) rolls back whole too.
      h.clock.advance(3 * 3600_000);
      await expect(h.service.alerts.expireDue()).rejects.toThrow();
    } finally {
      await repairOutbox();
    }
    expect(await count("alerts")).toBe(alertsBefore);
    expect(await count("outbox")).toBe(outboxBefore);
    expect(await sql(h.db.url, "select 1 from alerts where symbol = 'ROLLBK'")).toEqual([]);
    const [row] = await sql(h.db.url, "select note, status from alerts where id = $1", [existing]);
    expect(row).toEqual({ note: "before", status: "active" });
    expect(await sql(h.db.url, "select 1 from alerts where status = 'expired'")).toEqual([]);
    expect(h.logs.join("\n")).toContain("request failed");
  });

  it("works again once the outbox accepts rows, the sweep included", async () => {
    const updated = await h.api("PATCH", `/v1/alerts/${existing}`, { as: "atomic", body: { note: "after" } });
    expect(updated.status).toBe(200);
    expect(await h.service.alerts.expireDue()).toBe(2);
    const changes = await sql(
      h.db.url,
      "select payload->>'change' as c from outbox where payload->'alert'->>'id' = $1 order by outbox.id",
      [existing],
    );
    expect(changes.map((r) => r.c)).toEqual(["created", "updated", "expired"]);
  });
});
