import { type NotificationBatch, type Notifier, notificationText } from "@tickerbell/bot-core";

/** Delivers notifications by printing them into the console chat, in order. */
export class ConsoleNotifier implements Notifier {
  readonly platform = "console" as const;
  /** Nothing limits a console; a batch is only what arrived together. */
  readonly maxBatch = 100;
  private readonly print: (text: string) => void;
  constructor(print: (text: string) => void) {
    this.print = print;
  }
  async send(batch: NotificationBatch): Promise<void> {
    for (const notification of batch) this.print(notificationText(notification));
  }
}
