import {
  AcknowledgeUndeliverableResponseSchema,
  type Alert,
  AlertListSchema,
  AlertSchema,
  type CreateAlertRequest,
  LinkCodeSchema,
  type ListAlertsQuery,
  type Platform,
  RedeemLinkCodeResponseSchema,
  type ResolveUserRequest,
  ResolveUserResponseSchema,
  UndeliverableListSchema,
  type UpdateAlertRequest,
  WatchlistSchema,
} from "@tickerbell/contracts";
import { type Fetch, JsonClient } from "./http.ts";

/**
 * Who a call acts for: an identity on the bot's platform, and the chat command the call is part of (the
 * alert service counts each command once against the user's allowance, however many calls it takes).
 */
export interface Actor {
  platformUserId: string;
  commandId?: string | undefined;
}

/**
 * The alert service as one bot sees it: every call acts for one identity of the bot's own platform (the
 * token decides the platform, the header the user). A bare platform user id is a call of its own.
 */
export class AlertsClient {
  readonly platform: Platform;
  private readonly http: JsonClient;

  constructor(options: {
    baseUrl: string;
    token: string;
    platform: Platform;
    timeoutMs?: number;
    fetch?: Fetch;
  }) {
    this.platform = options.platform;
    this.http = new JsonClient({ service: "the alert service", ...options });
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

  async listAlerts(actor: string | Actor, query: ListAlertsQuery = {}): Promise<Alert[]> {
    const params = new URLSearchParams();
    if (query.status) params.set("status", query.status);
    if (query.symbol) params.set("symbol", query.symbol);
    const suffix = params.size > 0 ? `?${params}` : "";
    const list = await this.http.call("GET", `/v1/alerts${suffix}`, AlertListSchema, {
      headers: this.as(actor),
    });
    return list.alerts;
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

  /** Marks them told: only `triggerIds` (those shown), or every one when left out. */
  async acknowledgeUndeliverable(actor: string | Actor, triggerIds?: string[]): Promise<number> {
    const answer = await this.http.call(
      "POST",
      "/v1/deliveries/undeliverable/ack",
      AcknowledgeUndeliverableResponseSchema,
      { body: triggerIds === undefined ? {} : { triggerIds }, headers: this.as(actor) },
    );
    return answer.acknowledged;
  }
}
