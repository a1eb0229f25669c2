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
  private readonly print: (text: string) => void;
  constructor(print: (text: string) => void) {
    this.print = print;
  }
  /** `_options.display` (the user's zone) goes to the notification formatter once it shows the trade time. */
  async send(batch: NotificationBatch, _options: NotifyOptions = {}): Promise<void> {
    for (const notification of batch) this.print(notificationText(notification));
  }
  /** The quiet-hours digest, printed as one block. */
  async sendDigest(_chatId: string, digest: Digest): Promise<void> {
    this.print(digestText(digest));
  }
}
