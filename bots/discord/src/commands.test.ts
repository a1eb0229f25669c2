import { describe, expect, it } from "vitest";
import { helpText, requestFromSlash, SLASH_COMMANDS, slashExample } from "./commands.ts";

const now = new Date("2026-11-24T15:00:00Z");

describe("SLASH_COMMANDS", () => {
  it("declares /alert with its ten subcommands and value as a string option read by the core grammar", () => {
    const alert = SLASH_COMMANDS.find((c) => c.name === "alert");
    const subcommands = (alert?.options ?? []).map((o) => o.name);
    expect(subcommands).toEqual([
      "price",
      "percent",
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
    for (const path of ["alert price", "alert percent", "alert trailing"]) {
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
    expect(helpText("watchlist")).not.toContain("/alert price");
  });
});
