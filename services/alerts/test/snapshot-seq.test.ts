import { InternalAlertPageSchema } from "@tickerbell/contracts";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anotherPriceAlert, startPostgresHarness } from "./harness.ts";

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
beforeAll(async () => {
  h = await startPostgresHarness();
});
afterAll(async () => {
  await h?.close();
});

async function page(after?: string, limit = 1) {
  const query = `/v1/internal/alerts?limit=${limit}${after ? `&after=${after}` : ""}`;
  const res = await h.api("GET", query, { token: "internal" });
  expect(res.status).toBe(200);
  return InternalAlertPageSchema.parse(res.body);
}

/** Until `n` sessions of this database wait for a lock (a writer queued behind the blocker). */
async function waitForLockWaiters(client: pg.Client, n: number): Promise<void> {
  for (;;) {
    const { rows } = await client.query(
      "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
    );
    if (rows[0].n >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function create(symbol: string) {
  const res = await h.api("POST", "/v1/alerts", { as: "seq", body: anotherPriceAlert({ symbol }) });
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

describe("snapshot pages carry the per-symbol change seqs they reflect", () => {
  it("has none before any change, then each symbol's highest committed seq, on the first page only", async () => {
    expect((await page()).changeSeqs).toEqual({});
    const a = await create("AAPL");
    await create("AAPL");
    await create("MSFT");
    const first = await page();
    expect(first.changeSeqs).toEqual({ AAPL: "2", MSFT: "1" });
    await h.api("PATCH", `/v1/alerts/${a.id}`, { as: "seq", body: { note: "moved on" } });
    // A later page leaves the barrier to the first one.
    const second = await page(first.nextAfter ?? undefined);
    expect(second.changeSeqs).toEqual({});
    // One symbol's writes leave the other's seq where it was.
    expect((await page()).changeSeqs).toEqual({ AAPL: "3", MSFT: "1" });
  });

  it("counts only committed changes, and the page reflects every change up to its symbol's seq", async () => {
    const alert = await create("NVDA");
    const before = (await page(undefined, 1000)).changeSeqs.NVDA;
    // Another writer of NVDA holds the symbol's sequence row: the PATCH below waits for it.
    const blocker = new pg.Client({ connectionString: h.db.url });
    await blocker.connect();
    try {
      await blocker.query("begin");
      await blocker.query("select seq from change_sequences where symbol = 'NVDA' for update");
      const patched = h.api("PATCH", `/v1/alerts/${alert.id}`, {
        as: "seq",
        body: { note: "after the barrier" },
      });
      await waitForLockWaiters(blocker, 1);
      const during = await page(undefined, 1000);
      expect(during.changeSeqs.NVDA).toBe(before);
      expect(during.alerts.find((x) => x.id === alert.id)?.note).toBeNull();
      await blocker.query("commit");
      expect((await patched).status).toBe(200);
    } finally {
      await blocker.end();
    }
    const after = await page(undefined, 1000);
    expect(BigInt(after.changeSeqs.NVDA!)).toBe(BigInt(before!) + 1n);
    expect(after.alerts.find((x) => x.id === alert.id)?.note).toBe("after the barrier");
  });
});
