import type { ChartOutcome } from "@tickerbell/charts";
import { backoffMs, type Logger, type RetryPolicy } from "@tickerbell/config";
import type { Notification } from "@tickerbell/contracts";
import type { ChartMaker } from "../charts/chart-maker.ts";
import type { TimeDisplay } from "../format/time.ts";
import { StopLatch, StoppedError } from "./backoff.ts";
import { KnownDeliveries } from "./known-deliveries.ts";
import { LookupBatcher } from "./lookup-batcher.ts";
import type { DeliveryMetrics } from "./metrics.ts";
import { OutcomeRecorder } from "./outcome-recorder.ts";
import {
  DeliveryError,
  type DeliveryLog,
  type NotificationBatch,
  type Notifier,
  type QuietHoursGate,
  type SentMessage,
} from "./ports.ts";
import { type RateLimiter, realSleep, type Sleep } from "./rate-limiter.ts";

/** A send's whole retry budget (the bus does not retry it again): two minutes of a platform failing. */
export const DEFAULT_RETRY: RetryPolicy = {
  attempts: Number.POSITIVE_INFINITY,
  baseDelayMs: 250,
  maxDelayMs: 15_000,
  withinMs: 120_000,
};

export type DeliveryOutcome =
  | { status: "sent"; attempts: number }
  | { status: "duplicate" }
  /** Held for the user's quiet-hours digest (durably, in the alert service). */
  | { status: "held" }
  | { status: "undeliverable"; reason: string };

/** Where a notification was read: its partition of `notifications.<platform>` and its offset there. */
export interface NotificationSource {
  partition: number;
  offset: string;
}

/** A partition this process now owns, and where it ended when it was assigned (unknown: undefined). */
export interface InheritedPartition {
  partition: number;
  endOffset: string | undefined;
}

export interface DeliveryPipelineDeps {
  notifier: Notifier;
  /** The shared delivery log (the alert service's): asked after a hand-over, written in groups. */
  log: DeliveryLog;
  limiter: RateLimiter;
  logger: Logger;
  retry?: RetryPolicy;
  sleep?: Sleep;
  /**
   * Told when a notification becomes undeliverable, once that is recorded (e.g. to pause a community chat's alerts
   * and tell their creators, DestinationLoss).
   */
  onUndeliverable?: (notification: Notification, reason: string) => Promise<void> | void;
  /** How many triggerIds this process remembers having handled (default 200,000). */
  knownCapacity?: number;
  /** Group commit of outcomes: at most this long or this many records per write (default 50 ms, 200). */
  recording?: { flushEveryMs?: number; maxBatch?: number };
  /** Lookups asked within this window go in one request (default 5 ms). */
  lookupWindowMs?: number;
  /**
   * Quiet hours: asked about every notification before it is sent (an urgent one is never held), and tells how
   * its reader wants times shown. Without it everything is sent at once, times in UTC.
   */
  quietHours?: QuietHoursGate;
  /** DMs per outcome and the trade-to-DM time, for /metrics. */
  metrics?: DeliveryMetrics;
  /**
   * Draws the chart of a message that carries one firing, within its budget. A notifier that can edit a sent
   * message gets the DM out at once and the chart edited in after it (or, when none could be made, a footer that
   * says why); otherwise the DM waits for its chart up to the budget. None: charts are off.
   */
  charts?: ChartMaker;
  /** Charts being made or edited in at once, at most (default 32); a DM past it goes without and says so. */
  maxPendingCharts?: number;
  /** The wall clock of the trade-to-DM time and of the retry deadline (default Date.now). */
  now?: () => number;
}

/**
 * What becomes of a notification taken in: `handled` once it is sent, found undeliverable or found to be a
 * duplicate; `durable` once that is recorded where the next owner of its partition would find it (at once for a
 * duplicate). Both reject when the pipeline gives up on it (retries used up, or stopping): it must come again.
 */
export interface Acceptance {
  handled: Promise<DeliveryOutcome>;
  durable: Promise<void>;
}

