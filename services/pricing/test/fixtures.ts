import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Alert, AlertChangeEvent, SymbolDemand } from "@tickerbell/contracts";
import type { PricingConfig } from "../src/pricing.ts";

export const INTERNAL_TOKEN = "internal-token-for-tests";

/** Stands in for the alert service's GET /v1/internal/demand (with its bearer check). */
export class FakeAlertsDemand {
  symbols: string[] = [];
  /** Per symbol its alert count and nearest levels; a symbol not listed answers 1 alert and no level. */
  urgency: Record<string, Omit<SymbolDemand, "symbol">> = {};
  calls = 0;
  /** The symbols each scoped question (`?symbols=`) asked for. */
  readonly asked: string[][] = [];
  readonly #server: Server;
  readonly url: string;

  private constructor(server: Server) {
    this.#server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  static async start(): Promise<FakeAlertsDemand> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const fake = new FakeAlertsDemand(server);
    server.on("request", (req, res) => {
      const url = new URL(req.url ?? "/", "http://alerts");
      if (
        url.pathname !== "/v1/internal/demand" ||
        req.headers.authorization !== `Bearer ${INTERNAL_TOKEN}`
      ) {
        res.writeHead(url.pathname === "/v1/internal/demand" ? 401 : 404).end();
        return;
      }
      fake.calls++;
      const scoped = url.searchParams.get("symbols")?.split(",");
      if (scoped) fake.asked.push(scoped);
      const answered = fake.symbols.filter((symbol) => scoped === undefined || scoped.includes(symbol));
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          symbols: answered,
          bySymbol: answered.map((symbol) => ({
            symbol,
            ...(fake.urgency[symbol] ?? { alerts: 1, nearestAbove: null, nearestBelow: null }),
          })),
        }),
      );
    });
    return fake;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise((resolve) => this.#server.close(resolve));
  }
}

export function pricingConfig(overrides: Partial<PricingConfig> = {}): PricingConfig {
  return {
    FINNHUB_API_KEY: undefined,
    FINNHUB_WS_URL: "ws://127.0.0.1:1",
    FINNHUB_REST_URL: "http://127.0.0.1:1/api/v1",
    FINNHUB_SYMBOL_CAP: 50,
    FINNHUB_REST_CALLS_PER_MINUTE: 600,
    SIMULATION_SEED: 42,
    SIMULATION_MARKET_HOURS: "real",
    SIMULATION_SPEED: 1,
    DEMAND_REFRESH_SECONDS: 300,
    ...overrides,
  };
}

let seq = 0;

/** An alert change as the alert service's outbox relay publishes it. */
export function alertChange(
  id: string,
  symbol: string,
  status: Alert["status"],
  /** An `above` alert's level (default 500). */
  target = 500,
): AlertChangeEvent {
  const now = new Date().toISOString();
  seq++;
  return {
    v: 1,
    seq: String(seq),
    change: status === "active" ? "created" : status === "paused" ? "paused" : "cancelled",
    at: now,
    alert: {
      id,
      userId: "7d4f3c1e-2b8a-4e6f-9a1d-3c5b7e9f1a2b",
      symbol,
      condition: { kind: "price", direction: "above", target },
      referencePrice: 100,
      thresholds: { upper: target, lower: null },
      extreme: null,
      status,
      generation: 0,
      version: seq,
      resumeAt: null,
      repeat: null,
      expiresAt: null,
      note: null,
      regularHoursOnly: false,
      origin: { platform: "telegram", chatId: "42" },
      createdAt: now,
      updatedAt: now,
      lastTriggeredAt: null,
      lastTriggerPrice: null,
      phase: "armed",
      stateAsOfTick: null,
    },
  };
}
