import { Writable } from "node:stream";
import { InMemoryBus } from "@tickerbell/bus";
import { createLogger, createMetricsRegistry, type Logger } from "@tickerbell/config";
import { TOPIC_CATALOG } from "@tickerbell/contracts";
import { createTestDatabase, FakeFinnhub, type TestDatabase } from "@tickerbell/testkit";
import { afterAll, afterEach, beforeAll } from "vitest";
import { NoDemandSnapshot } from "../src/adapters/alerts-demand-client.ts";
import { openPricingDb } from "../src/db/orm.ts";
import { SqlBarStore } from "../src/db/sql-bar-store.ts";
import { type PricingTuning, type RunningPricing, startPricing } from "../src/pricing.ts";
import { pricingConfig } from "./fixtures.ts";

export interface CapturedLog {
  log: Logger;
  /** Every line written so far, as raw text (what an operator would see). */
  text(): string;
  entries(): Array<Record<string, unknown>>;
  has(msg: string): boolean;
}

/** A real logger writing JSON lines to memory, so tests can assert on what operators would read. */
export function captureLog(service = "pricing"): CapturedLog {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ service, level: "debug", destination });
  const entries = () => lines.flatMap((l) => l.split("\n").filter(Boolean)).map((l) => JSON.parse(l));
  return {
    log,
    text: () => lines.join(""),
    entries,
    has: (msg) => entries().some((e) => e.msg === msg),
  };
}

export async function eventually(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A pricing service on the in-memory bus (on the fake Finnhub when one is given, else the simulated market) and
 * its HTTP API, stopped after each test: what the HTTP tests share.
 */
export function pricingHttpHarness(name: string) {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()?.();
  });

  async function pricingOn(fake: FakeFinnhub | undefined, tuning: PricingTuning = {}) {
    const bus = new InMemoryBus({ catalog: TOPIC_CATALOG });
    const logs = captureLog();
    const pricing = await startPricing({
      config: pricingConfig(
        fake
          ? { FINNHUB_API_KEY: fake.apiKey, FINNHUB_WS_URL: fake.wsUrl, FINNHUB_REST_URL: fake.restUrl }
          : {},
      ),
      bus,
      demandSource: new NoDemandSnapshot(),
      log: logs.log,
      metrics: createMetricsRegistry(name),
      tuning: { groupId: name, ...tuning },
    });
    cleanups.push(async () => {
      await pricing.stop();
      await bus.close();
    });
    return { pricing, logs };
  }

  async function get(pricing: RunningPricing, path: string) {
    const res = await pricing.http.request(path);
    return { status: res.status, headers: res.headers, body: (await res.json()) as unknown };
  }

  async function withFake(options: Parameters<typeof FakeFinnhub.start>[0] = {}) {
    const fake = await FakeFinnhub.start(options);
    cleanups.push(() => fake.close());
    return fake;
  }

  return { pricingOn, get, withFake };
}

/**
 * A bar store on a PostgreSQL database of its own for the file (handed to `opened` before its tests), dropped
 * after them; and what each test starts, stopped after it (push a stop onto the list returned).
 */
export function postgresBarStore(
  name: string,
  opened: (store: SqlBarStore) => void,
): Array<() => Promise<void>> {
  let database: TestDatabase | undefined;
  let store: SqlBarStore | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(name);
    store = new SqlBarStore(await openPricingDb({ kind: "postgres", url: database.url }));
    opened(store);
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()?.();
  });
  return cleanups;
}
