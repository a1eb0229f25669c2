import { describe, expect, it } from "vitest";
import { helpText, requestFromSlash, SLASH_COMMANDS, slashExample, windowChoices } from "./commands.ts";

const now = new Date("2026-11-24T15:00:00Z");

describe("SLASH_COMMANDS", () => {
  it("declares /alert with its fifteen subcommands and value as a string option read by the core grammar", () => {
    const alert = SLASH_COMMANDS.find((c) => c.name === "alert");
    const subcommands = (alert?.options ?? []).map((o) => o.name);
    expect(subcommands).toEqual([
      "price",
      "percent",
      "move",
      "new",
      "volume",
      "average",
      "rsi",
      "trailing",
      "earnings",
      "list",
      "history",
      "remove",
      "pause",
      "resume",
      "edit",
    ]);
    const price = alert?.options?.[0];
    const options = price && "options" in price ? (price.options ?? []) : [];
    expect(options.map((o) => [o.name, o.type, o.required ?? false])).toEqual([
      ["ticker", 3, true],
      ["condition", 3, true],
      ["value", 3, true],
      ["repeat", 3, false],
      ["expires", 3, false],
      ["note", 3, false],
      ["regular-hours-only", 5, false],
      ["urgent", 5, false],
      ["channel", 7, false],
      ["mention", 8, false],
    ]);
  });
});

/** Characters Discord counts against a command's 8,000: names, descriptions and choices' names and values. */
function discordSize(option: {
  name: string;
  description?: string | undefined;
  options?: unknown[] | undefined;
  choices?: Array<{ name: string; value: unknown }> | undefined;
}): number {
  let size = option.name.length + (option.description?.length ?? 0);
  for (const choice of option.choices ?? []) size += choice.name.length + String(choice.value).length;
  for (const child of option.options ?? []) size += discordSize(child as typeof option);
  return size;
}

describe("Discord's limits", () => {
  it("every command fits 8,000 characters, 25 options a level, 100 characters a description", () => {
    const walk = (option: { description?: string | undefined; options?: unknown[] | undefined }) => {
      expect(option.description?.length ?? 0).toBeLessThanOrEqual(100);
      expect(option.options?.length ?? 0).toBeLessThanOrEqual(25);
      for (const child of option.options ?? []) walk(child as typeof option);
    };
    for (const command of SLASH_COMMANDS) {
      expect(discordSize(command), command.name).toBeLessThanOrEqual(8000);
      walk(command);
    }
  });
});

const optionsOf = (subcommand: string) => {
  const alert = SLASH_COMMANDS.find((c) => c.name === "alert");
  const sub = alert?.options?.find((o) => o.name === subcommand);
  return (sub && "options" in sub ? (sub.options ?? []) : []) as Array<{
    name: string;
    type: number;
    required?: boolean;
    choices?: Array<{ name: string; value: string }>;
  }>;
};

