import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listOwnedStatement } from "../src/db/alert-repository.ts";
import { encodeListCursor } from "../src/domain/list-cursor.ts";
import { type Answer, anotherPriceAlert, copiesForNewUsers, sql, startPostgresHarness } from "./harness.ts";

/** GET /v1/alerts a page at a time, over HTTP on real PostgreSQL. */

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
beforeAll(async () => {
  h = await startPostgresHarness({ maxOpenAlertsPerUser: 1000 });
});
afterAll(async () => {
  await h?.close();
});

interface Listed {
  id: string;
  status: string;
  symbol: string;
  createdAt: string;
}

const idsOf = (res: Answer): string[] => res.body.alerts.map((a: Listed) => a.id);

async function create(as: string, overrides: Record<string, unknown> = {}): Promise<Listed> {
  const res = await h.api("POST", "/v1/alerts", { as, body: anotherPriceAlert(overrides) });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

async function list(as: string, query: string): Promise<Answer> {
  const res = await h.api("GET", `/v1/alerts${query ? `?${query}` : ""}`, { as });
  expect(res.status, res.text).toBe(200);
  return res;
}

/** Every page of `query`, following nextCursor from the first page to the one that says null. */
async function allPages(as: string, query: string): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | null = null;
  do {
    const params = new URLSearchParams(query);
    if (cursor !== null) params.set("cursor", cursor);
    const res = await list(as, params.toString());
    pages.push(idsOf(res));
    cursor = res.body.nextCursor;
    if (pages.length > 1000) throw new Error("paging does not end");
  } while (cursor !== null);
  return pages;
}

