import { createLogger } from "@tickerbell/config";
import type { HeldUser, Notification, UserSettings } from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { InMemoryDeliveryLog } from "../delivery/memory-log.ts";
import { RateLimiter } from "../delivery/rate-limiter.ts";
import type { Digest } from "../format/digest.ts";
import type { HeldStore, SettingsSource } from "./held-client.ts";
import { QuietHours } from "./quiet-delivery.ts";

const USER = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

function notification(n: number): Notification {
  const alertId = `0f8fad5b-d9cb-469f-a165-${String(n).padStart(12, "0")}`;
  return {
    v: 1,
    type: "triggered",
    triggerId: `${alertId}:0`,
    alertId,
    generation: 0,
    userId: USER,
    origin: { platform: "telegram", chatId: "chat-1" },
    symbol: "AAPL",
    condition: { kind: "price", direction: "above", target: 200 + n },
    price: 201 + n,
    referencePrice: 190,
    moveAbs: 11,
    movePercent: 5,
    note: null,
    repeating: false,
    firedAt: new Date(Date.UTC(2026, 11, 3, 22, n)).toISOString(),
  };
}

/** The alert service's side, in memory: settings, held notifications, requests counted. */
class MemoryStore implements SettingsSource, HeldStore {
  settings: UserSettings = { timeZone: "UTC", quietHours: { start: "22:00", end: "07:00" }, charts: true };
  readonly held = new Map<string, Notification>();
  holdRequests = 0;
  async lookupSettings(userIds: readonly string[]) {
    return new Map(userIds.map((id) => [id, this.settings]));
  }
  async hold(notifications: readonly Notification[]) {
    this.holdRequests++;
    for (const n of notifications) this.held.set(n.triggerId, n);
    return [];
  }
  async heldUsers(): Promise<HeldUser[]> {
    if (this.held.size === 0) return [];
    return [
      { userId: USER, settings: this.settings, held: this.held.size, oldestHeldAt: new Date().toISOString() },
    ];
  }
  async claim() {
    return [...this.held.values()];
  }
}

describe("QuietHours", () => {
  it("holds what arrives together in one request, and sends one digest per chat once quiet hours are over", async () => {
    const store = new MemoryStore();
    const log = new InMemoryDeliveryLog();
    const digests: Array<{ chatId: string; digest: Digest }> = [];
    let now = new Date("2026-12-03T23:00:00Z");
    const quiet = new QuietHours({
      platform: "telegram",
      store,
      log,
      sendDigest: async (chatId, digest) => void digests.push({ chatId, digest }),
      limiter: new RateLimiter({ globalPerSecond: 1000, perChatPerSecond: 1000 }),
      logger: createLogger({ service: "test", level: "silent" }),
      now: () => now,
    });
    const decision = await quiet.decide(notification(1));
    expect(decision).toEqual({
      hold: true,
      display: { kind: "zone", timeZone: "UTC" },
      timeZone: "UTC",
      charts: true,
    });
    expect(await quiet.decide({ ...notification(1), urgent: true })).toMatchObject({ hold: false });
    // A group's alert is the group's: its creator's quiet hours do not hold it.
    const inGroup = {
      ...notification(1),
      origin: { platform: "telegram" as const, chatId: "-100123", kind: "group" as const },
    };
    expect(await quiet.decide(inGroup)).toMatchObject({ hold: false });
    await Promise.all([1, 2, 3].map((n) => quiet.hold(notification(n))));
    expect(store.holdRequests).toBe(1);
    expect(await quiet.runOnce()).toBe(0);
    now = new Date("2026-12-04T07:00:00Z");
    expect(await quiet.runOnce()).toBe(1);
    expect(digests).toHaveLength(1);
    expect(digests[0]!.chatId).toBe("chat-1");
    expect(digests[0]!.digest.groups[0]!.lines).toHaveLength(3);
    const states = await log.lookup([1, 2, 3].map((n) => notification(n).triggerId));
    expect([...states.values()]).toEqual(["sent", "sent", "sent"]);
    await quiet.stop();
  });
});
