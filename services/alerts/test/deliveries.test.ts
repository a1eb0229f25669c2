import { randomUUID } from "node:crypto";
import {
  AcknowledgeUndeliverableResponseSchema,
  DeliveryRecordSchema,
  DeliveryStateResponseSchema,
  LookupDeliveriesResponseSchema,
  MAX_DELIVERY_BATCH,
  RecordDeliveriesResponseSchema,
  UndeliverableListSchema,
} from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Answer,
  type CallOptions,
  origin,
  priceAlert,
  sql,
  startPostgresHarness,
  TOKENS,
} from "./harness.ts";

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
/** Every answer of this suite, searched for tokens at the end. */
const answers: Answer[] = [];
async function api(method: string, path: string, options: CallOptions = {}): Promise<Answer> {
  const res = await h.api(method, path, options);
  answers.push(res);
  return res;
}

let telegramAlert: string;
let telegramUser: string;
let discordAlert: string;
let generation = 0;
/** A fresh triggerId of `alertId` for each test, so tests do not share records. */
const nextTrigger = (alertId: string) => `${alertId}:${generation++}`;

async function createAlert(token: "telegram" | "discord", as: string, symbol: string) {
  const res = await api("POST", "/v1/alerts", {
    token,
    as,
    body: priceAlert({ symbol, origin: origin(token, `dm-${as}`) }),
  });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; userId: string };
}

beforeAll(async () => {
  h = await startPostgresHarness();
  const tg = await createAlert("telegram", "alice", "AAPL");
  telegramAlert = tg.id;
  telegramUser = tg.userId;
  discordAlert = (await createAlert("discord", "777", "TSLA")).id;
});
afterAll(async () => {
  await h?.close();
});

const put = (triggerId: string, body: unknown, token: "telegram" | "discord" | "console" = "telegram") =>
  api("PUT", `/v1/deliveries/${triggerId}`, { token, body });
const stateOf = (triggerId: string, token: "telegram" | "discord" | "console" = "telegram") =>
  api("GET", `/v1/deliveries/${triggerId}`, { token });

describe("GET /v1/deliveries/{triggerId}", () => {
  it("answers new for a triggerId never recorded", async () => {
    const triggerId = nextTrigger(telegramAlert);
    const res = await stateOf(triggerId);
    expect(res.status).toBe(200);
    expect(DeliveryStateResponseSchema.parse(res.body)).toEqual({ triggerId, state: "new" });
  });

  it("answers new (not 404) for a triggerId of an alert that does not exist", async () => {
    const res = await stateOf(`${randomUUID()}:0`);
    expect(res.status).toBe(200);
    expect(res.body.state).toBe("new");
  });
});

