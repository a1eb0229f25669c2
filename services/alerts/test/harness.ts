import { Writable } from "node:stream";
import { createLogger, createMetricsRegistry } from "@tickerbell/config";
import type { Alert, AlertRuntimeState, Notification } from "@tickerbell/contracts";
import { createTestDatabase, databaseUse, type TestDatabase } from "@tickerbell/testkit";
import pg from "pg";
import type { Database } from "../src/db/orm.ts";
import type { Clock } from "../src/domain/ports.ts";
import { type AlertServiceConfig, type RunningAlertService, startAlertService } from "../src/service.ts";

export const TOKENS = {
  discord: "discord-bot-token-0001",
  telegram: "telegram-bot-token-0002",
  console: "console-bot-token-0003",
  internal: "internal-svc-token-0004",
} as const;

/** A clock the test moves by hand (expiry, link-code TTL, rate-limit windows). */
export class ManualClock implements Clock {
  current: Date;
  constructor(start = new Date()) {
    this.current = start;
  }
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export interface Harness {
  service: RunningAlertService;
  clock: ManualClock;
  logs: string[];
  api: Api;
  close(): Promise<void>;
}

export interface CallOptions {
  token?: keyof typeof TOKENS | string | null;
  /** X-Platform-User-Id */
  as?: string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
export type Answer = { status: number; body: any; text: string; headers: Headers };

export type Api = (method: string, path: string, options?: CallOptions) => Promise<Answer>;

export function apiFor(service: RunningAlertService): Api {
  return async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.token === undefined ? "telegram" : options.token;
    if (token !== null) headers.authorization = `Bearer ${TOKENS[token as keyof typeof TOKENS] ?? token}`;
    if (options.as !== undefined) headers["x-platform-user-id"] = options.as;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined && !headers["content-type"]) headers["content-type"] = "application/json";
    const res = await service.app.request(path, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  };
}

export interface HarnessOptions {
  webhooks?: AlertServiceConfig["webhooks"];
  maxOpenAlertsPerUser?: number;
  maxOpenAlertsPerCommunity?: number;
  userCommandsPerMinute?: number;
  historyDays?: number;
  demandPageAlerts?: number;
}

export async function startHarness(database: Database, options: HarnessOptions = {}): Promise<Harness> {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const clock = new ManualClock();
  const service = await startAlertService({
    database,
    tokens: TOKENS,
    maxOpenAlertsPerUser: options.maxOpenAlertsPerUser ?? 100,
    ...(options.maxOpenAlertsPerCommunity === undefined
      ? {}
      : { maxOpenAlertsPerCommunity: options.maxOpenAlertsPerCommunity }),
    // Suites send far more than a person would; the rate-limit suite sets its own, small allowance.
    userCommandsPerMinute: options.userCommandsPerMinute ?? 100_000,
    ...(options.historyDays === undefined ? {} : { historyDays: options.historyDays }),
    ...(options.demandPageAlerts === undefined ? {} : { demandPageAlerts: options.demandPageAlerts }),
    ...(options.webhooks === undefined ? {} : { webhooks: options.webhooks }),
    logger: createLogger({ service: "alerts-test", level: "debug", destination }),
    metrics: createMetricsRegistry("alerts"),
    clock,
  });
  return { service, clock, logs, api: apiFor(service), close: () => closeWatched(service, database) };
}

/** Long enough for any close on a busy machine, and well inside a suite's 60 s hook. */
const CLOSE_WATCH_MS = 30_000;

/**
 * The service's close, failing after 30 s with what its database connections are doing and what this process
 * still holds open: a close that stalls otherwise reads only as the suite's hook timing out.
 */
async function closeWatched(service: RunningAlertService, database: Database): Promise<void> {
  const closing = service.close();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<"late">((resolve) => {
    timer = setTimeout(() => resolve("late"), CLOSE_WATCH_MS);
  });
  try {
    if ((await Promise.race([closing.then(() => "closed" as const), late])) === "closed") return;
  } finally {
    clearTimeout(timer);
  }
  closing.catch(() => undefined);
  const on =
    database.kind === "postgres"
      ? `its database: ${await databaseUse(new URL(database.url).pathname.slice(1))}`
      : "on PGlite";
  throw new Error(
    `the alert service did not close in ${CLOSE_WATCH_MS / 1000} s; ${on}; open in this process: ${process.getActiveResourcesInfo().join(", ")}`,
  );
}

/** A fresh PostgreSQL database for one suite, migrated by the service itself; dropped on close. */
export async function startPostgresHarness(options: HarnessOptions = {}) {
  const db: TestDatabase = await createTestDatabase("tb_alerts");
  const harness = await startHarness({ kind: "postgres", url: db.url }, options);
  return {
    ...harness,
    db,
    async close() {
      await harness.close();
      await db.drop();
    },
  };
}

export const origin = (platform = "telegram", chatId = "chat-1") => ({ platform, chatId });

/** A valid create-alert body: `above 200` with AAPL at 190, from Telegram. */
export function priceAlert(overrides: Record<string, unknown> = {}) {
  return {
    symbol: "AAPL",
    condition: { kind: "price", direction: "above", target: 200 },
    market: { last: 190 },
    origin: origin(),
    ...overrides,
  };
}

let targetsHandedOut = 0;
/**
 * A price alert whose target no earlier call gave (200.01, 200.02, …): a user may not hold two identical open
 * alerts, so tests that create several for one user and do not care about the level use this.
 */
export function anotherPriceAlert(overrides: Record<string, unknown> = {}) {
  targetsHandedOut += 1;
  const target = Math.round((200 + targetsHandedOut / 100) * 100) / 100;
  return priceAlert({ condition: { kind: "price", direction: "above", target }, ...overrides });
}

/** Runs one query against the suite's database from outside the service. */
// biome-ignore lint/suspicious/noExplicitAny: rows are whatever the query selects
export async function sql(url: string, text: string, params: unknown[] = []): Promise<any[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, params)).rows;
  } finally {
    await client.end();
  }
}

