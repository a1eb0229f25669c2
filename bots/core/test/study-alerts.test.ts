import type { StudiesResponse, StudyGap, StudyKey, TickStudies } from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PriceLookup } from "../src/handler/ports.ts";
import type { IncomingFile } from "../src/transfer/files.ts";
import { type BotWorld, startBotWorld } from "./harness.ts";

// Volume, moving-average and RSI alerts through the command handler with its real HTTP client against the real
// alert service on PostgreSQL: the bot reads the study the alert watches from the pricing service, sets the alert
// at it (the confirmation says where it is now), is refused by the rule book when it already holds, refuses with
// the pricing service's reason when the study has no value yet, and does the same for edits and imports.

/** What the pricing service holds of each symbol's studies, and the gaps it reports for the rest. */
const STUDIES: Record<string, { studies: TickStudies; gaps: StudyGap[] }> = {
  AAPL: {
    studies: {
      values: { sma50: 187.2, ema200: 175.4, "rsi14:1d": 41.23, "rsi7:1h": 55.5 },
      // 1.4× = 1,890,000 / 1,350,000
      volume: { today: 1_890_000, typical: 1_350_000, sessions: 20 },
    },
    gaps: [
      {
        key: "sma200",
        reason: "history_too_short",
        have: 150,
        need: 200,
        message: "a 200-day simple average needs 200 daily bars; 150 recorded",
      },
    ],
  },
  MSFT: {
    studies: { values: { sma50: 402.5 } },
    gaps: [
      {
        key: "volume",
        reason: "history_too_short",
        have: 3,
        need: 5,
        message: "volume needs 5 recorded sessions; 3 so far",
      },
    ],
  },
};
const priceOf: Record<string, number> = { AAPL: 190.1, MSFT: 410, "OANDA:EUR_USD": 1.0842 };
/** The keys each studies request asked for, in order. */
const asked: Array<{ symbol: string; keys: readonly StudyKey[] }> = [];

const prices: PriceLookup = {
  quote: async (symbol) => {
    const price = priceOf[symbol];
    return price === undefined ? null : { symbol, price, previousClose: price, ts: world.now().getTime() };
  },
  search: async () => [],
  // As GET /v1/studies answers: only the keys asked for, each with its value or in `missing`.
  studies: async (symbol, keys): Promise<StudiesResponse | null> => {
    asked.push({ symbol, keys });
    const held = STUDIES[symbol];
    if (held === undefined) return null;
    const studies: TickStudies = {};
    const missing: StudyGap[] = [];
    for (const key of keys) {
      const value = held.studies.values?.[key];
      if (key === "volume" && held.studies.volume) studies.volume = held.studies.volume;
      else if (value !== undefined) studies.values = { ...studies.values, [key]: value };
      else
        missing.push(
          held.gaps.find((g) => g.key === key) ?? {
            key,
            reason: "history_too_short",
            have: 0,
            need: 1,
            message: `${key} has too little history`,
          },
        );
    }
    return { symbol, studies, missing };
  },
};

let world: BotWorld;
beforeAll(async () => {
  // Tuesday 1 December 2026, 11:30 in New York.
  world = await startBotWorld({ database: "tb_botcore_studies", prices, startAt: "2026-12-01T16:30:00Z" });
}, 60_000);
afterAll(async () => {
  await world?.close();
});

