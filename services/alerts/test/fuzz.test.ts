import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_BODY_BYTES } from "../src/app.ts";
import { type Answer, priceAlert, sql, startPostgresHarness, TOKENS } from "./harness.ts";

/**
 * Property-based fuzzing of every HTTP endpoint of the alert service, in process on real PostgreSQL: whatever
 * arrives (bodies, path parameters, query strings, headers), the answer is never a 5xx, every refusal is a 4xx
 * with the {error: {code, message, details?}} body, and a refused request changes nothing in the database.
 */

const RUNS = 10_000;
/** Generous: the machine is shared; each property takes a few seconds alone. */
const FUZZ_TIMEOUT = 180_000;

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
let alertId: string;
const ACTOR = "fuzzer";

beforeAll(async () => {
  // The manual clock never moves here, so the allowance must cover every fuzzed command of the suite.
  h = await startPostgresHarness({ userCommandsPerMinute: 10_000_000 });
  const created = await h.api("POST", "/v1/alerts", { as: ACTOR, body: priceAlert() });
  expect(created.status).toBe(201);
  alertId = created.body.id;
});
afterAll(async () => {
  await h?.close();
});

type Group = "user" | "bot" | "internal";
interface Route {
  method: string;
  path: () => string;
  group: Group;
  /** The tables a success may write to; rows anywhere else came from a refused request. */
  writes?: string[];
}

const ROUTES: Route[] = [
  { method: "POST", path: () => "/v1/alerts", group: "user", writes: ["alerts", "outbox", "alert_triggers"] },
  { method: "GET", path: () => "/v1/alerts", group: "user" },
  { method: "GET", path: () => `/v1/alerts/${alertId}`, group: "user" },
  {
    method: "PATCH",
    path: () => `/v1/alerts/${alertId}`,
    group: "user",
    writes: ["alerts", "outbox", "alert_triggers"],
  },
  {
    method: "DELETE",
    path: () => `/v1/alerts/${alertId}`,
    group: "user",
    writes: ["alerts", "outbox", "alert_triggers"],
  },
  { method: "GET", path: () => "/v1/watchlist", group: "user" },
  { method: "POST", path: () => "/v1/watchlist", group: "user", writes: ["watchlist_items", "outbox"] },
  {
    method: "DELETE",
    path: () => "/v1/watchlist/AAPL",
    group: "user",
    writes: ["watchlist_items", "outbox"],
  },
  { method: "POST", path: () => "/v1/link-codes", group: "user", writes: ["link_codes"] },
  {
    method: "POST",
    path: () => "/v1/link-codes/redeem",
    group: "user",
    writes: ["platform_identities", "users", "alerts", "watchlist_items", "outbox"],
  },
  { method: "GET", path: () => "/v1/deliveries/undeliverable", group: "user" },
  { method: "POST", path: () => "/v1/deliveries/undeliverable/ack", group: "user", writes: ["deliveries"] },
  { method: "POST", path: () => "/v1/users/resolve", group: "bot", writes: ["users", "platform_identities"] },
  { method: "GET", path: () => `/v1/deliveries/${alertId}:0`, group: "bot" },
  { method: "PUT", path: () => `/v1/deliveries/${alertId}:0`, group: "bot", writes: ["deliveries"] },
  { method: "POST", path: () => "/v1/deliveries/lookup", group: "bot" },
  { method: "PUT", path: () => "/v1/deliveries", group: "bot", writes: ["deliveries"] },
  { method: "GET", path: () => "/v1/internal/alerts", group: "internal" },
  { method: "GET", path: () => "/v1/internal/demand", group: "internal" },
];
// POST /v1/link-codes takes no body: whatever is sent, it makes a code.
const BODY_ROUTES = ROUTES.filter(
  (r) => ["POST", "PATCH", "PUT"].includes(r.method) && r.path() !== "/v1/link-codes",
);
const TABLES = [
  "users",
  "platform_identities",
  "alerts",
  "alert_triggers",
  "outbox",
  "watchlist_items",
  "link_codes",
  "deliveries",
];

async function tableCounts(): Promise<Record<string, number>> {
  const [row] = await sql(
    h.db.url,
    `select ${TABLES.map((t) => `(select count(*)::int from ${t}) as ${t}`).join(", ")}`,
  );
  return row;
}