/** The list order: creation time, then id (uuids compare as their lowercase hex text). */
function sorted<T extends Listed>(alerts: T[]): T[] {
  return [...alerts].sort(
    (a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

describe("paging GET /v1/alerts", () => {
  const PAGER = "pager";
  let created: Listed[] = [];
  beforeAll(async () => {
    // 250 alerts, three at a time sharing a creation time, so pages also break between equal times.
    for (let i = 0; i < 250; i++) {
      if (i % 3 === 0) h.clock.advance(1000);
      created.push(await create(PAGER));
    }
    created = sorted(created);
  });

  it("answers the first 100 alerts oldest first, with a cursor to the rest", async () => {
    const first = await list(PAGER, "");
    expect(idsOf(first)).toEqual(created.slice(0, 100).map((a) => a.id));
    expect(first.body.nextCursor).toEqual(expect.any(String));
  });

  it("pages through everything, limit alerts a page, and the last page says nextCursor null", async () => {
    const pages = await allPages(PAGER, "limit=100");
    expect(pages.map((p) => p.length)).toEqual([100, 100, 50]);
    expect(pages.flat()).toEqual(created.map((a) => a.id));
  });

  it("ends with nextCursor null when the last page is exactly full", async () => {
    const pages = await allPages(PAGER, "limit=50");
    expect(pages.map((p) => p.length)).toEqual([50, 50, 50, 50, 50]);
    expect(pages.flat()).toEqual(created.map((a) => a.id));
  });

  it("takes up to 500 alerts a page", async () => {
    const all = await list(PAGER, "limit=500");
    expect(idsOf(all)).toEqual(created.map((a) => a.id));
    expect(all.body.nextCursor).toBeNull();
  });

  it("lists status=open as the active and paused alerts; a single status still lists that status", async () => {
    const user = "open-lister";
    const active = await create(user);
    const paused = await create(user);
    const cancelled = await create(user);
    await h.api("PATCH", `/v1/alerts/${paused.id}`, { as: user, body: { status: "paused" } });
    await h.api("DELETE", `/v1/alerts/${cancelled.id}`, { as: user });
    const expected = sorted([active, paused]).map((a) => a.id);
    expect(idsOf(await list(user, "status=open"))).toEqual(expected);
    expect(idsOf(await list(user, "status=active"))).toEqual([active.id]);
    expect(idsOf(await list(user, "status=paused"))).toEqual([paused.id]);
    expect(idsOf(await list(user, "status=cancelled"))).toEqual([cancelled.id]);
    expect(idsOf(await list(user, "status=open&symbol=msft"))).toEqual([]);
  });

  it("continues after a position, even when the alert that ended the page has changed or gone", async () => {
    const user = "moving-target";
    const alerts = [];
    for (let i = 0; i < 4; i++) {
      h.clock.advance(1);
      alerts.push(await create(user));
    }
    const first = await list(user, "status=open&limit=2");
    expect(idsOf(first)).toEqual(alerts.slice(0, 2).map((a) => a.id));
    await h.api("DELETE", `/v1/alerts/${alerts[1]!.id}`, { as: user });
    const next = await list(user, `status=open&limit=2&cursor=${first.body.nextCursor}`);
    expect(idsOf(next)).toEqual(alerts.slice(2).map((a) => a.id));
  });

  it.each([
    ["0", /at least 1/],
    ["-5", /at least 1/],
    ["501", /at most 500/],
    ["1e6", /at most 500/],
    ["2.5", /whole number/],
    ["ten", /must be a number/],
    ["", /at least 1/],
  ])("refuses limit=%s with a 400 that says why", async (limit, message) => {
    const res = await h.api("GET", `/v1/alerts?limit=${encodeURIComponent(limit)}`, { as: PAGER });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.message).toMatch(/^invalid query string: limit: /);
    expect(res.body.error.message).toMatch(message);
  });

  it("refuses an unknown status, naming the ones it takes", async () => {
    const res = await h.api("GET", "/v1/alerts?status=finished", { as: PAGER });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/status: .*open/);
  });

  const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
  it.each([
    ["an empty cursor", ""],
    ["text that is not base64url", "not a cursor!"],
    ["base64url of something that is not JSON", Buffer.from("hello").toString("base64url")],
    ["JSON of another shape", forged({ after: "x" })],
    ["an id that is not a uuid", forged({ t: 0, i: "42" })],
    ["a time before 1970", forged({ t: -1, i: "0f8fad5b-d9cb-469f-a165-70867728950e" })],
    ["a time beyond year 9999", forged({ t: 8.64e15, i: "0f8fad5b-d9cb-469f-a165-70867728950e" })],
    ["a fractional time", forged({ t: 1.5, i: "0f8fad5b-d9cb-469f-a165-70867728950e" })],
    ["an extra field", forged({ t: 0, i: "0f8fad5b-d9cb-469f-a165-70867728950e", x: 1 })],
    ["a very long cursor", "A".repeat(5000)],
  ])("refuses %s with 400 invalid_cursor", async (_name, cursor) => {
    const res = await h.api("GET", `/v1/alerts?cursor=${encodeURIComponent(cursor)}`, { as: PAGER });
    expect(res.status, res.text).toBe(400);
    expect(res.body.error.code).toBe("invalid_cursor");
    expect(res.body.error.message).toMatch(/nextCursor/);
  });

  it("answers any cursor text with a page or 400 invalid_cursor, never a server error (fast-check)", async () => {
    const valid = encodeListCursor({ createdAt: 0, id: "0f8fad5b-d9cb-469f-a165-70867728950e" });
    const cursorText = fc.oneof(
      fc.string({ unit: "binary", maxLength: 120 }),
      fc.base64String({ maxLength: 120 }).map((s) => s.replaceAll("+", "-").replaceAll("/", "_")),
      fc.jsonValue({ maxDepth: 2 }).map((v) => forged(v)),
      fc
        .record({
          t: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(Number.MAX_SAFE_INTEGER, 253402300800000)),
          i: fc.oneof(fc.uuid(), fc.string({ maxLength: 40 })),
        })
        .map(forged),
      fc.constant(valid),
    );
    await fc.assert(
      fc.asyncProperty(cursorText, async (cursor) => {
        const res = await h.api("GET", `/v1/alerts?limit=5&cursor=${encodeURIComponent(cursor)}`, {
          as: PAGER,
        });
        if (res.status === 200) return;
        expect(res.status, res.text).toBe(400);
        expect(res.body.error.code).toBe("invalid_cursor");
      }),
      { numRuns: 500 },
    );
  });
});