describe("PUT /v1/deliveries/{triggerId}", () => {
  it("records sent (201), then answers sent, and a repeat changes nothing (200)", async () => {
    const triggerId = nextTrigger(telegramAlert);
    const first = await put(triggerId, { alertId: telegramAlert, status: "sent" });
    expect(first.status, first.text).toBe(201);
    const record = DeliveryRecordSchema.parse(first.body);
    expect(record).toMatchObject({
      triggerId,
      alertId: telegramAlert,
      platform: "telegram",
      status: "sent",
      reason: null,
    });

    expect((await stateOf(triggerId)).body).toEqual({ triggerId, state: "sent" });

    h.clock.advance(5000);
    const again = await put(triggerId, { alertId: telegramAlert, status: "sent" });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(record);

    const rows = await sql(h.db.url, "select * from deliveries where trigger_id = $1", [triggerId]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      user_id: telegramUser,
      platform: "telegram",
      status: "sent",
      acknowledged_at: null,
    });
  });

  it("keeps the first record when undeliverable comes after sent", async () => {
    const triggerId = nextTrigger(telegramAlert);
    expect((await put(triggerId, { alertId: telegramAlert, status: "sent" })).status).toBe(201);
    const later = await put(triggerId, {
      alertId: telegramAlert,
      status: "undeliverable",
      reason: "blocked_by_user",
    });
    expect(later.status).toBe(200);
    expect(later.body).toMatchObject({ status: "sent", reason: null });
    expect((await stateOf(triggerId)).body.state).toBe("sent");
  });

  it("keeps the first record when sent comes after undeliverable", async () => {
    const triggerId = nextTrigger(telegramAlert);
    const first = await put(triggerId, {
      alertId: telegramAlert,
      status: "undeliverable",
      reason: "blocked_by_user",
    });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: "undeliverable", reason: "blocked_by_user" });
    const later = await put(triggerId, { alertId: telegramAlert, status: "sent" });
    expect(later.status).toBe(200);
    expect(later.body).toEqual(first.body);
    expect((await stateOf(triggerId)).body.state).toBe("undeliverable");
  });

  it("lets exactly one of many concurrent first writes through", async () => {
    const triggerId = nextTrigger(telegramAlert);
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        put(
          triggerId,
          i % 2 === 0
            ? { alertId: telegramAlert, status: "sent" }
            : { alertId: telegramAlert, status: "undeliverable", reason: "chat_not_found" },
        ),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(7);
    const winner = results.find((r) => r.status === 201)!.body;
    for (const r of results) expect(r.body).toEqual(winner);
    const rows = await sql(h.db.url, "select count(*)::int as n from deliveries where trigger_id = $1", [
      triggerId,
    ]);
    expect(rows[0].n).toBe(1);
  });

  it("refuses an alert that does not exist with 404 and writes nothing", async () => {
    const ghost = randomUUID();
    const res = await put(`${ghost}:0`, { alertId: ghost, status: "sent" });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("alert_not_found");
    expect(await sql(h.db.url, "select * from deliveries where alert_id = $1", [ghost])).toEqual([]);
  });

  it("refuses a triggerId that does not start with the alertId", async () => {
    const res = await put(`${discordAlert}:0`, { alertId: telegramAlert, status: "sent" });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("trigger_alert_mismatch");
    expect(
      await sql(h.db.url, "select * from deliveries where trigger_id = $1", [`${discordAlert}:0`]),
    ).toEqual([]);
  });
});

function expectValidation(res: Answer, path: string, message?: RegExp) {
  expect(res.status, res.text).toBe(400);
  expect(res.body.error.code).toBe("validation_failed");
  const issue = res.body.error.details.issues.find((i: { path: string }) => i.path === path);
  expect(issue, JSON.stringify(res.body.error.details.issues)).toBeDefined();
  if (message) expect(`${issue.message} ${res.body.error.message}`).toMatch(message);
}
const lookup = (triggerIds: unknown, token: "telegram" | "discord" | "console" = "telegram") =>
  api("POST", "/v1/deliveries/lookup", { token, body: { triggerIds } });
const putMany = (records: unknown, token: "telegram" | "discord" | "console" = "telegram") =>
  api("PUT", "/v1/deliveries", { token, body: { records } });
const sentRecord = (triggerId: string) => ({ triggerId, alertId: triggerId.split(":")[0], status: "sent" });

describe("POST /v1/deliveries/lookup", () => {
  it("answers every triggerId asked, new when never recorded (or the alert does not exist)", async () => {
    const sent = nextTrigger(telegramAlert);
    const blocked = nextTrigger(telegramAlert);
    const fresh = nextTrigger(telegramAlert);
    const ghost = `${randomUUID()}:0`;
    await put(sent, { alertId: telegramAlert, status: "sent" });
    await put(blocked, { alertId: telegramAlert, status: "undeliverable", reason: "blocked_by_user" });
    const res = await lookup([sent, blocked, fresh, ghost, sent]);
    expect(res.status, res.text).toBe(200);
    expect(LookupDeliveriesResponseSchema.parse(res.body)).toEqual({
      states: { [sent]: "sent", [blocked]: "undeliverable", [fresh]: "new", [ghost]: "new" },
    });
  });

  it("shows each bot only its own platform's records", async () => {
    const triggerId = nextTrigger(telegramAlert);
    await put(triggerId, { alertId: telegramAlert, status: "sent" });
    expect((await lookup([triggerId], "discord")).body).toEqual({ states: { [triggerId]: "new" } });
    expect((await lookup([triggerId], "console")).body).toEqual({ states: { [triggerId]: "new" } });
    expect((await lookup([triggerId], "telegram")).body).toEqual({ states: { [triggerId]: "sent" } });
  });

  it.each<[string, unknown, string]>([
    ["an empty list", [], "triggerIds"],
    ["a malformed triggerId", ["nope"], "triggerIds.0"],
    ["not a list", "x", "triggerIds"],
    [
      "too many",
      Array.from({ length: MAX_DELIVERY_BATCH + 1 }, (_, i) => `${telegramUser}:${i}`),
      "triggerIds",
    ],
  ])("refuses %s with 400", async (_name, triggerIds, path) => {
    expectValidation(await lookup(triggerIds), path);
  });
});