describe("/alert volume, /alert average and /alert rsi", () => {
  const request = (subcommand: string, options: Record<string, string | boolean>) =>
    requestFromSlash({ command: "alert", subcommand, options }, now);

  it("declare their values as strings the core grammar reads, the fixed sets as choices, then every option", () => {
    expect(
      optionsOf("volume")
        .map((o) => [o.name, o.type, o.required ?? false])
        .slice(0, 3),
    ).toEqual([
      ["ticker", 3, true],
      ["multiple", 3, true],
      ["repeat", 3, false],
    ]);
    expect(
      optionsOf("average")
        .map((o) => [o.name, o.required ?? false])
        .slice(0, 5),
    ).toEqual([
      ["ticker", true],
      ["average", true],
      ["period", true],
      ["direction", true],
      ["repeat", false],
    ]);
    expect(
      optionsOf("average")
        .find((o) => o.name === "direction")
        ?.choices?.map((c) => c.value),
    ).toEqual(["above", "below", "crosses"]);
    expect(
      optionsOf("rsi")
        .map((o) => [o.name, o.required ?? false])
        .slice(0, 6),
    ).toEqual([
      ["ticker", true],
      ["direction", true],
      ["level", true],
      ["interval", true],
      ["period", false],
      ["repeat", false],
    ]);
    expect(optionsOf("rsi").find((o) => o.name === "interval")?.choices).toEqual([
      { name: "daily", value: "daily" },
      { name: "hourly", value: "hourly" },
    ]);
    for (const sub of ["volume", "average", "rsi"])
      expect(optionsOf(sub).map((o) => o.name)).toEqual(
        expect.arrayContaining(["note", "expires", "urgent", "channel", "mention"]),
      );
  });

  it("build the same alerts as the typed grammar", () => {
    expect(request("volume", { ticker: "aapl", multiple: "3", repeat: "1h" })).toMatchObject({
      kind: "command",
      command: {
        name: "alert",
        symbol: "AAPL",
        condition: { kind: "volume", multiple: 3 },
        repeat: { cooldownSeconds: 3600 },
      },
    });
    expect(
      request("average", { ticker: "AAPL", average: "sma", period: "50", direction: "crosses" }),
    ).toMatchObject({
      command: { condition: { kind: "average", average: "sma", period: 50, direction: "cross" } },
    });
    expect(
      request("rsi", { ticker: "AAPL", direction: "above", level: "80", interval: "hourly", period: "7" }),
    ).toMatchObject({
      command: { condition: { kind: "rsi", direction: "above", level: 80, period: 7, interval: "1h" } },
    });
    expect(
      request("rsi", { ticker: "AAPL", direction: "below", level: "30", interval: "daily" }),
    ).toMatchObject({
      command: { condition: { kind: "rsi", direction: "below", level: 30, period: 14, interval: "1d" } },
    });
  });

  it("refuse numbers out of range with the reason", () => {
    expect(request("volume", { ticker: "AAPL", multiple: "1" })).toMatchObject({
      kind: "refused",
      error: { message: /more than 1x/ },
    });
    expect(
      request("average", { ticker: "AAPL", average: "ema", period: "500", direction: "above" }),
    ).toMatchObject({ kind: "refused", error: { message: /at most 200 sessions/ } });
    expect(
      request("rsi", { ticker: "AAPL", direction: "below", level: "100", interval: "daily" }),
    ).toMatchObject({
      kind: "refused",
      error: { message: /between 0 and 100/ },
    });
    expect(request("volume", { ticker: "OANDA:EUR_USD", multiple: "3" })).toMatchObject({
      kind: "refused",
      error: { message: /no traded volume/ },
    });
  });

  it("show a typed example as the slash command that does the same", () => {
    expect(slashExample("/alert AAPL volume 3x")).toBe("/alert volume ticker:AAPL multiple:3");
    expect(slashExample("/alert AAPL crosses sma 50 repeat 1d")).toBe(
      "/alert average ticker:AAPL average:sma period:50 direction:crosses repeat:1d",
    );
    expect(slashExample("/alert AAPL rsi below 30")).toBe(
      "/alert rsi ticker:AAPL direction:below level:30 interval:daily",
    );
    expect(slashExample("/alert AAPL rsi 7 1h above 80")).toBe(
      "/alert rsi ticker:AAPL direction:above level:80 interval:hourly period:7",
    );
  });
});