async function alertRow() {
  const [row] = await sql(h.db.url, "select status, note, version from alerts where id = $1", [alertId]);
  return row;
}

function authFor(group: Group): { token: keyof typeof TOKENS; as?: string } {
  if (group === "internal") return { token: "internal" };
  return group === "user" ? { token: "telegram", as: ACTOR } : { token: "telegram" };
}

/** Throws (failing the property with the request shown) unless the answer is a success or a proper 4xx. */
function expectProperAnswer(res: Answer, request: string): void {
  const where = `${request} -> ${res.status} ${res.text.slice(0, 300)}`;
  if (res.status >= 500) throw new Error(`server error: ${where}`);
  if (res.status < 400) return;
  const error = res.body?.error;
  const shaped =
    res.body !== null &&
    typeof res.body === "object" &&
    Object.keys(res.body).join() === "error" &&
    typeof error === "object" &&
    typeof error.code === "string" &&
    /^[a-z_]+$/.test(error.code) &&
    typeof error.message === "string" &&
    error.message.trim().length > 0 &&
    Object.keys(error).every((k) => ["code", "message", "details"].includes(k));
  if (!shaped) throw new Error(`refusal without the error body: ${where}`);
}

// Keys that would poison a naive merge, and the service's real field names, so mutations go deep.
const KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "symbol",
  "symbols",
  "condition",
  "kind",
  "direction",
  "target",
  "percent",
  "basis",
  "offset",
  "unit",
  "value",
  "market",
  "last",
  "previousClose",
  "origin",
  "platform",
  "chatId",
  "note",
  "repeat",
  "cooldownSeconds",
  "expiresAt",
  "regularHoursOnly",
  "status",
  "code",
  "platformUserId",
  "displayName",
  "triggerId",
  "triggerIds",
  "alertId",
  "price",
  "firedAt",
  "updates",
  "extreme",
  "generation",
  "reason",
];

/** JSON text, built by hand so keys like __proto__ reach the server as own keys. */
const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string; object: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? "null"),
    fc.constantFrom("1e400", "-0", "1e-400", "9007199254740993", '""', '"\\u0000"', '"\\ud800"', "[]", "{}"),
    tie("object"),
    fc.array(tie("value"), { maxLength: 4 }).map((items) => `[${items.join(",")}]`),
  ),
  object: fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 6 })), tie("value")), {
      maxLength: 6,
    })
    .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`),
})).value;

/** A valid body for the route with one field replaced by something of another type, or a poison key added. */
function mutated(valid: Record<string, unknown>): fc.Arbitrary<string> {
  return fc.tuple(fc.constantFrom(...Object.keys(valid), ...KEYS), jsonText).map(([key, value]) => {
    const rest = Object.entries(valid).filter(([k]) => k !== key);
    return `{${[...rest.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`), `${JSON.stringify(key)}:${value}`].join(",")}}`;
  });
}

const VALID_BODIES: Record<string, Record<string, unknown>> = {
  "/v1/alerts": priceAlert(),
  "/v1/watchlist": { symbols: ["MSFT"] },
  "/v1/link-codes/redeem": { code: "ABCDEFGH" },
  "/v1/users/resolve": { platformUserId: "someone" },
  "/v1/deliveries/undeliverable/ack": { triggerIds: [] },
};

const garbageText = fc.oneof(
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.constantFrom("{", "[", '{"a":', "null", "true", "\u0000", "{}}", "[[[[", '{"__proto__":'),
);

const bodyText = fc.oneof(
  { weight: 4, arbitrary: jsonText },
  { weight: 4, arbitrary: fc.constant(null).chain(() => mutated(VALID_BODIES["/v1/alerts"]!)) },
  { weight: 1, arbitrary: garbageText },
);
const contentType = fc.constantFrom(
  "application/json",
  "application/json",
  "application/json; charset=utf-8",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "",
);