describe("volume, moving-average and RSI alerts", () => {
  it("a moving-average cross is set from the average now, on the side price is not on, and says where both are", async () => {
    const user = "studies-a";
    asked.length = 0;
    const set = await world.say(user, "/alert AAPL crosses sma 50 repeat 1d");
    expect(set.text.split("\n")[0]).toBe(
      "✅ Alert set: AAPL crosses its 50-day SMA (now $187.20, price $190.10 above it) · repeats every 1d",
    );
    // Only the study the alert watches is asked for.
    expect(asked).toEqual([{ symbol: "AAPL", keys: ["sma50"] }]);
    const [alert] = await world.direct.listAlerts(user, { status: "open" });
    expect(alert).toMatchObject({
      condition: { kind: "average", average: "sma", period: 50, direction: "cross" },
      referencePrice: 190.1,
      // Price is above the average: the first firing is a fall through it.
      watch: "lower",
    });
    expect((await world.say(user, "/alerts")).text).toContain("AAPL crosses its 50-day SMA");
  });

  it("an RSI and a volume alert say their study now", async () => {
    const user = "studies-b";
    expect((await world.say(user, "/alert AAPL rsi below 30")).text.split("\n")[0]).toBe(
      "✅ Alert set: AAPL daily RSI(14) below 30 (now 41.2)",
    );
    expect((await world.say(user, "/alert AAPL rsi 7 1h above 80")).text.split("\n")[0]).toBe(
      "✅ Alert set: AAPL hourly RSI(7) above 80 (now 55.5)",
    );
    expect((await world.say(user, "/alert AAPL volume 3x")).text.split("\n")[0]).toBe(
      "✅ Alert set: AAPL volume 3× the usual by this time of day (now 1.4×, over 20 sessions)",
    );
    const conditions = (await world.direct.listAlerts(user, { status: "open" })).map((a) => a.condition.kind);
    expect(conditions.sort()).toEqual(["rsi", "rsi", "volume"]);
  });

  it("is refused by the rule book when it already holds, with the value, and sets nothing", async () => {
    const user = "studies-c";
    // 190.10 is above its 50-day SMA of 187.20; the RSI is 41.2; volume is 1.4× the usual.
    expect((await world.say(user, "/alert AAPL above sma 50")).text).toMatch(
      /^That would fire right away: .*already at or above its SMA 50.*187\.20/,
    );
    expect((await world.say(user, "/alert AAPL rsi above 40")).text).toMatch(
      /^That would fire right away: .*already at or above 40 \(it is 41\.23\)/,
    );
    expect((await world.say(user, "/alert AAPL volume 1.2x")).text).toMatch(/^That would fire right away: /);
    expect(await world.direct.listAlerts(user, { status: "open" })).toEqual([]);
  });

  it("is refused with the pricing service's reason when the study has no value yet, and sets nothing", async () => {
    const user = "studies-d";
    expect((await world.say(user, "/alert AAPL below sma 200")).text).toBe(
      "I can't watch AAPL's 200-day SMA yet: a 200-day simple average needs 200 daily bars; 150 recorded.",
    );
    expect((await world.say(user, "/alert MSFT volume 3x")).text).toBe(
      "I can't watch MSFT's volume against the usual by this time of day yet: volume needs 5 recorded sessions; 3 so far.",
    );
    expect((await world.say(user, "/alert OANDA:EUR_USD volume 3x")).text).toMatch(
      /^OANDA:EUR_USD is forex: currency pairs report no traded volume/,
    );
    expect(await world.direct.listAlerts(user, { status: "open" })).toEqual([]);
  });

  it("an edit changes a volume alert's multiple or makes it an RSI alert, from the study now", async () => {
    const user = "studies-e";
    expect((await world.say(user, "/alert AAPL volume 3x")).text).toMatch(/^✅/);
    const multiple = await world.say(user, "/edit 1 4x");
    expect(multiple.text).toMatch(
      /^✏️ Changed: AAPL volume 4× the usual by this time of day \(now 1\.4×, over 20 sessions\)/,
    );
    const rsi = await world.say(user, "/edit 1 rsi below 25");
    expect(rsi.text).toMatch(/^✏️ Changed: AAPL daily RSI\(14\) below 25 \(now 41\.2\)/);
    expect(rsi.text).toContain("Was volume 4× the usual by this time of day");
    // A bare number is an RSI alert's new level; a moving average has no level of its own.
    expect((await world.say(user, "/edit 1 20")).text).toMatch(/^✏️ Changed: AAPL daily RSI\(14\) below 20/);
    expect((await world.say(user, "/edit 1 150")).text).toMatch(/An RSI level is between 0 and 100/);
    const [alert] = await world.direct.listAlerts(user, { status: "open" });
    expect(alert?.condition).toEqual({
      kind: "rsi",
      direction: "below",
      level: 20,
      period: 14,
      interval: "1d",
    });
    expect((await world.say(user, "/edit 1 crosses ema 200")).text).toMatch(
      /^✏️ Changed: AAPL crosses its 200-day EMA \(now \$175\.40, price \$190\.10 above it\)/,
    );
    expect((await world.say(user, "/edit 1 180")).text).toMatch(
      /its level is the average itself\. Give a whole condition, like crosses ema 200 or above 210/,
    );
    expect((await world.say(user, "/edit 1 below sma 200")).text).toMatch(
      /^I can't watch AAPL's 200-day SMA yet/,
    );
  });

  it("an import sets each line from its study, refusing the lines whose study has no value", async () => {
    const user = "studies-f";
    const csv = [
      "type,symbol,condition,repeat",
      "alert,AAPL,volume 3x,1h",
      "alert,AAPL,crosses sma 50,",
      "alert,AAPL,rsi 7 1h above 80,",
      "alert,AAPL,below sma 200,",
      "alert,MSFT,volume 2.5x,",
      "alert,AAPL,rsi above 40,",
    ].join("\n");
    const file: IncomingFile = {
      name: "alerts.csv",
      size: csv.length,
      read: async () => new TextEncoder().encode(csv),
    };
    const reply = await world.bot.handleImport(world.chat(user), file);
    expect(reply.text.split("\n")).toEqual([
      "*Imported*: 3 created, 0 duplicates, 3 refused",
      "✅ line 2: created — AAPL volume 3× the usual by this time of day",
      "✅ line 3: created — AAPL crosses its 50-day SMA",
      "✅ line 4: created — AAPL hourly RSI(7) above 80",
      "✗ line 5: refused — I can't watch AAPL's 200-day SMA yet: a 200-day simple average needs 200 daily bars; 150 recorded.",
      "✗ line 6: refused — I can't watch MSFT's volume against the usual by this time of day yet: volume needs 5 recorded sessions; 3 so far.",
      expect.stringMatching(/^✗ line 7: refused — AAPL daily RSI\(14\) above 40 would fire right away: /),
    ]);
    // And /export writes them back in the words /import read.
    const exported = await world.say(user, "/export csv");
    const text = new TextDecoder().decode(exported.file!.data);
    expect(text).toContain("alert,AAPL,volume 3x,1h");
    expect(text).toContain("alert,AAPL,crosses sma 50,");
    expect(text).toContain("alert,AAPL,rsi 7 1h above 80,");
  });
});
