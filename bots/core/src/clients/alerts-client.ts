import { AlertsApi } from "@tickerbell/alerts-client";
import {
  AcknowledgeUndeliverableResponseSchema,
  type Alert,
  type AlertList,
  AlertListSchema,
  type AlertListStatus,
  AlertSchema,
  type BulkAlertActionRequest,
  type BulkAlertActionResponse,
  BulkAlertActionResponseSchema,
  type CommunitySettings,
  CommunitySettingsSchema,
  type CreateAlertRequest,
  CreatedWebhookSchema,
  type DestinationPauseReason,
  type Firing,
  FiringListSchema,
  LinkCodeSchema,
  MAX_ALERT_PAGE,
  MoveDestinationResponseSchema,
  PauseDestinationResponseSchema,
  type Platform,
  RedeemLinkCodeResponseSchema,
  type ResolveUserRequest,
  ResolveUserResponseSchema,
  UndeliverableListSchema,
  type UpdateAlertRequest,
  type UpdateSettingsRequest,
  UserSettingsSchema,
  WatchlistSchema,
  WebhookListSchema,
  WebhookTestResultSchema,
} from "@tickerbell/contracts";
import { z } from "zod";
import type { Fetch } from "./http.ts";

/**
 * Who a call acts for: an identity on the bot's platform, and the chat command the call is part of (the
 * alert service counts each command once against the user's allowance, however many calls it takes).
 */
export interface Actor {
  platformUserId: string;
  commandId?: string | undefined;
  /**
   * A community chat the bot has checked this user may manage alerts in: the call also reaches the alerts posted
   * there, whoever created them (`X-Acting-For-Destination`).
   */
  community?: { chatId: string } | undefined;
}

/** Which alerts to list: one status or `open` (active and paused, what the bots show), one symbol. */
export interface AlertFilter {
  status?: AlertListStatus | undefined;
  symbol?: string | undefined;
  /** The alerts posted in this community chat (on the bot's platform), whoever created them. */
  destination?: string | undefined;
}

/**
 * The alert service as one bot sees it: every call acts for one identity of the bot's own platform (the
 * token decides the platform, the header the user). A bare platform user id is a call of its own. The calls go
 * through the typed client (`AlertsApi`): refusals are ApiError, an unreachable service ServiceUnavailableError.
 */
export class AlertsClient {
  readonly platform: Platform;
  readonly #api: AlertsApi;
  readonly #pageSize: number;

  constructor(options: {
    baseUrl: string;
    token: string;
    platform: Platform;
    timeoutMs?: number;
    fetch?: Fetch;
    /** Alerts asked for per page when listing (default: the most the service gives, 500). */
    pageSize?: number;
  }) {
    this.platform = options.platform;
    this.#api = new AlertsApi(options);
    this.#pageSize = options.pageSize ?? MAX_ALERT_PAGE;
  }

