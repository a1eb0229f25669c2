// Generated from the alert service's OpenAPI document (/openapi.json) by
// `npm run generate -w @tickerbell/alerts-client`: do not edit. test/generated.test.ts fails when it is stale.

export interface paths {
  "/v1/users/resolve": {
    /** Resolve or register the user behind a chat identity (idempotent) */
    post: {
      operationId: "resolveUser";
      parameters: {};
      requestBody: components["schemas"]["ResolveUserRequest"];
      responses: {
        "200": components["schemas"]["ResolveUserResponse"];
        "201": components["schemas"]["ResolveUserResponse"];
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
      };
    };
  };
  "/v1/watchlist": {
    /** The user's watchlist */
    get: {
      operationId: "getWatchlist";
      parameters: {
        header: {
          /** The chat user the bot acts for, on the bot token's own platform (in the standalone, the console chat's user is `local`) */
          "x-platform-user-id": string;
          /** The chat command this request is part of: requests with the same id count once against the user's command allowance */
          "x-command-id"?: string | undefined;
        };
      };
      requestBody?: never;
      responses: {
        "200": components["schemas"]["Watchlist"];
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
        "429": components["schemas"]["Error"];
      };
    };
    /** Add tickers (already present ones are kept as they are) */
    post: {
      operationId: "addToWatchlist";
      parameters: {
        header: {
          /** The chat user the bot acts for, on the bot token's own platform (in the standalone, the console chat's user is `local`) */
          "x-platform-user-id": string;
          /** The chat command this request is part of: requests with the same id count once against the user's command allowance */
          "x-command-id"?: string | undefined;
        };
      };
      requestBody: {
        symbols: (string)[];
      };
      responses: {
        "200": components["schemas"]["Watchlist"];
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
        "409": components["schemas"]["Error"];
        "429": components["schemas"]["Error"];
      };
    };
  };
  "/v1/watchlist/{symbol}": {
    /** Remove a ticker */
    delete: {
      operationId: "removeFromWatchlist";
      parameters: {
        path: {
          symbol: string;
        };
        header: {
          /** The chat user the bot acts for, on the bot token's own platform (in the standalone, the console chat's user is `local`) */
          "x-platform-user-id": string;
          /** The chat command this request is part of: requests with the same id count once against the user's command allowance */
          "x-command-id"?: string | undefined;
        };
      };
      requestBody?: never;
      responses: {
        "200": components["schemas"]["Watchlist"];
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
        "404": components["schemas"]["Error"];
        "429": components["schemas"]["Error"];
      };
    };
  };
  "/v1/alerts": {
    /** A page of the user's alerts (or of a Discord channel's or Telegram group's), oldest first, optionally filtered by status and symbol */
    get: {
      operationId: "listAlerts";
      parameters: {
        query?: {
          status?: "active" | "paused" | "triggered" | "expired" | "cancelled" | "open" | undefined;
          symbol?: string | undefined;
          limit?: number | undefined;
          cursor?: string | undefined;
          destination?: string | undefined;
        };
        header: {
          /** The chat user the bot acts for, on the bot token's own platform (in the standalone, the console chat's user is `local`) */
          "x-platform-user-id": string;
          /** The chat command this request is part of: requests with the same id count once against the user's command allowance */
          "x-command-id"?: string | undefined;
        };
      };
      requestBody?: never;
      responses: {
        "200": components["schemas"]["AlertList"];
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
        "429": components["schemas"]["Error"];
      };
    };
    /** Create an alert (price, percent or trailing) */
    post: {
      operationId: "createAlert";
      parameters: {
        header: {
          /** The chat user the bot acts for, on the bot token's own platform (in the standalone, the console chat's user is `local`) */
          "x-platform-user-id": string;
          /** The chat command this request is part of: requests with the same id count once against the user's command allowance */
          "x-command-id"?: string | undefined;
        };
      };
      requestBody: components["schemas"]["CreateAlertRequest"];
      responses: {
        "201": components["schemas"]["Alert"];
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
        "409": components["schemas"]["Error"];
        "429": components["schemas"]["Error"];
      };
    };
  };
  "/v1/alerts/bulk": {
    /** Pause, resume or cancel several of the user's alerts at once */
    post: {
      operationId: "bulkAlertAction";
      parameters: {
        header: {
          /** The chat user the bot acts for, on the bot token's own platform (in the standalone, the console chat's user is `local`) */
          "x-platform-user-id": string;
          /** The chat command this request is part of: requests with the same id count once against the user's command allowance */
          "x-command-id"?: string | undefined;
          /** `<platform>:<chatId>` of a Discord channel or Telegram group the bot has checked the user may manage alerts in (Manage Channels, the server's alert role, a group admin): the call then also reaches the community alerts posted there, whoever created them. DM alerts stay their owner's. */
          "x-acting-for-destination"?: string | undefined;
        };
      };
      requestBody: components["schemas"]["BulkAlertActionRequest"];
      responses: {
        "200": components["schemas"]["BulkAlertActionResponse"];
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
        "429": components["schemas"]["Error"];
      };
    };
  };
  "/v1/alerts/{id}": {
    /** One of the user's alerts */
    get: {
      operationId: "getAlert";
      parameters: {
        path: {
          id: string;
        };
        header: {
          /** The chat user the bot acts for, on the bot token's own platform (in the standalone, the console chat's user is `local`) */
          "x-platform-user-id": string;
          /** The chat command this request is part of: requests with the same id count once against the user's command allowance */
          "x-command-id"?: string | undefined;
          /** `<platform>:<chatId>` of a Discord channel or Telegram group the bot has checked the user may manage alerts in (Manage Channels, the server's alert role, a group admin): the call then also reaches the community alerts posted there, whoever created them. DM alerts stay their owner's. */
          "x-acting-for-destination"?: string | undefined;
        };
      };
      requestBody?: never;
      responses: {
        "200": components["schemas"]["Alert"];
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
        "404": components["schemas"]["Error"];
        "429": components["schemas"]["Error"];
      };
    };
    /** Cancel an alert (idempotent; the alert stays listed as cancelled, as history) */
    delete: {
      operationId: "cancelAlert";
      parameters: {
        path: {
          id: string;
        };
        header: {
          /** The chat user the bot acts for, on the bot token's own platform (in the standalone, the console chat's user is `local`) */
          "x-platform-user-id": string;
          /** The chat command this request is part of: requests with the same id count once against the user's command allowance */
          "x-command-id"?: string | undefined;
          /** `<platform>:<chatId>` of a Discord channel or Telegram group the bot has checked the user may manage alerts in (Manage Channels, the server's alert role, a group admin): the call then also reaches the community alerts posted there, whoever created them. DM alerts stay their owner's. */
          "x-acting-for-destination"?: string | undefined;
        };
      };
      requestBody?: never;
      responses: {
        "200": components["schemas"]["Alert"];
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
        "404": components["schemas"]["Error"];
        "409": components["schemas"]["Error"];
        "429": components["schemas"]["Error"];
      };
    };
    /** Change the condition, note, repeat or expiry, or pause/resume */
    patch: {
      operationId: "updateAlert";
      parameters: {
        path: {
          id: string;
        };
        header: {
          /** The chat user the bot acts for, on the bot token's own platform (in the standalone, the console chat's user is `local`) */
          "x-platform-user-id": string;
          /** The chat command this request is part of: requests with the same id count once against the user's command allowance */
          "x-command-id"?: string | undefined;
          /** `<platform>:<chatId>` of a Discord channel or Telegram group the bot has checked the user may manage alerts in (Manage Channels, the server's alert role, a group admin): the call then also reaches the community alerts posted there, whoever created them. DM alerts stay their owner's. */
          "x-acting-for-destination"?: string | undefined;
        };
      };
      requestBody: components["schemas"]["UpdateAlertRequest"];
      responses: {
        "200": components["schemas"]["Alert"];
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
        "404": components["schemas"]["Error"];
        "409": components["schemas"]["Error"];
        "429": components["schemas"]["Error"];
      };
    };
  };
  "/v1/destinations/pause": {
    /** Pause every active alert posted in a Discord channel or Telegram group */
    post: {
      operationId: "pauseDestination";
      parameters: {};
      requestBody: {
        platform: "discord" | "telegram" | "console";
        chatId: string;
        reason: "channel_gone" | "access_lost" | "bot_removed";
      };
      responses: {
        "200": {
          reason: "channel_gone" | "access_lost" | "bot_removed";
          paused: ({
            alert: components["schemas"]["Alert"];
            creatorPlatformUserId: string | null;
          })[];
        };
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
      };
    };
  };
  "/v1/destinations/move": {
    /** Move a Telegram group's alerts to its new chat id (migrated to a supergroup) */
    post: {
      operationId: "moveDestination";
      parameters: {};
      requestBody: {
        platform: "telegram";
        from: string;
        to: string;
      };
      responses: {
        "200": {
          moved: (components["schemas"]["Alert"])[];
        };
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
      };
    };
  };
  "/v1/communities/{platform}/{communityId}/settings": {
    /** A Discord server's or Telegram group's settings (alertRoleId null when none is set) */
    get: {
      operationId: "getCommunitySettings";
      parameters: {
        path: {
          /** The community's platform, the bot token's own */
          platform: "discord" | "telegram";
          /** A Discord server (guild) id, or a Telegram group's chat id (negative) */
          communityId: string;
        };
      };
      requestBody?: never;
      responses: {
        "200": {
          alertRoleId: string | null;
        };
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
      };
    };
    /** Set a community's settings: `/settings alert-role @Role` (a server manager, checked by the bot) */
    put: {
      operationId: "putCommunitySettings";
      parameters: {
        path: {
          /** The community's platform, the bot token's own */
          platform: "discord" | "telegram";
          /** A Discord server (guild) id, or a Telegram group's chat id (negative) */
          communityId: string;
        };
      };
      requestBody: {
        alertRoleId: string | null;
      };
      responses: {
        "200": {
          alertRoleId: string | null;
        };
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
      };
    };
  };
  "/v1/firings": {
    /** The user's most recent firings, newest first, optionally of one symbol */
    get: {
      operationId: "listFirings";
      parameters: {
        query?: {
          symbol?: string | undefined;
          limit?: number | undefined;
        };
        header: {
          /** The chat user the bot acts for, on the bot token's own platform (in the standalone, the console chat's user is `local`) */
          "x-platform-user-id": string;
          /** The chat command this request is part of: requests with the same id count once against the user's command allowance */
          "x-command-id"?: string | undefined;
        };
      };
      requestBody?: never;
      responses: {
        "200": components["schemas"]["FiringList"];
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
        "429": components["schemas"]["Error"];
      };
    };
  };
  "/v1/link-codes": {
    /** Create a one-time code (8 characters, valid 10 minutes) to link another platform */
    post: {
      operationId: "createLinkCode";
      parameters: {
        header: {
          /** The chat user the bot acts for, on the bot token's own platform (in the standalone, the console chat's user is `local`) */
          "x-platform-user-id": string;
          /** The chat command this request is part of: requests with the same id count once against the user's command allowance */
          "x-command-id"?: string | undefined;
        };
      };
      requestBody?: never;
      responses: {
        "201": components["schemas"]["LinkCode"];
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
        "429": components["schemas"]["Error"];
      };
    };
  };
  "/v1/link-codes/redeem": {
    /** Join the calling identity to the code owner's user */
    post: {
      operationId: "redeemLinkCode";
      parameters: {
        header: {
          /** The chat user the bot acts for, on the bot token's own platform (in the standalone, the console chat's user is `local`) */
          "x-platform-user-id": string;
          /** The chat command this request is part of: requests with the same id count once against the user's command allowance */
          "x-command-id"?: string | undefined;
        };
      };
      requestBody: components["schemas"]["RedeemLinkCodeRequest"];
      responses: {
        "200": components["schemas"]["RedeemLinkCodeResponse"];
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
        "404": components["schemas"]["Error"];
        "409": components["schemas"]["Error"];
        "429": components["schemas"]["Error"];
      };
    };
  };
  "/v1/deliveries/undeliverable": {
    /** The user's notifications that could not be delivered and they have not been told about */
    get: {
      operationId: "listUndeliverable";
      parameters: {
        header: {
          /** The chat user the bot acts for, on the bot token's own platform (in the standalone, the console chat's user is `local`) */
          "x-platform-user-id": string;
          /** The chat command this request is part of: requests with the same id count once against the user's command allowance */
          "x-command-id"?: string | undefined;
        };
      };
      requestBody?: never;
      responses: {
        "200": {
          items: ({
            triggerId: string;
            alertId: string;
            symbol: string;
            platform: "discord" | "telegram" | "console";
            reason: string;
            recordedAt: string;
          })[];
          total: number;
          webhooks?: ({
            webhookId: string;
            url: string;
            lastError: string | null;
            disabledAt: string;
          })[] | undefined;
        };
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
        "429": components["schemas"]["Error"];
      };
    };
  };
  "/v1/deliveries/undeliverable/ack": {
    /** Mark undeliverable notifications as told to the user */
    post: {
      operationId: "acknowledgeUndeliverable";
      parameters: {
        header: {
          /** The chat user the bot acts for, on the bot token's own platform (in the standalone, the console chat's user is `local`) */
          "x-platform-user-id": string;
          /** The chat command this request is part of: requests with the same id count once against the user's command allowance */
          "x-command-id"?: string | undefined;
        };
      };
      requestBody?: components["schemas"]["AcknowledgeUndeliverableRequest"];
      responses: {
        "200": components["schemas"]["AcknowledgeUndeliverableResponse"];
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
        "429": components["schemas"]["Error"];
      };
    };
  };
  "/v1/deliveries/lookup": {
    /** What this bot's platform did with many notifications: new, sent or undeliverable */
    post: {
      operationId: "lookUpDeliveries";
      parameters: {};
      requestBody: {
        triggerIds: (string)[];
      };
      responses: {
        "200": {
          states: {
            [key: string]: "new" | "sent" | "undeliverable";
          };
        };
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
      };
    };
  };
  "/v1/deliveries": {
    /** Record many outcomes at once (idempotent per triggerId: the first record stands) */
    put: {
      operationId: "recordDeliveries";
      parameters: {};
      requestBody: {
        records: ({
          triggerId: string;
          alertId: string;
          status: "sent" | "undeliverable";
          reason?: string | undefined;
        })[];
      };
      responses: {
        "200": {
          results: ({
            triggerId: string;
            result: "recorded" | "already_recorded" | "refused";
            status?: "sent" | "undeliverable" | undefined;
            error?: {
              code: string;
              message: string;
            } | undefined;
          })[];
        };
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
      };
    };
  };
  "/v1/deliveries/{triggerId}": {
    /** What this bot's platform did with a notification: new, sent or undeliverable */
    get: {
      operationId: "getDelivery";
      parameters: {
        path: {
          triggerId: string;
        };
      };
      requestBody?: never;
      responses: {
        "200": {
          triggerId: string;
          state: "new" | "sent" | "undeliverable";
        };
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
      };
    };
    /** Record that a notification was sent, or is undeliverable (idempotent: the first record stands) */
    put: {
      operationId: "recordDelivery";
      parameters: {
        path: {
          triggerId: string;
        };
      };
      requestBody: {
        alertId: string;
        status: "sent" | "undeliverable";
        reason?: string | undefined;
      };
      responses: {
        "200": components["schemas"]["DeliveryRecord"];
        "201": components["schemas"]["DeliveryRecord"];
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
        "404": components["schemas"]["Error"];
        "409": components["schemas"]["Error"];
      };
    };
  };
  "/v1/settings": {
    /** The user's settings: time zone (null: UTC), quiet hours (null: off) and charts (true: on) */
    get: {
      operationId: "getSettings";
      parameters: {
        header: {
          /** The chat user the bot acts for, on the bot token's own platform (in the standalone, the console chat's user is `local`) */
          "x-platform-user-id": string;
          /** The chat command this request is part of: requests with the same id count once against the user's command allowance */
          "x-command-id"?: string | undefined;
        };
      };
      requestBody?: never;
      responses: {
        "200": components["schemas"]["UserSettings"];
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
        "429": components["schemas"]["Error"];
      };
    };
    /** Change the user's settings */
    patch: {
      operationId: "updateSettings";
      parameters: {
        header: {
          /** The chat user the bot acts for, on the bot token's own platform (in the standalone, the console chat's user is `local`) */
          "x-platform-user-id": string;
          /** The chat command this request is part of: requests with the same id count once against the user's command allowance */
          "x-command-id"?: string | undefined;
        };
      };
      requestBody: components["schemas"]["UpdateSettingsRequest"];
      responses: {
        "200": components["schemas"]["UserSettings"];
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
        "429": components["schemas"]["Error"];
      };
    };
  };
  "/v1/settings/lookup": {
    /** The settings of many users the bot is notifying */
    post: {
      operationId: "lookUpSettings";
      parameters: {};
      requestBody: {
        userIds: (string)[];
      };
      responses: {
        "200": {
          settings: {
            [key: string]: components["schemas"]["UserSettings"];
          };
        };
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
      };
    };
  };
  "/v1/settings/changes": {
    /** The settings of the token's platform's users, in the order they last changed */
    get: {
      operationId: "listSettingsChanges";
      parameters: {
        query?: {
          since?: string | undefined;
          afterUserId?: string | undefined;
        };
      };
      requestBody?: never;
      responses: {
        "200": {
          changes: ({
            userId: string;
            settings: components["schemas"]["UserSettings"];
            updatedAt: string;
          })[];
          more: boolean;
        };
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
      };
    };
  };
  "/v1/held": {
    /** Users of the token's platform with held notifications, longest waiting first, with their settings */
    get: {
      operationId: "listHeld";
      parameters: {};
      requestBody?: never;
      responses: {
        "200": {
          users: ({
            userId: string;
            settings: components["schemas"]["UserSettings"];
            held: number;
            oldestHeldAt: string;
          })[];
        };
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
      };
    };
    /** Hold notifications until the user's quiet hours end (idempotent per triggerId) */
    put: {
      operationId: "holdNotifications";
      parameters: {};
      requestBody: {
        notifications: ({
          v: 1;
          type: "triggered" | "expired";
          triggerId: string;
          alertId: string;
          generation: number;
          userId: string;
          origin: components["schemas"]["Origin"];
          symbol: string;
          condition: components["schemas"]["AlertCondition"];
          price: number;
          referencePrice: number;
          moveAbs: number;
          movePercent: number;
          note: string | null;
          repeating: boolean;
          firedAt: string;
          side?: "upper" | "lower" | undefined;
          level?: number | undefined;
          lastPrice?: number | undefined;
          referenceKind?: "previousClose" | "whenSet" | "lastFiring" | "window" | undefined;
          extreme?: number | null | undefined;
          rearm?: {
            at: string;
            upper: number | null;
            lower: number | null;
            band: number | null;
            extreme: number | null;
          } | null | undefined;
          again?: boolean | undefined;
          urgent?: boolean | undefined;
          earnings?: {
            moment: "eve" | "due";
            event: {
              symbol: string;
              date: string;
              hour: "bmo" | "amc" | "dmh" | "unknown";
              quarter: number | null;
              year: number | null;
              epsEstimate: number | null;
              revenueEstimate: number | null;
            };
          } | undefined;
          study?: {
            key: string;
            value: number;
            typical?: number | undefined;
          } | undefined;
        })[];
      };
      responses: {
        "200": {
          results: ({
            triggerId: string;
            result: "held" | "already_held" | "already_delivered" | "refused";
            error?: {
              code: string;
              message: string;
            } | undefined;
          })[];
        };
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
      };
    };
  };
  "/v1/held/claim": {
    /** Claim one user's held notifications for the digest */
    post: {
      operationId: "claimHeld";
      parameters: {};
      requestBody: {
        userId: string;
        leaseSeconds?: number | undefined;
      };
      responses: {
        "200": {
          notifications: ({
            v: 1;
            type: "triggered" | "expired";
            triggerId: string;
            alertId: string;
            generation: number;
            userId: string;
            origin: components["schemas"]["Origin"];
            symbol: string;
            condition: components["schemas"]["AlertCondition"];
            price: number;
            referencePrice: number;
            moveAbs: number;
            movePercent: number;
            note: string | null;
            repeating: boolean;
            firedAt: string;
            side?: "upper" | "lower" | undefined;
            level?: number | undefined;
            lastPrice?: number | undefined;
            referenceKind?: "previousClose" | "whenSet" | "lastFiring" | "window" | undefined;
            extreme?: number | null | undefined;
            rearm?: {
              at: string;
              upper: number | null;
              lower: number | null;
              band: number | null;
              extreme: number | null;
            } | null | undefined;
            again?: boolean | undefined;
            urgent?: boolean | undefined;
            earnings?: {
              moment: "eve" | "due";
              event: {
                symbol: string;
                date: string;
                hour: "bmo" | "amc" | "dmh" | "unknown";
                quarter: number | null;
                year: number | null;
                epsEstimate: number | null;
                revenueEstimate: number | null;
              };
            } | undefined;
            study?: {
              key: string;
              value: number;
              typical?: number | undefined;
            } | undefined;
          })[];
        };
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
      };
    };
  };
  "/v1/webhooks": {
    /** The user's webhooks, oldest first (never their secrets) */
    get: {
      operationId: "listWebhooks";
      parameters: {
        header: {
          /** The chat user the bot acts for, on the bot token's own platform (in the standalone, the console chat's user is `local`) */
          "x-platform-user-id": string;
          /** The chat command this request is part of: requests with the same id count once against the user's command allowance */
          "x-command-id"?: string | undefined;
        };
      };
      requestBody?: never;
      responses: {
        "200": components["schemas"]["WebhookList"];
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
        "429": components["schemas"]["Error"];
      };
    };
    /** Add a webhook: every firing of the user's alerts is also POSTed to it */
    post: {
      operationId: "createWebhook";
      parameters: {
        header: {
          /** The chat user the bot acts for, on the bot token's own platform (in the standalone, the console chat's user is `local`) */
          "x-platform-user-id": string;
          /** The chat command this request is part of: requests with the same id count once against the user's command allowance */
          "x-command-id"?: string | undefined;
        };
      };
      requestBody: components["schemas"]["CreateWebhookRequest"];
      responses: {
        "201": components["schemas"]["CreatedWebhook"];
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
        "409": components["schemas"]["Error"];
        "429": components["schemas"]["Error"];
      };
    };
  };
  "/v1/webhooks/{id}": {
    /** Remove a webhook */
    delete: {
      operationId: "deleteWebhook";
      parameters: {
        path: {
          id: string;
        };
        header: {
          /** The chat user the bot acts for, on the bot token's own platform (in the standalone, the console chat's user is `local`) */
          "x-platform-user-id": string;
          /** The chat command this request is part of: requests with the same id count once against the user's command allowance */
          "x-command-id"?: string | undefined;
        };
      };
      requestBody?: never;
      responses: {
        "204": null;
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
        "404": components["schemas"]["Error"];
        "429": components["schemas"]["Error"];
      };
    };
  };
  "/v1/webhooks/{id}/test": {
    /** Send a signed webhook.test delivery now and say what the receiver answered */
    post: {
      operationId: "testWebhook";
      parameters: {
        path: {
          id: string;
        };
        header: {
          /** The chat user the bot acts for, on the bot token's own platform (in the standalone, the console chat's user is `local`) */
          "x-platform-user-id": string;
          /** The chat command this request is part of: requests with the same id count once against the user's command allowance */
          "x-command-id"?: string | undefined;
        };
      };
      requestBody?: never;
      responses: {
        "200": components["schemas"]["WebhookTestResult"];
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
        "404": components["schemas"]["Error"];
        "429": components["schemas"]["Error"];
      };
    };
  };
  "/v1/internal/alerts": {
    /** A page of alerts by status in id order (the matcher's start-up snapshot) */
    get: {
      operationId: "listAlertsInternal";
      parameters: {
        query?: {
          status?: "active" | "paused" | "triggered" | "expired" | "cancelled" | undefined;
          after?: string | undefined;
          limit?: number | undefined;
          partitions?: string | undefined;
          partitionCount?: number | undefined;
          runtimeOffsets?: string | undefined;
        };
      };
      requestBody?: never;
      responses: {
        "200": {
          alerts: (components["schemas"]["Alert"])[];
          nextAfter: string | null;
          changeSeqs: {
            [key: string]: string;
          };
          windowHistories?: {
            [key: string]: {
              asOfTick: string | null;
              minutes: (((number) | (number))[])[];
            };
          } | undefined;
        };
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
        "503": components["schemas"]["Error"];
      };
    };
  };
  "/v1/internal/demand": {
    /** Every symbol with an active alert or on a watchlist (what the pricing service subscribes), and per symbol its active alerts and their nearest levels above and below (what it ranks the live stream by) */
    get: {
      operationId: "getDemand";
      parameters: {
        query?: {
          symbols?: string | undefined;
        };
      };
      requestBody?: never;
      responses: {
        "200": {
          symbols: (string)[];
          bySymbol: ({
            symbol: string;
            alerts: number;
            nearestAbove: number | null;
            nearestBelow: number | null;
            studies?: (string)[] | undefined;
          })[];
        };
        "400": components["schemas"]["Error"];
        "401": components["schemas"]["Error"];
        "403": components["schemas"]["Error"];
      };
    };
  };
}