describe("paging, as a property: the pages of any filter are exactly the filtered list, in order", () => {
  type Fate = "active" | "paused" | "cancelled" | "expired";
  const FILTERS = [
    "",
    "status=open",
    "status=active",
    "status=paused",
    "status=cancelled",
    "status=expired",
    "symbol=MSFT",
    "status=open&symbol=AAPL",
  ];
  const wanted = (query: string) => (a: Listed) => {
    const params = new URLSearchParams(query);
    const status = params.get("status");
    const symbol = params.get("symbol");
    if (status === "open" && !["active", "paused"].includes(a.status)) return false;
    if (status && status !== "open" && a.status !== status) return false;
    return !symbol || a.symbol === symbol;
  };
  let run = 0;

  it("holds for random alerts (equal creation times included), fates, filters and page sizes", async () => {
    const alertSpec = fc.record({
      symbol: fc.constantFrom("AAPL", "MSFT"),
      // 0: created at the same millisecond as the one before.
      gapMs: fc.constantFrom(0, 0, 1, 1000),
      fate: fc.constantFrom<Fate>("active", "paused", "cancelled", "expired"),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(alertSpec, { maxLength: 12 }),
        fc.integer({ min: 1, max: 5 }),
        async (specs, limit) => {
          const user = `property-${run++}`;
          const alerts: Listed[] = [];
          for (const spec of specs) {
            h.clock.advance(spec.gapMs);
            const expiresAt =
              spec.fate === "expired" ? new Date(h.clock.now().getTime() + 1000).toISOString() : null;
            alerts.push(await create(user, { symbol: spec.symbol, expiresAt }));
          }
          for (const [i, spec] of specs.entries()) {
            const alert = alerts[i]!;
            if (spec.fate === "paused")
              await h.api("PATCH", `/v1/alerts/${alert.id}`, { as: user, body: { status: "paused" } });
            if (spec.fate === "cancelled") await h.api("DELETE", `/v1/alerts/${alert.id}`, { as: user });
            alert.status = spec.fate;
          }
          h.clock.advance(2000);
          await h.service.alerts.expireDue(h.clock.now());
          for (const filter of FILTERS) {
            const query = filter ? `${filter}&limit=${limit}` : `limit=${limit}`;
            const pages = await allPages(user, query);
            const expected = sorted(alerts.filter(wanted(filter))).map((a) => a.id);
            expect(pages.flat(), query).toEqual(expected);
            // Every page but the last is full; the last is empty only when nothing matched at all.
            expect(pages.slice(0, -1).every((p) => p.length === limit)).toBe(true);
            expect(pages.at(-1)!.length > 0 || expected.length === 0).toBe(true);
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);
});

describe("the list statement", () => {
  const HEAVY = "heavy-history";

  beforeAll(async () => {
    // A user with 2,000 finished alerts and three open ones, and neighbours, as the issue measured.
    const open = [await create(HEAVY), await create(HEAVY), await create(HEAVY)];
    await sql(
      h.db.url,
      `insert into alerts
         select (jsonb_populate_record(a, jsonb_build_object(
           'id', gen_random_uuid(), 'status', (array['triggered', 'expired', 'cancelled'])[1 + g % 3],
           'created_at', a.created_at - make_interval(secs => 2001 - g)))).*
           from alerts a, generate_series(1, 2000) g where a.id = $1`,
      [open[0]!.id],
    );
    // Neighbours: 400 other users with 50 alerts each, so the table looks like a service's, not one user's.
    await copiesForNewUsers(
      h.db.url,
      open[0]!.id,
      400,
      50,
      `'status', (array['active', 'paused', 'triggered', 'expired', 'cancelled'])[1 + g % 5],
       'created_at', a.created_at - make_interval(secs => g)`,
    );
    await sql(h.db.url, "analyze alerts");
  });

  it.each([
    ["every alert", {}],
    ["open alerts", { status: "open" as const }],
    ["one status", { status: "cancelled" as const }],
    ["one symbol", { symbol: "AAPL" }],
  ])("reads a page of %s as one ordered index range scan, without a sort", async (_name, filter) => {
    const [user] = await sql(
      h.db.url,
      "select user_id from alerts a join platform_identities p using (user_id) where p.platform_user_id = $1 limit 1",
      [HEAVY],
    );
    for (const after of [null, { createdAt: Date.now(), id: "0f8fad5b-d9cb-469f-a165-70867728950e" }]) {
      const { sql: text, params } = listOwnedStatement(user.user_id, filter, after, 101);
      const plan = (
        await h.service.em.fork().execute<Record<string, string>[]>(`explain ${text}`, params)
      ).map((r) => r["QUERY PLAN"]);
      const shown = plan.join("\n");
      expect(shown).toMatch(/Index (Only )?Scan using alerts_user_\w+_idx/);
      expect(shown).not.toMatch(/Sort|Seq Scan|Bitmap/);
    }
  });

  it("lists the heavy user's open alerts in one page of three", async () => {
    const open = await list(HEAVY, "status=open");
    expect(open.body.alerts).toHaveLength(3);
    expect(open.body.nextCursor).toBeNull();
    const everything = await allPages(HEAVY, "limit=500");
    expect(everything.flat()).toHaveLength(2003);
  });
});