describe("PUT /v1/deliveries (a batch of outcomes)", () => {
  it("records a batch in one request and answers each record in order", async () => {
    const a = nextTrigger(telegramAlert);
    const b = nextTrigger(telegramAlert);
    const res = await putMany([
      sentRecord(a),
      { triggerId: b, alertId: telegramAlert, status: "undeliverable", reason: "blocked_by_user" },
    ]);
    expect(res.status, res.text).toBe(200);
    expect(RecordDeliveriesResponseSchema.parse(res.body)).toEqual({
      results: [
        { triggerId: a, result: "recorded", status: "sent" },
        { triggerId: b, result: "recorded", status: "undeliverable" },
      ],
    });
    const rows = await sql(
      h.db.url,
      "select trigger_id, user_id, platform, status, reason from deliveries where trigger_id = any($1) order by trigger_id",
      [[a, b]],
    );
    expect(rows).toEqual(
      [
        { trigger_id: a, user_id: telegramUser, platform: "telegram", status: "sent", reason: null },
        {
          trigger_id: b,
          user_id: telegramUser,
          platform: "telegram",
          status: "undeliverable",
          reason: "blocked_by_user",
        },
      ].sort((x, y) => x.trigger_id.localeCompare(y.trigger_id)),
    );
    expect((await lookup([a, b])).body.states).toEqual({ [a]: "sent", [b]: "undeliverable" });
  });

  it("lets the first write win: over a single PUT, over an earlier batch, and within one batch", async () => {
    const single = nextTrigger(telegramAlert);
    const batched = nextTrigger(telegramAlert);
    const twice = nextTrigger(telegramAlert);
    await put(single, { alertId: telegramAlert, status: "undeliverable", reason: "chat_not_found" });
    await putMany([sentRecord(batched)]);
    const res = await putMany([
      sentRecord(single),
      { triggerId: batched, alertId: telegramAlert, status: "undeliverable", reason: "blocked_by_user" },
      { triggerId: twice, alertId: telegramAlert, status: "undeliverable", reason: "blocked_by_user" },
      sentRecord(twice),
    ]);
    expect(res.status, res.text).toBe(200);
    expect(res.body.results).toEqual([
      { triggerId: single, result: "already_recorded", status: "undeliverable" },
      { triggerId: batched, result: "already_recorded", status: "sent" },
      { triggerId: twice, result: "recorded", status: "undeliverable" },
      { triggerId: twice, result: "already_recorded", status: "undeliverable" },
    ]);
    expect((await lookup([single, batched, twice])).body.states).toEqual({
      [single]: "undeliverable",
      [batched]: "sent",
      [twice]: "undeliverable",
    });
  });

  it("lets exactly one of many concurrent batches with the same triggerId through", async () => {
    const triggerId = nextTrigger(telegramAlert);
    const answers = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        putMany([
          i % 2 === 0
            ? sentRecord(triggerId)
            : { triggerId, alertId: telegramAlert, status: "undeliverable", reason: "chat_not_found" },
        ]),
      ),
    );
    const results = answers.map((a) => a.body.results[0]);
    expect(results.filter((r) => r.result === "recorded")).toHaveLength(1);
    const winner = results.find((r) => r.result === "recorded").status;
    expect(results.every((r) => r.status === winner)).toBe(true);
    const rows = await sql(h.db.url, "select count(*)::int as n from deliveries where trigger_id = $1", [
      triggerId,
    ]);
    expect(rows[0].n).toBe(1);
  });

  it("refuses the records of alerts that do not notify on the token's platform, and records the rest", async () => {
    const own = nextTrigger(telegramAlert);
    const foreign = nextTrigger(discordAlert);
    const ghostAlert = randomUUID();
    const res = await putMany([sentRecord(foreign), sentRecord(own), sentRecord(`${ghostAlert}:0`)]);
    expect(res.status, res.text).toBe(200);
    expect(res.body.results).toEqual([
      {
        triggerId: foreign,
        result: "refused",
        error: { code: "alert_not_found", message: `no alert ${discordAlert} notifying on telegram` },
      },
      { triggerId: own, result: "recorded", status: "sent" },
      {
        triggerId: `${ghostAlert}:0`,
        result: "refused",
        error: { code: "alert_not_found", message: `no alert ${ghostAlert} notifying on telegram` },
      },
    ]);
    expect(await sql(h.db.url, "select * from deliveries where trigger_id = $1", [foreign])).toEqual([]);
    // The Discord bot may record its own alert's notification: not one of the Telegram bot's.
    const discordOwn = nextTrigger((await createAlert("discord", "778", "AMD")).id);
    expect((await putMany([sentRecord(discordOwn)], "discord")).body.results).toEqual([
      { triggerId: discordOwn, result: "recorded", status: "sent" },
    ]);
  });

  it.each<[string, unknown, string, RegExp | undefined]>([
    ["no records", [], "records", /at least one/],
    ["not a list", { triggerId: "x" }, "records", undefined],
    [
      "undeliverable without a reason",
      [{ triggerId: "T", alertId: "A", status: "undeliverable" }],
      "records.0.reason",
      /needs a reason/,
    ],
    [
      "sent with a reason",
      [{ triggerId: "T", alertId: "A", status: "sent", reason: "x" }],
      "records.0.reason",
      /no reason/,
    ],
    [
      "a malformed triggerId",
      [{ triggerId: "nope", alertId: "A", status: "sent" }],
      "records.0.triggerId",
      undefined,
    ],
    [
      "a triggerId of another alert",
      [{ triggerId: `${randomUUID()}:1`, alertId: "A", status: "sent" }],
      "records.0.triggerId",
      /start with its alertId/,
    ],
    [
      "an unknown field",
      [{ triggerId: "T", alertId: "A", status: "sent", userId: "x" }],
      "records.0",
      /userId/,
    ],
  ])("refuses a batch with %s (400) and records none of it", async (_name, records, path, message) => {
    const good = nextTrigger(telegramAlert);
    const body =
      Array.isArray(records) && records.length > 0
        ? [
            sentRecord(good),
            ...records.map((r: Record<string, unknown>) => ({
              ...r,
              ...(r.alertId === "A" ? { alertId: telegramAlert } : {}),
              ...(r.triggerId === "T" ? { triggerId: nextTrigger(telegramAlert) } : {}),
            })),
          ]
        : records;
    const shifted =
      Array.isArray(records) && records.length > 0 ? path.replace(/^records\.0/, "records.1") : path;
    expectValidation(await putMany(body), shifted, message);
    expect((await lookup([good])).body.states[good]).toBe("new");
  });

  it("answers malformed JSON with 400 malformed_json", async () => {
    const res = await api("PUT", "/v1/deliveries", { rawBody: '{"records":[' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("malformed_json");
  });
});

