import { BotApiError } from "./api-error.ts";
import type { Update } from "./types.ts";

/** What the real API sends when an update type is not listed: everything but these, which must be asked for. */
const OPT_IN_UPDATE_TYPES = new Set(["chat_member", "message_reaction", "message_reaction_count"]);

interface PendingPoll {
  limit: number;
  finish(outcome: Update[] | BotApiError): void;
}

export interface GetUpdatesRequest {
  offset: number | undefined;
  limit: number;
  timeoutSeconds: number;
  allowedUpdates: string[] | undefined;
  /** Fires when the client gives up on the request (telegraf aborts its long poll on `bot.stop()`). */
  onClientGone(listener: () => void): void;
}

/**
 * One bot's update queue with the Bot API's getUpdates semantics: an update stays queued (and is returned again)
 * until a later call passes an offset above its update_id; a long poll returns as soon as an update is queued;
 * a second concurrent poll terminates the first with 409 Conflict.
 */
export class UpdateQueue {
  #queue: Update[] = [];
  #nextUpdateId = 1;
  #allowedUpdates: string[] = [];
  #poll: PendingPoll | undefined;

  push(update: Omit<Update, "update_id">): Update {
    const queued: Update = { update_id: this.#nextUpdateId++, ...update };
    this.#queue.push(queued);
    this.#wakePoll();
    return queued;
  }

  /** Updates not yet confirmed by an offset. */
  get pending(): readonly Update[] {
    return this.#queue;
  }

  get isPolling(): boolean {
    return this.#poll !== undefined;
  }

  dropPending(): void {
    this.#queue = [];
  }

  getUpdates(request: GetUpdatesRequest): Promise<Update[]> {
    this.#confirm(request.offset);
    if (request.allowedUpdates !== undefined) this.#allowedUpdates = request.allowedUpdates;
    const ready = this.#deliverable(request.limit);
    if (ready.length > 0 || request.timeoutSeconds <= 0) return Promise.resolve(ready);
    this.#poll?.finish(
      new BotApiError(
        409,
        "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
      ),
    );
    return new Promise<Update[]>((resolve, reject) => {
      const poll: PendingPoll = {
        limit: request.limit,
        finish: (outcome) => {
          clearTimeout(timer);
          if (this.#poll === poll) this.#poll = undefined;
          if (outcome instanceof BotApiError) reject(outcome);
          else resolve(outcome);
        },
      };
      const timer = setTimeout(
        () => poll.finish(this.#deliverable(poll.limit)),
        request.timeoutSeconds * 1000,
      );
      this.#poll = poll;
      request.onClientGone(() => poll.finish([]));
    });
  }

  /** Ends a pending long poll with an empty result (used when the server shuts down). */
  endPoll(): void {
    this.#poll?.finish([]);
  }

  #confirm(offset: number | undefined): void {
    if (offset === undefined || offset === 0) return;
    if (offset > 0) this.#queue = this.#queue.filter((update) => update.update_id >= offset);
    else this.#queue = this.#queue.slice(offset);
  }

  #deliverable(limit: number): Update[] {
    // The real server never stores updates of types the bot did not ask for.
    this.#queue = this.#queue.filter((update) => this.#isAllowed(update));
    return this.#queue.slice(0, limit);
  }

  #isAllowed(update: Update): boolean {
    const type = Object.keys(update).find((key) => key !== "update_id") ?? "";
    return this.#allowedUpdates.length === 0
      ? !OPT_IN_UPDATE_TYPES.has(type)
      : this.#allowedUpdates.includes(type);
  }

  #wakePoll(): void {
    const poll = this.#poll;
    if (poll === undefined) return;
    const ready = this.#deliverable(poll.limit);
    if (ready.length > 0) poll.finish(ready);
  }
}
