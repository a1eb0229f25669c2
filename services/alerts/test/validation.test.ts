import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Answer, priceAlert, startPostgresHarness } from "./harness.ts";

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
let alertId: string;
beforeAll(async () => {
  h = await startPostgresHarness();
  alertId = (await h.api("POST", "/v1/alerts", { as: "validator", body: priceAlert() })).body.id;
});
afterAll(async () => {
  await h?.close();
});

const DAY = 24 * 3600 * 1000;

function expectValidation(res: Answer, path: string, message?: RegExp) {
  expect(res.status, res.text).toBe(400);
  expect(res.body.error.code).toBe("validation_failed");
  const issue = res.body.error.details.issues.find((i: { path: string }) => i.path === path);
  expect(issue, JSON.stringify(res.body.error.details.issues)).toBeDefined();
  if (message) expect(`${issue.message} ${res.body.error.message}`).toMatch(message);
}

const condition = (c: Record<string, unknown>) => priceAlert({ condition: c });

describe("create-alert bodies", () => {
  it.each([
    ["symbol with punctuation", priceAlert({ symbol: "AAPL;DROP" }), "symbol", /ticker/],
    ["symbol starting with a digit", priceAlert({ symbol: "1ABC" }), "symbol", /ticker/],
    ["symbol too long", priceAlert({ symbol: "ABCDEFGHIJK" }), "symbol", /ticker/],
    [
      "negative price",
      condition({ kind: "price", direction: "above", target: -1 }),
      "condition.target",
      /greater than 0/,
    ],
    [
      "zero price",
      condition({ kind: "price", direction: "above", target: 0 }),
      "condition.target",
      /greater than 0/,
    ],
    [
      "price above the cap",
      condition({ kind: "price", direction: "above", target: 2_000_000 }),
      "condition.target",
      /at most/,
    ],
    [
      "price as a string",
      condition({ kind: "price", direction: "above", target: "200" }),
      "condition.target",
      undefined,
    ],
    [
      "unknown direction",
      condition({ kind: "price", direction: "sideways", target: 200 }),
      "condition.direction",
      undefined,
    ],
    ["unknown kind", condition({ kind: "vibes", direction: "up" }), "condition.kind", undefined],
    [
      "zero percent",
      condition({ kind: "percent", direction: "up", percent: 0 }),
      "condition.percent",
      /greater than 0/,
    ],
    [
      "percent above 1000",
      condition({ kind: "percent", direction: "up", percent: 1001 }),
      "condition.percent",
      /at most 1000/,
    ],
    [
      "a fall of 100%",
      condition({ kind: "percent", direction: "down", percent: 100 }),
      "condition.percent",
      /less than 100%/,
    ],
    [
      "unknown percent basis",
      condition({ kind: "percent", direction: "up", percent: 5, basis: "open" }),
      "condition.basis",
      undefined,
    ],
    [
      "trailing 100%",
      condition({ kind: "trailing", direction: "down", offset: { unit: "percent", value: 100 } }),
      "condition.offset.value",
      /below 100/,
    ],
    [
      "trailing 0%",
      condition({ kind: "trailing", direction: "down", offset: { unit: "percent", value: 0 } }),
      "condition.offset.value",
      /greater than 0/,
    ],
    [
      "trailing negative dollars",
      condition({ kind: "trailing", direction: "up", offset: { unit: "amount", value: -5 } }),
      "condition.offset.value",
      /greater than 0/,
    ],
    [
      "trailing unknown unit",
      condition({ kind: "trailing", direction: "down", offset: { unit: "bananas", value: 1 } }),
      "condition.offset.unit",
      undefined,
    ],
    ["note too long", priceAlert({ note: "x".repeat(201) }), "note", /at most 200/],
    [
      "note with a line break",
      priceAlert({ note: "line\nbreak" }),
      "note",
      /U\+000A \(LINE FEED\) at position 5/,
    ],
    ["empty note", priceAlert({ note: "   " }), "note", /must not be empty/],
    // Found by fuzzing: PostgreSQL cannot store a lone surrogate, which used to answer 500.
    ["note with a lone surrogate", priceAlert({ note: "\ud800" }), "note", /valid Unicode/],
    [
      "chat id with a lone surrogate",
      priceAlert({ origin: { platform: "telegram", chatId: "\udfff" } }),
      "origin.chatId",
      /valid Unicode/,
    ],
    [
      "cooldown too short",
      priceAlert({ repeat: { cooldownSeconds: 5 } }),
      "repeat.cooldownSeconds",
      /at least 60/,
    ],
    [
      "cooldown fractional",
      priceAlert({ repeat: { cooldownSeconds: 90.5 } }),
      "repeat.cooldownSeconds",
      /whole number/,
    ],
    ["expiry not a date", priceAlert({ expiresAt: "next tuesday" }), "expiresAt", undefined],
    ["unknown top-level field", priceAlert({ admin: true }), "", /unknown field\(s\) admin/],
    [
      "unknown condition field",
      condition({ kind: "price", direction: "above", target: 200, hack: 1 }),
      "condition",
      /hack/,
    ],
    [
      "unknown origin field",
      priceAlert({ origin: { platform: "telegram", chatId: "1", userId: "x" } }),
      "origin",
      /userId/,
    ],
    ["missing market", { ...priceAlert(), market: undefined }, "market", /market: is required/],
    ["market price non-positive", priceAlert({ market: { last: 0 } }), "market.last", /greater than 0/],
    [
      "empty chat id",
      priceAlert({ origin: { platform: "telegram", chatId: "" } }),
      "origin.chatId",
      undefined,
    ],
    [
      "regularHoursOnly not a boolean",
      priceAlert({ regularHoursOnly: "yes" }),
      "regularHoursOnly",
      undefined,
    ],
  ])("refuses %s", async (_name, body, path, message) => {
    expectValidation(await h.api("POST", "/v1/alerts", { as: "validator", body }), path, message);
  });

  it("refuses a non-finite price (1e400 parses to Infinity)", async () => {
    const res = await h.api("POST", "/v1/alerts", {
      as: "validator",
      rawBody: JSON.stringify(priceAlert()).replace('"target":200', '"target":1e400'),
    });
    expectValidation(res, "condition.target");
  });

  it("lists several problems in one answer", async () => {
    const res = await h.api("POST", "/v1/alerts", {
      as: "validator",
      body: priceAlert({
        symbol: "!",
        note: "x".repeat(300),
        condition: { kind: "price", direction: "above", target: -3 },
      }),
    });
    expect(res.status).toBe(400);
    const paths = res.body.error.details.issues.map((i: { path: string }) => i.path).sort();
    expect(paths).toEqual(["condition.target", "note", "symbol"]);
  });

  it.each([
    ["in the past", -DAY, "expiresAt must be in the future"],
    ["more than 366 days ahead", 367 * DAY, "within 366 days"],
  ])("refuses an expiry %s", async (_name, offset, message) => {
    const expiresAt = new Date(h.clock.now().getTime() + offset).toISOString();
    const res = await h.api("POST", "/v1/alerts", { as: "validator", body: priceAlert({ expiresAt }) });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "invalid_expiry" });
    expect(res.body.error.message).toContain(message);
  });
});