interface Entry {
  notification: Notification;
  /** Whether to send it; undefined while the delivery log is being asked. */
  verdict: "send" | "skip" | undefined;
  /** Settles (never rejects) once `verdict` is known. */
  checked: Promise<void>;
  handled: PromiseWithResolvers<DeliveryOutcome>;
  durable: PromiseWithResolvers<void>;
  /** How the reader wants times shown, once the quiet-hours gate said (unset: the notifier's default). */
  display?: TimeDisplay;
  /** The reader's zone for a chart's time axis (unset: UTC). */
  timeZone?: string;
  /** Whether the reader wants charts (`/settings charts`; unset: yes). */
  charts?: boolean;
}

/** Gives up on an entry: neither handled nor durable (settling twice is a no-op). */
function fail(entry: Entry, error: unknown): void {
  entry.handled.reject(error);
  entry.durable.reject(error);
}

const ignore = () => {};

/** Waits until every promise has settled, or the deadline (epoch ms) has passed, whichever comes first. */
async function settledOrDeadline(promises: Iterable<Promise<unknown>>, deadline: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.allSettled(promises),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
    }),
  ]);
  clearTimeout(timer);
}

const DUPLICATE: DeliveryOutcome = { status: "duplicate" };
const TOO_MANY_CHARTS: ChartOutcome = { png: null, missing: "too many charts at once" };
const HELD: DeliveryOutcome = { status: "held" };
const SETTLED = Promise.resolve();

/**
 * Delivers notifications at the platform's limit, one chat's in order, several chats at once:
 *
 * - De-duplication from its own knowledge: the triggerIds this process sent or found undeliverable. The shared
 *   delivery log is asked (in batches) only about notifications an earlier owner of the partition may have
 *   handled, those below the partition's end offset when it was assigned; in the steady state nobody is asked.
 * - A mailbox per chat: notifications queue in arrival order; when the chat's rate-limit slot comes, its sender
 *   takes everything queued (up to what one message carries) and sends it as ONE message, so firings that come
 *   within the per-chat interval (Telegram: about a second) are coalesced. Different chats go concurrently,
 *   paced by the limiter.
 * - Transient failures are retried with backoff (honouring the platform's retry-after); permanent ones make the
 *   whole message undeliverable. A failure that survives the retry budget is thrown, and the bus dead-letters it.
 * - Outcomes are recorded in groups (at most one write per ~50 ms); `deliver` resolves only once its outcome is
 *   recorded, so the bus commits the offset after that. A crash between a send and its write sends that message
 *   again on redelivery: the duplicates a crash can cause are the DMs of one write window.
 */
export class DeliveryPipeline {
  readonly #deps: DeliveryPipelineDeps;
  readonly #retry: RetryPolicy;
  readonly #stopLatch: StopLatch;
  readonly #known: KnownDeliveries;
  readonly #lookups: LookupBatcher;
  readonly #recorder: OutcomeRecorder;
  readonly #mailboxes = new Map<string, Entry[]>();
  readonly #inFlight = new Map<string, Acceptance>();
  /** Charts being made for DMs already sent, to be edited in. */
  readonly #pendingCharts = new Set<Promise<void>>();
  /** Per owned partition: offsets below this may have been handled by its previous owner. */
  readonly #inherited = new Map<number, bigint>();
  #closing = false;

