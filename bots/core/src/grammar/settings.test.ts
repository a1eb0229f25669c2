import { describe, expect, it } from "vitest";
import { parseCommand } from "./parse.ts";
import { closeTimeZones } from "./settings.ts";

const now = new Date("2026-12-03T12:00:00Z");
const parse = (text: string) => parseCommand(text, { now });

describe("/settings", () => {
  it("alone shows the settings", () => {
    expect(parse("/settings")).toEqual({ ok: true, command: { name: "settings", change: null } });
  });

  it("tz takes an IANA name in any case and answers its canonical spelling; off or reset goes back to UTC", () => {
    expect(parse("/settings tz europe/berlin")).toEqual({
      ok: true,
      command: { name: "settings", change: { timeZone: "Europe/Berlin" } },
    });
    expect(parse("/settings time zone America/New_York")).toMatchObject({
      command: { change: { timeZone: "America/New_York" } },
    });
    expect(parse("/settings timezone reset")).toMatchObject({ command: { change: { timeZone: null } } });
    expect(parse("/settings tz UTC")).toMatchObject({ command: { change: { timeZone: "UTC" } } });
  });

  it("has shortcuts people type for a setting: /tz, /timezone, /quiet and /dnd are /settings with that word", () => {
    expect(parse("/tz Europe/Berlin")).toEqual({
      ok: true,
      command: { name: "settings", change: { timeZone: "Europe/Berlin" } },
    });
    expect(parse("/timezone reset")).toMatchObject({ command: { change: { timeZone: null } } });
    expect(parse("/quiet 22:00-07:00")).toEqual(parse("/settings quiet 22:00-07:00"));
    expect(parse("/quiet off")).toEqual(parse("/settings quiet off"));
    expect(parse("/dnd 23:00-06:30")).toEqual(parse("/settings quiet 23:00-06:30"));
    // Refusals read as those of /settings, with its example.
    expect(parse("/tz Mars/Base")).toEqual(parse("/settings tz Mars/Base"));
    expect(parse("/quiet")).toEqual(parse("/settings quiet"));
    expect(parse("/quiet")).toMatchObject({ ok: false });
  });

  it("tz refuses what is no zone, with close matches when there are some", () => {
    expect(parse("/settings tz Europe/Berln")).toEqual({
      ok: false,
      error: {
        message: '"Europe/Berln" is not a time zone I know. Did you mean Europe/Berlin?',
        example: "/settings tz Europe/Berlin",
      },
    });
    expect(parse("/settings tz +01:00")).toMatchObject({ ok: false });
    expect(parse("/settings tz New York")).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/one word, like America\/New_York/) },
    });
    expect(closeTimeZones("new_york")).toEqual(["America/New_York"]);
    expect(closeTimeZones("zzzzzzzzzzzz")).toEqual([]);
  });

  it("quiet takes two 24-hour times (wrapping midnight is fine), or off", () => {
    for (const text of ["22:00-07:00", "22:00 - 07:00", "22-7", "22:00 to 07:00", "22.00 07.00"]) {
      expect(parse(`/settings quiet ${text}`), text).toEqual({
        ok: true,
        command: { name: "settings", change: { quietHours: { start: "22:00", end: "07:00" } } },
      });
    }
    expect(parse("/settings quiet off")).toMatchObject({ command: { change: { quietHours: null } } });
    for (const bad of ["24:00-07:00", "22:60-07:00", "late", "22:00", "7-7"]) {
      expect(parse(`/settings quiet ${bad}`), bad).toMatchObject({ ok: false });
    }
    expect(parse("/settings volume 11")).toMatchObject({
      ok: false,
      error: {
        message: expect.stringMatching(/time zone \(tz\), quiet hours \(quiet\) or charts \(charts\)/),
      },
    });
  });

  it("charts takes on or off, in any case", () => {
    for (const [text, charts] of [
      ["charts on", true],
      ["charts off", false],
      ["Charts OFF", false],
      ["chart on", true],
    ] as const) {
      expect(parse(`/settings ${text}`), text).toEqual({
        ok: true,
        command: { name: "settings", change: { charts } },
      });
    }
  });

  it("charts refuses anything but on or off, saying so", () => {
    for (const bad of ["charts maybe", "charts", "charts on off"]) {
      expect(parse(`/settings ${bad}`), bad).toMatchObject({
        ok: false,
        error: { message: expect.stringMatching(/on or off/), example: "/settings charts off" },
      });
    }
    expect(parse("/settings charts maybe")).toMatchObject({
      error: { message: 'Charts are on or off, not "maybe".' },
    });
  });
});

describe("urgent", () => {
  it("is an option of /alert, on every level", () => {
    expect(parse("/alert AAPL above 200 urgent")).toMatchObject({
      ok: true,
      command: { name: "alert", urgent: true },
    });
    const levels = parse("/alert AAPL above 200 210 urgent repeat 1h");
    expect(levels).toMatchObject({ ok: true, command: { name: "alert-levels" } });
    if (levels.ok && levels.command.name === "alert-levels") {
      expect(levels.command.alerts.map((a) => a.urgent)).toEqual([true, true]);
    }
    expect(parse("/alert AAPL above 200")).toMatchObject({ ok: true, command: { name: "alert" } });
    const plain = parse("/alert AAPL above 200");
    expect(plain.ok && plain.command.name === "alert" && plain.command.urgent).toBeFalsy();
  });

  it("is turned on and off by /edit", () => {
    expect(parse("/edit 2 urgent")).toMatchObject({ ok: true, command: { name: "edit", urgent: true } });
    expect(parse("/edit 2 no urgent")).toMatchObject({ ok: true, command: { name: "edit", urgent: false } });
  });
});
