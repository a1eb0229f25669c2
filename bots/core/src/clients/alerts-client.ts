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
 * The alert service as one bot sees it: every call acts for one identity of the bot's own platform (the
 * token decides the platform, the header the user).
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

  private as(platformUserId: string) {
    return { "x-platform-user-id": platformUserId };
  }

  resolveUser(request: ResolveUserRequest) {
    return this.http.call("POST", "/v1/users/resolve", ResolveUserResponseSchema, { body: request });
  }

  async createAlert(platformUserId: string, request: CreateAlertRequest): Promise<Alert> {
    return this.http.call("POST", "/v1/alerts", AlertSchema, {
      body: request,
      headers: this.as(platformUserId),
    });
  }

  async listAlerts(platformUserId: string, query: ListAlertsQuery = {}): Promise<Alert[]> {
    const params = new URLSearchParams();
    if (query.status) params.set("status", query.status);
    if (query.symbol) params.set("symbol", query.symbol);
    const suffix = params.size > 0 ? `?${params}` : "";
    const list = await this.http.call("GET", `/v1/alerts${suffix}`, AlertListSchema, {
      headers: this.as(platformUserId),
    });
    return list.alerts;
  }

  getAlert(platformUserId: string, alertId: string): Promise<Alert> {
    return this.http.call("GET", `/v1/alerts/${encodeURIComponent(alertId)}`, AlertSchema, {
      headers: this.as(platformUserId),
    });
  }

  updateAlert(platformUserId: string, alertId: string, update: UpdateAlertRequest): Promise<Alert> {
    return this.http.call("PATCH", `/v1/alerts/${encodeURIComponent(alertId)}`, AlertSchema, {
      body: update,
      headers: this.as(platformUserId),
    });
  }

  cancelAlert(platformUserId: string, alertId: string): Promise<Alert> {
    return this.http.call("DELETE", `/v1/alerts/${encodeURIComponent(alertId)}`, AlertSchema, {
      headers: this.as(platformUserId),
    });
  }

  watchlist(platformUserId: string) {
    return this.http.call("GET", "/v1/watchlist", WatchlistSchema, { headers: this.as(platformUserId) });
  }

  watch(platformUserId: string, symbols: string[]) {
    return this.http.call("POST", "/v1/watchlist", WatchlistSchema, {
      body: { symbols },
      headers: this.as(platformUserId),
    });
  }

  unwatch(platformUserId: string, symbol: string) {
    return this.http.call("DELETE", `/v1/watchlist/${encodeURIComponent(symbol)}`, WatchlistSchema, {
      headers: this.as(platformUserId),
    });
  }

  createLinkCode(platformUserId: string) {
    return this.http.call("POST", "/v1/link-codes", LinkCodeSchema, { headers: this.as(platformUserId) });
  }

  redeemLinkCode(platformUserId: string, code: string) {
    return this.http.call("POST", "/v1/link-codes/redeem", RedeemLinkCodeResponseSchema, {
      body: { code },
      headers: this.as(platformUserId),
    });
  }

  /** The user's notifications that could not be delivered and they have not been told about yet. */
  undeliverable(platformUserId: string) {
    return this.http.call("GET", "/v1/deliveries/undeliverable", UndeliverableListSchema, {
      headers: this.as(platformUserId),
    });
  }

  /** Marks them told: only `triggerIds` (those shown), or every one when left out. */
  async acknowledgeUndeliverable(platformUserId: string, triggerIds?: string[]): Promise<number> {
    const answer = await this.http.call(
      "POST",
      "/v1/deliveries/undeliverable/ack",
      AcknowledgeUndeliverableResponseSchema,
      { body: triggerIds === undefined ? {} : { triggerIds }, headers: this.as(platformUserId) },
    );
    return answer.acknowledged;
  }
}