describe("platform isolation", () => {
  it("does not show a Telegram record to the Discord bot", async () => {
    const triggerId = nextTrigger(telegramAlert);
    await put(triggerId, { alertId: telegramAlert, status: "sent" });
    expect((await stateOf(triggerId, "discord")).body).toEqual({ triggerId, state: "new" });
    expect((await stateOf(triggerId, "console")).body).toEqual({ triggerId, state: "new" });
    expect((await stateOf(triggerId, "telegram")).body.state).toBe("sent");
  });

  it("does not let a bot record a notification of an alert that notifies on another platform", async () => {
    const fromDiscord = await put(
      nextTrigger(telegramAlert),
      { alertId: telegramAlert, status: "sent" },
      "discord",
    );
    expect(fromDiscord.status).toBe(404);
    expect(fromDiscord.body.error.code).toBe("alert_not_found");
    const triggerId = nextTrigger(discordAlert);
    const fromTelegram = await put(triggerId, {
      alertId: discordAlert,
      status: "undeliverable",
      reason: "x",
    });
    expect(fromTelegram.status).toBe(404);
    expect(await sql(h.db.url, "select * from deliveries where alert_id = $1", [discordAlert])).toEqual([]);
    const own = await put(triggerId, { alertId: discordAlert, status: "sent" }, "discord");
    expect(own.status).toBe(201);
    expect(own.body.platform).toBe("discord");
  });

  it("lists undeliverable notices only to the alert's owner", async () => {
    const triggerId = nextTrigger(discordAlert);
    await put(triggerId, { alertId: discordAlert, status: "undeliverable", reason: "dms_closed" }, "discord");
    // Same platform user id on Telegram is another user.
    const other = await api("GET", "/v1/deliveries/undeliverable", { token: "telegram", as: "777" });
    expect(other.body.items.map((i: { triggerId: string }) => i.triggerId)).not.toContain(triggerId);
    const ack = await api("POST", "/v1/deliveries/undeliverable/ack", {
      token: "telegram",
      as: "777",
      body: { triggerIds: [triggerId] },
    });
    expect(ack.body).toEqual({ acknowledged: 0 });
    const owner = await api("GET", "/v1/deliveries/undeliverable", { token: "discord", as: "777" });
    expect(owner.body.items.map((i: { triggerId: string }) => i.triggerId)).toContain(triggerId);
  });
});

