import type { Platform, UndeliverableList } from "@tickerbell/contracts";
import { type DestinationLostCode, isDestinationLost } from "../delivery/ports.ts";

const PLATFORM_NAMES: Record<Platform, string> = {
  discord: "Discord",
  telegram: "Telegram",
  console: "the console",
};

// Reason codes come from the platform notifiers (DeliveryError.code); unknown ones still read sensibly.
const DMS_CLOSED = new Set(["dms_closed", "cannot_dm", "50007"]);

function why(reason: string): string {
  if (DMS_CLOSED.has(reason)) return "your DMs are closed";
  if (reason === "blocked_by_user") return "you blocked me";
  if (reason === "chat_not_found") return "our chat no longer exists";
  return "the platform refused the message";
}

function fix(reason: string, platform: Platform): string | null {
  const where = PLATFORM_NAMES[platform];
  if (DMS_CLOSED.has(reason)) return `open your DMs on ${where}`;
  if (reason === "blocked_by_user") return `unblock me on ${where}`;
  if (reason === "chat_not_found") return `start a chat with me on ${where} again`;
  return null;
}

/** Where a community alert posts on a platform. */
function placeOf(platform: Platform): string {
  return platform === "discord" ? "channel" : "group";
}

function whyLost(reason: DestinationLostCode, platform: Platform): string {
  if (reason === "channel_gone") return `the ${placeOf(platform)} no longer exists`;
  if (reason === "access_lost") return "I lost access or permissions there";
  return "I was removed from it";
}

/** `AAPL`, `AAPL and TSLA`, `AAPL, TSLA, NVDA and 2 more`. */
function symbolsPhrase(symbols: string[]): string {
  const shown = symbols.slice(0, 3);
  const more = symbols.length - shown.length;
  if (more > 0) return `${shown.join(", ")} and ${more} more`;
  if (shown.length === 1) return shown[0]!;
  return `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}`;
}

/**
 * Tells the user, in a sentence or two, which alerts could not reach them, where, why, and what to do about
 * it, e.g. "⚠️ I couldn't DM you about your AAPL alert on Discord (your DMs are closed). To get them, open
 * your DMs on Discord, or /link another platform where I can reach you." Null when there is nothing to tell.
 */
export function formatUndeliverableNotice(list: UndeliverableList, here: Platform): string | null {
  if (list.items.length === 0) return null;
  const groups = new Map<string, { platform: Platform; reason: string; symbols: string[] }>();
  for (const item of list.items) {
    const key = `${item.platform}\u0000${item.reason}`;
    const group = groups.get(key) ?? { platform: item.platform, reason: item.reason, symbols: [] };
    if (!group.symbols.includes(item.symbol)) group.symbols.push(item.symbol);
    groups.set(key, group);
  }
  // A community alert (a channel's, a group's) that could not be posted was paused: said apart from DMs.
  const lost = [...groups.values()].filter((g) => isDestinationLost(g.reason));
  const dms = [...groups.values()].filter((g) => !isDestinationLost(g.reason));
  const sentences = [
    ...dms.map((g) => {
      const alerts = g.symbols.length === 1 ? "alert" : "alerts";
      return `I couldn't DM you about your ${symbolsPhrase(g.symbols)} ${alerts} on ${PLATFORM_NAMES[g.platform]} (${why(g.reason)}).`;
    }),
    ...lost.map((g) => {
      const one = g.symbols.length === 1;
      return `I couldn't post your ${symbolsPhrase(g.symbols)} ${one ? "alert in its" : "alerts in their"} ${placeOf(g.platform)} on ${PLATFORM_NAMES[g.platform]} (${whyLost(g.reason as DestinationLostCode, g.platform)}); ${one ? "it is" : "they are"} paused.`;
    }),
  ];
  const older = list.total - list.items.length;
  if (older > 0)
    sentences.push(`${older} older notification${older === 1 ? "" : "s"} did not arrive either.`);
  if (lost.length > 0)
    sentences.push(
      `Resume them with the ${placeOf(lost[0]!.platform)}'s alert commands once I can post there again.`,
    );
  if (dms.length === 0) return `⚠️ ${sentences.join(" ")}`;

  const fixes = [...new Set(dms.map((g) => fix(g.reason, g.platform)).filter((f) => f !== null))];
  // Telling this platform apart matters: the user is linked already if they hear here about another platform.
  const elsewhere = dms.some((g) => g.platform !== here);
  const options = [...fixes];
  options.push(
    elsewhere
      ? `set those alerts again here on ${PLATFORM_NAMES[here]}`
      : "/link another platform where I can reach you",
  );
  const last = options.pop()!;
  sentences.push(`To get them, ${options.length > 0 ? `${options.join(", ")}, or ${last}` : last}.`);
  return `⚠️ ${sentences.join(" ")}`;
}
