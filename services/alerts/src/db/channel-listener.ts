// LISTEN on a PostgreSQL channel, for as long as the process runs: what another process (another replica)
// tells every process through NOTIFY. The outbox relays wake on it; the identity cache forgets on it.
import type { MikroORM } from "@mikro-orm/core";
import type { PgliteConnection } from "@mikro-orm/pglite";
import type { Logger } from "@tickerbell/config";
import pg from "pg";
import type { Database } from "./orm.ts";

export interface ChannelListener {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface ChannelListenerOptions {
  channel: string;
  onNotification: () => void;
  /** Listening (again): whatever was notified while not listening was missed. */
  onListening: () => void;
  /** The listening connection failed; a reconnect follows. */
  onLost: () => void;
  logger: Logger;
  /** Logged (warn) when the listening connection fails. */
  lostMessage: string;
  /** Wait before listening again after the connection failed (default 1 s, doubling to 30 s). */
  reconnectMs?: number;
}

export function channelListener(
  database: Database,
  orm: MikroORM,
  options: ChannelListenerOptions,
): ChannelListener {
  return database.kind === "postgres"
    ? new PostgresListener(database.url, options)
    : new PgliteListener(orm, options);
}

/**
 * LISTEN on a dedicated node-postgres connection (a pooled one would drop it). When the connection fails it
 * reconnects with backoff.
 */
class PostgresListener implements ChannelListener {
  readonly #url: string;
  readonly #options: ChannelListenerOptions;
  readonly #firstRetryMs: number;
  #retryMs: number;
  #client: pg.Client | undefined;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(url: string, options: ChannelListenerOptions) {
    this.#url = url;
    this.#options = options;
    this.#firstRetryMs = options.reconnectMs ?? 1000;
    this.#retryMs = this.#firstRetryMs;
  }

  async start(): Promise<void> {
    // Every user of a channel also works without it (a poll, no cache), so a failed first attempt only
    // schedules a retry.
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
    const { channel, logger } = this.#options;
    const client = new pg.Client({
      connectionString: this.#url,
      keepAlive: true,
      application_name: `tickerbell-listen-${channel}`,
    });
    let failed = false;
    const lost = (err?: unknown) => {
      if (failed) return;
      failed = true;
      if (this.#client === client) this.#client = undefined;
      client.end().catch(() => undefined);
      if (this.#stopped) return;
      this.#options.onLost();
      logger.warn({ err, retryInMs: this.#retryMs }, this.#options.lostMessage);
      this.#retry = setTimeout(() => void this.#connect(), this.#retryMs);
      this.#retryMs = Math.min(this.#retryMs * 2, 30_000);
    };
    client.on("notification", () => this.#options.onNotification());
    client.on("error", lost);
    client.on("end", () => lost());
    try {
      await client.connect();
      await client.query(`listen ${channel}`);
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
    this.#options.onListening();
  }
}

/** PGlite is one in-process database with its own listen API. */
class PgliteListener implements ChannelListener {
  readonly #orm: MikroORM;
  readonly #options: ChannelListenerOptions;
  #unlisten: (() => Promise<void>) | undefined;

  constructor(orm: MikroORM, options: ChannelListenerOptions) {
    this.#orm = orm;
    this.#options = options;
  }

  async start(): Promise<void> {
    const pglite = await (this.#orm.driver.getConnection() as unknown as PgliteConnection).getNativeClient();
    this.#unlisten = await pglite.listen(this.#options.channel, () => this.#options.onNotification());
    this.#options.onListening();
  }

  async stop(): Promise<void> {
    await this.#unlisten?.().catch(() => undefined);
  }
}
