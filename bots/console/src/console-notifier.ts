import { type Notifier, notificationText } from "@tickerbell/bot-core";
import type { Notification } from "@tickerbell/contracts";

/** Delivers notifications by printing them into the console chat. */
export class ConsoleNotifier implements Notifier {
  readonly platform = "console" as const;
  private readonly print: (text: string) => void;
  constructor(print: (text: string) => void) {
    this.print = print;
  }
  async send(notification: Notification): Promise<void> {
    this.print(notificationText(notification));
  }
}