  /** The headers a bot acts through: the platform user, and the chat command the call is part of. */
  #as(actor: string | Actor) {
    if (typeof actor === "string") return { header: { "x-platform-user-id": actor } };
    return {
      header: {
        "x-platform-user-id": actor.platformUserId,
        "x-command-id": actor.commandId,
        "x-acting-for-destination":
          actor.community === undefined ? undefined : `${this.platform}:${actor.community.chatId}`,
      },
    };
  }

  resolveUser(request: ResolveUserRequest) {
    return this.#api.call("post", "/v1/users/resolve", ResolveUserResponseSchema, { body: request });
  }

  async createAlert(actor: string | Actor, request: CreateAlertRequest): Promise<Alert> {
    return this.#api.call("post", "/v1/alerts", AlertSchema, { ...this.#as(actor), body: request });
  }

  /**
   * Every alert matching `filter`, oldest first, page after page. Ask for what is shown: `status: "open"` is
   * bounded by the per-user cap, everything (the default) includes the whole history kept.
   */
  async listAlerts(actor: string | Actor, filter: AlertFilter = {}): Promise<Alert[]> {
    const alerts: Alert[] = [];
    let cursor: string | null = null;
    do {
      const page: AlertList = await this.listAlertsPage(actor, filter, cursor);
      alerts.push(...page.alerts);
      cursor = page.nextCursor;
    } while (cursor !== null);
    return alerts;
  }

  /** One page of `listAlerts`: from the start, or from a page's `nextCursor`. */
  listAlertsPage(actor: string | Actor, filter: AlertFilter = {}, cursor: string | null = null) {
    return this.#api.call("get", "/v1/alerts", AlertListSchema, {
      ...this.#as(actor),
      query: {
        limit: this.#pageSize,
        status: filter.status || undefined,
        symbol: filter.symbol || undefined,
        cursor: cursor ?? undefined,
        destination: filter.destination ? `${this.platform}:${filter.destination}` : undefined,
      },
    });
  }

  /** The user's most recent firings, newest first (what /history shows). */
  async firings(actor: string | Actor, query: { symbol?: string; limit?: number } = {}): Promise<Firing[]> {
    const list = await this.#api.call("get", "/v1/firings", FiringListSchema, {
      ...this.#as(actor),
      query: { symbol: query.symbol || undefined, limit: query.limit },
    });
    return list.firings;
  }

  getAlert(actor: string | Actor, alertId: string): Promise<Alert> {
    return this.#api.call("get", "/v1/alerts/{id}", AlertSchema, {
      ...this.#as(actor),
      path: { id: alertId },
    });
  }

  updateAlert(actor: string | Actor, alertId: string, update: UpdateAlertRequest): Promise<Alert> {
    return this.#api.call("patch", "/v1/alerts/{id}", AlertSchema, {
      ...this.#as(actor),
      path: { id: alertId },
      body: update,
    });
  }

  /** Pauses, resumes or cancels these alerts of the user in one request (see POST /v1/alerts/bulk). */
  bulkAction(
    actor: string | Actor,
    action: BulkAlertActionRequest["action"],
    alertIds: string[],
  ): Promise<BulkAlertActionResponse> {
    return this.#api.call("post", "/v1/alerts/bulk", BulkAlertActionResponseSchema, {
      ...this.#as(actor),
      body: { action, alertIds },
    });
  }

  cancelAlert(actor: string | Actor, alertId: string): Promise<Alert> {
    return this.#api.call("delete", "/v1/alerts/{id}", AlertSchema, {
      ...this.#as(actor),
      path: { id: alertId },
    });
  }

  watchlist(actor: string | Actor) {
    return this.#api.call("get", "/v1/watchlist", WatchlistSchema, this.#as(actor));
  }

  watch(actor: string | Actor, symbols: string[]) {
    return this.#api.call("post", "/v1/watchlist", WatchlistSchema, {
      ...this.#as(actor),
      body: { symbols },
    });
  }

  unwatch(actor: string | Actor, symbol: string) {
    return this.#api.call("delete", "/v1/watchlist/{symbol}", WatchlistSchema, {
      ...this.#as(actor),
      path: { symbol },
    });
  }

  createLinkCode(actor: string | Actor) {
    return this.#api.call("post", "/v1/link-codes", LinkCodeSchema, this.#as(actor));
  }

  redeemLinkCode(actor: string | Actor, code: string) {
    return this.#api.call("post", "/v1/link-codes/redeem", RedeemLinkCodeResponseSchema, {
      ...this.#as(actor),
      body: { code },
    });
  }

  /** The user's notifications that could not be delivered and they have not been told about yet. */
  undeliverable(actor: string | Actor) {
    return this.#api.call("get", "/v1/deliveries/undeliverable", UndeliverableListSchema, this.#as(actor));
  }

  /**
   * Marks them told: only `triggerIds` and `webhookIds` (those shown), or every one when both are left out.
   */
  async acknowledgeUndeliverable(
    actor: string | Actor,
    triggerIds?: string[],
    webhookIds?: string[],
  ): Promise<number> {
    const body = {
      ...(triggerIds === undefined ? {} : { triggerIds }),
      ...(webhookIds === undefined ? {} : { webhookIds }),
    };
    const answer = await this.#api.call(
      "post",
      "/v1/deliveries/undeliverable/ack",
      AcknowledgeUndeliverableResponseSchema,
      { ...this.#as(actor), body },
    );
    return answer.acknowledged;
  }

  /** Adds a webhook; the answer carries its secret, shown this once. */
  createWebhook(actor: string | Actor, url: string) {
    return this.#api.call("post", "/v1/webhooks", CreatedWebhookSchema, {
      ...this.#as(actor),
      body: { url },
    });
  }

  async listWebhooks(actor: string | Actor) {
    return (await this.#api.call("get", "/v1/webhooks", WebhookListSchema, this.#as(actor))).items;
  }

  async deleteWebhook(actor: string | Actor, webhookId: string): Promise<void> {
    await this.#api.call("delete", "/v1/webhooks/{id}", z.null(), {
      ...this.#as(actor),
      path: { id: webhookId },
    });
  }

  testWebhook(actor: string | Actor, webhookId: string) {
    return this.#api.call("post", "/v1/webhooks/{id}/test", WebhookTestResultSchema, {
      ...this.#as(actor),
      path: { id: webhookId },
    });
  }

  /**
   * Pauses every active alert posted in one chat of this bot's platform (the channel is gone, the bot was removed
   * from the group); answers those paused just now, each with its creator's user id on this platform.
   */
  async pauseDestination(chatId: string, reason: DestinationPauseReason) {
    const answer = await this.#api.call("post", "/v1/destinations/pause", PauseDestinationResponseSchema, {
      body: { platform: this.platform, chatId, reason },
    });
    return answer.paused;
  }

  /** A Telegram group became a supergroup: its alerts are posted under the new chat id from now on. */
  async moveDestination(from: string, to: string) {
    const answer = await this.#api.call("post", "/v1/destinations/move", MoveDestinationResponseSchema, {
      body: { platform: "telegram", from, to },
    });
    return answer.moved;
  }

  /** A Discord server's settings (its alert role); every field null when none were set. */
  communitySettings(communityId: string) {
    return this.#api.call(
      "get",
      "/v1/communities/{platform}/{communityId}/settings",
      CommunitySettingsSchema,
      {
        path: { platform: this.#communityPlatform(), communityId },
      },
    );
  }

  /** Sets them (`/settings alert-role`): the bot has checked the user may manage the server. */
  updateCommunitySettings(communityId: string, settings: CommunitySettings) {
    return this.#api.call(
      "put",
      "/v1/communities/{platform}/{communityId}/settings",
      CommunitySettingsSchema,
      {
        path: { platform: this.#communityPlatform(), communityId },
        body: settings,
      },
    );
  }

  #communityPlatform(): "discord" | "telegram" {
    if (this.platform === "console") throw new Error("the console has no communities");
    return this.platform;
  }

  /** The user's time zone (null: UTC) and quiet hours (null: off). */
  settings(actor: string | Actor) {
    return this.#api.call("get", "/v1/settings", UserSettingsSchema, this.#as(actor));
  }

  /** Changes them (null resets one); answers the settings now. */
  updateSettings(actor: string | Actor, change: UpdateSettingsRequest) {
    return this.#api.call("patch", "/v1/settings", UserSettingsSchema, { ...this.#as(actor), body: change });
  }
}
