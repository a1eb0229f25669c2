import type { Alert } from "@tickerbell/contracts";
import type { AlertsApi, ChatContext } from "./ports.ts";

/**
 * The open alerts (active and paused) a command counts in, oldest first: the user's own, or, in a community
 * chat, those posted there whoever created them. Only those are asked for; the finished history never leaves
 * the alert service.
 */
export function openAlerts(
  alerts: Pick<AlertsApi, "listAlerts">,
  ctx: ChatContext,
  symbol: string | null = null,
): Promise<Alert[]> {
  return alerts.listAlerts(ctx, {
    status: "open",
    ...(symbol ? { symbol } : {}),
    ...(ctx.community ? { destination: ctx.community.chatId } : {}),
  });
}

/** How replies name the chat a command acts in: `#alerts`, `“Traders”`, or "this group" when unnamed. */
export function communityName(ctx: ChatContext): string | null {
  const community = ctx.community;
  if (community === undefined) return null;
  return community.name ?? (community.kind === "channel" ? "this channel" : "this group");
}
