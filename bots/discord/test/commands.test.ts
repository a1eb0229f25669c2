import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SLASH_COMMANDS } from "../src/commands.ts";
import { newUser, type Stack, startStack } from "./harness.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

describe("registration", () => {
  it("registers exactly what the bot declares", () => {
    const [registration] = stack.fake.commandRegistrations();
    expect(registration).toMatchObject({ method: "PUT", guildId: null });
    expect(registration?.body).toEqual(JSON.parse(JSON.stringify(SLASH_COMMANDS)));
    expect(stack.fake.registeredCommands().map((c) => c.name)).toEqual([
      "alert",
      "watchlist",
      "price",
      "chart",
      "link",
      "settings",
      "export",
      "import",
      "webhook",
      "help",
    ]);
  });
});

describe("in a guild channel", () => {
  it("answers ephemerally and keeps the user's DM as the alert's destination", async () => {
    const user = newUser();
    const reply = await stack.fake
      .slashCommand(
        user,
        "alert price",
        { ticker: "MSFT", condition: "below", value: "300" },
        { guildId: "900000000000000007" },
      )
      .reply();
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toMatch(/Alert set: MSFT below \$300\.00/);
    expect((await stack.alerts.listAlerts(user.id))[0]?.origin).toEqual({
      platform: "discord",
      chatId: user.id,
    });
  });
});

describe("/help", () => {
  it("answers ephemerally in slash-command syntax", async () => {
    const reply = await stack.fake.slashCommand(newUser(), "help").reply();
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toContain("/alert price");
    expect(reply.content).toContain("/watchlist add");
    const topic = await stack.fake.slashCommand(newUser(), "help", { topic: "alert" }).reply();
    expect(topic.content).toContain("`/alert trailing ticker:NVDA condition:down value:8%`");
  });
});

describe("a reply Discord refuses", () => {
  it("is followed by an apology in its place: the user is never left with 'thinking…'", async () => {
    // Discord answers the bot's answer with 400 once (as it does for a body it will not take).
    stack.fake.failNext(1, 400, {
      route: "PATCH /webhooks/:application_id/:token/messages/:message_id",
      code: 50035,
      message: "Invalid Form Body",
    });
    const reply = await stack.fake.slashCommand(newUser(), "price", { ticker: "AAPL" }).reply();
    expect(reply.content).toBe("Sorry, something went wrong on our side. Please try again in a moment.");
    expect(reply.flags & 64).toBe(64);
  });
});

