import { StudyKeySchema } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { studyKeyOf } from "./studies.ts";

describe("studyKeyOf", () => {
  it("names the study each volume or indicator alert reads, in the contract's key shape", () => {
    const keys = [
      studyKeyOf({ kind: "volume", multiple: 3 }),
      studyKeyOf({ kind: "average", average: "sma", period: 50, direction: "cross" }),
      studyKeyOf({ kind: "average", average: "ema", period: 200, direction: "above" }),
      studyKeyOf({ kind: "rsi", direction: "below", level: 30, period: 14, interval: "1d" }),
      studyKeyOf({ kind: "rsi", direction: "above", level: 80, period: 7, interval: "1h" }),
    ];
    expect(keys).toEqual(["volume", "sma50", "ema200", "rsi14:1d", "rsi7:1h"]);
    for (const key of keys) expect(StudyKeySchema.safeParse(key).success).toBe(true);
  });

  it("is null for kinds that read prices only", () => {
    expect(studyKeyOf({ kind: "price", direction: "above", target: 10 })).toBeNull();
    expect(studyKeyOf({ kind: "extreme", side: "high", span: "session" })).toBeNull();
  });
});
