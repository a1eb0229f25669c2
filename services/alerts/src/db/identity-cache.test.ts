import { describe, expect, it } from "vitest";
import { IdentityCache } from "./identity-cache.ts";

const ann = { platform: "telegram" as const, platformUserId: "1" };
const bob = { platform: "telegram" as const, platformUserId: "2" };

describe("IdentityCache", () => {
  it("remembers nothing until it is listening", () => {
    const cache = new IdentityCache();
    cache.remember(ann, "user-a", cache.epoch());
    expect(cache.get(ann)).toBeUndefined();
    cache.trust();
    cache.remember(ann, "user-a", cache.epoch());
    expect(cache.get(ann)).toBe("user-a");
  });

  it("does not keep an answer asked for before a forget", () => {
    const cache = new IdentityCache({ trusted: true });
    const asked = cache.epoch();
    cache.forgetAll(); // a link committed while the lookup was on its way
    cache.remember(ann, "former-user", asked);
    expect(cache.get(ann)).toBeUndefined();
  });

  it("forgets everything when the connection is lost, and answers nothing until listening again", () => {
    const cache = new IdentityCache({ trusted: true });
    cache.remember(ann, "user-a", cache.epoch());
    cache.distrust();
    expect(cache.get(ann)).toBeUndefined();
    cache.remember(ann, "user-a", cache.epoch());
    expect(cache.get(ann)).toBeUndefined();
  });

  it("drops the entry remembered longest ago when full", () => {
    const cache = new IdentityCache({ trusted: true, maxEntries: 1 });
    cache.remember(ann, "user-a", cache.epoch());
    cache.remember(bob, "user-b", cache.epoch());
    expect(cache.get(ann)).toBeUndefined();
    expect(cache.get(bob)).toBe("user-b");
  });
});