describe("undeliverable notices", () => {
  it("lists the user's unacknowledged undeliverable notifications with symbol, platform and reason", async () => {
    const user = "notice-1";
    const aapl = await createAlert("telegram", user, "AAPL");
    const msft = await createAlert("telegram", user, "MSFT");
    const blocked = nextTrigger(aapl.id);
    const gone = nextTrigger(msft.id);
    await put(blocked, { alertId: aapl.id, status: "undeliverable", reason: "blocked_by_user" });
    h.clock.advance(1000);
    await put(gone, { alertId: msft.id, status: "undeliverable", reason: "chat_not_found" });
    await put(nextTrigger(aapl.id), { alertId: aapl.id, status: "sent" });

    const res = await api("GET", "/v1/deliveries/undeliverable", { as: user });
    expect(res.status).toBe(200);
    const list = UndeliverableListSchema.parse(res.body);
    expect(list.total).toBe(2);
    expect(list.items).toEqual([
      expect.objectContaining({
        triggerId: blocked,
        alertId: aapl.id,
        symbol: "AAPL",
        platform: "telegram",
        reason: "blocked_by_user",
      }),
      expect.objectContaining({
        triggerId: gone,
        alertId: msft.id,
        symbol: "MSFT",
        platform: "telegram",
        reason: "chat_not_found",
      }),
    ]);

    const ack = await api("POST", "/v1/deliveries/undeliverable/ack", { as: user });
    expect(ack.status, ack.text).toBe(200);
    expect(AcknowledgeUndeliverableResponseSchema.parse(ack.body)).toEqual({ acknowledged: 2 });
    expect((await api("GET", "/v1/deliveries/undeliverable", { as: user })).body).toEqual({
      items: [],
      total: 0,
    });
    expect((await api("POST", "/v1/deliveries/undeliverable/ack", { as: user })).body).toEqual({
      acknowledged: 0,
    });
    // Acknowledging tells the user; it does not make the notification deliverable again.
    expect((await stateOf(blocked)).body.state).toBe("undeliverable");
  });

  it("acknowledges only the given triggerIds when the body names them", async () => {
    const user = "notice-2";
    const alert = await createAlert("telegram", user, "NVDA");
    const shown = nextTrigger(alert.id);
    const arrivedLater = nextTrigger(alert.id);
    await put(shown, { alertId: alert.id, status: "undeliverable", reason: "blocked_by_user" });
    h.clock.advance(1000);
    await put(arrivedLater, { alertId: alert.id, status: "undeliverable", reason: "blocked_by_user" });
    const ack = await api("POST", "/v1/deliveries/undeliverable/ack", {
      as: user,
      body: { triggerIds: [shown] },
    });
    expect(ack.body).toEqual({ acknowledged: 1 });
    const left = await api("GET", "/v1/deliveries/undeliverable", { as: user });
    expect(left.body.items.map((i: { triggerId: string }) => i.triggerId)).toEqual([arrivedLater]);
  });

  it("lists the newest 20, oldest first, with the total", async () => {
    const user = "notice-many";
    const alert = await createAlert("telegram", user, "AMD");
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) {
      const triggerId = nextTrigger(alert.id);
      ids.push(triggerId);
      await put(triggerId, { alertId: alert.id, status: "undeliverable", reason: "blocked_by_user" });
      h.clock.advance(10);
    }
    const res = await api("GET", "/v1/deliveries/undeliverable", { as: user });
    expect(res.body.total).toBe(23);
    expect(res.body.items.map((i: { triggerId: string }) => i.triggerId)).toEqual(ids.slice(3));
  });

  it("follow the alerts when a second platform is linked, and the records survive the merge", async () => {
    const discordUser = await createAlert("discord", "dc-closed", "META");
    const triggerId = nextTrigger(discordUser.id);
    await put(
      triggerId,
      { alertId: discordUser.id, status: "undeliverable", reason: "dms_closed" },
      "discord",
    );
    const code = await api("POST", "/v1/link-codes", { token: "telegram", as: "tg-open" });
    const linked = await api("POST", "/v1/link-codes/redeem", {
      token: "discord",
      as: "dc-closed",
      body: { code: code.body.code },
    });
    expect(linked.status, linked.text).toBe(200);

    const onTelegram = await api("GET", "/v1/deliveries/undeliverable", { token: "telegram", as: "tg-open" });
    expect(onTelegram.body.items).toEqual([
      expect.objectContaining({ triggerId, symbol: "META", platform: "discord", reason: "dms_closed" }),
    ]);
    expect((await stateOf(triggerId, "discord")).body.state).toBe("undeliverable");
    const [row] = await sql(h.db.url, "select user_id from deliveries where trigger_id = $1", [triggerId]);
    expect(row.user_id).toBe(linked.body.user.id);
  });
});

