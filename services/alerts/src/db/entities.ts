import { defineEntity, p } from "@mikro-orm/core";
import type {
  AlertCondition,
  AlertPhase,
  AlertStatus,
  DeliveryStatus,
  DestinationKind,
  Notification,
  Platform,
} from "@tickerbell/contracts";

// Entities are plain schemas (no classes, no decorators) so Node's type stripping can load them. Columns
// carry scalar foreign keys: the repository works with ids and never walks an object graph.

export const UserEntity = defineEntity({
  name: "User",
  tableName: "users",
  properties: {
    id: p.uuid().primary(),
    createdAt: p.datetime(),
  },
});

export const PlatformIdentityEntity = defineEntity({
  name: "PlatformIdentity",
  tableName: "platform_identities",
  properties: {
    id: p.uuid().primary(),
    userId: p.uuid(),
    platform: p.string().$type<Platform>(),
    platformUserId: p.string(),
    displayName: p.string().nullable(),
    createdAt: p.datetime(),
  },
});

export const WatchlistItemEntity = defineEntity({
  name: "WatchlistItem",
  tableName: "watchlist_items",
  properties: {
    id: p.uuid().primary(),
    userId: p.uuid(),
    symbol: p.string(),
    addedAt: p.datetime(),
  },
});

export const AlertEntity = defineEntity({
  name: "Alert",
  tableName: "alerts",
  properties: {
    id: p.uuid().primary(),
    userId: p.uuid(),
    symbol: p.string(),
    kind: p.string().$type<AlertCondition["kind"]>(),
    condition: p.json<AlertCondition>(),
    referencePrice: p.double().runtimeType("number").$type<number>(),
    thresholdUpper: p.double().runtimeType("number").$type<number>().nullable(),
    thresholdLower: p.double().runtimeType("number").$type<number>().nullable(),
    extreme: p.double().runtimeType("number").$type<number>().nullable(),
    /** Session high/low alerts: since when the running extreme holds (see AlertSchema.extremeSince). */
    extremeSince: p.datetime().nullable(),
    /** Moving-average cross alerts: the side the next firing comes from (see AlertSchema.watch). */
    watch: p.string().$type<"upper" | "lower">().nullable(),
    status: p.string().$type<AlertStatus>(),
    generation: p.integer(),
    version: p.integer(),
    resumeAt: p.datetime().nullable(),
    repeatCooldownSeconds: p.integer().nullable(),
    expiresAt: p.datetime().nullable(),
    note: p.string().nullable(),
    regularHoursOnly: p.boolean(),
    urgent: p.boolean(),
    originPlatform: p.string().$type<Platform>(),
    originChatId: p.string(),
    /** Where the notification is posted (see OriginSchema): 'dm' for every alert from before destinations. */
    originKind: p.string().$type<DestinationKind>().default("dm"),
    originCommunityId: p.string().nullable(),
    originMentionRoleId: p.string().nullable(),
    createdAt: p.datetime(),
    updatedAt: p.datetime(),
    lastTriggeredAt: p.datetime().nullable(),
    lastTriggerPrice: p.double().runtimeType("number").$type<number>().nullable(),
    phase: p.string().$type<AlertPhase>(),
    stateAsOfTick: p.bigint("string").nullable(),
    /** The alerts.runtime offset of the event that last wrote the runtime fields (older ones are skipped). */
    runtimeOffset: p.bigint("string").nullable(),
    /** Edits of the condition so far (see AlertSchema.levelsRevision). */
    levelsRevision: p.integer().default(0),
  },
});

/** Every firing the matcher reported, keyed by triggerId: what makes recording a trigger idempotent. */
export const AlertTriggerEntity = defineEntity({
  name: "AlertTrigger",
  tableName: "alert_triggers",
  properties: {
    triggerId: p.string().primary(),
    alertId: p.uuid(),
    generation: p.integer(),
    price: p.double().runtimeType("number").$type<number>(),
    firedAt: p.datetime(),
    outcome: p.string().$type<"triggered" | "rearmed">(),
    recordedAt: p.datetime(),
    notification: p.json<Notification>().nullable(),
    reemittedAt: p.datetime().nullable(),
    reemits: p.integer(),
    /** A notification no bot reported an outcome for yet, as of the re-emitter's last look. */
    awaitingOutcome: p.boolean().default(false),
  },
});

/** One-time link codes, stored only as a SHA-256 hash. */
export const LinkCodeEntity = defineEntity({
  name: "LinkCode",
  tableName: "link_codes",
  properties: {
    codeHash: p.string().primary(),
    userId: p.uuid(),
    createdAt: p.datetime(),
    expiresAt: p.datetime(),
    redeemedAt: p.datetime().nullable(),
  },
});

export const OutboxEntity = defineEntity({
  name: "Outbox",
  tableName: "outbox",
  properties: {
    id: p.bigint("string").primary(),
    topic: p.string(),
    key: p.string(),
    payload: p.json<unknown>(),
    createdAt: p.datetime(),
    publishedAt: p.datetime().nullable(),
  },
});

/**
 * What each bot did with each notification, keyed by triggerId: the delivery log the bots de-duplicate
 * against. `userId` is the alert's owner (kept current when users merge), for the undeliverable notice.
 */
export const DeliveryEntity = defineEntity({
  name: "Delivery",
  tableName: "deliveries",
  properties: {
    triggerId: p.string().primary(),
    alertId: p.uuid(),
    userId: p.uuid(),
    platform: p.string().$type<Platform>(),
    status: p.string().$type<DeliveryStatus>(),
    reason: p.string().nullable(),
    recordedAt: p.datetime(),
    acknowledgedAt: p.datetime().nullable(),
  },
});

export const entities = [
  UserEntity,
  PlatformIdentityEntity,
  WatchlistItemEntity,
  AlertEntity,
  AlertTriggerEntity,
  LinkCodeEntity,
  OutboxEntity,
  DeliveryEntity,
];