describe("/alert new: a new high or low", () => {
  const request = (options: Record<string, string | boolean>) =>
    requestFromSlash({ command: "alert", subcommand: "new", options }, now);

  it("declares the ticker, the side and the range (today or 52 weeks) with every option", () => {
    const alert = SLASH_COMMANDS.find((c) => c.name === "alert");
    const sub = alert?.options?.find((o) => o.name === "new");
    const options = (sub && "options" in sub ? (sub.options ?? []) : []) as Array<{
      name: string;
      required?: boolean;
      choices?: Array<{ name: string; value: string }>;
    }>;
    expect(options.map((o) => [o.name, o.required ?? false]).slice(0, 4)).toEqual([
      ["ticker", true],
      ["side", true],
      ["range", false],
      ["repeat", false],
    ]);
    expect(options.find((o) => o.name === "range")?.choices).toEqual([
      { name: "today", value: "today" },
      { name: "52 weeks", value: "52w" },
    ]);
  });

  it("builds the same alert as the typed grammar: today's unless the 52 weeks are picked", () => {
    expect(request({ ticker: "aapl", side: "high", repeat: "1h" })).toMatchObject({
      kind: "command",
      command: {
        name: "alert",
        symbol: "AAPL",
        condition: { kind: "extreme", side: "high", span: "session" },
        repeat: { cooldownSeconds: 3600 },
      },
    });
    expect(request({ ticker: "AAPL", side: "low", range: "52w" })).toMatchObject({
      command: { condition: { kind: "extreme", side: "low", span: "52w" } },
    });
  });

  it("refuses a 52-week range on a pair, and a side that is not one, with the reason", () => {
    expect(request({ ticker: "BINANCE:BTCUSDT", side: "high", range: "52w" })).toMatchObject({
      kind: "refused",
      error: { message: /no 52-week range for pairs/ },
    });
    expect(request({ ticker: "AAPL", side: "peak" })).toMatchObject({
      kind: "refused",
      error: { message: /A new high or a new low, not "peak"/ },
    });
  });

  it("shows a typed example as the slash command that does the same", () => {
    expect(slashExample("/alert AAPL 52w low")).toBe("/alert new ticker:AAPL side:low range:52w");
    expect(slashExample("/alert AAPL new high")).toBe("/alert new ticker:AAPL side:high range:today");
  });
});

describe("/alert move: a move within a window", () => {
  const move = () => {
    const alert = SLASH_COMMANDS.find((c) => c.name === "alert");
    const sub = alert?.options?.find((o) => o.name === "move");
    return (sub && "options" in sub ? (sub.options ?? []) : []) as Array<{
      name: string;
      type: number;
      required?: boolean;
      autocomplete?: boolean;
      choices?: Array<{ name: string; value: string }>;
    }>;
  };

  it("declares the ticker, the percentage, the window (typed, with the usual ones offered), the direction and every option", () => {
    expect(move().map((o) => [o.name, o.type, o.required ?? false])).toEqual([
      ["ticker", 3, true],
      ["percent", 3, true],
      ["within", 3, true],
      ["direction", 3, false],
      ["repeat", 3, false],
      ["expires", 3, false],
      ["note", 3, false],
      ["regular-hours-only", 5, false],
      ["urgent", 5, false],
      ["channel", 7, false],
      ["mention", 8, false],
    ]);
    expect(move().find((o) => o.name === "within")?.autocomplete).toBe(true);
    expect(
      move()
        .find((o) => o.name === "direction")
        ?.choices?.map((c) => c.value),
    ).toEqual(["either", "up", "down"]);
  });

  it("builds the same alert as the typed grammar, either way unless a direction is picked", () => {
    const request = (options: Record<string, string | boolean>) =>
      requestFromSlash({ command: "alert", subcommand: "move", options }, now);
    expect(request({ ticker: "aapl", percent: "3", within: "1h" })).toEqual({
      kind: "command",
      command: {
        name: "alert",
        symbol: "AAPL",
        condition: { kind: "window", direction: "move", percent: 3, windowSeconds: 3600 },
        repeat: null,
        expiresAt: null,
        note: null,
        regularHoursOnly: false,
      },
    });
    expect(
      request({
        ticker: "AMD",
        percent: "2.5%",
        within: "90m",
        direction: "down",
        repeat: "1h",
        note: "dip",
        "regular-hours-only": true,
        urgent: true,
        channel: "700000000000000001",
      }),
    ).toMatchObject({
      kind: "command",
      command: {
        condition: { kind: "window", direction: "down", percent: 2.5, windowSeconds: 5400 },
        repeat: { cooldownSeconds: 3600 },
        note: "dip",
        regularHoursOnly: true,
        urgent: true,
      },
    });
    expect(request({ ticker: "AAPL", percent: "3", within: "2d" })).toMatchObject({
      kind: "refused",
      error: { message: /at most 1 day/, example: "/alert AAPL moves 3% within 1h" },
    });
    expect(request({ ticker: "AAPL", percent: "3", within: "4m", direction: "up" })).toMatchObject({
      kind: "refused",
      error: { message: /at least 5 minutes/ },
    });
  });

  it("offers the usual windows as the user types, and a window they typed that is not among them", () => {
    expect(windowChoices("").map((c) => c.value)).toEqual(["5m", "15m", "30m", "1h", "4h", "1d"]);
    expect(windowChoices("1")).toEqual([
      { name: "15 minutes", value: "15m" },
      { name: "1 hour", value: "1h" },
      { name: "1 day", value: "1d" },
    ]);
    expect(windowChoices("90m")).toEqual([{ name: "90 minutes", value: "90m" }]);
    expect(windowChoices("2 hours")).toEqual([{ name: "2 hours", value: "2h" }]);
    expect(windowChoices("2d")).toEqual([]);
  });

  it("shows a typed window example as the slash command that does the same", () => {
    expect(slashExample("/alert AAPL moves 3% within 1h")).toBe(
      "/alert move ticker:AAPL percent:3 within:1h direction:either",
    );
    expect(slashExample("/alert AMD down 2.5% within 15m repeat 1h")).toBe(
      "/alert move ticker:AMD percent:2.5 within:15m direction:down repeat:1h",
    );
  });
});