describe("validation", () => {
  it.each([
    ["not an alert id", "not-a-trigger"],
    ["no generation", "0f8fad5b-d9cb-469f-a165-70867728950e"],
    ["an empty generation", "0f8fad5b-d9cb-469f-a165-70867728950e:"],
    ["upper-case hex", "0F8FAD5B-D9CB-469F-A165-70867728950E:1"],
    ["a suffix with a space", "0f8fad5b-d9cb-469f-a165-70867728950e:1%202"],
  ])("refuses a triggerId with %s in GET and PUT", async (_name, triggerId) => {
    expectValidation(await stateOf(triggerId), "triggerId", /triggerId/);
    expectValidation(await put(triggerId, { alertId: telegramAlert, status: "sent" }), "triggerId");
  });

  it.each<[string, Record<string, unknown>, string, RegExp | undefined]>([
    ["missing status", { alertId: "A" }, "status", undefined],
    ["unknown status", { alertId: "A", status: "delivered" }, "status", undefined],
    ["missing alertId", { status: "sent" }, "alertId", /required/],
    ["alertId not a uuid", { alertId: "123", status: "sent" }, "alertId", undefined],
    ["undeliverable without a reason", { alertId: "A", status: "undeliverable" }, "reason", /needs a reason/],
    ["sent with a reason", { alertId: "A", status: "sent", reason: "x" }, "reason", /no reason/],
    ["an empty reason", { alertId: "A", status: "undeliverable", reason: "  " }, "reason", /empty/],
    [
      "a reason too long",
      { alertId: "A", status: "undeliverable", reason: "x".repeat(201) },
      "reason",
      /at most 200/,
    ],
    [
      "a reason with a line break",
      { alertId: "A", status: "undeliverable", reason: "a\nb" },
      "reason",
      /control/,
    ],
    [
      "a reason that is not text",
      { alertId: "A", status: "undeliverable", reason: 403 },
      "reason",
      undefined,
    ],
    ["an unknown field", { alertId: "A", status: "sent", userId: "x" }, "", /unknown field\(s\) userId/],
  ])("refuses a record body with %s", async (_name, body, path, message) => {
    const withAlert = { ...body, ...(body.alertId === "A" ? { alertId: telegramAlert } : {}) };
    const triggerId = nextTrigger(telegramAlert);
    expectValidation(await put(triggerId, withAlert), path, message);
    expect((await stateOf(triggerId)).body.state).toBe("new");
  });

  it("answers malformed JSON with 400 malformed_json", async () => {
    const res = await api("PUT", `/v1/deliveries/${nextTrigger(telegramAlert)}`, { rawBody: '{"alertId":' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("malformed_json");
  });

  it.each<[string, Record<string, unknown>, string, RegExp | undefined]>([
    ["an empty list", { triggerIds: [] }, "triggerIds", /at least one/],
    ["a bad triggerId", { triggerIds: ["nope"] }, "triggerIds.0", undefined],
    ["an unknown field", { all: true }, "", /unknown field\(s\) all/],
  ])("refuses an ack body with %s", async (_name, body, path, message) => {
    expectValidation(
      await api("POST", "/v1/deliveries/undeliverable/ack", { as: "alice", body }),
      path,
      message,
    );
  });

  it("requires the acting user on the notice routes, and does not take 'undeliverable' for a triggerId", async () => {
    for (const [method, path] of [
      ["GET", "/v1/deliveries/undeliverable"],
      ["POST", "/v1/deliveries/undeliverable/ack"],
    ]) {
      const res = await api(method!, path!, {});
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("invalid_platform_user");
    }
  });
});

describe("access", () => {
  const routes: [string, () => string, unknown][] = [
    ["GET", () => `/v1/deliveries/${telegramAlert}:0`, undefined],
    ["PUT", () => `/v1/deliveries/${telegramAlert}:0`, { alertId: "x", status: "sent" }],
    ["GET", () => "/v1/deliveries/undeliverable", undefined],
    ["POST", () => "/v1/deliveries/undeliverable/ack", undefined],
    ["POST", () => "/v1/deliveries/lookup", { triggerIds: [`${telegramAlert}:0`] }],
    [
      "PUT",
      () => "/v1/deliveries",
      { records: [{ triggerId: `${telegramAlert}:0`, alertId: telegramAlert, status: "sent" }] },
    ],
  ];

  it.each(routes)(
    "refuses %s %s without a valid token (401) and with the internal token (403)",
    async (method, path, body) => {
      const none = await api(method, path(), { token: null, as: "alice", body });
      expect(none.status).toBe(401);
      const wrong = await api(method, path(), { token: "bogus-token-value", as: "alice", body });
      expect(wrong.status).toBe(401);
      const internal = await api(method, path(), { token: "internal", as: "alice", body });
      expect(internal.status).toBe(403);
      expect(internal.body.error.code).toBe("forbidden");
    },
  );

  it("documents every delivery route in the OpenAPI spec", async () => {
    const spec = await api("GET", "/openapi.json", { token: null });
    expect(Object.keys(spec.body.paths)).toEqual(
      expect.arrayContaining([
        "/v1/deliveries/{triggerId}",
        "/v1/deliveries",
        "/v1/deliveries/lookup",
        "/v1/deliveries/undeliverable",
        "/v1/deliveries/undeliverable/ack",
      ]),
    );
  });
});

describe("secrets", () => {
  it("no token appears in any answer of this suite, nor in the service's logs", () => {
    expect(answers.length).toBeGreaterThan(50);
    const everything = answers.map((a) => `${a.text}\n${JSON.stringify([...a.headers])}`).join("\n");
    const logs = h.logs.join("");
    for (const token of Object.values(TOKENS)) {
      expect(everything).not.toContain(token);
      expect(logs).not.toContain(token);
    }
  });
});
