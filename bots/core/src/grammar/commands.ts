import type { ChartWindow } from "@tickerbell/charts";
import type { AlertCondition } from "@tickerbell/contracts";
import type { SettingsChange } from "./settings.ts";

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
  /** `/chart AAPL [1d|5d|1m|6m|1y]`: a picture of the price over the window (a day unless said). */
  | { name: "chart"; symbol: string; window: ChartWindow }
  | { name: "link"; code: string | null }
  | EditCommand
  | BulkCommand
  /** `/settings` shows them (change null); `/settings tz …`, `/settings quiet …` and `/settings charts …` change one. */
  | { name: "settings"; change: SettingsChange | null }
  /** `/export [csv|json]`: the user's open alerts and watchlist as a file. */
  | { name: "export"; format: "csv" | "json" }
  /** `/import`: the file comes with the message (a path on the console); without one the reply says how. */
  | { name: "import"; path: string | null }
  | WebhookCommand;

/** A webhook by its number in `/webhook list` (oldest first) or an id (prefix). */
export type WebhookRef = { by: "position"; position: number } | { by: "id"; id: string };

/** `/webhook add URL`, `/webhook list`, `/webhook remove 1`, `/webhook test 1`. */
export type WebhookCommand =
  | { name: "webhook"; action: "list" }
  | { name: "webhook"; action: "add"; url: string }
  | { name: "webhook"; action: "remove" | "test"; ref: WebhookRef };

export type CommandName = Command["name"];

export interface AlertCommand {
  name: "alert";
  symbol: string;
  condition: AlertCondition;
  repeat: { cooldownSeconds: number } | null;
  expiresAt: string | null;
  note: string | null;
  regularHoursOnly: boolean;
  /** Notifies even during the user's quiet hours (absent: false). */
  urgent?: boolean;
}

/** `/alert AAPL above 200 210 220`: one alert per level, the same options on each, confirmed in one reply. */
export interface AlertLevelsCommand {
  name: "alert-levels";
  alerts: AlertCommand[];
}

/**
 * How a user points at one of their alerts: its number in the last /alerts list, or an id (prefix). A word that
 * could be either an id prefix or a ticker (`/delete ADBE`) carries both: the ticker wins when the user has
 * alerts on it.
 */
export type AlertRef = { by: "position"; position: number } | { by: "id"; id: string; orSymbol?: string };

/**
 * `/edit 2 above 210 note "trim"`: changes one alert in place. Only what is given changes. `level` is a whole
 * condition, or a bare value that keeps the alert's kind and direction (`/edit 2 210`, `/edit 3 5%`).
 */
export interface EditCommand {
  name: "edit";
  ref: AlertRef;
  level: EditLevel | null;
  /** null removes the note. */
  note?: string | null;
  repeat?: { cooldownSeconds: number } | null;
  expiresAt?: string | null;
  regularHoursOnly?: boolean;
  urgent?: boolean;
}

export type EditLevel =
  | { kind: "condition"; condition: AlertCondition }
  /** `210` or `$5` as typed (a `$` marks a trailing amount). */
  | { kind: "price"; value: number; text: string }
  /** `5%`; `5% within 4h` also sets the window (a percent alert becomes a move within a window). */
  | { kind: "percent"; value: number; windowSeconds?: number }
  /** `within 4h`: a new window for a move within a window (or a percent alert's move, now within one). */
  | { kind: "window"; seconds: number }
  /** `4x`: a volume alert's new multiple of the usual volume. */
  | { kind: "multiple"; value: number };

/**
 * `/pause all`, `/resume all`, `/delete AAPL`, `/delete all`: one verb over every open alert (of one ticker, or
 * all). Deleting asks first.
 */
export interface BulkCommand {
  name: "bulk";
  verb: "pause" | "resume" | "delete";
  /** null: all of the user's alerts. */
  symbol: string | null;
}

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
  {
    name: "alert",
    usage: "/alert AAPL above 200",
    summary:
      "Set a price, percent, move-within-a-window (up 3% within 1h), new high or low (new high, 52w low), volume (volume 3x), moving-average (crosses sma 50), RSI (rsi below 30), trailing or earnings alert",
  },
  { name: "alerts", usage: "/alerts [TICKER]", summary: "List your alerts" },
  { name: "history", usage: "/history [TICKER]", summary: "Your alerts' last firings, with price and time" },
  {
    name: "edit",
    usage: "/edit 2 above 210",
    summary:
      'Change an alert\'s level, window, note, repeat or expiry in place (/edit 2 210, /edit 2 within 4h, /edit 2 volume 4x, /edit 2 rsi below 25, /edit 2 note "trim", /edit 2 no note)',
  },
  {
    name: "delete",
    usage: "/delete 2",
    summary: "Delete an alert (its number in /alerts); /delete AAPL or /delete all asks first",
  },
  { name: "pause", usage: "/pause 2", summary: "Pause an alert, or all of them: /pause all" },
  { name: "resume", usage: "/resume 2", summary: "Resume a paused alert, or all of them: /resume all" },
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
  {
    name: "chart",
    usage: "/chart AAPL [1d|5d|1m|6m|1y]",
    summary: "A price chart with your alert levels (a day unless you pick 5d, 1m, 6m or 1y)",
  },
  { name: "link", usage: "/link [CODE]", summary: "Link your Discord and Telegram accounts" },
  {
    name: "export",
    usage: "/export [csv|json]",
    summary: "Your alerts and watchlist as a file (CSV unless you say json)",
  },
  {
    name: "import",
    usage: "/import (with a file)",
    summary: "Set the alerts and watchlist of an exported (or hand-written) CSV or JSON file",
  },
  {
    name: "settings",
    usage: "/settings [tz ZONE | quiet 22:00-07:00 | quiet off | charts on|off]",
    summary:
      "Your time zone, quiet hours (firings then wait for one digest) and charts in alert DMs (/tz ZONE and /quiet 22:00-07:00 for short)",
  },
  {
    name: "webhook",
    usage: "/webhook [add URL | list | remove 1 | test 1]",
    summary: "Also POST every firing of your alerts, signed, to a URL of yours",
  },
];

export const ALERT_EXAMPLES = [
  "/alert AAPL above 200",
  "/alert $aapl > 200.50",
  "/alert TSLA below 150 repeat 1h",
  "/alert TSLA +5%",
  "/alert TSLA down 3% from close",
  "/alert NVDA trail 8%",
  "/alert NVDA trail up $5",
  "/alert AAPL moves 3% within 1h",
  "/alert AMD down 5% within 15m repeat 1h",
  "/alert AAPL new high",
  "/alert AAPL 52w low repeat 1d",
  "/alert AAPL volume 3x",
  "/alert AAPL crosses sma 50 repeat 1d",
  "/alert TSLA rsi below 30",
  "/alert NVDA rsi 7 1h above 80",
  "/alert AAPL earnings",
  '/alert MSFT cross 400 expires 7d note "earnings week" rth',
] as const;