describe("/alert price", () => {
  it("creates the alert in the alert service and says so ephemerally", async () => {
    const user = newUser();
    const sent = stack.fake.slashCommand(user, "alert price", {
      ticker: "aapl",
      condition: "above",
      value: "$1,250.50",
      repeat: "1h",
      expires: "7d",
      note: "take profit",
      "regular-hours-only": true,
    });
    const callback = await sent.acknowledged();
    expect(callback.type).toBe(5);
    const reply = await sent.reply();
    expect(reply.flags & 64).toBe(64);
    expect(reply.content).toMatch(/Alert set: AAPL above \$1,250\.50/);
    const [alert] = await stack.alerts.listAlerts(user.id);
    expect(alert).toMatchObject({
      symbol: "AAPL",
      condition: { kind: "price", direction: "above", target: 1250.5 },
      repeat: { cooldownSeconds: 3600 },
      note: "take profit",
      regularHoursOnly: true,
      origin: { platform: "discord", chatId: user.id },
      status: "active",
    });
    expect(alert?.expiresAt).not.toBeNull();
  });

  it("sets several levels from one value, one alert each, confirmed in one reply", async () => {
    const user = newUser();
    const reply = await stack.fake
      .slashCommand(user, "alert price", {
        ticker: "AAPL",
        condition: "above",
        value: "200 210, 220",
        repeat: "1h",
      })
      .reply();
    const lines = (reply.content ?? "").split("\n");
    expect(lines[0]).toBe("✅ 3 alerts set on AAPL");
    expect(lines.slice(1, 4).map((line) => line.replace(/ · .*/, ""))).toEqual([
      "✅ AAPL above $200.00",
      "✅ AAPL above $210.00",
      "✅ AAPL above $220.00",
    ]);
    const alerts = await stack.alerts.listAlerts(user.id);
    expect(
      alerts.map((a) => [a.condition.kind === "price" && a.condition.target, a.repeat?.cooldownSeconds]),
    ).toEqual([
      [200, 3600],
      [210, 3600],
      [220, 3600],
    ]);
  });

  it("refuses a level the price already satisfies, showing the price", async () => {
    const reply = await stack.fake
      .slashCommand(newUser(), "alert price", { ticker: "AAPL", condition: "above", value: "10" })
      .reply();
    expect(reply.content).toMatch(/190/);
    expect(reply.content).not.toMatch(/Alert set/);
  });

  it("names an unknown ticker and suggests matches", async () => {
    const reply = await stack.fake
      .slashCommand(newUser(), "alert price", { ticker: "ZZZZ", condition: "above", value: "10" })
      .reply();
    expect(reply.content).toMatch(/don't know the ticker ZZZZ/);
  });
});

describe("/alert percent and /alert trailing", () => {
  it("creates a percent alert from the previous close", async () => {
    const user = newUser();
    const reply = await stack.fake
      .slashCommand(user, "alert percent", { ticker: "TSLA", condition: "down", value: "3", basis: "close" })
      .reply();
    expect(reply.content).toMatch(/Alert set: TSLA down 3% from the previous close/);
    expect((await stack.alerts.listAlerts(user.id))[0]?.condition).toEqual({
      kind: "percent",
      direction: "down",
      percent: 3,
      basis: "close",
    });
  });

  it("creates a trailing alert in dollars", async () => {
    const user = newUser();
    const reply = await stack.fake
      .slashCommand(user, "alert trailing", { ticker: "NVDA", condition: "up", value: "5", unit: "amount" })
      .reply();
    expect(reply.content).toMatch(/Alert set: NVDA rises \$5\.00 above its low/);
    expect((await stack.alerts.listAlerts(user.id))[0]?.condition).toEqual({
      kind: "trailing",
      direction: "up",
      offset: { unit: "amount", value: 5 },
    });
  });
});

describe("/alert move", () => {
  it("sets a move within a window, offers windows as the user types, and /alert edit changes its window", async () => {
    const user = newUser();
    const offered = await stack.fake
      .autocomplete(user, "alert move", { ticker: "AAPL", percent: "3", within: "4" }, "within")
      .choices();
    expect(offered).toEqual([{ name: "4 hours", value: "4h" }]);
    const reply = await stack.fake
      .slashCommand(user, "alert move", { ticker: "AAPL", percent: "3", within: "1h", repeat: "1h" })
      .reply();
    expect(reply.content, JSON.stringify(stack.logs().slice(-5))).toMatch(
      /^✅ Alert set: AAPL moves 3% within 1h · repeats every 1h\n/,
    );
    const [alert] = await stack.alerts.listAlerts(user.id);
    expect(alert?.condition).toEqual({ kind: "window", direction: "move", percent: 3, windowSeconds: 3600 });

    const list = await stack.fake.slashCommand(user, "alert list").reply();
    expect(list.content).toMatch(/1\. AAPL moves 3% within 1h/);
    const edited = await stack.fake
      .slashCommand(user, "alert edit", { alert: "1", level: "within 4h" })
      .reply();
    expect(edited.content).toMatch(/^✏️ Changed: AAPL moves 3% within 4h/);
    expect(edited.content).toMatch(/Was moves 3% within 1h/);
    const refused = await stack.fake
      .slashCommand(user, "alert move", { ticker: "AAPL", percent: "3", within: "3m", direction: "down" })
      .reply();
    expect(refused.content).toMatch(/at least 5 minutes/);
    expect(refused.content).toContain("/alert move ticker:AAPL percent:3 within:1h direction:down");
  });
});

describe("/alert earnings", () => {
  it("creates an earnings alert with its note, naming the next release from the pricing calendar", async () => {
    const user = newUser();
    const reply = await stack.fake
      .slashCommand(user, "alert earnings", { ticker: "AAPL", note: "trim before" })
      .reply();
    expect(reply.content).toMatch(/Alert set: AAPL earnings \(the evening before and when results are due\)/);
    expect(reply.content).toMatch(
      /Next earnings: \w{3} \d{4}-\d{2}-\d{2}, (before the open|after the close)/,
    );
    expect(await stack.alerts.listAlerts(user.id)).toMatchObject([
      { symbol: "AAPL", condition: { kind: "earnings" }, note: "trim before" },
    ]);
  });
});

describe("/alert list, pause, resume, remove", () => {
  it("lists, pauses, resumes and removes the user's own alerts, with autocomplete over them", async () => {
    const user = newUser();
    const other = newUser();
    for (const value of ["1000", "2000"]) {
      await stack.fake
        .slashCommand(user, "alert price", { ticker: "AAPL", condition: "above", value })
        .reply();
    }
    await stack.fake
      .slashCommand(other, "alert price", { ticker: "MSFT", condition: "above", value: "900" })
      .reply();

    const list = await stack.fake.slashCommand(user, "alert list").reply();
    expect(list.content).toMatch(/Your alerts\*\* \(2\)/);
    expect(list.content).toMatch(/1\. AAPL above \$1,000\.00/);
    expect(list.content).not.toMatch(/MSFT/);
    expect(list.components).toHaveLength(1);

    const choices = await stack.fake.autocomplete(user, "alert pause", { alert: "2000" }, "alert").choices();
    expect(choices).toHaveLength(1);
    expect(choices[0]?.name).toMatch(/^2\. AAPL above \$2,000\.00/);
    const [first, second] = await stack.alerts
      .listAlerts(user.id)
      .then((a) => a.sort((x, y) => x.createdAt.localeCompare(y.createdAt)));
    expect(choices[0]?.value).toBe(second?.id);

    const paused = await stack.fake
      .slashCommand(user, "alert pause", { alert: String(choices[0]?.value) })
      .reply();
    expect(paused.content).toMatch(/^Paused: AAPL above \$2,000\.00/);
    const resumeChoices = await stack.fake
      .autocomplete(user, "alert resume", { alert: "" }, "alert")
      .choices();
    expect(resumeChoices.map((c) => c.value)).toEqual([second?.id]);
    const resumed = await stack.fake.slashCommand(user, "alert resume", { alert: "2" }).reply();
    expect(resumed.content).toMatch(/^Resumed: AAPL above \$2,000\.00/);

    // Another user's alerts are not offered, and an id of theirs is not found.
    const otherChoices = await stack.fake
      .autocomplete(other, "alert remove", { alert: "" }, "alert")
      .choices();
    expect(otherChoices).toHaveLength(1);
    expect(otherChoices[0]?.name).toMatch(/MSFT/);
    const notTheirs = await stack.fake
      .slashCommand(other, "alert remove", { alert: String(first?.id) })
      .reply();
    expect(notTheirs.content).toMatch(/can't find an alert/);

    const removed = await stack.fake.slashCommand(user, "alert remove", { alert: "1" }).reply();
    expect(removed.content).toMatch(/^Deleted: AAPL above \$1,000\.00/);
    const after = await stack.fake.slashCommand(user, "alert list", { ticker: "aapl" }).reply();
    expect(after.content).toMatch(/Your alerts on AAPL\*\* \(1;/);
  });

  it("autocomplete offers only the open alerts, and asks the alert service for only those", async () => {
    const user = newUser();
    for (const value of ["1000", "2000", "3000"]) {
      await stack.fake
        .slashCommand(user, "alert price", { ticker: "AAPL", condition: "above", value })
        .reply();
    }
    const [, gone] = await stack.alerts.listAlerts(user.id);
    await stack.alerts.cancelAlert(user.id, gone!.id);
    const from = stack.alertRequests.length;
    const choices = await stack.fake.autocomplete(user, "alert remove", { alert: "" }, "alert").choices();
    expect(choices.map((c) => c.name)).toEqual([
      "Delete all 2 of them",
      expect.stringMatching(/^1\. AAPL above \$1,000\.00/),
      expect.stringMatching(/^2\. AAPL above \$3,000\.00/),
    ]);
    const lists = stack.alertRequests.slice(from).filter((r) => r.startsWith("GET /v1/alerts?"));
    expect(lists).toHaveLength(1);
    expect(new URLSearchParams(lists[0]!.split("?")[1]).get("status")).toBe("open");
  });

  it("autocomplete counts against the user's allowance as one command per few seconds, not one per keystroke", async () => {
    const user = newUser();
    await stack.fake
      .slashCommand(user, "alert price", { ticker: "AAPL", condition: "above", value: "1000" })
      .reply();
    const from = stack.alertRequests.length;
    for (const typed of ["", "1", "10", "100", "1000"])
      await stack.fake.autocomplete(user, "alert remove", { alert: typed }, "alert").choices();
    const ids = stack.alertCommandIds.slice(from);
    expect(ids).toHaveLength(5);
    expect(ids.every((id) => id?.startsWith("autocomplete-"))).toBe(true);
    // Five keystrokes fall in one window, or two when they straddle its edge.
    expect(new Set(ids).size).toBeLessThanOrEqual(2);
  });

  it("/alert history answers with the last firings, or says none has fired, as an ephemeral reply", async () => {
    const user = newUser();
    const none = await stack.fake.slashCommand(user, "alert history").reply();
    expect(none.flags & 64).toBe(64);
    expect(none.content).toBe("No alert of yours has fired yet.");
    const one = await stack.fake.slashCommand(user, "alert history", { ticker: "aapl" }).reply();
    expect(one.content).toBe("No alert of yours on AAPL has fired yet.");
    const declared = SLASH_COMMANDS.find((c) => c.name === "alert")?.options?.map((o) => o.name);
    expect(declared).toContain("history");
  });

  it("a button under the list acts", async () => {
    const user = newUser();
    await stack.fake
      .slashCommand(user, "alert price", { ticker: "AAPL", condition: "below", value: "100" })
      .reply();
    const list = await stack.fake.slashCommand(user, "alert list").reply();
    const [alert] = await stack.alerts.listAlerts(user.id);
    const pressed = await stack.fake.pressButton(user, list, `pause:${alert?.id}`).reply();
    expect(pressed.flags & 64).toBe(64);
    expect(pressed.content).toMatch(/^Paused: AAPL below \$100\.00/);
    expect((await stack.alerts.getAlert(user.id, alert!.id)).status).toBe("paused");
    const deleted = await stack.fake.pressButton(user, list, `delete:${alert?.id}`).reply();
    expect(deleted.content).toMatch(/^Deleted/);
    expect((await stack.alerts.getAlert(user.id, alert!.id)).status).toBe("cancelled");
  });
});

describe("autocomplete", () => {
  it("offers tickers from the pricing service's search, within the window", async () => {
    const sent = stack.fake.autocomplete(newUser(), "alert price", { ticker: "NVD" }, "ticker");
    const callback = await sent.acknowledged();
    expect(callback.type).toBe(8);
    const choices = await sent.choices();
    expect(choices[0]).toEqual({ name: "NVDA — NVIDIA CORP", value: "NVDA" });
    // The fake refuses a callback after the 3-second window with 10062; an accepted one is recorded.
    expect(stack.fake.interactionResponses(sent.id)).toHaveLength(1);
  });

  it("answers an empty query with no choices rather than nothing at all", async () => {
    const choices = await stack.fake.autocomplete(newUser(), "price", { ticker: "" }, "ticker").choices();
    expect(choices).toEqual([]);
  });
});

describe("/watchlist, /price, /link", () => {
  it("adds, shows and removes watchlist tickers", async () => {
    const user = newUser();
    const added = await stack.fake
      .slashCommand(user, "watchlist add", { tickers: "aapl, $msft ZZZZ" })
      .reply();
    expect(added.content).toMatch(/Watching AAPL, MSFT/);
    expect(added.content).toMatch(/don't know ZZZZ/);
    const shown = await stack.fake.slashCommand(user, "watchlist show").reply();
    expect(shown.content).toMatch(/\*\*Watchlist\*\*/);
    expect(shown.content).toMatch(/AAPL \$190\.00/);
    const offered = await stack.fake
      .autocomplete(user, "watchlist remove", { ticker: "m" }, "ticker")
      .choices();
    expect(offered).toEqual([{ name: "MSFT", value: "MSFT" }]);
    const removed = await stack.fake.slashCommand(user, "watchlist remove", { ticker: "MSFT" }).reply();
    expect(removed.content).toMatch(/Removed MSFT/);
    const missing = await stack.fake.slashCommand(user, "watchlist remove", { ticker: "MSFT" }).reply();
    expect(missing.content).toMatch(/MSFT was not on it/);
  });

  it("quotes a price", async () => {
    const reply = await stack.fake.slashCommand(newUser(), "price", { ticker: "$tsla" }).reply();
    expect(reply.content).toMatch(/^TSLA \$245\.00/);
  });

  it("gives a link code, and redeeming it on another account links them", async () => {
    const user = newUser();
    const code = await stack.fake.slashCommand(user, "link").reply();
    const match = /link code is \*\*([A-Z0-9]{8})\*\*/.exec(code.content);
    expect(match).not.toBeNull();
    const telegram = new (await import("@tickerbell/bot-core")).AlertsClient({
      baseUrl: stack.alertsUrl,
      token: "telegram-bot-token-for-tests",
      platform: "telegram",
    });
    await telegram.resolveUser({ platformUserId: "424242" });
    const redeemed = await telegram.redeemLinkCode("424242", match![1]!);
    expect(redeemed.user.identities.map((i) => i.platform).sort()).toEqual(["discord", "telegram"]);
    const bad = await stack.fake.slashCommand(user, "link", { code: "nope" }).reply();
    expect(bad.content).toMatch(/8 letters and digits/);
    expect(bad.content).toMatch(/Example: `\/link code:K7Q2M9XA`/);
  });
});

describe("gateway interruptions", () => {
  it("resumes after a dropped connection and answers the command sent while it was away", async () => {
    const resumesBefore = stack.fake.stats().gateway.resumes;
    expect(stack.fake.dropConnection()).toBeGreaterThan(0);
    const sent = stack.fake.slashCommand(newUser(), "price", { ticker: "NVDA" });
    await stack.fake.waitForGateway((s) => s.resumes > resumesBefore, 15_000);
    expect((await sent.reply(15_000)).content).toMatch(/^NVDA \$122\.00/);
  });
});