/** Runs a property; tables that no accepted request may write to must have as many rows after as before. */
async function withUnchangedTables(run: (written: Set<string>) => Promise<void>): Promise<void> {
  const before = await tableCounts();
  const alertBefore = await alertRow();
  const written = new Set<string>();
  await run(written);
  const after = await tableCounts();
  for (const table of TABLES) {
    if (!written.has(table)) expect(after[table], `${table} changed by refused requests`).toBe(before[table]);
  }
  if (!written.has("alerts")) expect(await alertRow()).toEqual(alertBefore);
  // No request may have reached Object.prototype through a __proto__ key.
  expect(Object.keys(Object.prototype)).toEqual([]);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

function noteWrites(written: Set<string>, route: Route, status: number) {
  if (status < 300) for (const table of route.writes ?? []) written.add(table);
}

describe("the alert service under fuzzing", () => {
  it(`answers arbitrary bodies on every body route with a 2xx or a proper 4xx (${RUNS} cases)`, {
    timeout: FUZZ_TIMEOUT,
  }, async () => {
    await withUnchangedTables(async (written) => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...BODY_ROUTES),
          fc.oneof(
            { weight: 6, arbitrary: bodyText },
            {
              weight: 4,
              arbitrary: fc.constantFrom(...Object.values(VALID_BODIES)).chain((valid) => mutated(valid)),
            },
          ),
          contentType,
          async (route, rawBody, type) => {
            const path = route.path();
            const res = await h.api(route.method, path, {
              ...authFor(route.group),
              rawBody,
              headers: type ? { "content-type": type } : {},
            });
            expectProperAnswer(res, `${route.method} ${path} ${type} ${rawBody.slice(0, 200)}`);
            noteWrites(written, route, res.status);
          },
        ),
        { numRuns: RUNS },
      );
    });
  });

  it(`answers arbitrary path parameters and unknown paths with a proper 4xx (${RUNS} cases)`, {
    timeout: FUZZ_TIMEOUT,
  }, async () => {
    const segment = fc.oneof(
      fc.string({ unit: "binary", maxLength: 80 }).map(encodeURIComponent),
      fc.constantFrom("%", "%zz", "%E0%A4%A", "%00", "..", "../..", "%2e%2e", "%2F", "undeliverable", "ack"),
      fc.uuid().map((u) => `${u}:${"9".repeat(20)}`),
      fc.uuid(),
      fc.stringMatching(/^[A-Za-z0-9.:%\-_~]{0,40}$/),
    );
    const template = fc.constantFrom(
      "/v1/alerts/:p",
      "/v1/watchlist/:p",
      "/v1/deliveries/:p",
      "/v1/link-codes/:p",
      "/v1/internal/:p",
      "/v1/users/:p",
      "/v1/:p",
      "/v1/alerts/:p/:p",
      "/:p",
    );
    const method = fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS");
    await withUnchangedTables(async () => {
      await fc.assert(
        fc.asyncProperty(
          template,
          segment,
          method,
          fc.constantFrom<Group>("user", "bot", "internal"),
          async (t, p, m, group) => {
            const path = t.replaceAll(":p", p);
            let res: Answer;
            try {
              res = await h.api(m, path, { ...authFor(group), body: {} });
            } catch (error) {
              // The request could not even be built (an invalid URL is the client's problem, not the server's).
              if (error instanceof TypeError) return;
              throw error;
            }
            expectProperAnswer(res, `${m} ${path}`);
            if (res.status < 300 && m !== "GET") throw new Error(`a fuzzed path was accepted: ${m} ${path}`);
          },
        ),
        { numRuns: RUNS },
      );
    });
  });

  it(`answers arbitrary query strings with a 2xx or a proper 4xx (${RUNS} cases)`, {
    timeout: FUZZ_TIMEOUT,
  }, async () => {
    const key = fc.oneof(
      fc.constantFrom(
        "status",
        "symbol",
        "after",
        "limit",
        "cursor",
        "__proto__",
        "constructor",
        "status[]",
        "limit[0]",
      ),
      fc.string({ maxLength: 8 }),
    );
    const value = fc.oneof(
      fc.constantFrom(
        "active",
        "paused",
        "open",
        "AAPL",
        "0",
        "-1",
        "1e3",
        "500",
        "501",
        "5000",
        "NaN",
        "",
        alertId ?? "x",
        // A cursor as the service hands them out: base64url of JSON.
        Buffer.from(JSON.stringify({ t: 0, i: alertId ?? "x" })).toString("base64url"),
      ),
      fc.string({ unit: "binary", maxLength: 40 }),
      fc.uuid(),
    );
    const query = fc
      .array(fc.tuple(key, value), { maxLength: 5 })
      .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&"));
    const rawQuery = fc.stringMatching(/^[A-Za-z0-9=&%.\-_[\]]{0,40}$/);
    const routes = ROUTES.filter((r) => r.method === "GET");
    await withUnchangedTables(async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...routes), fc.oneof(query, rawQuery), async (route, q) => {
          const path = `${route.path()}?${q}`;
          const res = await h.api("GET", path, authFor(route.group));
          expectProperAnswer(res, `GET ${path}`);
        }),
        { numRuns: RUNS },
      );
    });
  });

  it(`answers arbitrary headers (tokens, acting user, content type) with a 2xx or a proper 4xx (${RUNS} cases)`, {
    timeout: FUZZ_TIMEOUT,
  }, async () => {
    // Header values a client can send: Latin-1 without CR, LF or NUL.
    const headerValue = fc.oneof(
      fc.string({
        unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)),
        maxLength: 80,
      }),
      fc.constantFrom(...Object.values(TOKENS)).map((t) => `Bearer ${t}`),
      fc
        .constantFrom(...Object.values(TOKENS))
        .chain((t) =>
          fc.constantFrom(
            `Bearer  ${t}`,
            `bearer ${t}`,
            `Bearer ${t} `,
            `Bearer ${t}x`,
            `Basic ${t}`,
            t,
            `Bearer ${t.slice(1)}`,
          ),
        ),
      fc.constantFrom("", " ", "Bearer", "Bearer ", "x".repeat(8192)),
    );
    const actingUser = fc.oneof(fc.constant(ACTOR), headerValue);
    const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
    await withUnchangedTables(async (written) => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...ROUTES.filter((r) => r.path() !== "/v1/users/resolve")),
          maybe(headerValue),
          maybe(actingUser),
          maybe(headerValue),
          async (route, authorization, as, type) => {
            const headers: Record<string, string> = {};
            if (authorization !== undefined) headers.authorization = authorization;
            if (as !== undefined) headers["x-platform-user-id"] = as;
            if (type !== undefined) headers["content-type"] = type;
            // A body that would be refused anyway: only the headers are under test.
            const rawBody = route.method === "GET" || route.method === "DELETE" ? undefined : '{"nothing":1}';
            const path = route.path();
            const res = await h.api(route.method, path, {
              token: null,
              headers,
              ...(rawBody ? { rawBody } : {}),
            });
            expectProperAnswer(res, `${route.method} ${path} ${JSON.stringify(headers).slice(0, 300)}`);
            noteWrites(written, route, res.status);
          },
        ),
        { numRuns: RUNS },
      );
      // Valid acting users are registered on first contact, before their request is refused or served.
      written.add("users");
      written.add("platform_identities");
    });
  });

  it("answers huge and deeply nested bodies with a proper 4xx", async () => {
    const deep = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
    const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`;
    const cases: [string, string][] = [
      ["100,000 nested arrays", `{"symbol":${deep(100_000)}}`],
      ["100,000 nested objects in a known field", `{"condition":${deepObject(100_000)}}`],
      ["10,000 nested objects under __proto__", `{"__proto__":${deepObject(10_000)}}`],
      ["an 8 MiB note", JSON.stringify(priceAlert({ note: "n".repeat(8 * 1024 * 1024) }))],
      ["a million symbols", JSON.stringify({ symbols: Array.from({ length: 1_000_000 }, () => "AAPL") })],
      ["a 2 MiB key", `{${JSON.stringify("k".repeat(2 * 1024 * 1024))}:1}`],
    ];
    const before = await tableCounts();
    for (const [name, rawBody] of cases) {
      for (const route of BODY_ROUTES) {
        const res = await h.api(route.method, route.path(), { ...authFor(route.group), rawBody });
        expectProperAnswer(res, `${name} on ${route.method} ${route.path()}`);
        expect(res.status, `${name} on ${route.method} ${route.path()}`).toBeGreaterThanOrEqual(400);
      }
    }
    expect(await tableCounts()).toEqual(before);
  });

  it("refuses a body over 1 MiB with 413 before reading it all, whether or not it declares its length", async () => {
    const big = JSON.stringify(priceAlert({ note: "n".repeat(MAX_BODY_BYTES) }));
    const declared = await h.api("POST", "/v1/alerts", {
      as: ACTOR,
      rawBody: big,
      headers: { "content-length": String(big.length) },
    });
    expect(declared.status).toBe(413);
    expect(declared.body.error.code).toBe("payload_too_large");
    const streamed = await h.service.app.request("/v1/alerts", {
      method: "POST",
      headers: {
        authorization: `Bearer ${TOKENS.telegram}`,
        "x-platform-user-id": ACTOR,
        "content-type": "application/json",
      },
      body: new Blob([big]).stream(),
      duplex: "half",
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
    // Just under the limit is read and judged on its content.
    const fits = await h.api("POST", "/v1/alerts", {
      as: ACTOR,
      rawBody: JSON.stringify(priceAlert({ note: "n".repeat(1000) })),
    });
    expect(fits.status).toBe(400);
    expect(fits.body.error.code).toBe("validation_failed");
  });

  it("carries no U+0000, lone surrogate or bidi control in any string field to PostgreSQL", async () => {
    // A valid body for every body route with every string field filled; each string in turn gets each poison at
    // its start, middle and end. PostgreSQL cannot store the first two (they used to answer 500); the display
    // name is the platform's text and is cleaned, every other field refuses them with a 400.
    const triggerId = `${alertId}:0`;
    const bodies: { method: string; path: string; group: Group; body: unknown }[] = [
      { method: "POST", path: "/v1/alerts", group: "user", body: priceAlert({ note: "buy the dip" }) },
      { method: "PATCH", path: `/v1/alerts/${alertId}`, group: "user", body: { note: "buy the dip" } },
      { method: "POST", path: "/v1/watchlist", group: "user", body: { symbols: ["MSFT"] } },
      { method: "POST", path: "/v1/link-codes/redeem", group: "user", body: { code: "ABCDEFGH" } },
      {
        method: "POST",
        path: "/v1/deliveries/undeliverable/ack",
        group: "user",
        body: { triggerIds: [triggerId] },
      },
      {
        method: "POST",
        path: "/v1/users/resolve",
        group: "bot",
        body: { platformUserId: "poisoned", displayName: "Ann Smith" },
      },
      { method: "POST", path: "/v1/deliveries/lookup", group: "bot", body: { triggerIds: [triggerId] } },
      {
        method: "PUT",
        path: `/v1/deliveries/${triggerId}`,
        group: "bot",
        body: { alertId, status: "undeliverable", reason: "chat_not_found" },
      },
      {
        method: "PUT",
        path: "/v1/deliveries",
        group: "bot",
        body: { records: [{ triggerId, alertId, status: "undeliverable", reason: "chat_not_found" }] },
      },
    ];
    /** Every string leaf of `value`, as a path and a way to rebuild the value with that leaf replaced. */
    function leaves(value: unknown, path: string[] = []): { path: string; with(s: string): unknown }[] {
      if (typeof value === "string") return [{ path: path.join("."), with: (s) => s }];
      if (value === null || typeof value !== "object") return [];
      return Object.entries(value).flatMap(([key, child]) =>
        leaves(child, [...path, key]).map((leaf) => ({
          path: leaf.path,
          with: (s: string) =>
            Array.isArray(value)
              ? value.map((item, i) => (String(i) === key ? leaf.with(s) : item))
              : { ...value, [key]: leaf.with(s) },
        })),
      );
    }
    const poisons = ["\u0000", "\ud800", "\udfff", "\u202e", "\u2028"];
    let checked = 0;
    for (const { method, path, group, body } of bodies) {
      for (const leaf of leaves(body)) {
        const original = String(getAt(body, leaf.path));
        for (const poison of poisons) {
          const middle = Math.floor(original.length / 2);
          for (const value of [
            poison + original,
            original.slice(0, middle) + poison + original.slice(middle),
            original + poison,
          ]) {
            const sent = leaf.with(value);
            const request = `${method} ${path} ${leaf.path}=${JSON.stringify(value)}`;
            const res = await h.api(method, path, { ...authFor(group), body: sent });
            expectProperAnswer(res, request);
            if (leaf.path === "displayName") expect(res.status, request).toBeLessThan(300);
            else {
              expect(res.status, `${request} -> ${res.text}`).toBe(400);
              expect(res.body.error.code, request).toBe("validation_failed");
            }
            checked += 1;
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
});

function getAt(value: unknown, path: string): unknown {
  return path.split(".").reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], value);
}
