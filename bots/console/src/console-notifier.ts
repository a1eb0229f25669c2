import {
  type Digest,
  digestText,
  type NotificationBatch,
  type Notifier,
  type NotifyOptions,
  notificationText,
} from "@tickerbell/bot-core";

/** Delivers notifications by printing them into the console chat, in order. */
export class ConsoleNotifier implements Notifier {
  readonly platform = "console" as const;
  /** Nothing limits a console; a batch is only what arrived together. */
  readonly maxBatch = 100;
  readonly #print: (text: string) => void;
  constructor(print: (text: string) => void) {
    this.#print = print;
  }
  /** Times in `options.display`: the user's zone (UTC unless they set one). */
  async send(batch: NotificationBatch, options: NotifyOptions = {}): Promise<undefined> {
    for (const notification of batch) this.#print(notificationText(notification, options.display));
  }
  /** The quiet-hours digest, printed as one block. */
  async sendDigest(_chatId: string, digest: Digest): Promise<void> {
    this.#print(digestText(digest));
  }
}
