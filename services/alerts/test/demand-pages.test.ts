// The whole demand snapshot read a page of alerts at a time (2 here, 5,000 in a service; a symbol's alerts may
// span pages) answers what one read of every symbol answers, on PostgreSQL and on PGlite (the try-out's).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DemandSchema } from "@tickerbell/contracts";
import { createTestDatabase } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anotherPriceAlert, type Harness, startHarness } from "./harness.ts";

const databases = {
  PostgreSQL: async () => {
    const db = await createTestDatabase("tb_alerts_demand");
    return { database: { kind: "postgres" as const, url: db.url }, cleanup: () => db.drop() };
  },
  PGlite: async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "tickerbell-demand-"));
    return {
      database: { kind: "pglite" as const, dataDir },
      cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  },
};

describe.each(Object.entries(databases))("on %s", (_name, open) => {
  let h: Harness;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const opened = await open();
    cleanup = opened.cleanup;
    h = await startHarness(opened.database, { demandPageAlerts: 2 });
  });
  afterAll(async () => {
    await h?.close();
    await cleanup?.();
  });

  async function create(as: string, overrides: Record<string, unknown> = {}) {
    const res = await h.api("POST", "/v1/alerts", { as, body: anotherPriceAlert(overrides) });
    expect(res.status, res.text).toBe(201);
    return res.body as { id: string };
  }

  describe("the whole demand snapshot, paged", () => {
    it("answers every symbol, in order, as one read of all of them does", async () => {
      // AAPL: three alerts (more than a page), one of them 10% trailing; MSFT two; a crypto pair one; TSLA only
      // watched; NFLX only a paused alert and an earnings alert (no demand).
      for (const target of [205, 210]) {
        await create("pager-a", { symbol: "AAPL", condition: { kind: "price", direction: "above", target } });
      }
      await create("pager-b", {
        symbol: "AAPL",
        condition: { kind: "trailing", direction: "down", offset: { unit: "percent", value: 10 } },
      });
      await create("pager-a", {
        symbol: "MSFT",
        condition: { kind: "price", direction: "below", target: 150 },
      });
      await create("pager-b", {
        symbol: "MSFT",
        condition: { kind: "percent", direction: "down", percent: 5, basis: "last" },
      });
      await create("pager-a", {
        symbol: "BINANCE:BTCUSDT",
        condition: { kind: "price", direction: "above", target: 250 },
      });
      await h.api("POST", "/v1/watchlist", { as: "pager-a", body: { symbols: ["TSLA", "MSFT"] } });
      const paused = await create("pager-b", { symbol: "NFLX" });
      await h.api("PATCH", `/v1/alerts/${paused.id}`, { as: "pager-b", body: { status: "paused" } });
      await create("pager-b", { symbol: "NFLX", condition: { kind: "earnings" } });

      const whole = DemandSchema.parse(
        (await h.api("GET", "/v1/internal/demand", { token: "internal" })).body,
      );
      expect(whole.symbols).toEqual(["AAPL", "BINANCE:BTCUSDT", "MSFT", "TSLA"]);
      const all = DemandSchema.parse(
        (
          await h.api("GET", `/v1/internal/demand?symbols=${whole.symbols.join(",")},NFLX`, {
            token: "internal",
          })
        ).body,
      );
      expect(whole).toEqual(all);
      expect(whole.bySymbol.find((d) => d.symbol === "AAPL")).toMatchObject({ alerts: 3, nearestAbove: 205 });
      expect(whole.bySymbol.find((d) => d.symbol === "MSFT")).toMatchObject({
        alerts: 2,
        nearestBelow: 180.5,
      });
    });
  });
});
