import type { InferEntity } from "@mikro-orm/core";
import type { Alert, DestinationKind, Origin, Platform } from "@tickerbell/contracts";
import type { AlertEntity } from "./entities.ts";

export type AlertRow = InferEntity<typeof AlertEntity>;

/** The stored origin columns of an alert. */
export interface OriginColumns {
  originPlatform: Platform;
  originChatId: string;
  originKind?: DestinationKind | null | undefined;
  originCommunityId?: string | null | undefined;
  originMentionRoleId?: string | null | undefined;
}

/** An alert's origin from its columns; a DM is written without `kind`, as origins from before destinations are. */
export function originOf(row: OriginColumns): Origin {
  const origin: Origin = { platform: row.originPlatform, chatId: row.originChatId };
  if (!row.originKind || row.originKind === "dm") return origin;
  origin.kind = row.originKind;
  if (row.originCommunityId) origin.communityId = row.originCommunityId;
  if (row.originMentionRoleId) origin.mentionRoleId = row.originMentionRoleId;
  return origin;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export function toAlert(row: AlertRow): Alert {
  return {
    id: row.id,
    userId: row.userId,
    symbol: row.symbol,
    condition: row.condition,
    referencePrice: row.referencePrice,
    thresholds: { upper: row.thresholdUpper ?? null, lower: row.thresholdLower ?? null },
    extreme: row.extreme ?? null,
    ...(row.extremeSince ? { extremeSince: row.extremeSince.toISOString() } : {}),
    ...(row.watch ? { watch: row.watch } : {}),
    status: row.status,
    generation: row.generation,
    version: row.version,
    resumeAt: iso(row.resumeAt),
    repeat: row.repeatCooldownSeconds == null ? null : { cooldownSeconds: row.repeatCooldownSeconds },
    expiresAt: iso(row.expiresAt),
    note: row.note ?? null,
    regularHoursOnly: row.regularHoursOnly,
    urgent: row.urgent,
    origin: originOf(row),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    lastTriggeredAt: iso(row.lastTriggeredAt),
    lastTriggerPrice: row.lastTriggerPrice ?? null,
    phase: row.phase,
    stateAsOfTick: row.stateAsOfTick ?? null,
    levelsRevision: row.levelsRevision ?? 0,
  };
}

/**
 * The column values of `alert`, for both inserts and updates. `runtimeOffset` is not part of the record: only
 * the runtime consumer writes it.
 */
export function toAlertRow(alert: Alert): Omit<AlertRow, "runtimeOffset"> {
  return {
    id: alert.id,
    userId: alert.userId,
    symbol: alert.symbol,
    kind: alert.condition.kind,
    condition: alert.condition,
    referencePrice: alert.referencePrice,
    thresholdUpper: alert.thresholds.upper,
    thresholdLower: alert.thresholds.lower,
    extreme: alert.extreme,
    extremeSince: alert.extremeSince ? new Date(alert.extremeSince) : null,
    watch: alert.watch ?? null,
    status: alert.status,
    generation: alert.generation,
    version: alert.version,
    resumeAt: alert.resumeAt === null ? null : new Date(alert.resumeAt),
    repeatCooldownSeconds: alert.repeat?.cooldownSeconds ?? null,
    expiresAt: alert.expiresAt === null ? null : new Date(alert.expiresAt),
    note: alert.note,
    regularHoursOnly: alert.regularHoursOnly,
    urgent: alert.urgent ?? false,
    originPlatform: alert.origin.platform,
    originChatId: alert.origin.chatId,
    originKind: alert.origin.kind ?? "dm",
    originCommunityId: alert.origin.communityId ?? null,
    originMentionRoleId: alert.origin.mentionRoleId ?? null,
    createdAt: new Date(alert.createdAt),
    updatedAt: new Date(alert.updatedAt),
    lastTriggeredAt: alert.lastTriggeredAt === null ? null : new Date(alert.lastTriggeredAt),
    lastTriggerPrice: alert.lastTriggerPrice,
    phase: alert.phase,
    stateAsOfTick: alert.stateAsOfTick,
    levelsRevision: alert.levelsRevision ?? 0,
  };
}