export interface components {
  schemas: {
    WebhookPayload: {
      v: 1;
      type: "alert.triggered" | "alert.expired" | "webhook.test";
      id: string;
      webhookId: string;
      sentAt: string;
      alert: {
        id: string;
        symbol: string;
        condition: ({
          kind: "price";
          direction: "above" | "below" | "cross";
          target: number;
        }) | ({
          kind: "percent";
          direction: "up" | "down" | "move";
          percent: number;
          basis: "last" | "close";
        }) | ({
          kind: "trailing";
          direction: "down" | "up";
          offset: ({
            unit: "percent";
            value: number;
          }) | ({
            unit: "amount";
            value: number;
          });
        }) | ({
          kind: "earnings";
        }) | ({
          kind: "window";
          direction: "up" | "down" | "move";
          percent: number;
          windowSeconds: number;
        }) | ({
          kind: "extreme";
          side: "high" | "low";
          span: "session" | "52w";
        }) | ({
          kind: "volume";
          multiple: number;
        }) | ({
          kind: "average";
          average: "sma" | "ema";
          period: number;
          direction: "above" | "below" | "cross";
        }) | ({
          kind: "rsi";
          direction: "above" | "below";
          level: number;
          period: number;
          interval: "1d" | "1h";
        });
        note: string | null;
        repeating: boolean;
        urgent: boolean;
        platform: "discord" | "telegram" | "console";
      } | null;
      firing: {
        triggerId: string;
        generation: number;
        price: number;
        firedAt: string;
        referencePrice: number;
        referenceKind: "previousClose" | "whenSet" | "lastFiring" | "window" | null;
        moveAbs: number;
        movePercent: number;
        level: number | null;
        side: "upper" | "lower" | null;
        lastPrice: number | null;
        extreme: number | null;
        rearm: {
          at: string;
          upper: number | null;
          lower: number | null;
          band: number | null;
          extreme: number | null;
        } | null;
      } | null;
    };
    ResolveUserResponse: {
      user: components["schemas"]["User"];
      created: boolean;
    };
    User: {
      id: string;
      identities: ({
        platform: "discord" | "telegram" | "console";
        platformUserId: string;
      })[];
      createdAt: string;
    };
    Error: {
      error: {
        code: string;
        message: string;
        details?: unknown | null | undefined;
      };
    };
    ResolveUserRequest: {
      platformUserId: string;
      displayName?: string | undefined;
    };
    Watchlist: {
      items: ({
        symbol: string;
        addedAt: string;
      })[];
    };
    Alert: {
      id: string;
      userId: string;
      symbol: string;
      condition: components["schemas"]["AlertCondition"];
      referencePrice: number;
      thresholds: {
        upper: number | null;
        lower: number | null;
      };
      extreme: number | null;
      extremeSince?: string | null | undefined;
      watch?: "upper" | "lower" | null | undefined;
      status: "active" | "paused" | "triggered" | "expired" | "cancelled";
      generation: number;
      version: number;
      resumeAt: string | null;
      repeat: components["schemas"]["Repeat"];
      expiresAt: string | null;
      note: string | null;
      regularHoursOnly: boolean;
      urgent?: boolean | undefined;
      origin: components["schemas"]["Origin"];
      createdAt: string;
      updatedAt: string;
      lastTriggeredAt: string | null;
      lastTriggerPrice: number | null;
      phase: "armed" | "cooling" | "awaitingBand";
      stateAsOfTick: string | null;
      levelsRevision?: number | undefined;
    };
    AlertCondition: ({
      kind: "price";
      direction: "above" | "below" | "cross";
      target: number;
    }) | ({
      kind: "percent";
      direction: "up" | "down" | "move";
      percent: number;
      basis?: "last" | "close" | undefined;
    }) | ({
      kind: "trailing";
      direction: "down" | "up";
      offset: ({
        unit: "percent";
        value: number;
      }) | ({
        unit: "amount";
        value: number;
      });
    }) | ({
      kind: "earnings";
    }) | ({
      kind: "window";
      direction: "up" | "down" | "move";
      percent: number;
      windowSeconds: number;
    }) | ({
      kind: "extreme";
      side: "high" | "low";
      span: "session" | "52w";
    }) | ({
      kind: "volume";
      multiple: number;
    }) | ({
      kind: "average";
      average: "sma" | "ema";
      period: number;
      direction: "above" | "below" | "cross";
    }) | ({
      kind: "rsi";
      direction: "above" | "below";
      level: number;
      period: number;
      interval: "1d" | "1h";
    });
    Repeat: {
      cooldownSeconds: number;
    } | null;
    Origin: {
      platform: "discord" | "telegram" | "console";
      chatId: string;
      kind?: "dm" | "channel" | "group" | undefined;
      communityId?: string | undefined;
      mentionRoleId?: string | undefined;
    };
    CreateAlertRequest: {
      symbol: string;
      condition: components["schemas"]["AlertCondition"];
      market: components["schemas"]["MarketContext"];
      origin: components["schemas"]["Origin"];
      repeat?: components["schemas"]["Repeat"] | undefined;
      expiresAt?: string | null | undefined;
      note?: string | null | undefined;
      regularHoursOnly?: boolean | undefined;
      urgent?: boolean | undefined;
    };
    MarketContext: {
      last: number;
      previousClose?: number | undefined;
      sessionHigh?: number | undefined;
      sessionLow?: number | undefined;
      high52w?: number | undefined;
      low52w?: number | undefined;
      studies?: {
        values?: {
          [key: string]: number;
        } | undefined;
        volume?: {
          today: number;
          typical: number;
          sessions: number;
        } | undefined;
      } | undefined;
    };
    AlertList: {
      alerts: (components["schemas"]["Alert"])[];
      nextCursor: string | null;
    };
    BulkAlertActionResponse: {
      changed: (components["schemas"]["Alert"])[];
      unchanged: (components["schemas"]["Alert"])[];
      notOpen: (string)[];
    };
    BulkAlertActionRequest: {
      action: "pause" | "resume" | "cancel";
      alertIds: (string)[];
    };
    UpdateAlertRequest: {
      condition?: components["schemas"]["AlertCondition"] | undefined;
      market?: components["schemas"]["MarketContext"] | undefined;
      note?: string | null | undefined;
      repeat?: components["schemas"]["Repeat"] | undefined;
      expiresAt?: string | null | undefined;
      regularHoursOnly?: boolean | undefined;
      urgent?: boolean | undefined;
      status?: "active" | "paused" | undefined;
      snoozeSeconds?: number | undefined;
    };
    FiringList: {
      firings: (components["schemas"]["Firing"])[];
    };
    Firing: {
      triggerId: string;
      alertId: string;
      symbol: string;
      condition: components["schemas"]["AlertCondition"];
      price: number;
      firedAt: string;
    };
    LinkCode: {
      code: string;
      expiresAt: string;
    };
    RedeemLinkCodeResponse: {
      user: components["schemas"]["User"];
      movedAlerts: number;
    };
    RedeemLinkCodeRequest: {
      code: string;
    };
    AcknowledgeUndeliverableResponse: {
      acknowledged: number;
    };
    AcknowledgeUndeliverableRequest: {
      triggerIds?: (string)[] | undefined;
      webhookIds?: (string)[] | undefined;
    };
    DeliveryRecord: {
      triggerId: string;
      alertId: string;
      platform: "discord" | "telegram" | "console";
      status: "sent" | "undeliverable";
      reason: string | null;
      recordedAt: string;
    };
    UserSettings: {
      timeZone: string | null;
      quietHours: {
        start: string;
        end: string;
      } | null;
      charts?: boolean | undefined;
    };
    UpdateSettingsRequest: {
      timeZone?: string | null | undefined;
      quietHours?: {
        start: string;
        end: string;
      } | null | undefined;
      charts?: boolean | undefined;
    };
    CreatedWebhook: {
      webhook: components["schemas"]["Webhook"];
      secret: string;
    };
    Webhook: {
      id: string;
      url: string;
      status: "active" | "disabled";
      createdAt: string;
      consecutiveFailures: number;
      lastDeliveryAt: string | null;
      lastError: string | null;
      disabledAt: string | null;
    };
    CreateWebhookRequest: {
      url: string;
    };
    WebhookList: {
      items: (components["schemas"]["Webhook"])[];
    };
    WebhookTestResult: {
      ok: boolean;
      status: number | null;
      error: string | null;
      webhook: components["schemas"]["Webhook"];
    };
  };
}
