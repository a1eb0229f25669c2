import { describe, expect, it } from "vitest";
import { editCommandFromOptions } from "./edit.ts";
import { parseCommand } from "./parse.ts";

const now = new Date("2026-06-01T12:00:00Z");
const parse = (text: string) => parseCommand(text, { now });

describe("/edit", () => {
  it.each([
    [
      "/edit 2 above 210",
      {
        ref: { by: "position", position: 2 },
        level: { kind: "condition", condition: { kind: "price", direction: "above", target: 210 } },
      },
    ],
    ["/edit 2 210", { level: { kind: "price", value: 210, text: "210" } }],
    ["/edit 2 $1,250.50", { level: { kind: "price", value: 1250.5, text: "$1,250.50" } }],
    ["/edit 3 5%", { level: { kind: "percent", value: 5 } }],
    [
      "/edit 3 down 3% from close",
      {
        level: {
          kind: "condition",
          condition: { kind: "percent", direction: "down", percent: 3, basis: "close" },
        },
      },
    ],
    [
      "/edit 3 trail up $5",
      {
        level: {
          kind: "condition",
          condition: { kind: "trailing", direction: "up", offset: { unit: "amount", value: 5 } },
        },
      },
    ],
    [
      "/edit 2 >210",
      { level: { kind: "condition", condition: { kind: "price", direction: "above", target: 210 } } },
    ],
    ["/edit 2 within 4h", { level: { kind: "window", seconds: 14_400 } }],
    ["/edit 2 in 15 minutes", { level: { kind: "window", seconds: 900 } }],
    ["/edit 2 within the last hour", { level: { kind: "window", seconds: 3600 } }],
    ["/edit 2 5% within 1d", { level: { kind: "percent", value: 5, windowSeconds: 86_400 } }],
    [
      "/edit 2 up 3% within 1h repeat 1h",
      {
        level: {
          kind: "condition",
          condition: { kind: "window", direction: "up", percent: 3, windowSeconds: 3600 },
        },
        repeat: { cooldownSeconds: 3600 },
      },
    ],
    ['/edit 2 note "trim here"', { level: null, note: "trim here" }],
    ["/edit 2 note -", { level: null, note: null }],
    ['/edit 2 note "-"', { level: null, note: null }],
    ["/edit 2 no note", { level: null, note: null }],
    ["/edit 2 rth", { level: null, regularHoursOnly: true }],
    ["/edit 2 no rth", { level: null, regularHoursOnly: false }],
    ["/edit 2 urgent", { level: null, urgent: true }],
    ["/edit 2 no urgent rth", { level: null, urgent: false, regularHoursOnly: true }],
    ["/edit 2 210 no rth", { level: { kind: "price", value: 210, text: "210" }, regularHoursOnly: false }],
    ["/edit 2 no note repeat 1h", { level: null, note: null, repeat: { cooldownSeconds: 3600 } }],
    ["/edit 2 repeat 1h", { level: null, repeat: { cooldownSeconds: 3600 } }],
    ["/edit 2 once", { level: null, repeat: null }],
    ["/edit 2 expires 3d", { level: null, expiresAt: "2026-06-04T12:00:00.000Z" }],
    ["/edit 2 expires never", { level: null, expiresAt: null }],
    [
      '/edit 3f9a1c2e 210 repeat 30m note "x"',
      {
        ref: { by: "id", id: "3f9a1c2e" },
        level: { kind: "price", value: 210, text: "210" },
        repeat: { cooldownSeconds: 1800 },
        note: "x",
      },
    ],
  ])("%s", (text, expected) => {
    const parsed = parse(text);
    expect(parsed.ok, JSON.stringify(parsed)).toBe(true);
    if (parsed.ok) expect(parsed.command).toMatchObject({ name: "edit", ...expected });
  });

  it("changes only what is given", () => {
    const parsed = parse("/edit 2 note hi");
    expect(parsed.ok && parsed.command).toEqual({
      name: "edit",
      ref: { by: "position", position: 2 },
      level: null,
      note: "hi",
    });
  });

  it("reads Discord's options with the same readers", () => {
    expect(editCommandFromOptions({ alert: "2", level: "above 210", expires: "never" }, { now })).toEqual({
      ok: true,
      command: {
        name: "edit",
        ref: { by: "position", position: 2 },
        level: { kind: "condition", condition: { kind: "price", direction: "above", target: 210 } },
        expiresAt: null,
      },
    });
    expect(editCommandFromOptions({ alert: "2", repeat: "off", note: "why" }, { now })).toMatchObject({
      ok: true,
      command: { repeat: null, note: "why", level: null },
    });
    expect(
      editCommandFromOptions({ alert: "2", regularHoursOnly: false, urgent: true }, { now }),
    ).toMatchObject({ ok: true, command: { regularHoursOnly: false, urgent: true, level: null } });
    expect(editCommandFromOptions({ alert: "2", note: " - " }, { now })).toMatchObject({
      ok: true,
      command: { note: null, level: null },
    });
    expect(editCommandFromOptions({ alert: "2", level: "above abc" }, { now })).toEqual({
      ok: false,
      error: { message: expect.stringMatching(/"abc" is not a price/), example: "/edit 2 above 200" },
    });
    expect(editCommandFromOptions({ alert: "2", level: "within 30m" }, { now })).toMatchObject({
      ok: true,
      command: { level: { kind: "window", seconds: 1800 } },
    });
    expect(editCommandFromOptions({ alert: "2", level: "within 2d" }, { now })).toEqual({
      ok: false,
      error: { message: expect.stringMatching(/at most 1 day/), example: "/edit 2 within 1h" },
    });
    expect(editCommandFromOptions({ alert: "2" }, { now })).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/What should change/) },
    });
  });
});

describe("bulk forms of /pause, /resume and /delete", () => {
  it.each([
    ["/pause all", { name: "bulk", verb: "pause", symbol: null }],
    ["/resume all", { name: "bulk", verb: "resume", symbol: null }],
    ["/delete all", { name: "bulk", verb: "delete", symbol: null }],
    ["/delete AAPL", { name: "bulk", verb: "delete", symbol: "AAPL" }],
    ["/delete $brk.b", { name: "bulk", verb: "delete", symbol: "BRK.B" }],
    ["/pause everything", { name: "bulk", verb: "pause", symbol: null }],
    // A list number or an id is still one alert.
    ["/delete 2", { name: "delete", ref: { by: "position", position: 2 } }],
    ["/delete 3f9a1c2e", { name: "delete", ref: { by: "id", id: "3f9a1c2e" } }],
    // Letters that are also an id prefix: the ticker when the user holds alerts on it, else the id.
    ["/delete ADBE", { name: "delete", ref: { by: "id", id: "adbe", orSymbol: "ADBE" } }],
  ])("%s", (text, expected) => {
    const parsed = parse(text);
    expect(parsed.ok && parsed.command).toEqual(expected);
  });
});
