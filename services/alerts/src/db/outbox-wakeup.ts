// How a relay hears of committed outbox rows without polling: in the writing process at once (the ORM's commit
// signal), in every other process through PostgreSQL's NOTIFY, which the writing process sends right after
// its commit and each relay LISTENs for on a connection of its own.
import type { MikroORM } from "@mikro-orm/core";
import type { PgliteConnection } from "@mikro-orm/pglite";
import type { SqlEntityManager } from "@mikro-orm/postgresql";
import type { Logger } from "@tickerbell/config";
import pg from "pg";
import type { RelayWakeups } from "../outbox-relay.ts";
import type { Database } from "./orm.ts";
import { OUTBOX_CHANNEL, type OutboxCommitSignal } from "./outbox.ts";

export interface OutboxWakeupsOptions {
  database: Database;
  orm: MikroORM;
  em: SqlEntityManager;
  commits: OutboxCommitSignal;
  logger: Logger;
  /** Wait before listening again after the listening connection failed (default 1 s, doubling to 30 s). */
  reconnectMs?: number;
  /**
   * Least time between two NOTIFYs of this process (default 5 ms): under load one NOTIFY covers the commits
   * of that window instead of one statement per write. The relay of the writing process is woken at once.
   */
  notifyIntervalMs?: number;
}

export class OutboxWakeups implements RelayWakeups {
  readonly #options: OutboxWakeupsOptions;
  readonly #logger: Logger;
  readonly #notifyIntervalMs: number;
  #notifying = false;
  #notifyAgain = false;
  #stopNotifying: (() => void) | undefined;

  constructor(options: OutboxWakeupsOptions) {
    this.#options = options;
    this.#logger = options.logger;
    this.#notifyIntervalMs = options.notifyIntervalMs ?? 5;
  }

  /**
   * Writer side: after every commit that added outbox rows, NOTIFY the relays of other processes. Sent after
   * the commit, never inside the writing transaction: a transaction that notifies takes a database-wide lock
   * through its commit, which would make every alert write wait for the others' disk flushes. One NOTIFY at
   * a time, at most one per notifyIntervalMs; commits meanwhile are covered by one more after it.
   */
  startNotifying(): void {
    this.#stopNotifying ??= this.#options.commits.onCommit(() => this.#notify());
  }

  stopNotifying(): void {
    this.#stopNotifying?.();
    this.#stopNotifying = undefined;
  }

  async subscribe(wake: () => void): Promise<() => Promise<void>> {
    const local = this.#options.commits.onCommit(wake);
    const listener =
      this.#options.database.kind === "postgres"
        ? new PostgresListener(this.#options.database.url, wake, this.#logger, this.#options.reconnectMs)
        : new PgliteListener(this.#options.orm, wake);
    await listener.start();
    return async () => {
      local();
      await listener.stop();
    };
  }

  #notify(): void {
    if (!this.#stopNotifying) return;
    if (this.#notifying) {
      this.#notifyAgain = true;
      return;
    }
    this.#notifying = true;
    this.#notifyAgain = false;
    this.#options.em
      .fork()
      .execute("select pg_notify(?, '')", [OUTBOX_CHANNEL])
      .catch((err: unknown) =>
        // Not fatal: the relays' safety poll picks the rows up.
        this.#logger.warn({ err }, "outbox NOTIFY failed; relays elsewhere find the rows on their next poll"),
      )
      .then(() => new Promise((resolve) => setTimeout(resolve, this.#notifyIntervalMs)))
      .finally(() => {
        this.#notifying = false;
        if (this.#notifyAgain) this.#notify();
      });
  }
}

interface Listener {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * LISTEN on a dedicated node-postgres connection (a pooled one would drop it). When the connection fails it
 * reconnects with backoff and wakes the relay once listening again, for what committed in between.
 */
class PostgresListener implements Listener {
  readonly #url: string;
  readonly #wake: () => void;
  readonly #logger: Logger;
  readonly #firstRetryMs: number;
  #retryMs: number;
  #client: pg.Client | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(url: string, wake: () => void, logger: Logger, reconnectMs = 1000) {
    this.#url = url;
    this.#wake = wake;
    this.#logger = logger;
    this.#firstRetryMs = reconnectMs;
    this.#retryMs = reconnectMs;
  }

  async start(): Promise<void> {
    // A relay also works without notifications (it polls), so a failed first attempt only schedules a retry.
    await this.#connect();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#url,
      keepAlive: true,
      application_name: "tickerbell-outbox-listener",
    });
    let failed = false;
    const lost = (err?: unknown) => {
      if (failed) return;
      failed = true;
      if (this.#client === client) this.#client = undefined;
      client.end().catch(() => undefined);
      if (this.#stopped) return;
      this.#logger.warn(
        { err, retryInMs: this.#retryMs },
        "outbox LISTEN connection lost; relaying on the poll until it is back",
      );
      this.#retry = setTimeout(() => void this.#connect(), this.#retryMs);
      this.#retryMs = Math.min(this.#retryMs * 2, 30_000);
    };
    client.on("notification", () => this.#wake());
    client.on("error", lost);
    client.on("end", () => lost());
    try {
      await client.connect();
      await client.query(`listen ${OUTBOX_CHANNEL}`);
    } catch (err) {
      lost(err);
      return;
    }
    if (this.#stopped) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#retryMs = this.#firstRetryMs;
    this.#wake();
  }
}

/** PGlite is one in-process database with its own listen API. */
class PgliteListener implements Listener {
  readonly #orm: MikroORM;
  readonly #wake: () => void;
  #unlisten: (() => Promise<void>) | undefined;

  constructor(orm: MikroORM, wake: () => void) {
    this.#orm = orm;
    this.#wake = wake;
  }

  async start(): Promise<void> {
    const pglite = await (this.#orm.driver.getConnection() as unknown as PgliteConnection).getNativeClient();
    this.#unlisten = await pglite.listen(OUTBOX_CHANNEL, () => this.#wake());
  }

  async stop(): Promise<void> {
    await this.#unlisten?.().catch(() => undefined);
  }
}
