import type { SymbolFeed } from "@tickerbell/contracts";

// What a user is told about how fresh a symbol's price is. Streamed symbols say nothing: the live stream is the
// norm. Polled ones say how often they are checked, so an alert that fires "late" is no surprise.

/** `40 s`, `2 min`: how long a polled price can lag, the way people say it. */
export function formatLag(seconds: number): string {
  const s = Math.max(1, Math.ceil(seconds));
  return s < 120 ? `${s} s` : `${Math.round(s / 60)} min`;
}

function streamCarries(feed: SymbolFeed): string {
  return feed.streamCap === null
    ? "the live stream is full"
    : `the live stream carries the ${feed.streamCap} most urgent symbol${feed.streamCap === 1 ? "" : "s"}`;
}

/**
 * The line under a new alert's confirmation, or null for a streamed symbol. A symbol nobody watched before is
 * `idle`: it says what it will get while the stream is full, unless the alert ranks among the most urgent.
 */
export function alertFeedNote(symbol: string, feed: SymbolFeed | undefined): string | null {
  if (!feed || feed.maxStalenessSeconds === null) return null;
  const lag = formatLag(feed.maxStalenessSeconds);
  if (feed.path === "polled")
    return `⏱ ${symbol} is checked every ~${lag} (${streamCarries(feed)}), so this alert can fire up to ${lag} late.`;
  if (feed.path === "idle")
    return `⏱ Unless it ranks among the most urgent (${streamCarries(feed)}), ${symbol} will be checked every ~${lag}, so this alert can fire up to ${lag} late.`;
  return null;
}

/** The note after a `/price` line, or null when the price is live (or a one-off quote nobody watches). */
export function priceFeedNote(symbol: string, feed: SymbolFeed | undefined): string | null {
  if (feed?.path !== "polled" || feed.maxStalenessSeconds === null) return null;
  const lag = formatLag(feed.maxStalenessSeconds);
  return `⏱ ${symbol} is checked every ~${lag} (${streamCarries(feed)}), so its price can be up to ${lag} old.`;
}

/** The lines under `/alerts`: one per polled symbol among the listed ones, in the order given. */
export function listFeedNotes(symbols: readonly string[], feeds: Record<string, SymbolFeed>): string[] {
  const notes: string[] = [];
  for (const symbol of new Set(symbols)) {
    const feed = feeds[symbol];
    if (feed?.path !== "polled" || feed.maxStalenessSeconds === null) continue;
    const lag = formatLag(feed.maxStalenessSeconds);
    notes.push(
      `⏱ ${symbol} is checked every ~${lag} (${streamCarries(feed)}): its alerts can fire up to ${lag} late.`,
    );
  }
  return notes;
}
