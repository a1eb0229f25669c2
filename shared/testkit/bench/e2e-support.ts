// Load generation for the end-to-end benchmark: trades at a steady rate on the fake Finnhub socket.
import type { FakeFinnhub, FakeTrade } from "../src/finnhub/index.ts";

/** A trade that replaces one noise trade; `onSent` gets the wall clock just before its frame went out. */
export interface ScriptedTrade {
  symbol: string;
  price: number;
  onSent: (at: number) => void;
}

const FRAME_INTERVAL_MS = 5;

/** Noise trades around a base price (never near an alert level), sent in frames every few milliseconds. */
export class Ticker {
  readonly #finnhub: FakeFinnhub;
  readonly #symbols: readonly string[];
  readonly #base: number;
  #tickNumber = 0;

  constructor(finnhub: FakeFinnhub, symbols: readonly string[], base: number) {
    this.#finnhub = finnhub;
    this.#symbols = symbols;
    this.#base = base;
  }

  /**
   * Sends `rate` trades per second for `seconds`; `script(n)` may replace trade n by a scripted one.
   * Catches up after a late timer, so the average rate holds even when frames get bigger.
   */
  async run(
    rate: number,
    seconds: number,
    script: (tickNumber: number) => ScriptedTrade | undefined,
  ): Promise<{ sent: number; seconds: number }> {
    const total = Math.round(rate * seconds);
    const started = performance.now();
    let sent = 0;
    while (sent < total) {
      const due = Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate));
      if (due > sent) {
        const trades: FakeTrade[] = [];
        const scripted: ScriptedTrade[] = [];
        for (; sent < due; sent++) {
          const n = this.#tickNumber++;
          const special = script(n);
          if (special) {
            scripted.push(special);
            trades.push({ symbol: special.symbol, price: special.price });
          } else {
            const symbol = this.#symbols[n % this.#symbols.length]!;
            trades.push({ symbol, price: Math.round((this.#base - 1 + Math.random() * 2) * 100) / 100 });
          }
        }
        const at = Date.now();
        this.#finnhub.pushTrades(trades);
        for (const s of scripted) s.onSent(at);
      }
      await new Promise((resolve) => setTimeout(resolve, FRAME_INTERVAL_MS));
    }
    return { sent, seconds: (performance.now() - started) / 1000 };
  }
}

/** Nearest-rank percentile of ascending values (0 for none). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** Count and summed seconds of the alert service's alerts_http_request_duration_seconds per "METHOD route". */
export async function alertServiceRequests(
  baseUrl: string,
): Promise<Map<string, { count: number; seconds: number }>> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const totals = new Map<string, { count: number; seconds: number }>();
  for (const match of text.matchAll(
    /^alerts_http_request_duration_seconds_(sum|count)\{[^}]*?method="([^"]+)",route="([^"]+)"[^}]*\} (\S+)$/gm,
  )) {
    const key = `${match[2]} ${match[3]}`;
    const entry = totals.get(key) ?? { count: 0, seconds: 0 };
    if (match[1] === "count") entry.count = Number(match[4]);
    else entry.seconds = Number(match[4]);
    totals.set(key, entry);
  }
  return totals;
}

/** Requests per route between two `alertServiceRequests` readings, with their mean duration. */
export function requestsBetween(
  before: Map<string, { count: number; seconds: number }>,
  after: Map<string, { count: number; seconds: number }>,
): Record<string, { requests: number; meanMs: number }> {
  const out: Record<string, { requests: number; meanMs: number }> = {};
  for (const [key, now] of after) {
    const then = before.get(key) ?? { count: 0, seconds: 0 };
    const requests = now.count - then.count;
    if (requests > 0)
      out[key] = { requests, meanMs: Math.round(((now.seconds - then.seconds) / requests) * 10_000) / 10 };
  }
  return out;
}

/** Alert-service requests per DM over a burst (every route: what delivering those DMs cost it). */
export function requestsPerDm(requests: Record<string, { requests: number }>, dms: number): number {
  const total = Object.values(requests).reduce((sum, r) => sum + r.requests, 0);
  return dms === 0 ? 0 : Math.round((total / dms) * 1000) / 1000;
}

/**
 * What a burst of DMs (one expected per chat) came to at the fake: how many arrived, the rate from the first to
 * the last, chats that got none (lost) or more than one (duplicated), and when the first arrived.
 */
export function burstFigures(
  dms: ReadonlyArray<{ chatId: number; receivedAt: number }>,
  chats: readonly number[],
  startedAt: number,
): {
  delivered: number;
  deliveredPerSec: number;
  lost: number;
  duplicated: number;
  firstDmAfterMs: number | null;
  seconds: number;
} {
  const perChat = new Map<number, number>();
  for (const dm of dms) perChat.set(dm.chatId, (perChat.get(dm.chatId) ?? 0) + 1);
  const times = dms.map((dm) => dm.receivedAt).sort((a, b) => a - b);
  const first = times[0];
  const last = times.at(-1);
  const span = first === undefined || last === undefined ? 0 : last - first;
  return {
    delivered: dms.length,
    deliveredPerSec: dms.length > 1 && span > 0 ? Math.round(((dms.length - 1) / span) * 1000) : 0,
    lost: chats.filter((chat) => !perChat.has(chat)).length,
    duplicated: [...perChat.values()].filter((n) => n > 1).length,
    firstDmAfterMs: first === undefined ? null : first - startedAt,
    seconds: span / 1000,
  };
}

export { startGroupAtTheEnd } from "../src/kafka/group-offsets.ts";
