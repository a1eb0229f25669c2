import { describe, expect, it } from "vitest";
import { standingLevels } from "./levels.ts";

const stored = { thresholds: { upper: null, lower: null }, extreme: null, referencePrice: 100 };

describe("standingLevels (what the demand snapshot ranks by)", () => {
  it("answers a price or percent alert's stored thresholds", () => {
    expect(
      standingLevels({
        ...stored,
        condition: { kind: "price", direction: "cross", target: 110 },
        thresholds: { upper: 110, lower: 110 },
      }),
    ).toEqual({ upper: 110, lower: 110 });
    expect(
      standingLevels({
        ...stored,
        condition: { kind: "percent", direction: "down", percent: 5, basis: "last" },
        thresholds: { upper: null, lower: 95 },
      }),
    ).toEqual({ upper: null, lower: 95 });
  });

  it("computes a trailing alert's level from its stored peak or trough, or the reference before one", () => {
    const down = { kind: "trailing", direction: "down", offset: { unit: "percent", value: 10 } } as const;
    expect(standingLevels({ ...stored, condition: down, extreme: 120 })).toEqual({ upper: null, lower: 108 });
    expect(standingLevels({ ...stored, condition: down })).toEqual({ upper: null, lower: 90 });
    const up = { kind: "trailing", direction: "up", offset: { unit: "amount", value: 3 } } as const;
    expect(standingLevels({ ...stored, condition: up, extreme: 80 })).toEqual({ upper: 83, lower: null });
    const wide = { kind: "trailing", direction: "down", offset: { unit: "amount", value: 150 } } as const;
    expect(standingLevels({ ...stored, condition: wide })).toEqual({ upper: null, lower: null });
  });

  it("answers no level for a window alert (its levels follow the window) or an earnings alert", () => {
    expect(
      standingLevels({
        ...stored,
        condition: { kind: "window", direction: "move", percent: 3, windowSeconds: 3600 },
      }),
    ).toEqual({ upper: null, lower: null });
    expect(standingLevels({ ...stored, condition: { kind: "earnings" } })).toEqual({
      upper: null,
      lower: null,
    });
  });
});
