import { describe, expect, it } from "vitest";
import { KnownDeliveries } from "./known-deliveries.ts";

describe("KnownDeliveries", () => {
  it("remembers outcomes and forgets the least recently used past its capacity", () => {
    const known = new KnownDeliveries(3);
    known.remember("a", "sent");
    known.remember("b", "undeliverable");
    known.remember("c", "sent");
    expect(known.get("a")).toBe("sent"); // a is now the most recently used
    known.remember("d", "sent");
    expect(known.get("b")).toBeUndefined();
    expect([known.get("a"), known.get("c"), known.get("d")]).toEqual(["sent", "sent", "sent"]);
    expect(known.size).toBe(3);
  });

  it("refuses a capacity that is not a positive integer", () => {
    expect(() => new KnownDeliveries(0)).toThrow(/positive integer/);
  });
});
