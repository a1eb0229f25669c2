import type { AlertCondition } from "@tickerbell/contracts";

/** What a person asked for, platform-neutral. Produced by `parseCommand`, executed by the command handler. */
export type Command =
  | { name: "start" }
  | { name: "help"; topic: string | null }
  | AlertCommand
  | AlertLevelsCommand
  | { name: "alerts"; symbol: string | null }
  | { name: "history"; symbol: string | null }
  | { name: "delete" | "pause" | "resume" | "rearm"; ref: AlertRef }
  | { name: "snooze"; ref: AlertRef; seconds: number }
  | { name: "watch" | "unwatch"; symbols: string[] }
  | { name: "watchlist" }
  | { name: "price"; symbols: string[] }
  | { name: "link"; code: string | null };

export type CommandName = Command["name"];

export interface AlertCommand {
  name: "alert";
  symbol: string;
  condition: AlertCondition;
  repeat: { cooldownSeconds: number } | null;
  expiresAt: string | null;
  note: string | null;
  regularHoursOnly: boolean;
}

/** `/alert AAPL above 200 210 220`: one alert per level, the same options on each, confirmed in one reply. */
export interface AlertLevelsCommand {
  name: "alert-levels";
  alerts: AlertCommand[];
}

/** How a user points at one of their alerts: its number in the last /alerts list, or an id (prefix). */
export type AlertRef = { by: "position"; position: number } | { by: "id"; id: string };

export interface CommandError {
  message: string;
  /** A command that would work, shown under the message. */
  example: string;
}

export type ParseResult = { ok: true; command: Command } | { ok: false; error: CommandError };

/** The commands, for /help and for registering them with the platforms. */
export const COMMAND_HELP: ReadonlyArray<{ name: CommandName; usage: string; summary: string }> = [
  { name: "start", usage: "/start", summary: "Register and take the short tour" },
  { name: "help", usage: "/help [command]", summary: "How to use Tickerbell" },
  { name: "alert", usage: "/alert AAPL above 200", summary: "Set a price, percent or trailing alert" },
  { name: "alerts", usage: "/alerts [TICKER]", summary: "List your alerts" },
  { name: "history", usage: "/history [TICKER]", summary: "Your alerts' last firings, with price and time" },
  { name: "delete", usage: "/delete 2", summary: "Delete an alert (its number in /alerts)" },
  { name: "pause", usage: "/pause 2", summary: "Pause an alert" },
  { name: "resume", usage: "/resume 2", summary: "Resume a paused alert" },
  {
    name: "snooze",
    usage: "/snooze 2 [1h]",
    summary: "Silence an alert for a while (1 hour unless you say)",
  },
  {
    name: "rearm",
    usage: "/rearm 2",
    summary: "Make an alert active again (a fired one by its id: set up afresh)",
  },
  { name: "watch", usage: "/watch AAPL MSFT", summary: "Add tickers to your watchlist" },
  { name: "unwatch", usage: "/unwatch AAPL", summary: "Remove tickers from your watchlist" },
  { name: "watchlist", usage: "/watchlist", summary: "Your watchlist with current prices" },
  { name: "price", usage: "/price AAPL", summary: "Current price of a ticker" },
  { name: "link", usage: "/link [CODE]", summary: "Link your Discord and Telegram accounts" },
];

export const ALERT_EXAMPLES = [
  "/alert AAPL above 200",
  "/alert $aapl > 200.50",
  "/alert TSLA below 150 repeat 1h",
  "/alert TSLA +5%",
  "/alert TSLA down 3% from close",
  "/alert NVDA trail 8%",
  "/alert NVDA trail up $5",
  '/alert MSFT cross 400 expires 7d note "earnings week" rth',
] as const;
