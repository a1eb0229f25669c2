import { AlertsApi } from "@tickerbell/alerts-client";
import {
  ClaimHeldResponseSchema,
  type HeldUser,
  HeldUserListSchema,
  HoldNotificationsResponseSchema,
  LookupSettingsResponseSchema,
  MAX_HELD_BATCH,
  MAX_SETTINGS_LOOKUP,
  type Notification,
  type SettingsChangesResponse,
  SettingsChangesResponseSchema,
  type UserSettings,
} from "@tickerbell/contracts";
import type { Fetch } from "../clients/http.ts";

/** The users' settings, as the delivery side needs them (many users at once). */
export interface SettingsSource {
  lookupSettings(userIds: readonly string[]): Promise<Map<string, UserSettings>>;
  /** One page of the platform's users' settings in the order they changed, after a position (all: none given). */
  settingsChanges?(after: { since: string; afterUserId: string } | null): Promise<SettingsChangesResponse>;
}

/** Where notifications wait during quiet hours (the alert service, so they survive restarts of either side). */
export interface HeldStore {
  /** Holds them; answers the triggerIds refused (no such alert on this platform): nothing to hold. */
  hold(notifications: readonly Notification[]): Promise<string[]>;
  /** Users with held notifications, longest waiting first, with their settings as they are now. */
  heldUsers(): Promise<HeldUser[]>;
  /** One user's held notifications, oldest first, claimed for `leaseSeconds`. */
  claim(userId: string, leaseSeconds: number): Promise<Notification[]>;
}

/**
 * The alert service's settings lookup and held notifications (`/v1/settings/lookup`, `/v1/held`), with the bot's
 * own token: its platform decides whose. Failures throw (ApiError, ServiceUnavailableError); callers retry.
 */
export class HttpHeldStore implements SettingsSource, HeldStore {
  readonly #api: AlertsApi;

  constructor(options: { baseUrl: string; token: string; timeoutMs?: number; fetch?: Fetch }) {
    this.#api = new AlertsApi(options);
  }

  async lookupSettings(userIds: readonly string[]): Promise<Map<string, UserSettings>> {
    const out = new Map<string, UserSettings>();
    const unique = [...new Set(userIds)];
    for (let i = 0; i < unique.length; i += MAX_SETTINGS_LOOKUP) {
      const chunk = unique.slice(i, i + MAX_SETTINGS_LOOKUP);
      const answer = await this.#api.call("post", "/v1/settings/lookup", LookupSettingsResponseSchema, {
        body: { userIds: chunk },
      });
      for (const id of chunk) {
        const settings = answer.settings[id];
        if (settings) out.set(id, settings);
      }
    }
    return out;
  }

  async settingsChanges(
    after: { since: string; afterUserId: string } | null,
  ): Promise<SettingsChangesResponse> {
    return this.#api.call("get", "/v1/settings/changes", SettingsChangesResponseSchema, {
      query: after ?? {},
    });
  }

  async hold(notifications: readonly Notification[]): Promise<string[]> {
    const refused: string[] = [];
    for (let i = 0; i < notifications.length; i += MAX_HELD_BATCH) {
      const answer = await this.#api.call("put", "/v1/held", HoldNotificationsResponseSchema, {
        body: { notifications: notifications.slice(i, i + MAX_HELD_BATCH) },
      });
      for (const r of answer.results) if (r.result === "refused") refused.push(r.triggerId);
    }
    return refused;
  }

  async heldUsers(): Promise<HeldUser[]> {
    return (await this.#api.call("get", "/v1/held", HeldUserListSchema)).users;
  }

  async claim(userId: string, leaseSeconds: number): Promise<Notification[]> {
    const answer = await this.#api.call("post", "/v1/held/claim", ClaimHeldResponseSchema, {
      body: { userId, leaseSeconds },
    });
    return answer.notifications;
  }
}