/**
 * Makes the table look like a service's: `users` new users, each with `perUser` copies of alert `sourceId`, the
 * copies' columns set by `columns` (pairs for `jsonb_build_object`, over `n.k`, the user's number from 1, `g`, the
 * copy's number from 1, and `a`, the source row). Answers the copies' ids.
 */
export async function copiesForNewUsers(
  url: string,
  sourceId: string,
  users: number,
  perUser: number,
  columns: string,
): Promise<string[]> {
  const rows = await sql(
    url,
    `with added as (
       insert into users (id, created_at) select gen_random_uuid(), now() from generate_series(1, $2::int)
       returning id),
     numbered as (select id, row_number() over () as k from added)
     insert into alerts
       select (jsonb_populate_record(a, jsonb_build_object(
         'id', gen_random_uuid(), 'user_id', n.id, ${columns}))).*
         from alerts a, numbered n, generate_series(1, $3::int) g where a.id = $1
     returning id`,
    [sourceId, users, perUser],
  );
  return rows.map((r) => String(r.id));
}

let runtimeOffset = 0n;

/**
 * The matcher's firing of `alert` (generation `generation`, at `price`, at `firedAt`), stored the way production
 * stores it: an alerts.runtime event applied by the runtime service. A repeating alert cools down into its
 * next generation; a `done` one-shot ends. Answers the triggerId.
 */
export async function applyFiring(
  h: Harness,
  alert: Alert,
  firing: { generation: number; price: number; firedAt: Date; done: boolean },
): Promise<string> {
  const { generation, price, done } = firing;
  const firedAt = firing.firedAt.toISOString();
  const triggerId = `${alert.id}:${generation}`;
  const notification: Notification = {
    v: 1,
    type: "triggered",
    triggerId,
    alertId: alert.id,
    generation,
    userId: alert.userId,
    origin: alert.origin,
    symbol: alert.symbol,
    condition: alert.condition,
    price,
    referencePrice: alert.referencePrice,
    moveAbs: price - alert.referencePrice,
    movePercent: 1,
    note: null,
    repeating: !done,
    firedAt,
  };
  const state: AlertRuntimeState | null = done
    ? null
    : {
        generation: generation + 1,
        phase: "cooling",
        referencePrice: alert.referencePrice,
        upper: alert.thresholds.upper,
        lower: alert.thresholds.lower,
        extreme: alert.extreme,
        lastFiredAt: firing.firedAt.getTime(),
        lastFirePrice: price,
      };
  await h.service.runtime.apply([
    {
      event: {
        v: 1,
        alertId: alert.id,
        symbol: alert.symbol,
        asOfTick: "1",
        state,
        done,
        firing: { triggerId, price, firedAt, notification },
      },
      partition: 0,
      offset: runtimeOffset++,
    },
  ]);
  return triggerId;
}
