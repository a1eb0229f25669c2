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
  type CreateAlertRequest,
  CreatedWebhookSchema,
  type Firing,
  FiringListSchema,
  LinkCodeSchema,
  MAX_ALERT_PAGE,
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
import { type Fetch, JsonClient } from "./http.ts";

/**
 * Who a call acts for: an identity on the bot's platform, and the chat command the call is part of (the
 * alert service counts each command once against the user's allowance, however many calls it takes).
 */
export interface Actor {
  platformUserId: string;
  commandId?: string | undefined;
}

/** Which alerts to list: one status or `open` (active and paused, what the bots show), one symbol. */
export interface AlertFilter {
  status?: AlertListStatus | undefined;
  symbol?: string | undefined;
}

/**
 * The alert service as one bot sees it: every call acts for one identity of the bot's own platform (the
 * token decides the platform, the header the user). A bare platform user id is a call of its own.
 */
export class AlertsClient {
  readonly platform: Platform;
  private readonly http: JsonClient;
  private readonly pageSize: number;

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
    this.http = new JsonClient({ service: "the alert service", ...options });
    this.pageSize = options.pageSize ?? MAX_ALERT_PAGE;
  }

  private as(actor: string | Actor): Record<string, string> {
    if (typeof actor === "string") return { "x-platform-user-id": actor };
    const headers: Record<string, string> = { "x-platform-user-id": actor.platformUserId };
    if (actor.commandId !== undefined) headers["x-command-id"] = actor.commandId;
    return headers;
  }

  resolveUser(request: ResolveUserRequest) {
    return this.http.call("POST", "/v1/users/resolve", ResolveUserResponseSchema, { body: request });
  }

  async createAlert(actor: string | Actor, request: CreateAlertRequest): Promise<Alert> {
    return this.http.call("POST", "/v1/alerts", AlertSchema, {
      body: request,
      headers: this.as(actor),
    });
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
    const params = new URLSearchParams({ limit: String(this.pageSize) });
    if (filter.status) params.set("status", filter.status);
    if (filter.symbol) params.set("symbol", filter.symbol);
    if (cursor !== null) params.set("cursor", cursor);
    return this.http.call("GET", `/v1/alerts?${params}`, AlertListSchema, { headers: this.as(actor) });
  }

  /** The user's most recent firings, newest first (what /history shows). */
  async firings(actor: string | Actor, query: { symbol?: string; limit?: number } = {}): Promise<Firing[]> {
    const params = new URLSearchParams();
    if (query.symbol) params.set("symbol", query.symbol);
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    const suffix = params.size > 0 ? `?${params}` : "";
    const list = await this.http.call("GET", `/v1/firings${suffix}`, FiringListSchema, {
      headers: this.as(actor),
    });
    return list.firings;
  }

  getAlert(actor: string | Actor, alertId: string): Promise<Alert> {
    return this.http.call("GET", `/v1/alerts/${encodeURIComponent(alertId)}`, AlertSchema, {
      headers: this.as(actor),
    });
  }

  updateAlert(actor: string | Actor, alertId: string, update: UpdateAlertRequest): Promise<Alert> {
    return this.http.call("PATCH", `/v1/alerts/${encodeURIComponent(alertId)}`, AlertSchema, {
      body: update,
      headers: this.as(actor),
    });
  }

  /** Pauses, resumes or cancels these alerts of the user in one request (see POST /v1/alerts/bulk). */
  bulkAction(
    actor: string | Actor,
    action: BulkAlertActionRequest["action"],
    alertIds: string[],
  ): Promise<BulkAlertActionResponse> {
    return this.http.call("POST", "/v1/alerts/bulk", BulkAlertActionResponseSchema, {
      body: { action, alertIds },
      headers: this.as(actor),
    });
  }

  cancelAlert(actor: string | Actor, alertId: string): Promise<Alert> {
    return this.http.call("DELETE", `/v1/alerts/${encodeURIComponent(alertId)}`, AlertSchema, {
      headers: this.as(actor),
    });
  }

  watchlist(actor: string | Actor) {
    return this.http.call("GET", "/v1/watchlist", WatchlistSchema, { headers: this.as(actor) });
  }

  watch(actor: string | Actor, symbols: string[]) {
    return this.http.call("POST", "/v1/watchlist", WatchlistSchema, {
      body: { symbols },
      headers: this.as(actor),
    });
  }

  unwatch(actor: string | Actor, symbol: string) {
    return this.http.call("DELETE", `/v1/watchlist/${encodeURIComponent(symbol)}`, WatchlistSchema, {
      headers: this.as(actor),
    });
  }

  createLinkCode(actor: string | Actor) {
    return this.http.call("POST", "/v1/link-codes", LinkCodeSchema, { headers: this.as(actor) });
  }

  redeemLinkCode(actor: string | Actor, code: string) {
    return this.http.call("POST", "/v1/link-codes/redeem", RedeemLinkCodeResponseSchema, {
      body: { code },
      headers: this.as(actor),
    });
  }

  /** The user's notifications that could not be delivered and they have not been told about yet. */
  undeliverable(actor: string | Actor) {
    return this.http.call("GET", "/v1/deliveries/undeliverable", UndeliverableListSchema, {
      headers: this.as(actor),
    });
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
    const answer = await this.http.call(
      "POST",
      "/v1/deliveries/undeliverable/ack",
      AcknowledgeUndeliverableResponseSchema,
      { body, headers: this.as(actor) },
    );
    return answer.acknowledged;
  }

  /** Adds a webhook; the answer carries its secret, shown this once. */
  createWebhook(actor: string | Actor, url: string) {
    return this.http.call("POST", "/v1/webhooks", CreatedWebhookSchema, {
      body: { url },
      headers: this.as(actor),
    });
  }

  async listWebhooks(actor: string | Actor) {
    return (await this.http.call("GET", "/v1/webhooks", WebhookListSchema, { headers: this.as(actor) }))
      .items;
  }

  async deleteWebhook(actor: string | Actor, webhookId: string): Promise<void> {
    await this.http.call("DELETE", `/v1/webhooks/${encodeURIComponent(webhookId)}`, z.null(), {
      headers: this.as(actor),
    });
  }

  testWebhook(actor: string | Actor, webhookId: string) {
    return this.http.call(
      "POST",
      `/v1/webhooks/${encodeURIComponent(webhookId)}/test`,
      WebhookTestResultSchema,
      {
        headers: this.as(actor),
      },
    );
  }

  /** The user's time zone (null: UTC) and quiet hours (null: off). */
  settings(actor: string | Actor) {
    return this.http.call("GET", "/v1/settings", UserSettingsSchema, { headers: this.as(actor) });
  }

  /** Changes them (null resets one); answers the settings now. */
  updateSettings(actor: string | Actor, change: UpdateSettingsRequest) {
    return this.http.call("PATCH", "/v1/settings", UserSettingsSchema, {
      body: change,
      headers: this.as(actor),
    });
  }
}
