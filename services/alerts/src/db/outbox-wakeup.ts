// How a relay hears of committed outbox rows without polling: in the writing process at once (the ORM's commit
// signal), in every other process through PostgreSQL's NOTIFY, which the writing process sends right after
// its commit and each relay LISTENs for on a connection of its own.
import type { MikroORM } from "@mikro-orm/core";
import type { SqlEntityManager } from "@mikro-orm/postgresql";
import type { Logger } from "@tickerbell/config";
import type { RelayWakeups } from "../outbox-relay.ts";
import { channelListener } from "./channel-listener.ts";
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
    // Once listening again after a lost connection, the relay looks for what committed in between.
    const listener = channelListener(this.#options.database, this.#options.orm, {
      channel: OUTBOX_CHANNEL,
      onNotification: wake,
      onListening: wake,
      onLost: () => {},
      logger: this.#logger,
      lostMessage: "outbox LISTEN connection lost; relaying on the poll until it is back",
      ...(this.#options.reconnectMs === undefined ? {} : { reconnectMs: this.#options.reconnectMs }),
    });
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
