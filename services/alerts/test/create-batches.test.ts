import { CreateAlertRequestSchema } from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anotherPriceAlert, sql, startPostgresHarness } from "./harness.ts";

// Creates that arrive while one is being written share the next statement: one transaction, one commit (one WAL
// flush) for all of them. Rows written by one transaction share its id (xmin), which is what this observes.

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
const users: string[] = [];
beforeAll(async () => {
  h = await startPostgresHarness();
  for (const who of ["batch-a", "batch-b", "batch-c"]) {
    const first = await h.api("POST", "/v1/alerts", { as: who, body: anotherPriceAlert() });
    users.push(first.body.userId);
  }
});
afterAll(async () => {
  await h?.close();
});

const command = (overrides: Record<string, unknown> = {}) =>
  CreateAlertRequestSchema.parse(anotherPriceAlert(overrides));
const transactionsOf = async (ids: string[]) =>
  (
    await sql(h.db.url, "select count(distinct xmin::text)::int as n from alerts where id = any($1)", [ids])
  )[0].n;

describe("creates written together", () => {
  it("creates of several users at the same moment commit in one transaction, each with its own answer", async () => {
    const created = await Promise.all(
      Array.from({ length: 30 }, (_, i) => h.service.alerts.create(users[i % 3]!, "telegram", command())),
    );
    expect(new Set(created.map((a) => a.id)).size).toBe(30);
    expect(await transactionsOf(created.map((a) => a.id))).toBe(1);
    // Each is an ordinary alert with its outbox row.
    const outbox = await sql(
      h.db.url,
      "select count(*)::int as n from outbox where payload->'alert'->>'id' = any($1)",
      [created.map((a) => a.id)],
    );
    expect(outbox[0].n).toBe(30);
  });

  it("a twin inside one batch is refused as a duplicate of the first, the rest are created", async () => {
    const twin = anotherPriceAlert();
    const outcomes = await Promise.allSettled([
      h.service.alerts.create(users[0]!, "telegram", CreateAlertRequestSchema.parse(twin)),
      h.service.alerts.create(users[0]!, "telegram", CreateAlertRequestSchema.parse(twin)),
      h.service.alerts.create(users[1]!, "telegram", command()),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    const refused = (outcomes[1] as PromiseRejectedResult).reason;
    expect(refused).toMatchObject({ code: "duplicate_alert" });
    expect(refused.details.existingAlertId).toBe(
      (outcomes[0] as PromiseFulfilledResult<{ id: string }>).value.id,
    );
  });

  it("one create that fails the statement does not take the others down: they are written one by one", async () => {
    const gone = "00000000-0000-4000-8000-000000000000";
    const outcomes = await Promise.allSettled([
      h.service.alerts.create(users[0]!, "telegram", command()),
      h.service.alerts.create(gone, "telegram", command()),
      h.service.alerts.create(users[2]!, "telegram", command()),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/no user/);
    const ids = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value.id] : []));
    expect(await sql(h.db.url, "select count(*)::int as n from alerts where id = any($1)", [ids])).toEqual([
      { n: 2 },
    ]);
    expect(await sql(h.db.url, "select count(*)::int as n from alerts where user_id = $1", [gone])).toEqual([
      { n: 0 },
    ]);
  });
});