describe("transport and other bodies", () => {
  it("answers malformed JSON with 400, never 500", async () => {
    const res = await h.api("POST", "/v1/alerts", { as: "validator", rawBody: '{"symbol": "AAPL",' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("malformed_json");
  });

  it("refuses a body that is not JSON", async () => {
    const res = await h.api("POST", "/v1/alerts", {
      as: "validator",
      rawBody: "symbol=AAPL",
      headers: { "content-type": "text/plain" },
    });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe("unsupported_media_type");
  });

  it("refuses a missing body", async () => {
    const res = await h.api("POST", "/v1/alerts", { as: "validator" });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_failed");
    expect(res.body.error.message).toContain("symbol: is required");
  });

  it.each([
    ["an empty update", {}, "", /nothing to update/],
    ["an unknown field", { symbol: "MSFT" }, "", /unknown field\(s\) symbol/],
    ["status cancelled (use DELETE)", { status: "cancelled" }, "status", undefined],
    ["a long note", { note: "y".repeat(201) }, "note", /at most 200/],
    ["a short cooldown", { repeat: { cooldownSeconds: 1 } }, "repeat.cooldownSeconds", /at least 60/],
  ])("PATCH refuses %s", async (_name, body, path, message) => {
    expectValidation(await h.api("PATCH", `/v1/alerts/${alertId}`, { as: "validator", body }), path, message);
  });

  it.each([
    ["/v1/alerts?status=done", "status"],
    ["/v1/alerts?symbol=a;b", "symbol"],
    ["/v1/alerts?limit=0", "limit"],
    ["/v1/alerts?limit=501", "limit"],
    ["/v1/alerts?limit=some", "limit"],
    ["/v1/alerts?owner=someone", ""],
  ])("list refuses %s", async (url, path) => {
    expectValidation(await h.api("GET", url, { as: "validator" }), path);
  });

  it("refuses an alert id that is not a UUID", async () => {
    expectValidation(await h.api("GET", "/v1/alerts/42", { as: "validator" }), "id");
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["with spaces", "a b"],
    ["too long", "9".repeat(65)],
  ])("bot routes refuse a %s X-Platform-User-Id", async (_name, as) => {
    const res = await h.api("GET", "/v1/alerts", as === undefined ? {} : { as });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("invalid_platform_user");
  });

  it.each([
    ["bad symbol", { symbols: ["GOOD", "b@d"] }, "symbols.1"],
    ["empty list", { symbols: [] }, "symbols"],
    ["too many at once", { symbols: Array.from({ length: 21 }, (_, i) => `S${i}`) }, "symbols"],
    ["unknown field", { symbols: ["AAPL"], list: "main" }, ""],
  ])("watchlist refuses %s", async (_name, body, path) => {
    expectValidation(await h.api("POST", "/v1/watchlist", { as: "validator", body }), path);
  });

  it("watchlist delete refuses a bad symbol", async () => {
    expectValidation(await h.api("DELETE", "/v1/watchlist/b@d", { as: "validator" }), "symbol");
  });

  it.each([
    ["empty platformUserId", { platformUserId: "" }, "platformUserId"],
    ["odd characters", { platformUserId: "<script>" }, "platformUserId"],
    ["long display name", { platformUserId: "1", displayName: "n".repeat(101) }, "displayName"],
    ["unknown field", { platformUserId: "1", platform: "discord" }, ""],
  ])("resolve refuses %s", async (_name, body, path) => {
    expectValidation(await h.api("POST", "/v1/users/resolve", { body }), path);
  });

  it.each([
    ["too short", { code: "ABC" }],
    ["punctuation", { code: "ABCD-123" }],
  ])("redeem refuses a code %s", async (_name, body) => {
    expectValidation(await h.api("POST", "/v1/link-codes/redeem", { as: "validator", body }), "code");
  });

  it.each([
    ["partitions without partitionCount", "?partitions=0,1", "partitionCount"],
    ["a partition beyond partitionCount", "?partitions=6&partitionCount=6", "partitions"],
    ["malformed partitions", "?partitions=a&partitionCount=6", "partitions"],
    ["malformed runtimeOffsets", "?runtimeOffsets=0-12", "runtimeOffsets"],
  ])("the matcher's snapshot refuses %s", async (_name, query, path) => {
    expectValidation(await h.api("GET", `/v1/internal/alerts${query}`, { token: "internal" }), path);
  });

  it.each([
    ["/v1/internal/alerts?limit=0", "limit"],
    ["/v1/internal/alerts?limit=5000", "limit"],
    ["/v1/internal/alerts?after=xyz", "after"],
    ["/v1/internal/alerts?status=everything", "status"],
  ])("internal paging refuses %s", async (url, path) => {
    expectValidation(await h.api("GET", url, { token: "internal" }), path);
  });

  it("answered every refusal above without a server error", async () => {
    const metrics = await h.api("GET", "/metrics", { token: null });
    expect(metrics.text).toContain('status="400"');
    expect(metrics.text).not.toMatch(/status="5\d\d"/);
  });
});
