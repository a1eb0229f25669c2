import { type ChartOutcome, ChartRenderer } from "@tickerbell/charts";
import { createLogger } from "@tickerbell/config";
import {
  type Bar,
  type BarsResponse,
  DEFAULT_USER_SETTINGS,
  type Notification,
  type UserSettings,
} from "@tickerbell/contracts";
import { describe, expect, it } from "vitest";
import { BarChartMaker, type BarsLookup } from "../charts/chart-maker.ts";
import type { HeldStore, SettingsSource } from "../quiet/held-client.ts";
import { QuietHours } from "../quiet/quiet-delivery.ts";
import { InMemoryDeliveryLog } from "./memory-log.ts";
import { DeliveryPipeline } from "./pipeline.ts";
import type { ChartEdit, NotificationBatch, Notifier, NotifyOptions, SentMessage } from "./ports.ts";
import { RateLimiter } from "./rate-limiter.ts";

// `/settings charts off`: the operator draws charts (CHARTS=on), and this user's DMs still come without one.

const NOW = Date.UTC(2026, 10, 24, 16, 0);
const MINUTE = 60_000;
const WANTS_CHARTS = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const NO_CHARTS = "16fd2706-8baf-433b-82eb-8c7fada847da";

/** A morning of minute bars, as the pricing service would answer them. */
class RecordedBars implements BarsLookup {
  async bars(symbol: string, query: { resolution: "1m" | "1d"; from: number; to: number }) {
    const open = Date.UTC(2026, 10, 24, 14, 30);
    const bars: Bar[] = Array.from({ length: 90 }, (_, i) => {
      const c = 100 + i * 0.05;
      return { t: open + i * MINUTE, o: c, h: c + 0.02, l: c - 0.02, c, v: 100, n: 3 };
    }).filter((bar) => bar.t >= query.from && bar.t < query.to);
    return { symbol, ...query, bars, previousClose: 99.5 } as BarsResponse;
  }
}

/** The alert service's settings, in memory: one user turned charts off. */
class Settings implements SettingsSource, HeldStore {
  async lookupSettings(userIds: readonly string[]): Promise<Map<string, UserSettings>> {
    return new Map(
      userIds.map((id) => [id, { ...DEFAULT_USER_SETTINGS, charts: id !== NO_CHARTS }] as const),
    );
  }
  async hold(): Promise<string[]> {
    return [];
  }
  async heldUsers() {
    return [];
  }
  async claim() {
    return [];
  }
}

/** A platform that cannot edit a sent message: each message's chart, if any, goes with it. */
class RecordingNotifier implements Notifier {
  readonly platform = "telegram" as const;
  readonly maxBatch = 8;
  readonly sent: Array<{ userId: string; options: NotifyOptions | undefined }> = [];
  async send(batch: NotificationBatch, options?: NotifyOptions): Promise<SentMessage | undefined> {
    this.sent.push({ userId: batch[0].userId, options });
    return undefined;
  }
  /** Each user's chart, as the message carried it. */
  charts(): Map<string, ChartOutcome | undefined> {
    return new Map(this.sent.map((m) => [m.userId, m.options?.chart]));
  }
}

/** A platform that sends at once and edits the chart into the sent message afterwards. */
class EditingNotifier extends RecordingNotifier {
  readonly edits: Array<{ userId: string; chart: ChartOutcome }> = [];
  override async send(batch: NotificationBatch, options?: NotifyOptions): Promise<SentMessage> {
    await super.send(batch, options);
    return { chatId: batch[0].origin.chatId, messageId: batch[0].triggerId };
  }
  async attachChart(_sent: SentMessage, notification: Notification, options: ChartEdit): Promise<void> {
    this.edits.push({ userId: notification.userId, chart: options.chart });
  }
  override charts(): Map<string, ChartOutcome | undefined> {
    const sent = super.charts();
    for (const edit of this.edits) sent.set(edit.userId, edit.chart);
    return sent;
  }
}

function fired(userId: string, chatId: string): Notification {
  const alertId =
    userId === NO_CHARTS ? "0f8fad5b-d9cb-469f-a165-70867728950f" : "0f8fad5b-d9cb-469f-a165-70867728950e";
  return {
    v: 1,
    type: "triggered",
    triggerId: `${alertId}:0`,
    alertId,
    generation: 0,
    userId,
    origin: { platform: "telegram", chatId },
    symbol: "AAPL",
    condition: { kind: "price", direction: "above", target: 104 },
    price: 104.1,
    referencePrice: 100,
    moveAbs: 4.1,
    movePercent: 4.1,
    note: null,
    repeating: false,
    firedAt: new Date(NOW - 5 * MINUTE).toISOString(),
  };
}

describe("a user's charts setting on the delivery path", () => {
  it.each([
    ["waits for its chart", () => new RecordingNotifier()],
    ["edits the chart in after the DM", () => new EditingNotifier()],
  ])(
    "sends a user with charts off their notification without a chart, others theirs (a platform that %s)",
    async (_kind, platform) => {
      const logger = createLogger({ service: "test", level: "silent" });
      const limiter = new RateLimiter({ globalPerSecond: 1000, perChatPerSecond: 1000 });
      const log = new InMemoryDeliveryLog();
      const quietHours = new QuietHours({
        platform: "telegram",
        store: new Settings(),
        log,
        sendDigest: async () => {},
        limiter,
        logger,
        now: () => new Date(NOW),
      });
      const notifier = platform();
      const pipeline = new DeliveryPipeline({
        notifier,
        log,
        limiter,
        logger,
        quietHours,
        charts: new BarChartMaker({
          bars: new RecordedBars(),
          renderer: new ChartRenderer(),
          budgetMs: 60_000,
          now: () => NOW,
        }),
      });
      await Promise.all([
        pipeline.deliver(fired(WANTS_CHARTS, "chat-a")),
        pipeline.deliver(fired(NO_CHARTS, "chat-b")),
      ]);
      // Closing waits for charts still being edited in.
      await pipeline.close();
      await quietHours.stop();
      const charts = notifier.charts();
      expect(charts.get(WANTS_CHARTS)?.png?.subarray(1, 4).toString()).toBe("PNG");
      // As with charts off for everyone: the same message, with no chart and no word about a missing one.
      expect(charts.has(NO_CHARTS)).toBe(true);
      expect(charts.get(NO_CHARTS)).toBeUndefined();
      expect(notifier.sent.find((m) => m.userId === NO_CHARTS)?.options).toEqual({
        display: { kind: "zone", timeZone: "UTC" },
      });
    },
  );
});