describe("requestFromSlash", () => {
  it("builds core commands from options", () => {
    expect(
      requestFromSlash(
        {
          command: "alert",
          subcommand: "trailing",
          options: { ticker: "nvda", condition: "down", value: "8%" },
        },
        now,
      ),
    ).toMatchObject({
      kind: "command",
      command: {
        name: "alert",
        symbol: "NVDA",
        condition: { kind: "trailing", offset: { unit: "percent", value: 8 } },
      },
    });
    expect(
      requestFromSlash({ command: "alert", subcommand: "remove", options: { alert: "3" } }, now),
    ).toEqual({
      kind: "command",
      command: { name: "delete", ref: { by: "position", position: 3 } },
    });
    expect(
      requestFromSlash({ command: "watchlist", subcommand: "add", options: { tickers: "aapl msft" } }, now),
    ).toEqual({
      kind: "command",
      command: { name: "watch", symbols: ["AAPL", "MSFT"] },
    });
    expect(requestFromSlash({ command: "help", subcommand: null, options: { topic: "alert" } }, now)).toEqual(
      {
        kind: "help",
        topic: "alert",
      },
    );
  });

  it("refuses unknown commands and options Discord's client would never send", () => {
    expect(requestFromSlash({ command: "alert", subcommand: "nope", options: {} }, now)).toMatchObject({
      kind: "refused",
      error: { message: 'I don\'t know the command "/alert nope".' },
    });
    expect(
      requestFromSlash({ command: "price", subcommand: null, options: { ticker: "AAPL", x: 1 } }, now),
    ).toMatchObject({
      kind: "refused",
      error: { message: /don't understand "x"/ },
    });
  });
});

describe("channel alerts", () => {
  const optionsOf = (path: string) => {
    const [command, subcommand] = path.split(" ");
    const declared = SLASH_COMMANDS.find((c) => c.name === command)?.options ?? [];
    const sub = declared.find((o) => o.name === subcommand);
    return (sub && "options" in sub ? (sub.options ?? []) : []).map((o) => ({
      name: o.name,
      type: o.type,
      ...("channel_types" in o && o.channel_types ? { channel_types: o.channel_types } : {}),
    }));
  };

  it("offers channel (text or announcement) and mention on the alert kinds, channel on what acts on alerts", () => {
    for (const path of ["alert price", "alert percent", "alert move", "alert trailing"]) {
      expect(optionsOf(path)).toEqual(
        expect.arrayContaining([
          { name: "channel", type: 7, channel_types: [0, 5] },
          { name: "mention", type: 8 },
        ]),
      );
    }
    for (const path of ["alert list", "alert remove", "alert pause", "alert resume", "alert edit"]) {
      expect(optionsOf(path)).toContainEqual({ name: "channel", type: 7, channel_types: [0, 5] });
      expect(optionsOf(path).map((o) => o.name)).not.toContain("mention");
    }
    expect(optionsOf("settings alert-role")).toEqual([{ name: "role", type: 8 }]);
  });

  it("refuses mention without channel, and builds the command as usual with them", () => {
    const options = { ticker: "AAPL", condition: "above", value: "200" };
    expect(
      requestFromSlash(
        { command: "alert", subcommand: "price", options: { ...options, mention: "800000000000000001" } },
        now,
      ),
    ).toMatchObject({ kind: "refused", error: { message: /mention needs channel/ } });
    expect(
      requestFromSlash(
        {
          command: "alert",
          subcommand: "price",
          options: { ...options, channel: "700000000000000001", mention: "800000000000000001" },
        },
        now,
      ),
    ).toMatchObject({ kind: "command", command: { name: "alert", symbol: "AAPL" } });
  });

  it("reads /settings alert-role: a role sets it, none clears it", () => {
    expect(
      requestFromSlash(
        { command: "settings", subcommand: "alert-role", options: { role: "800000000000000001" } },
        now,
      ),
    ).toEqual({ kind: "alert-role", roleId: "800000000000000001" });
    expect(requestFromSlash({ command: "settings", subcommand: "alert-role", options: {} }, now)).toEqual({
      kind: "alert-role",
      roleId: null,
    });
  });
});

describe("slashExample", () => {
  it.each([
    ["/alert AAPL above 200", "/alert price ticker:AAPL condition:above value:200"],
    ["/alert TSLA down 3% from close", "/alert percent ticker:TSLA condition:down value:3 basis:close"],
    ["/alert NVDA trail up $5", "/alert trailing ticker:NVDA condition:up value:5 unit:amount"],
    [
      '/alert AAPL above 200 repeat 1h expires 7d note "why" rth',
      "/alert price ticker:AAPL condition:above value:200 repeat:1h expires:7d note:why regular-hours-only:True",
    ],
    ["/alerts AAPL", "/alert list ticker:AAPL"],
    ["/delete 2", "/alert remove alert:2"],
    ["/watch AAPL MSFT", "/watchlist add tickers:AAPL MSFT"],
    ["/link K7Q2M9XA", "/link code:K7Q2M9XA"],
    ["/help", "/help"],
  ])("%s → %s", (typed, slash) => {
    expect(slashExample(typed)).toBe(slash);
  });
});

describe("helpText", () => {
  it("lists every subcommand in slash syntax and fits one message", () => {
    const text = helpText(null);
    for (const path of ["/alert price", "/alert remove", "/watchlist show", "/price", "/link", "/help"]) {
      expect(text).toContain(path);
    }
    expect(text.length).toBeLessThanOrEqual(2000);
    expect(helpText("alert").length).toBeLessThanOrEqual(2000);
    expect(helpText("alert")).toContain("`/alert move ticker:AAPL percent:3 within:1h`");
    for (const sub of ["volume", "average", "rsi"]) {
      expect(text).toContain(`/alert ${sub}`);
      expect(helpText("alert")).toContain(`\`/alert ${sub} ticker:AAPL`);
    }
    expect(text).toContain("/alert move");
    expect(helpText("watchlist")).not.toContain("/alert price");
  });
});
