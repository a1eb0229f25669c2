import type { Alert, AlertCondition } from "@tickerbell/contracts";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { exportCsv, plainNumber } from "./export.ts";
import { readImportFile } from "./import-file.ts";

const now = new Date("2026-12-03T12:00:00Z");
const positive = (max: number) =>
  fc.double({ min: 1e-12, max, noNaN: true, noDefaultInfinity: true }).filter((v) => v > 0 && v <= max);
const below100 = positive(99.999).filter((v) => v < 100);

const condition: fc.Arbitrary<AlertCondition> = fc.oneof(
  fc.record({
    kind: fc.constant("price" as const),
    direction: fc.constantFrom("above" as const, "below" as const, "cross" as const),
    target: positive(1_000_000),
  }),
  fc
    .oneof(
      fc.record({
        kind: fc.constant("percent" as const),
        direction: fc.constant("up" as const),
        percent: positive(1000),
      }),
      fc.record({
        kind: fc.constant("percent" as const),
        direction: fc.constantFrom("down" as const, "move" as const),
        percent: below100,
      }),
    )
    .chain((c) => fc.constantFrom("last" as const, "close" as const).map((basis) => ({ ...c, basis }))),
  fc.record({
    kind: fc.constant("trailing" as const),
    direction: fc.constantFrom("up" as const, "down" as const),
    offset: fc.oneof(
      fc.record({ unit: fc.constant("percent" as const), value: below100 }),
      fc.record({ unit: fc.constant("amount" as const), value: positive(1_000_000) }),
    ),
  }),
  fc.constant({ kind: "earnings" as const }),
  fc
    .oneof(
      fc.record({ direction: fc.constant("up" as const), percent: positive(1000) }),
      fc.record({ direction: fc.constantFrom("down" as const, "move" as const), percent: below100 }),
    )
    .chain((c) =>
      fc
        .integer({ min: 5, max: 1440 })
        .map((minutes) => ({ kind: "window" as const, ...c, windowSeconds: minutes * 60 })),
    ),
  fc.record({
    kind: fc.constant("extreme" as const),
    side: fc.constantFrom("high" as const, "low" as const),
    span: fc.constantFrom("session" as const, "52w" as const),
  }),
);

/** The fields export reads; the rest of an Alert does not reach the file. */
const alert = fc
  .record({
    condition,
    cooldown: fc.option(fc.integer({ min: 60, max: 30 * 86_400 })),
    expiresInMs: fc.option(fc.integer({ min: 60_000, max: 300 * 86_400_000 })),
    note: fc.option(
      fc.stringMatching(/^[=+\-@' A-Za-z0-9,"%]{1,50}$/).filter((n) => n.trim() === n && n !== ""),
    ),
    rth: fc.boolean(),
    urgent: fc.boolean(),
    paused: fc.boolean(),
  })
  // An earnings alert neither repeats nor keeps to regular hours (the grammar refuses both for it).
  .map((a) => (a.condition.kind === "earnings" ? { ...a, cooldown: null, rth: false } : a))
  .map(
    (a) =>
      ({
        symbol: "AAPL",
        condition: a.condition,
        repeat: a.cooldown === null ? null : { cooldownSeconds: a.cooldown },
        expiresAt: a.expiresInMs === null ? null : new Date(now.getTime() + a.expiresInMs).toISOString(),
        note: a.note,
        regularHoursOnly: a.rth,
        urgent: a.urgent,
        status: a.paused ? "paused" : "active",
      }) as unknown as Alert,
  );

describe("export", () => {
  it("writes numbers in plain digits that read back as the same number", () => {
    expect(plainNumber(1.234e-10)).toBe("0.0000000001234");
    expect(plainNumber(187.5)).toBe("187.5");
    fc.assert(
      fc.property(positive(1_000_000), (v) => {
        expect(Number(plainNumber(v))).toBe(v);
      }),
    );
  });

  it("writes every alert so that the /alert grammar reads it back as it was", () => {
    fc.assert(
      fc.property(fc.array(alert, { minLength: 1, maxLength: 5 }), (alerts) => {
        const read = readImportFile(new TextEncoder().encode(exportCsv(alerts, ["MSFT"])), "x.csv", now);
        expect(read.ok).toBe(true);
        if (!read.ok) return;
        expect(
          read.lines.slice(0, -1).map((l) => (l.kind === "alert" ? l : l.kind === "refused" ? l.why : l)),
        ).toEqual(
          alerts.map((a) =>
            expect.objectContaining({
              kind: "alert",
              paused: a.status === "paused",
              command: expect.objectContaining({
                symbol: "AAPL",
                condition: a.condition,
                repeat: a.repeat,
                expiresAt: a.expiresAt,
                note: a.note,
                regularHoursOnly: a.regularHoursOnly,
              }),
            }),
          ),
        );
        expect(read.lines.at(-1)).toEqual({
          label: `line ${alerts.length + 2}`,
          kind: "watch",
          symbol: "MSFT",
        });
      }),
      { numRuns: 200 },
    );
  });
});
