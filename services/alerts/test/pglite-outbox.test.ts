// The outbox on the embedded database: per-symbol seqs, the snapshot's barrier, the relay lease and LISTEN all
// run on PGlite (one in-process connection) as on PostgreSQL.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMetricsRegistry } from "@tickerbell/config";
import { type AlertChangeEvent, InternalAlertPageSchema } from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OUTBOX_CHANNEL } from "../src/db/outbox.ts";
import { OutboxRelay } from "../src/outbox-relay.ts";
import { anotherPriceAlert, type Harness, startHarness } from "./harness.ts";

const dataDir = mkdtempSync(join(tmpdir(), "tickerbell-alerts-pglite-outbox-"));
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ kind: "pglite", dataDir });
});
afterAll(async () => {
  await h?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function waitFor(what: string, condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

// PGlite (WebAssembly, in this process) starts and migrates slowly on a busy machine.
describe("the outbox on PGlite", { timeout: 180_000 }, () => {
  it("numbers changes per symbol, reports them in the snapshot, and relays them woken by the commits", async () => {
    const published: AlertChangeEvent[] = [];
    const relay = new OutboxRelay({
      store: h.service.outbox,
      publisher: {
        publish: async (_topic, messages) => {
          for (const m of messages) published.push(m.value as AlertChangeEvent);
        },
      },
      wakeups: h.service.outboxWakeups,
      // Only a wake-up gets the relay going within the test.
      idleWaitMs: 60_000,
    });
    await relay.start();
    try {
      const created = [];
      for (const symbol of ["AAPL", "MSFT", "AAPL"]) {
        const res = await h.api("POST", "/v1/alerts", {
          as: "lite-outbox",
          body: anotherPriceAlert({ symbol }),
        });
        expect(res.status).toBe(201);
        created.push(res.body.id as string);
      }
      const patched = await h.api("PATCH", `/v1/alerts/${created[0]}`, {
        as: "lite-outbox",
        body: { note: "lite" },
      });
      expect(patched.status).toBe(200);
      await waitFor("four changes published", () => published.length >= 4);
      expect(published.map((e) => `${e.alert.symbol}:${e.seq}:${e.change}`)).toEqual([
        "AAPL:1:created",
        "MSFT:1:created",
        "AAPL:2:created",
        "AAPL:3:updated",
      ]);
      const page = await h.api("GET", "/v1/internal/alerts", { token: "internal" });
      expect(InternalAlertPageSchema.parse(page.body).changeSeqs).toEqual({ AAPL: "3", MSFT: "1" });
      expect(await h.service.outbox.pending(10)).toEqual([]);
    } finally {
      await relay.stop();
    }
  });

  it("exports the outbox backlog for /metrics: unpublished rows and the age of the oldest", async () => {
    const registry = createMetricsRegistry("alerts");
    const relay = new OutboxRelay({
      store: h.service.outbox,
      publisher: { publish: async () => {} },
      metrics: registry,
    });
    const sample = async (name: string) =>
      Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, "m").exec(await registry.metrics())?.[1]);
    await relay.drainOnce();
    expect(await sample("tickerbell_outbox_pending_rows")).toBe(0);
    expect(await sample("tickerbell_outbox_oldest_pending_age_seconds")).toBe(0);
    const res = await h.api("POST", "/v1/alerts", {
      as: "lite-backlog",
      body: anotherPriceAlert({ symbol: "NVDA" }),
    });
    expect(res.status).toBe(201);
    expect(await sample("tickerbell_outbox_pending_rows")).toBe(1);
    expect(await sample("tickerbell_outbox_oldest_pending_age_seconds")).toBeGreaterThanOrEqual(0);
    await relay.drainOnce();
    expect(await sample("tickerbell_outbox_pending_rows")).toBe(0);
  });

  it("hears a NOTIFY through PGlite's listen", async () => {
    let heard = 0;
    const stop = await h.service.outboxWakeups.subscribe(() => heard++);
    try {
      const before = heard;
      await h.service.em.fork().execute("select pg_notify(?, '')", [OUTBOX_CHANNEL]);
      await waitFor("the notification", () => heard > before);
    } finally {
      await stop();
    }
  });
});
