// alerts.changes is ordered per symbol, without a global lock: each symbol's row of change_sequences orders its
// writers, and writers of other symbols go on.
import type { Alert } from "@tickerbell/contracts";
import { createTestDatabase } from "@tickerbell/testkit";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openOrm } from "../src/db/orm.ts";
import { appendAlertChanges } from "../src/db/outbox.ts";
import { priceAlert, sql, startPostgresHarness } from "./harness.ts";

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
beforeAll(async () => {
  h = await startPostgresHarness();
});
afterAll(async () => {
  await h?.close();
});

async function create(symbol: string, as = "sequencer"): Promise<Alert> {
  const res = await h.api("POST", "/v1/alerts", { as, body: priceAlert({ symbol }) });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

/** The outbox rows of `symbol` in id order, with the seq of their event. */
async function rowsOf(symbol: string): Promise<{ id: string; seq: string; alertId: string }[]> {
  return sql(
    h.db.url,
    `select id::text as id, payload->>'seq' as seq, payload->'alert'->>'id' as "alertId"
       from outbox where key = $1 order by outbox.id`,
    [symbol],
  );
}

/** A session holding `symbol`'s sequence row, as a writer of that symbol in the middle of its transaction. */
async function holdSymbol(
  symbol: string,
): Promise<{ waiters(n: number): Promise<void>; release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: h.db.url });
  await client.connect();
  await client.query("begin");
  await client.query(
    "insert into change_sequences (symbol, seq) values ($1, 0) on conflict (symbol) do update set seq = change_sequences.seq",
    [symbol],
  );
  return {
    async waiters(n) {
      for (;;) {
        const { rows } = await client.query(
          "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
        );
        if (rows[0].n >= n) return;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async release() {
      await client.query("commit");
      await client.end();
    },
  };
}

describe("per-symbol change sequences", () => {
  it("a write waits only for writers of its own symbol", async () => {
    await create("HELD");
    const held = await holdSymbol("HELD");
    let waitingDone = false;
    // Other users: creates of one user also take turns, on the user's row.
    const waiting = create("HELD", "held-writer").then((alert) => {
      waitingDone = true;
      return alert;
    });
    await held.waiters(1);
    // Another symbol goes through while HELD's writer waits (with one global lock it would wait too).
    const free = await create("FREE", "free-writer");
    expect(free.symbol).toBe("FREE");
    expect(waitingDone).toBe(false);
    await held.release();
    await waiting;
    expect((await rowsOf("HELD")).map((r) => r.seq)).toEqual(["1", "2"]);
  });

  it("gives each symbol consecutive seqs in commit order, and ids in the same order, under concurrent writers", async () => {
    const symbols = ["CA", "CB", "CC"];
    const alerts = await Promise.all(symbols.map((s) => create(s, `conc-${s}`)));
    const writes: Promise<unknown>[] = [];
    for (let round = 0; round < 10; round++) {
      for (const alert of alerts) {
        writes.push(
          h.api("PATCH", `/v1/alerts/${alert.id}`, {
            as: `conc-${alert.symbol}`,
            body: { note: `n${round}` },
          }),
        );
        writes.push(create(alert.symbol, `conc-${alert.symbol}-${round}`));
      }
    }
    await Promise.all(writes);
    for (const symbol of symbols) {
      const rows = await rowsOf(symbol);
      expect(rows).toHaveLength(21);
      // In id order the seqs count up from 1 without a gap: id order is seq order is commit order.
      expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => String(i + 1)));
    }
    // The last note is the one of the highest seq: the stored alert is the newest event's.
    for (const alert of alerts) {
      const rows = await rowsOf(alert.symbol);
      const [last] = await sql(h.db.url, "select payload from outbox where id = $1", [
        rows.filter((r) => r.alertId === alert.id).at(-1)!.id,
      ]);
      const stored = await h.api("GET", `/v1/alerts/${alert.id}`, { as: `conc-${alert.symbol}` });
      expect(last.payload.alert).toEqual(stored.body);
    }
  });

  it("one transaction over several symbols locks them in symbol order, numbering each symbol's changes in order", async () => {
    const zz = await create("ZZZ", "multi");
    const aa = await create("AAA", "multi");
    const at = new Date();
    const held = await holdSymbol("AAA");
    // Changes given as ZZZ, AAA, ZZZ: the symbols are locked AAA first, so this waits without holding ZZZ...
    const multi = h.service.em.fork().transactional((em) =>
      appendAlertChanges(em, [
        { change: "updated", alert: { ...zz, version: 2 }, at },
        { change: "updated", alert: { ...aa, version: 2 }, at },
        { change: "updated", alert: { ...zz, version: 3 }, at },
      ]),
    );
    await held.waiters(1);
    // ...and a writer of ZZZ alone is not held up by it.
    await create("ZZZ", "multi-2");
    await held.release();
    await multi;
    const zzz = await rowsOf("ZZZ");
    expect(zzz.map((r) => r.seq)).toEqual(["1", "2", "3", "4"]);
    const versions = await sql(
      h.db.url,
      "select payload->'alert'->>'version' as v from outbox where key = 'ZZZ' and payload->'alert'->>'id' = $1 order by id",
      [zz.id],
    );
    expect(versions.map((r) => r.v)).toEqual(["1", "2", "3"]);
    const aaa = await rowsOf("AAA");
    expect(aaa.map((r) => r.seq)).toEqual(["1", "2"]);
    // Within the transaction the rows are written symbol by symbol (the lock order), each in the order given.
    const batch = [aaa[1]!, zzz[2]!, zzz[3]!].map((r) => BigInt(r.id));
    expect(batch).toEqual([...batch].sort((x, y) => (x < y ? -1 : 1)));
  });

  it("is refused outside a transaction", async () => {
    const alert = await create("LONE");
    await expect(
      appendAlertChanges(h.service.em.fork(), [{ change: "updated", alert, at: new Date() }]),
    ).rejects.toThrow("inside the transaction");
  });
});

describe("the change_sequences migration", () => {
  it("continues every symbol above the global seq the outbox had handed out", async () => {
    const db = await createTestDatabase("tb_alerts_seqmig");
    try {
      const opened = await openOrm({ kind: "postgres", url: db.url });
      try {
        // Back to before per-symbol sequences, with outbox rows written the old way (seq = global id).
        await opened.orm.migrator.down({ to: "Migration20261124210000_snooze" });
        for (const symbol of ["OLDA", "OLDB", "OLDA"]) {
          await sql(
            db.url,
            "insert into outbox (topic, key, payload) values ('alerts.changes', $1, '{}'::jsonb)",
            [symbol],
          );
        }
        await opened.orm.migrator.up();
        const seeded = await sql(
          db.url,
          "select symbol, seq::int as seq from change_sequences order by symbol",
        );
        expect(seeded).toEqual([
          { symbol: "OLDA", seq: 3 },
          { symbol: "OLDB", seq: 3 },
        ]);
      } finally {
        await opened.close();
      }
    } finally {
      await db.drop();
    }
  });
});
