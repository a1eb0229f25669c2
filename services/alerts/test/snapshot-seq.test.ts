import { InternalAlertPageSchema } from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { priceAlert, sql, startPostgresHarness } from "./harness.ts";

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
beforeAll(async () => {
  h = await startPostgresHarness();
});
afterAll(async () => {
  await h?.close();
});

async function page(after?: string) {
  const query = `/v1/internal/alerts?limit=1${after ? `&after=${after}` : ""}`;
  const res = await h.api("GET", query, { token: "internal" });
  expect(res.status).toBe(200);
  return InternalAlertPageSchema.parse(res.body);
}

describe("snapshot pages carry the outbox seq they reflect", () => {
  it("is 0 before any change, then the highest committed seq", async () => {
    expect((await page()).asOfSeq).toBe("0");
    const a = await h.api("POST", "/v1/alerts", { as: "seq", body: priceAlert() });
    const b = await h.api("POST", "/v1/alerts", { as: "seq", body: priceAlert({ symbol: "MSFT" }) });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    const [{ max }] = await sql(h.db.url, "select max(id)::text as max from outbox");
    const first = await page();
    expect(first.asOfSeq).toBe(max);
    await h.api("PATCH", `/v1/alerts/${a.body.id}`, { as: "seq", body: { note: "moved on" } });
    const second = await page(first.nextAfter ?? undefined);
    expect(BigInt(second.asOfSeq!)).toBe(BigInt(max) + 1n);
  });
});
