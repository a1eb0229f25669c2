import { describe, expect, it } from "vitest";
import { WebhookOwners } from "./owners.ts";

describe("WebhookOwners", () => {
  it("loads at first use, applies its own adds at once, and keeps an add made while a load was under way", async () => {
    let stored = ["u1"];
    let release: () => void = () => {};
    let loads = 0;
    const owners = new WebhookOwners(async () => {
      loads += 1;
      const answer = [...stored];
      if (loads === 2) await new Promise<void>((resolve) => (release = resolve));
      return answer;
    });
    expect(await owners.has("u1")).toBe(true);
    expect(await owners.has("u2")).toBe(false);
    owners.add("u2");
    expect(await owners.has("u2")).toBe(true);
    expect(loads).toBe(1);

    // A refresh reads the table before u3's webhook is written; u3 is added meanwhile and must survive it.
    stored = ["u1", "u2"];
    const refreshing = owners.refresh();
    owners.add("u3");
    release();
    await refreshing;
    expect(await owners.has("u3")).toBe(true);
    expect(await owners.has("u2")).toBe(true);
  });
});