  constructor(deps: DeliveryPipelineDeps) {
    this.#deps = deps;
    this.#retry = deps.retry ?? DEFAULT_RETRY;
    this.#stopLatch = new StopLatch(deps.sleep ?? realSleep);
    this.#known = new KnownDeliveries(deps.knownCapacity);
    this.#lookups = new LookupBatcher({
      log: deps.log,
      logger: deps.logger,
      stop: this.#stopLatch,
      ...(deps.lookupWindowMs === undefined ? {} : { windowMs: deps.lookupWindowMs }),
    });
    this.#recorder = new OutcomeRecorder({
      log: deps.log,
      logger: deps.logger,
      stop: this.#stopLatch,
      ...deps.recording,
    });
  }

  /** Requests made to the delivery log so far (lookups and outcome writes). */
  get logRequests(): { lookups: number; writes: number } {
    return { lookups: this.#lookups.requests, writes: this.#recorder.requests };
  }

  /**
   * Partitions just assigned to this process, with their end offsets at that moment: what lies below may have
   * been sent by the previous owner, so it is checked against the delivery log. An unknown end offset makes
   * every notification of that partition checked.
   */
  partitionsAssigned(partitions: readonly InheritedPartition[]): void {
    for (const { partition, endOffset } of partitions) {
      if (endOffset === undefined) this.#inherited.delete(partition);
      else this.#inherited.set(partition, BigInt(endOffset));
    }
  }

  partitionsRevoked(partitions: readonly number[]): void {
    for (const partition of partitions) this.#inherited.delete(partition);
  }

  /**
   * Delivers one notification; resolves once its outcome is recorded. Without a `source` the notification is
   * treated as possibly handled elsewhere (the delivery log is asked). Must be called in arrival order per
   * chat: the chat's mailbox takes it synchronously.
   */
  deliver(notification: Notification, source?: NotificationSource): Promise<DeliveryOutcome> {
    const { handled, durable } = this.accept(notification, source);
    return durable.then(() => handled);
  }

  /**
   * Takes a notification in (synchronously into its chat's mailbox, so call in arrival order) and tells when it
   * is handled and when that is durable: a consumer may move on once it is handled and commit its offset once
   * it is durable.
   */
  accept(notification: Notification, source?: NotificationSource): Acceptance {
    const { triggerId } = notification;
    if (this.#closing) {
      const stopped = Promise.reject(new StoppedError(`delivering ${triggerId}`));
      stopped.catch(ignore);
      return { handled: stopped, durable: stopped };
    }
    if (this.#known.get(triggerId) !== undefined) {
      this.#deps.logger.debug({ triggerId }, "already handled, not sending again");
      return { handled: Promise.resolve(DUPLICATE), durable: SETTLED };
    }
    // The same notification twice in a row (a redelivery, a re-emitted firing): the second waits for the first.
    const running = this.#inFlight.get(triggerId);
    if (running) {
      const handled = running.handled.then(() => DUPLICATE);
      handled.catch(ignore);
      return { handled, durable: running.durable };
    }

    const entry: Entry = {
      notification,
      verdict: "send",
      checked: SETTLED,
      handled: Promise.withResolvers<DeliveryOutcome>(),
      durable: Promise.withResolvers<void>(),
    };
    // Whoever takes the notification in may look at only one of the two; neither is an unhandled rejection.
    entry.handled.promise.catch(ignore);
    entry.durable.promise.catch(ignore);
    const mayHaveBeenHandled = notification.again === true || this.#mayHaveBeenHandled(source);
    if (mayHaveBeenHandled || this.#deps.quietHours) {
      entry.verdict = undefined;
      entry.checked = this.#withinBudget("the quiet-hours check", triggerId, () =>
        this.#verdictOf(entry, mayHaveBeenHandled),
      ).then(
        (verdict) => {
          if (verdict === "send") {
            entry.verdict = "send";
            return;
          }
          entry.verdict = "skip";
          if (verdict === "hold") {
            this.#holdForDigest(entry);
            return;
          }
          this.#known.remember(triggerId, verdict);
          this.#deps.logger.debug(
            { triggerId, state: verdict },
            "handled before the hand-over, not sending again",
          );
          entry.handled.resolve(DUPLICATE);
          entry.durable.resolve();
        },
        (error: unknown) => {
          entry.verdict = "skip";
          fail(entry, error);
        },
      );
    }
    const acceptance: Acceptance = { handled: entry.handled.promise, durable: entry.durable.promise };
    this.#inFlight.set(triggerId, acceptance);
    const forget = () => {
      if (this.#inFlight.get(triggerId) === acceptance) this.#inFlight.delete(triggerId);
    };
    entry.durable.promise.then(forget, forget);
    this.#enqueue(entry);
    return acceptance;
  }

  /**
   * Stops: what is in flight gets up to `graceMs` to be sent and recorded; after that, retries give up and
   * what is still queued is not sent (it stays uncommitted, so the next owner of the partition delivers it).
   */
  async close(graceMs = 10_000): Promise<void> {
    // What arrives meanwhile (the bus stops starting messages only once its own stop has begun) joins in.
    const deadline = Date.now() + graceMs;
    while (this.#inFlight.size > 0 && Date.now() < deadline)
      await settledOrDeadline(
        [...this.#inFlight.values()].map((a) => a.durable),
        deadline,
      );
    this.#closing = true;
    // A chart still being made is edited into its DM if it is ready within the grace; none is lost otherwise.
    if (this.#pendingCharts.size > 0) await settledOrDeadline(this.#pendingCharts, deadline);
    this.#stopLatch.stop();
    await Promise.allSettled([...this.#inFlight.values()].map((a) => a.durable));
  }

  /**
   * Whether to send: a notification an earlier owner of its partition may have handled is looked up in the
   * delivery log first (a recorded one is skipped); then the quiet-hours gate may hold it for the digest.
   */
  async #verdictOf(
    entry: Entry,
    mayHaveBeenHandled: boolean,
  ): Promise<"send" | "hold" | "sent" | "undeliverable"> {
    const { notification } = entry;
    if (mayHaveBeenHandled) {
      const state = await this.#lookups.stateOf(notification.triggerId);
      if (state !== "new") return state;
    }
    const gate = this.#deps.quietHours;
    if (!gate) return "send";
    const decision = await gate.decide(notification);
    entry.display = decision.display;
    if (decision.timeZone !== undefined) entry.timeZone = decision.timeZone;
    if (decision.charts !== undefined) entry.charts = decision.charts;
    return decision.hold && notification.urgent !== true ? "hold" : "send";
  }

  /** Held in the alert service until the user's quiet hours end: handled and durable once it is stored there. */
  #holdForDigest(entry: Entry): void {
    const { notification } = entry;
    const gate = this.#deps.quietHours!;
    this.#withinBudget("holding for the digest", notification.triggerId, () => gate.hold(notification)).then(
      () => {
        this.#deps.logger.info(
          { triggerId: notification.triggerId, userId: notification.userId },
          "quiet hours: held for the digest",
        );
        entry.handled.resolve(HELD);
        entry.durable.resolve();
      },
      (error: unknown) => fail(entry, error),
    );
  }

  /**
   * Runs a step on the alert service (the quiet-hours check, a hold) within the same retry budget as a send:
   * the bus does not retry a notification, so a blip of the alert service is ridden out here.
   */
  async #withinBudget<T>(what: string, triggerId: string, step: () => Promise<T>): Promise<T> {
    const now = this.#deps.now ?? Date.now;
    const giveUpAt = now() + (this.#retry.withinMs ?? Number.POSITIVE_INFINITY);
    for (let attempt = 1; ; attempt++) {
      try {
        return await step();
      } catch (error) {
        const delay = backoffMs(this.#retry, attempt);
        if (this.#stopLatch.stopped || attempt >= this.#retry.attempts || now() + delay > giveUpAt)
          throw error;
        this.#deps.logger.warn(
          { triggerId, attempt, err: error, delayMs: delay },
          `${what} failed, retrying`,
        );
        await this.#stopLatch.sleep(delay);
      }
    }
  }

  #mayHaveBeenHandled(source: NotificationSource | undefined): boolean {
    if (source === undefined) return true;
    const end = this.#inherited.get(source.partition);
    return end === undefined || BigInt(source.offset) < end;
  }

  #enqueue(entry: Entry): void {
    const chat = entry.notification.origin.chatId;
    const box = this.#mailboxes.get(chat);
    if (box) {
      box.push(entry);
      return;
    }
    const fresh = [entry];
    this.#mailboxes.set(chat, fresh);
    void this.#drain(chat, fresh);
  }

  /** The chat's sender: runs while its mailbox has anything, one message per rate-limit slot. */
  async #drain(chat: string, box: Entry[]): Promise<void> {
    try {
      while (box.length > 0 && !this.#stopLatch.stopped) {
        const head = box[0]!;
        if (head.verdict === undefined) await head.checked;
        if (head.verdict === "skip") {
          box.shift();
          continue;
        }
        await this.#untilStopped(this.#deps.limiter.acquire(chat));
        if (this.#stopLatch.stopped) break;
        const batch: Entry[] = [];
        while (box.length > 0 && batch.length < this.#deps.notifier.maxBatch) {
          const next = box[0]!;
          if (next.verdict === undefined) break; // keeps the chat's order: later ones wait for it
          box.shift();
          if (next.verdict === "send") batch.push(next);
        }
        await this.#send(chat, batch);
      }
    } catch (error) {
      this.#deps.logger.error({ err: error }, "delivery mailbox failed");
    } finally {
      // Stopped (or a bug): what is left is not sent; its messages stay uncommitted and come again.
      for (const entry of box.splice(0))
        fail(entry, new StoppedError(`delivering ${entry.notification.triggerId}`));
      this.#mailboxes.delete(chat);
      // Nothing else is being sent: no outcome is about to join the write, so waiting for the window would only
      // hold back the commit of these offsets.
      if (this.#mailboxes.size === 0) this.#recorder.flushSoon();
    }
  }

  async #send(chat: string, batch: Entry[]): Promise<void> {
    const { notifier, limiter, logger } = this.#deps;
    const notifications = batch.map((e) => e.notification) as unknown as NotificationBatch;
    const triggerIds = notifications.map((n) => n.triggerId);
    const now = this.#deps.now ?? Date.now;
    const chartPlan = this.#chartPlanOf(batch);
    const chart = chartPlan === "after" ? undefined : await chartPlan;
    const giveUpAt = now() + (this.#retry.withinMs ?? Number.POSITIVE_INFINITY);
    for (let attempt = 1; ; attempt++) {
      if (attempt > 1) await this.#untilStopped(limiter.acquire(chat));
      if (this.#stopLatch.stopped) {
        for (const entry of batch)
          fail(entry, new StoppedError(`delivering ${entry.notification.triggerId}`));
        return;
      }
      const display = batch[0]?.display;
      let sent: SentMessage | undefined;
      try {
        sent = await (display === undefined && chart === undefined
          ? notifier.send(notifications)
          : notifier.send(notifications, {
              ...(display === undefined ? {} : { display }),
              ...(chart === undefined ? {} : { chart }),
            }));
      } catch (error) {
        const failure =
          error instanceof DeliveryError
            ? error
            : new DeliveryError(`send failed: ${(error as Error).message}`, {
                retryable: true,
                code: "unknown",
                cause: error,
              });
        if (!failure.retryable) {
          logger.warn({ triggerIds, code: failure.code }, "notification undeliverable");
          this.#finish(batch, { status: "undeliverable", reason: failure.code });
          return;
        }
        const delay = failure.retryAfterMs ?? backoffMs(this.#retry, attempt);
        if (attempt >= this.#retry.attempts || now() + delay > giveUpAt) {
          logger.error({ triggerIds, attempt, code: failure.code }, "giving up: the bus dead-letters it");
          this.#deps.metrics?.dms("failed", batch.length);
          for (const entry of batch) fail(entry, failure);
          return;
        }
        // A platform's flood wait usually holds for every chat (Telegram's overall limit): sending on would only
        // collect more 429s, so everything waits it out (a group's own limit holds only the group).
        if (failure.retryAfterMs !== undefined) limiter.floodWait(failure.retryAfterMs, chat);
        logger.warn({ triggerIds, attempt, code: failure.code, delayMs: delay }, "send failed, retrying");
        await this.#stopLatch.sleep(delay);
        continue;
      }
      logger.info({ triggerIds, attempt }, "notification delivered");
      this.#finish(batch, { status: "sent", attempts: attempt });
      if (chartPlan === "after" && sent !== undefined) this.#editChartIn(sent, batch[0]!);
      return;
    }
  }

  /**
   * When a message's chart is made: "after" it was sent (edited in; the DM does not wait), or now, made once for
   * all its attempts (a notifier that cannot edit; or none: too many charts pending, the DM says so). A message
   * of several firings, an expiry or an earnings notice has none, nor does one whose reader turned charts off.
   */
  #chartPlanOf(batch: Entry[]): "after" | Promise<ChartOutcome | undefined> {
    const only = batch.length === 1 ? batch[0] : undefined;
    if (this.#deps.charts === undefined || only === undefined || only.charts === false)
      return Promise.resolve(undefined);
    if (this.#deps.notifier.attachChart === undefined) return this.#chartOf(only);
    if (this.#pendingCharts.size >= (this.#deps.maxPendingCharts ?? 32))
      return Promise.resolve(TOO_MANY_CHARTS);
    return "after";
  }

  /** The chart of one firing, or why there is none; never longer than the chart budget. */
  async #chartOf(entry: Entry): Promise<ChartOutcome | undefined> {
    try {
      return (
        (await this.#deps.charts?.forNotification(entry.notification, entry.timeZone ?? "UTC")) ?? undefined
      );
    } catch (error) {
      return { png: null, missing: `chart failed: ${(error as Error).message}` };
    }
  }

  /**
   * Makes the chart of a DM already sent and edits it in, on rate-limit slots no DM wants. Best effort: the DM is
   * delivered and recorded already; a chart that fails leaves it as it is (and is logged).
   */
  #editChartIn(sent: SentMessage, entry: Entry): void {
    const { notifier, limiter, logger, metrics } = this.#deps;
    const { triggerId } = entry.notification;
    const job = (async () => {
      const chart = await this.#chartOf(entry);
      if (chart === undefined || this.#stopLatch.stopped) return;
      await this.#untilStopped(limiter.acquireSpare());
      if (this.#stopLatch.stopped) return;
      try {
        await notifier.attachChart!(sent, entry.notification, {
          ...(entry.display === undefined ? {} : { display: entry.display }),
          chart,
        });
        metrics?.charts(chart.png === null ? "missing" : "attached");
      } catch (error) {
        metrics?.charts("failed");
        logger.warn({ err: error, triggerId }, "could not edit the chart into a sent DM");
      }
    })();
    this.#pendingCharts.add(job);
    void job.finally(() => this.#pendingCharts.delete(job));
  }

  /** Remembers the outcome at once (a redelivery is skipped from now on): handled now, durable once recorded. */
  #finish(
    batch: Entry[],
    outcome: Exclude<DeliveryOutcome, { status: "duplicate" } | { status: "held" }>,
  ): void {
    const { metrics } = this.#deps;
    metrics?.dms(outcome.status, batch.length);
    if (metrics && outcome.status === "sent") {
      const now = (this.#deps.now ?? Date.now)();
      for (const { notification: n } of batch) {
        // A replay or re-emission would time the replay, and an expiry has no trade behind it.
        if (n.type === "triggered" && !n.again) metrics.tradeToDm((now - Date.parse(n.firedAt)) / 1000);
      }
    }
    for (const entry of batch) {
      const n = entry.notification;
      this.#known.remember(n.triggerId, outcome.status);
      // Told once the outcome is recorded: what it does may read or acknowledge that record.
      if (outcome.status === "undeliverable") {
        const reason = outcome.reason;
        entry.durable.promise.then(() => this.#tellUndeliverable(n, reason), ignore);
      }
      this.#recorder
        .record({
          triggerId: n.triggerId,
          alertId: n.alertId,
          status: outcome.status,
          ...(outcome.status === "undeliverable" ? { reason: outcome.reason } : {}),
        })
        .then(entry.durable.resolve, entry.durable.reject);
      entry.handled.resolve(outcome);
    }
  }

  async #tellUndeliverable(notification: Notification, reason: string): Promise<void> {
    try {
      await this.#deps.onUndeliverable?.(notification, reason);
    } catch (error) {
      this.#deps.logger.warn({ err: error, triggerId: notification.triggerId }, "onUndeliverable failed");
    }
  }

  /** Waits for `promise`, or until the pipeline is stopped (a rate-limit slot far ahead must not hold a stop). */
  async #untilStopped(promise: Promise<void>): Promise<void> {
    await Promise.race([promise, this.#stopLatch.whenStopped]);
  }
}
