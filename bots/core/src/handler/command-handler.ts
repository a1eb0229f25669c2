import { randomUUID } from "node:crypto";
import type { Logger } from "@tickerbell/config";
import {
  type Alert,
  AlertSchema,
  type CreateAlertRequest,
  IdSchema,
  MAX_IMPORT_ROWS,
  type MarketContext,
  TRANSFER_CSV_COLUMNS,
  type UserSettings,
} from "@tickerbell/contracts";
import { alertLevels, type ChartMaker } from "../charts/chart-maker.ts";
import { ApiError, ServiceUnavailableError } from "../clients/http.ts";
import {
  type DryRunAnswers,
  type DryRunner,
  type DryRunResults,
  formatDryRun,
} from "../dry-run/dry-run-line.ts";
import { alertFeedNote, listFeedNotes, priceFeedNote } from "../format/feed.ts";
import {
  describeAlert,
  describeCondition,
  fileNameOf,
  formatChange,
  formatDuration,
  formatPercent,
  formatPrice,
  formatRelative,
  plural,
} from "../format/format.ts";
import { earningsHourText } from "../format/notification.ts";
import { formatTime, type TimeDisplay, UTC_DISPLAY } from "../format/time.ts";
import {
  ALERT_EXAMPLES,
  type AlertCommand,
  type AlertRef,
  COMMAND_HELP,
  type Command,
} from "../grammar/commands.ts";
import { DEFAULT_SNOOZE_SECONDS, formatCommandError, parseCommand } from "../grammar/parse.ts";
import { displayFor } from "../quiet/quiet-hours.ts";
import type { IncomingFile } from "../transfer/files.ts";
import { BULK_ACTION_PREFIX, BulkActions } from "./bulk-actions.ts";
import { editAlert } from "./edit-alert.ts";
import { marketFor, marketOf } from "./market.ts";
import { communityName, openAlerts } from "./open-alerts.ts";
import type { AlertsApi, Button, ChatContext, PriceLookup, Reply } from "./ports.ts";
import { describeSettings } from "./settings-reply.ts";
import { Transfers } from "./transfer.ts";
import { formatUndeliverableNotice } from "./undeliverable-notice.ts";
import { formatDisabledWebhooksNotice, isWebhookNotFound, webhookCommand } from "./webhooks.ts";

export interface CommandHandlerDeps {
  alerts: AlertsApi;
  prices: PriceLookup;
  logger: Logger;
  now?: () => Date;
  /** The product name users see, e.g. in /start. */
  botName?: string;
  /** Told when a user changed their settings here (the delivery side's settings cache takes them at once). */
  onSettingsChanged?: (userId: string, settings: UserSettings) => void;
  /** Draws `/chart`; none: the operator turned charts off. */
  charts?: ChartMaker;
  /** How often a new alert would have fired over recorded history; none: no such line (DRY_RUN_BUDGET_MS=0). */
  dryRun?: DryRunner;
}

/** Button actions: `<verb>:<alertId>`, short enough for Telegram's 64-byte callback data. */
/** How long the Snooze button under a notification silences a repeating alert. */
export const SNOOZE_SECONDS = DEFAULT_SNOOZE_SECONDS;

export type ActionVerb = "pause" | "resume" | "delete" | "rearm" | "snooze";
export function actionOf(verb: ActionVerb, alertId: string): string {
  return `${verb}:${alertId}`;
}

/**
 * Turns chat messages and button presses into alert-service calls and replies. Platform-neutral: the
 * Telegram, Discord and console adapters only translate to and from their transport.
 */
/**
 * What a user is told when their command failed in a way nobody foresaw; the chat adapters send it too when the
 * platform refused the reply itself, so no command goes unanswered.
 */
export const APOLOGY = "Sorry, something went wrong on our side. Please try again in a moment.";

/** Users whose last listed numbering is remembered (least recently listed forgotten first). */
const LISTS_REMEMBERED = 10_000;

export class CommandHandler {
  readonly #deps: CommandHandlerDeps;
  readonly #now: () => Date;
  /**
   * The alert ids of each user's last `/alerts`, in the order shown: `/delete 2` acts on the second alert of
   * the list the user saw (a filtered list numbers only its own), until the user lists again.
   */
  readonly #lastListed = new Map<string, string[]>();

  /** `/pause all`, `/delete AAPL` and their buttons (bulk-actions.ts). */
  readonly #bulk: BulkActions;
  /** `/export` and `/import` (transfer.ts). */
  readonly #transfers: Transfers;

  constructor(deps: CommandHandlerDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => new Date());
    this.#bulk = new BulkActions({ alerts: deps.alerts, now: this.#now });
    this.#transfers = new Transfers({
      alerts: deps.alerts,
      prices: deps.prices,
      now: this.#now,
      createRequest: (ctx, command, market) => this.#createRequest(ctx, command, market),
    });
  }

  /** `/import` with the file the user sent (the adapter reads it only when asked, within the cap). */
  async handleImport(ctx: ChatContext, file: IncomingFile): Promise<Reply> {
    return this.#answering(ctx, "import", (turn) =>
      this.#handleCommand(turn, { name: "import", path: null }, file),
    );
  }

  /** Handles one typed message. Never throws: every failure becomes a reply. */
  async handleText(ctx: ChatContext, text: string): Promise<Reply> {
    return this.#answering(ctx, "text", async (turn) => {
      const parsed = parseCommand(text, { now: this.#now() });
      if (!parsed.ok) return { text: formatCommandError(parsed.error) };
      return this.handle(turn, parsed.command);
    });
  }

  /**
   * The last line of defence of one command: a failure nobody foresaw (a bug, a value no check bounded) answers
   * that user with an apology and is logged once. It never reaches the adapter or the process, and never
   * leaves the user without a reply.
   */
  async #answering(
    ctx: ChatContext,
    what: string,
    run: (ctx: ChatContext) => Promise<Reply>,
  ): Promise<Reply> {
    try {
      // Every alert-service call made for this command carries its id, so the command counts once.
      return await run({ ...ctx, commandId: ctx.commandId ?? randomUUID() });
    } catch (error) {
      this.#deps.logger.error(
        { err: error, platform: ctx.platform, handling: what },
        "unexpected failure handling a command",
      );
      return { text: APOLOGY };
    }
  }

  /**
   * Handles a parsed command (Discord builds these from slash-command options). Notifications that could not
   * reach the user are told here, once, ahead of the reply.
   */
  async handle(ctx: ChatContext, command: Command): Promise<Reply> {
    return this.#answering(ctx, command.name, (turn) => this.#handleCommand(turn, command));
  }

  async #handleCommand(ctx: ChatContext, command: Command, file?: IncomingFile): Promise<Reply> {
    const logger = this.#deps.logger.child({ platform: ctx.platform, command: command.name });
    try {
      const resolved = await this.#deps.alerts.resolveUser({
        platformUserId: ctx.platformUserId,
        ...(ctx.displayName ? { displayName: ctx.displayName.slice(0, 100) } : {}),
      });
      ctx = { ...ctx, userId: resolved.user.id };
    } catch (error) {
      return this.#explain(error, logger);
    }
    // Only this person's business: never in front of a group, told on their next command in private.
    const notice =
      ctx.community !== undefined || ctx.seenByOthers === true
        ? null
        : await this.#takeUndeliverableNotice(ctx, logger);
    let reply: Reply;
    try {
      reply = await this.#run(ctx, command, file);
    } catch (error) {
      reply = this.#explain(error, logger, ctx);
    }
    return notice === null ? reply : { ...reply, text: `${notice}\n\n${reply.text}` };
  }

  /**
   * The notice about undeliverable notifications, acknowledged so it is told once. Never fails the command:
   * if the alert service cannot answer now, the notice waits for the next one.
   */
  async #takeUndeliverableNotice(ctx: ChatContext, logger: Logger): Promise<string | null> {
    try {
      const list = await this.#deps.alerts.undeliverable(ctx);
      const notices = [
        formatUndeliverableNotice(list, ctx.platform),
        formatDisabledWebhooksNotice(list.webhooks ?? []),
      ].filter((n) => n !== null);
      if (notices.length === 0) return null;
      // Acknowledge what is shown; when the notice only counts older ones, those are told too.
      const webhookIds = list.webhooks?.length ? list.webhooks.map((w) => w.webhookId) : undefined;
      if (list.total > list.items.length) await this.#deps.alerts.acknowledgeUndeliverable(ctx);
      else {
        const triggerIds = list.items.length > 0 ? list.items.map((i) => i.triggerId) : undefined;
        await this.#deps.alerts.acknowledgeUndeliverable(ctx, triggerIds, webhookIds);
      }
      return notices.join("\n\n");
    } catch (error) {
      logger.warn({ err: error }, "could not check for undeliverable notifications");
      return null;
    }
  }

  /** Handles a button press (`actionOf`). Never throws; the reply carries the buttons that still make sense. */
  async handleAction(ctx: ChatContext, action: string): Promise<Reply> {
    return this.#answering(ctx, "action", (turn) => this.#handleButton(turn, action));
  }

  async #handleButton(ctx: ChatContext, action: string): Promise<Reply> {
    if (action.startsWith(BULK_ACTION_PREFIX)) {
      try {
        return await this.#bulk.action(ctx, action);
      } catch (error) {
        return this.#explain(error, this.#deps.logger.child({ platform: ctx.platform, action: "bulk" }), ctx);
      }
    }
    const [verb, alertId] = action.split(":");
    if (!alertId || !["pause", "resume", "delete", "rearm", "snooze"].includes(verb ?? "")) {
      return { text: "That button is no longer valid." };
    }
    const user = ctx;
    try {
      switch (verb as ActionVerb) {
        case "pause":
          return this.#acted(
            await this.#deps.alerts.updateAlert(user, alertId, { status: "paused" }),
            "Paused",
          );
        case "resume":
          return this.#acted(
            await this.#deps.alerts.updateAlert(user, alertId, { status: "active" }),
            "Resumed",
          );
        case "rearm":
          return await this.#rearm(ctx, alertId);
        case "snooze": {
          // The alert service pauses it and its sweep resumes it when the hour is up, surviving restarts.
          const snoozed = await this.#deps.alerts.updateAlert(user, alertId, {
            snoozeSeconds: SNOOZE_SECONDS,
          });
          return this.#acted(snoozed, "Snoozed for 1 hour", await this.#displayOf(ctx));
        }
        case "delete":
          return this.#acted(await this.#deps.alerts.cancelAlert(user, alertId), "Deleted");
      }
    } catch (error) {
      return this.#explain(error, this.#deps.logger.child({ platform: ctx.platform, action: verb }), ctx);
    }
  }

  #changed(alert: Alert, what: string, display?: TimeDisplay, market?: MarketContext): Reply {
    return { text: `${what}: ${describeAlert(alert, this.#now(), display, market)}`, alerts: [alert] };
  }

  /** A changed alert, with the buttons that apply to its new state (an edited message keeps working). */
  #acted(alert: Alert, what: string, display?: TimeDisplay, market?: MarketContext): Reply {
    const reply = this.#changed(alert, what, display, market);
    const buttons = buttonsFor(alert);
    return buttons.length > 0 ? { ...reply, buttons: [buttons] } : reply;
  }

  /**
   * Re-arm from a notification: an alert that is still open is simply made active again; one that already
   * fired (or expired) is set up afresh with the same condition and options from today's price, as a new alert.
   */
  async #rearm(ctx: ChatContext, alertId: string): Promise<Reply> {
    const alert = await this.#deps.alerts.getAlert(ctx, alertId);
    if (alert.status === "active" || alert.status === "paused") {
      const updated = await this.#deps.alerts.updateAlert(ctx, alertId, { status: "active" });
      return this.#acted(updated, "Re-armed");
    }
    if (alert.status === "cancelled") return { text: "That alert was deleted; set a new one with /alert." };
    const expiresAt =
      alert.expiresAt && Date.parse(alert.expiresAt) > this.#now().getTime() ? alert.expiresAt : null;
    const reply = await this.#createAlert(ctx, {
      name: "alert",
      symbol: alert.symbol,
      condition: alert.condition,
      repeat: alert.repeat,
      expiresAt,
      note: alert.note,
      regularHoursOnly: alert.regularHoursOnly,
      ...(alert.urgent === true ? { urgent: true } : {}),
    });
    return reply.alerts
      ? { ...reply, text: reply.text.replace("✅ Alert set", "🔁 Re-armed as a new alert") }
      : reply;
  }

  async #run(ctx: ChatContext, command: Command, file?: IncomingFile): Promise<Reply> {
    if (ctx.community !== undefined && PERSONAL_COMMANDS.has(command.name)) {
      return {
        text: `/${command.name} is about your own account: use it in a private chat with me. Here I handle ${communityName(ctx)}'s alerts.`,
      };
    }
    if (
      (command.name === "delete" || command.name === "pause" || command.name === "resume") &&
      command.ref.by === "id" &&
      command.ref.orSymbol !== undefined
    ) {
      // `/delete ADBE`: the ticker's alerts when the user has some, else the id prefix it also spells.
      const many = await this.#bulk.commandIfHeld(ctx, command.name, command.ref.orSymbol);
      if (many !== null) return many;
    }
    switch (command.name) {
      case "edit":
        return editAlert(
          {
            alerts: this.#deps.alerts,
            prices: this.#deps.prices,
            now: this.#now,
            display: await this.#displayOf(ctx),
            findAlert: (c, ref) => this.#findAlert(c, ref),
            acted: (alert, what, display, market) => this.#acted(alert, what, display, market),
          },
          ctx,
          command,
        );
      case "bulk":
        return this.#bulk.command(ctx, command);
      case "start":
        return this.#start();
      case "help":
        return this.#help(command.topic);
      case "alert":
        return this.#createAlert(ctx, command);
      case "alert-levels":
        return this.#createAlertLevels(ctx, command.alerts);
      case "alerts":
        return this.#listAlerts(ctx, command.symbol);
      case "history":
        return this.#history(ctx, command.symbol);
      case "delete": {
        const alert = await this.#findAlert(ctx, command.ref);
        return this.#changed(await this.#deps.alerts.cancelAlert(ctx, alert.id), "Deleted");
      }
      case "pause": {
        const alert = await this.#findAlert(ctx, command.ref);
        const updated = await this.#deps.alerts.updateAlert(ctx, alert.id, {
          status: "paused",
        });
        return this.#changed(updated, "Paused");
      }
      case "resume": {
        const alert = await this.#findAlert(ctx, command.ref);
        const updated = await this.#deps.alerts.updateAlert(ctx, alert.id, {
          status: "active",
        });
        return this.#changed(updated, "Resumed");
      }
      case "snooze": {
        const alert = await this.#findAlert(ctx, command.ref);
        // The alert service pauses it and its sweep resumes it when the time is up, surviving restarts.
        const snoozed = await this.#deps.alerts.updateAlert(ctx, alert.id, {
          snoozeSeconds: command.seconds,
        });
        return this.#acted(
          snoozed,
          `Snoozed for ${formatDuration(command.seconds)}`,
          await this.#displayOf(ctx),
        );
      }
      case "rearm": {
        // A whole id may name an alert that already fired (the id a notification shows); the rest count in
        // the open alerts.
        const ref = command.ref;
        const id =
          ref.by === "id" && IdSchema.safeParse(ref.id).success
            ? ref.id
            : (await this.#findAlert(ctx, ref)).id;
        return this.#rearm(ctx, id);
      }
      case "watch":
        return this.#watch(ctx, command.symbols);
      case "unwatch":
        return this.#unwatch(ctx, command.symbols);
      case "watchlist":
        return this.#showWatchlist(ctx);
      case "price":
        return this.#prices(command.symbols);
      case "chart":
        return this.#chart(ctx, command);
      case "link":
        return this.#link(ctx, command.code);
      case "settings":
        return this.#settings(ctx, command);
      case "export":
        return this.#transfers.export(ctx, command.format);
      case "import":
        return file === undefined ? this.#transfers.howToImport(ctx) : this.#transfers.import(ctx, file);
      case "webhook":
        return webhookCommand(this.#deps.alerts, ctx, command);
    }
  }

  /** `/settings` shows them; `/settings tz …`, `quiet …` or `charts …` changes one and shows them all. */
  async #settings(ctx: ChatContext, command: Extract<Command, { name: "settings" }>): Promise<Reply> {
    const { change } = command;
    const settings =
      change === null
        ? await this.#deps.alerts.settings(ctx)
        : await this.#deps.alerts.updateSettings(ctx, change);
    if (change !== null && ctx.userId !== undefined) this.#deps.onSettingsChanged?.(ctx.userId, settings);
    return {
      text: describeSettings(settings, ctx.platform, change, this.#now(), this.#deps.charts !== undefined),
    };
  }

  /** How this user reads times: Discord's `<t:…>`; elsewhere the zone of their settings (UTC unless set). */
  async #displayOf(ctx: ChatContext): Promise<TimeDisplay> {
    if (ctx.platform === "discord") return { kind: "discord" };
    try {
      return displayFor(ctx.platform, await this.#deps.alerts.settings(ctx));
    } catch (error) {
      // Times in UTC (they say so) rather than no answer at all.
      this.#deps.logger.warn({ err: error, platform: ctx.platform }, "could not read the user's settings");
      return UTC_DISPLAY;
    }
  }

  #start(): Reply {
    const name = this.#deps.botName ?? "Tickerbell";
    return {
      text: [
        `Welcome to ${name}! I message you the moment a stock hits your level — I watch every trade, not once a minute.`,
        "",
        "Try:",
        ...ALERT_EXAMPLES.slice(0, 6).map((e) => `  ${e}`),
        "",
        "Then /alerts to see them, /watch AAPL MSFT for a watchlist, /price AAPL for a quote, /help for everything.",
      ].join("\n"),
    };
  }

  #help(topic: string | null): Reply {
    if (topic === "alert") {
      return {
        text: [
          "*/alert TICKER CONDITION [options]*",
          "Conditions: above 200 · below 150 · cross 180 · +5% · -3% · 5% (either way) · down 3% from close · moves 3% within 1h · new high · new low · 52w high · 52w low · volume 3x · crosses sma 50 · above ema 200 · rsi below 30 · rsi 7 1h above 80 · trail 8% · trail up $5 · earnings (the evening before each release and when results are due)",
          "Within a window: up 3% within 1h fires when the price is 3% above the window's low, down 3% within 15m when 3% below its high, moves 3% within 1h either way. Windows from 5m to 1d (24h), in whole minutes, read from the minute the window starts; with repeat it fires again after the cooldown whenever the move holds.",
          "New highs and lows: new high fires on the first trade above today's high so far (new low: below its low), 52w high / 52w low beyond the 52-week range (stocks only). Today's range starts again with the first trade of each day; with repeat it fires again after the cooldown at the next trade beyond the high (low) so far.",
          "Volume: volume 3x fires when today's volume so far is 3 times the usual by this time of day (over at least 5 recorded sessions), at most once a trading day; stocks and crypto.",
          "Moving averages: above sma 50 / below ema 200 fire when price reaches the daily average (2 to 200 days), crosses sma 50 when it goes through from the side it is on. RSI: rsi below 30 / rsi above 70 on the daily RSI(14); rsi 7 1h above 80 for another period (2 to 50) or hourly bars. Refused when already met, or while too little history is recorded; with repeat, an RSI alert waits for the RSI 5 points back first.",
          'Options: repeat [1h] · expires 7d or 2026-12-31 · note "text" · rth (stocks: US regular hours only) · urgent',
          "Tickers: AAPL, BRK.B, or crypto and forex pairs as exchanges write them: BINANCE:BTCUSDT, COINBASE:BTC-USD, OANDA:EUR_USD (crypto trades around the clock, forex Sunday to Friday 17:00 New York)",
          "",
          ...ALERT_EXAMPLES.map((e) => `  ${e}`),
        ].join("\n"),
      };
    }
    if (topic === "import" || topic === "export") {
      return {
        text: [
          "*/export [csv|json]* — your open alerts and watchlist as a file; */import* with that file sets them again",
          `CSV columns: ${TRANSFER_CSV_COLUMNS.join(", ")}. type is alert or watch; condition as after /alert TICKER (above 200, down 3% from close, moves 3% within 1h, trail up $5, volume 3x, crosses sma 50, rsi 7 1h above 80); repeat a cooldown like 1h (empty: once); expires a date, date-time or 7d; rth and urgent yes or no; status active or paused.`,
          `Up to 1 MB and ${MAX_IMPORT_ROWS} lines; each line is created, a duplicate of one you have, or refused with the reason.`,
        ].join("\n"),
      };
    }
    const entry = COMMAND_HELP.find((c) => c.name === topic);
    if (entry) return { text: `*${entry.usage}* — ${entry.summary}` };
    if (topic !== null) {
      return {
        text: [
          `There is no help on "${topic.slice(0, 32)}". Topics: ${COMMAND_HELP.map((c) => c.name).join(", ")}.`,
          "For example /help alert, or /help on its own for every command.",
        ].join("\n"),
      };
    }
    return {
      text: [
        "*Commands*",
        ...COMMAND_HELP.map((c) => `${c.usage} — ${c.summary}`),
        "",
        "/help alert for every kind of alert.",
      ].join("\n"),
    };
  }

  async #createAlert(ctx: ChatContext, command: AlertCommand): Promise<Reply> {
    const quote = await this.#deps.prices.quote(command.symbol);
    if (!quote) return this.#unknownSymbol(command.symbol);
    if (
      command.condition.kind === "percent" &&
      command.condition.basis === "close" &&
      quote.previousClose === null
    ) {
      return {
        text: `I don't have ${command.symbol}'s previous close yet; try a move from the current price.`,
      };
    }
    const market = await marketFor(command.condition, command.symbol, quote, this.#deps.prices);
    if (!market.ok) return { text: market.text };
    const alert = await this.#deps.alerts.createAlert(ctx, this.#createRequest(ctx, command, market.market));
    const [next, display, dryRun] = await Promise.all([
      alert.condition.kind === "earnings" ? this.#nextEarningsLine(alert.symbol) : "",
      this.#displayOf(ctx),
      this.#dryRunEach([alert]),
    ]);
    const now = this.#now();
    const confirmation = (dryRunLine: string | null): Reply => ({
      text: `✅ Alert set: ${describeAlert(alert, now, display, market.market)}${alert.urgent === true ? " · urgent: notifies even in quiet hours" : ""}${postingLine(ctx)}\n${alert.symbol} is at ${formatPrice(quote.price, alert.symbol)} now.${lineOf(alertFeedNote(alert.symbol, quote.feed))}${next}${lineOf(dryRunLine)}`,
      alerts: [alert],
      buttons: [
        [
          { label: "Pause", action: actionOf("pause", alert.id) },
          { label: "Delete", action: actionOf("delete", alert.id) },
        ],
      ],
    });
    const lineFor = ([result]: DryRunResults) =>
      result == null ? null : formatDryRun(result, now.getTime(), display, alert.symbol);
    const reply = confirmation(lineFor(dryRun.now));
    if (dryRun.later !== null)
      reply.amended = dryRun.later.then((results) => {
        const line = lineFor(results);
        // Printed on its own (the console), it names its alert: other lines may have come in between.
        return line === null
          ? null
          : { reply: confirmation(line), added: `✅ ${describeAlert(alert, now, display)}\n   ${line}` };
      });
    return reply;
  }

  /**
   * The new alerts' dry runs: the answers in time for the reply, and those that come after it (for an edit;
   * nulls when they fail). Never throws: the alerts are set either way.
   */
  async #dryRunEach(alerts: readonly Alert[]): Promise<DryRunAnswers> {
    const none: DryRunResults = alerts.map(() => null);
    if (!this.#deps.dryRun || alerts.length === 0) return { now: none, later: null };
    const failed = (error: unknown) => {
      this.#deps.logger.warn({ err: error, symbol: alerts[0]?.symbol }, "the dry run of new alerts failed");
      return none;
    };
    try {
      const answers = await this.#deps.dryRun.runEach(alerts);
      return { now: answers.now, later: answers.later?.catch(failed) ?? null };
    } catch (error) {
      return { now: failed(error), later: null };
    }
  }

  /** The release an earnings alert speaks about next; nothing when the calendar cannot be read right now. */
  async #nextEarningsLine(symbol: string): Promise<string> {
    const events = await this.#deps.prices.earnings?.(symbol).catch((err: unknown) => {
      this.#deps.logger.warn({ err, symbol }, "earnings calendar unavailable for a confirmation");
      return null;
    });
    if (!events) return "";
    const event = events[0];
    if (!event) return `\nNo ${symbol} earnings date is announced yet: I'll tell you once there is one.`;
    const weekday = new Date(`${event.date}T12:00:00Z`).toLocaleDateString("en-US", {
      weekday: "short",
      timeZone: "UTC",
    });
    return `\nNext earnings: ${weekday} ${event.date}, ${earningsHourText(event.hour)}.`;
  }

  #createRequest(ctx: ChatContext, command: AlertCommand, market: MarketContext): CreateAlertRequest {
    return {
      symbol: command.symbol,
      condition: command.condition,
      market,
      origin: originOf(ctx),
      repeat: command.repeat,
      expiresAt: command.expiresAt,
      note: command.note,
      regularHoursOnly: command.regularHoursOnly,
      ...(command.urgent === true ? { urgent: true } : {}),
    };
  }

  /**
   * Several levels of one ticker: each is its own alert (counted against the cap, refused on its own), and one
   * reply says what became of each.
   */
  async #createAlertLevels(ctx: ChatContext, commands: AlertCommand[]): Promise<Reply> {
    const symbol = commands[0]?.symbol ?? "";
    const quote = await this.#deps.prices.quote(symbol);
    if (!quote) return this.#unknownSymbol(symbol);
    const created: Alert[] = [];
    /** Each level's line: the alert it set, or why it was refused. */
    const outcomes: ({ alert: Alert } | { refused: string })[] = [];
    const display = await this.#displayOf(ctx);
    for (const command of commands) {
      try {
        // Several levels are price levels: the quote is all their market.
        const alert = await this.#deps.alerts.createAlert(
          ctx,
          this.#createRequest(ctx, command, marketOf(quote)),
        );
        created.push(alert);
        outcomes.push({ alert });
      } catch (error) {
        if (!(error instanceof ApiError) || error.status >= 500 || error.status === 429) throw error;
        const level = `${command.symbol} ${describeCondition(command.condition, command.symbol)}`;
        outcomes.push({
          refused: `✗ ${level}: ${this.#explain(error, this.#deps.logger, ctx).text.split("\n")[0]}`,
        });
      }
    }
    // Each new level's dry run under its line, all within the one budget over one fetch of the bars.
    const dryRuns = await this.#dryRunEach(created);
    const now = this.#now();
    /** A created level's line, with its dry run's under it when there is one. */
    const levelLine = (alert: Alert, results: DryRunResults) => {
      const result = results[created.indexOf(alert)] ?? null;
      const line = `✅ ${describeAlert(alert, now, display)}`;
      return result === null ? line : `${line}\n   ${formatDryRun(result, now.getTime(), display, symbol)}`;
    };
    const title =
      created.length === commands.length
        ? `✅ ${created.length} alerts set on ${symbol}`
        : `${created.length} of ${commands.length} alerts set on ${symbol}`;
    const confirmation = (results: DryRunResults): Reply => ({
      text: [
        title,
        ...outcomes.map((outcome) =>
          "refused" in outcome ? outcome.refused : levelLine(outcome.alert, results),
        ),
        `${symbol} is at ${formatPrice(quote.price, symbol)} now.`,
        ...(created.length > 0 ? [alertFeedNote(symbol, quote.feed)].filter((n) => n !== null) : []),
      ].join("\n"),
      alerts: created,
      buttons: created.slice(0, 10).map((alert) => {
        const level =
          alert.condition.kind === "price" ? formatPrice(alert.condition.target, alert.symbol) : alert.symbol;
        return [
          { label: `⏸ Pause ${level}`, action: actionOf("pause", alert.id) },
          { label: `🗑 Delete ${level}`, action: actionOf("delete", alert.id) },
        ];
      }),
    });
    const reply = confirmation(dryRuns.now);
    if (dryRuns.later !== null)
      reply.amended = dryRuns.later.then((results) => {
        const answered = created.filter((_, i) => results[i] != null);
        if (answered.length === 0) return null;
        return { reply: confirmation(results), added: answered.map((a) => levelLine(a, results)).join("\n") };
      });
    return reply;
  }

  async #unknownSymbol(symbol: string): Promise<Reply> {
    const matches = await this.#deps.prices.search(symbol).catch(() => []);
    const hint =
      matches.length > 0
        ? ` Did you mean ${matches
            .slice(0, 3)
            .map((m) => `${m.symbol} (${m.description})`)
            .join(", ")}?`
        : "";
    return { text: `I don't know the ticker ${symbol}.${hint}` };
  }

  /**
   * The user's open alerts (active and paused), oldest first: what /alerts shows and `/delete 2` counts in.
   * Only those are asked for; the finished history (however long) never leaves the alert service.
   */
  #liveAlerts(ctx: ChatContext, symbol: string | null = null): Promise<Alert[]> {
    return openAlerts(this.#deps.alerts, ctx, symbol);
  }

  async #listAlerts(ctx: ChatContext, symbol: string | null): Promise<Reply> {
    const alerts = await this.#liveAlerts(ctx, symbol);
    const here = communityName(ctx);
    if (alerts.length === 0) {
      if (here !== null)
        return {
          text: symbol
            ? `There are no alerts on ${symbol} in ${here}.`
            : `There are no alerts in ${here} yet. Try /alert AAPL above 200`,
        };
      return {
        text: symbol
          ? `You have no alerts on ${symbol}.`
          : "You have no alerts yet. Try /alert AAPL above 200",
      };
    }
    this.#rememberListed(ctx, alerts);
    const now = this.#now();
    const display = await this.#displayOf(ctx);
    const lines = alerts.map(
      (a, i) =>
        `${i + 1}. ${describeAlert(a, now, display)}${listedState(a, now, display)}${here === null ? postedIn(a) : ""} · id ${a.id.slice(0, 8)}`,
    );
    const buttons: Button[][] = alerts
      .slice(0, 10)
      .map((a, i) => [
        a.status === "paused"
          ? { label: `▶ Resume ${i + 1}`, action: actionOf("resume", a.id) }
          : { label: `⏸ Pause ${i + 1}`, action: actionOf("pause", a.id) },
        { label: `🗑 Delete ${i + 1}`, action: actionOf("delete", a.id) },
      ]);
    const whose = here === null ? "Your alerts" : `Alerts in ${here}`;
    const title = symbol
      ? `*${whose} on ${symbol}* (${alerts.length}; /alerts shows all)`
      : `*${whose}* (${alerts.length})`;
    const feedNotes = await this.#feedNotes(alerts);
    return { text: [title, ...lines, ...feedNotes].join("\n"), buttons, alerts };
  }

  /** One line per listed symbol on the polled path; none when the pricing service cannot say right now. */
  async #feedNotes(alerts: readonly Alert[]): Promise<string[]> {
    const symbols = [...new Set(alerts.filter((a) => a.status === "active").map((a) => a.symbol))];
    if (symbols.length === 0 || !this.#deps.prices.feeds) return [];
    try {
      return listFeedNotes(symbols, await this.#deps.prices.feeds(symbols));
    } catch (err) {
      this.#deps.logger.warn({ err }, "feed paths unavailable; /alerts answered without them");
      return [];
    }
  }

  /** The last firings, newest first: what fired, at what price, and when (relative, and in the user's time). */
  async #history(ctx: ChatContext, symbol: string | null): Promise<Reply> {
    const firings = await this.#deps.alerts.firings(ctx, symbol ? { symbol } : {});
    if (firings.length === 0) {
      return {
        text: symbol ? `No alert of yours on ${symbol} has fired yet.` : "No alert of yours has fired yet.",
      };
    }
    const now = this.#now();
    const display = await this.#displayOf(ctx);
    const lines = firings.map(
      (f) =>
        // An earnings message has no price: it was due by the calendar.
        `${f.symbol} ${describeCondition(f.condition, f.symbol)} — ${f.condition.kind === "earnings" ? "message sent" : formatPrice(f.price, f.symbol)} · ${formatRelative(f.firedAt, now)} (${formatTime(f.firedAt, display)})`,
    );
    const title = symbol
      ? `*Last firings on ${symbol}* (${firings.length}; /history shows all)`
      : `*Your last firings* (${firings.length})`;
    return { text: [title, ...lines].join("\n") };
  }

  #rememberListed(ctx: ChatContext, alerts: Alert[]): void {
    const key = listKeyOf(ctx);
    this.#lastListed.delete(key);
    this.#lastListed.set(
      key,
      alerts.map((a) => a.id),
    );
    if (this.#lastListed.size > LISTS_REMEMBERED)
      this.#lastListed.delete(this.#lastListed.keys().next().value!);
  }

  async #findAlert(ctx: ChatContext, ref: AlertRef): Promise<Alert> {
    if (ref.by === "id") return this.#findById(ctx, ref.id);
    const listed = this.#lastListed.get(listKeyOf(ctx));
    if (listed === undefined) return this.#findByPosition(ctx, ref.position);
    const id = listed[ref.position - 1];
    if (id === undefined)
      throw new UserFacingError(
        `Your last list had ${plural(listed.length, "alert")}; there is no number ${ref.position}. See /alerts.`,
      );
    // The list the user saw names the alert: fetch that one, not the list again.
    const alert = await this.#openAlert(ctx, id);
    if (!alert)
      throw new UserFacingError(
        `Alert ${ref.position} of your last list (${id.slice(0, 8)}) has fired, expired or been deleted since. See /alerts.`,
      );
    return alert;
  }

  /** No list seen (in this process): the number counts in the open alerts as they are now. */
  async #findByPosition(ctx: ChatContext, position: number): Promise<Alert> {
    const alerts = await this.#liveAlerts(ctx);
    const alert = alerts[position - 1];
    if (!alert)
      throw new UserFacingError(
        `You have ${plural(alerts.length, "alert")}; there is no number ${position}. See /alerts.`,
      );
    return alert;
  }

  /** A whole id is fetched on its own; a prefix (the 8 characters a list shows) is looked up among the open alerts. */
  async #findById(ctx: ChatContext, idOrPrefix: string): Promise<Alert> {
    if (IdSchema.safeParse(idOrPrefix).success) {
      const alert = await this.#openAlert(ctx, idOrPrefix);
      if (alert) return alert;
    } else {
      const matches = (await this.#liveAlerts(ctx)).filter((a) => a.id.startsWith(idOrPrefix));
      if (matches.length === 1) return matches[0]!;
      if (matches.length > 1)
        throw new UserFacingError(`More than one alert starts with ${idOrPrefix}; give more of the id.`);
    }
    throw new UserFacingError(`I can't find an alert ${idOrPrefix} among yours. See /alerts.`);
  }

  /** The user's alert `id` while it is open; null once it fired, expired, was deleted or is gone. */
  async #openAlert(ctx: ChatContext, id: string): Promise<Alert | null> {
    try {
      const alert = await this.#deps.alerts.getAlert(ctx, id);
      return alert.status === "active" || alert.status === "paused" ? alert : null;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return null;
      throw error;
    }
  }

  async #watch(ctx: ChatContext, symbols: string[]): Promise<Reply> {
    const quotes = await Promise.all(symbols.map((s) => this.#deps.prices.quote(s)));
    const unknown = symbols.filter((_, i) => quotes[i] === null);
    const known = symbols.filter((_, i) => quotes[i] !== null);
    const lines: string[] = [];
    if (known.length > 0) {
      await this.#deps.alerts.watch(ctx, known);
      lines.push(`👀 Watching ${known.join(", ")}.`);
    }
    if (unknown.length > 0) lines.push(`I don't know ${unknown.join(", ")}; not added.`);
    return { text: lines.join("\n") };
  }

  async #unwatch(ctx: ChatContext, symbols: string[]): Promise<Reply> {
    const removed: string[] = [];
    const missing: string[] = [];
    for (const symbol of symbols) {
      try {
        await this.#deps.alerts.unwatch(ctx, symbol);
        removed.push(symbol);
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) missing.push(symbol);
        else throw error;
      }
    }
    const lines: string[] = [];
    if (removed.length > 0) lines.push(`Removed ${removed.join(", ")} from your watchlist.`);
    if (missing.length > 0)
      lines.push(`${missing.join(", ")} ${missing.length === 1 ? "was" : "were"} not on it.`);
    return { text: lines.join("\n") };
  }

  async #showWatchlist(ctx: ChatContext): Promise<Reply> {
    const { items } = await this.#deps.alerts.watchlist(ctx);
    if (items.length === 0) return { text: "Your watchlist is empty. Add tickers with /watch AAPL MSFT" };
    const quotes = await Promise.all(items.map((i) => this.#deps.prices.quote(i.symbol).catch(() => null)));
    const lines = items.map((item, i) => {
      const q = quotes[i];
      if (!q) return `${item.symbol} — no price right now`;
      return `${item.symbol} ${formatPrice(q.price, item.symbol)}${q.previousClose ? ` (${formatPercent(((q.price - q.previousClose) / q.previousClose) * 100)} today)` : ""}`;
    });
    return { text: ["*Watchlist*", ...lines].join("\n") };
  }

  async #prices(symbols: string[]): Promise<Reply> {
    const lines: string[] = [];
    for (const symbol of symbols) {
      const q = await this.#deps.prices.quote(symbol);
      if (!q) {
        lines.push((await this.#unknownSymbol(symbol)).text);
        continue;
      }
      const change =
        q.previousClose === null
          ? ""
          : ` ${formatChange(q.price - q.previousClose, symbol, q.price)} (${formatPercent(((q.price - q.previousClose) / q.previousClose) * 100)}) today`;
      lines.push(`${symbol} ${formatPrice(q.price, symbol)}${change}`);
      const note = priceFeedNote(symbol, q.feed);
      if (note) lines.push(note);
    }
    return { text: lines.join("\n") };
  }

  /** `/chart AAPL 5d`: the picture, the window and the last price; or why there is no picture. */
  async #chart(ctx: ChatContext, command: Extract<Command, { name: "chart" }>): Promise<Reply> {
    const charts = this.#deps.charts;
    if (charts === undefined) return { text: "Charts are turned off on this Tickerbell." };
    const { symbol, window } = command;
    const quote = await this.#deps.prices.quote(symbol);
    if (!quote) return this.#unknownSymbol(symbol);
    const [settings, alerts] = await Promise.all([
      this.#deps.alerts.settings(ctx),
      this.#deps.alerts.listAlerts(ctx, { status: "active", symbol }),
    ]);
    const answer = await charts.chart({
      symbol,
      window,
      timeZone: settings.timeZone ?? "UTC",
      levels: alertLevels(alerts),
    });
    switch (answer.kind) {
      case "empty":
        return {
          text: `No price history for ${symbol} over ${window} yet: history starts when a symbol is first watched (an alert or /watch ${symbol}), and its chart fills in from then.`,
        };
      case "missing":
        return {
          text: `The ${symbol} chart could not be drawn just now (${answer.reason}). Try again in a moment.`,
        };
      case "chart":
        return {
          text: `*${symbol}* · ${window} · last ${formatPrice(answer.lastPrice, symbol)}`,
          image: {
            name: `${fileNameOf(symbol)}-${window}.png`,
            contentType: "image/png",
            data: answer.png,
            sparkline: answer.sparkline,
          },
        };
    }
  }

  async #link(ctx: ChatContext, code: string | null): Promise<Reply> {
    if (code === null) {
      const link = await this.#deps.alerts.createLinkCode(ctx);
      return {
        text: `Your link code is *${link.code}*. Within 10 minutes, send /link ${link.code} to Tickerbell on your other platform; both will then share the same alerts.`,
      };
    }
    const { user, movedAlerts } = await this.#deps.alerts.redeemLinkCode(ctx, code);
    const platforms = [...new Set(user.identities.map((i) => i.platform))].join(" and ");
    const moved = movedAlerts > 0 ? ` ${plural(movedAlerts, "alert")} from this account moved over.` : "";
    return { text: `🔗 Linked. Your alerts are now shared across ${platforms}.${moved}` };
  }

  /** The refusal of a twin: the alert that exists, with its buttons, so the user can act on it at once. */
  #duplicateOf(ctx: ChatContext | undefined, error: ApiError): Reply {
    const here = ctx === undefined ? null : communityName(ctx);
    const who = here === null ? "You already have" : `${here} already has`;
    const existing = AlertSchema.safeParse((error.details as { existing?: unknown } | null)?.existing);
    if (!existing.success) return { text: `${who} this alert; see /alerts.` };
    const buttons = buttonsFor(existing.data);
    return {
      text: `${who} this alert: ${describeAlert(existing.data, this.#now())}\nNothing new was set; pause, change or delete that one instead.`,
      alerts: [existing.data],
      ...(buttons.length > 0 ? { buttons: [buttons] } : {}),
    };
  }

  #explain(error: unknown, logger: Logger, ctx?: ChatContext): Reply {
    if (error instanceof UserFacingError || isWebhookNotFound(error)) return { text: error.message };
    if (error instanceof ApiError && error.status === 429 && error.code === "rate_limited") {
      const seconds = retryAfterSeconds(error.details);
      return {
        text: `You're sending commands too fast; try again in ${seconds === null ? "a minute" : `${seconds} second${seconds === 1 ? "" : "s"}`}.`,
      };
    }
    if (error instanceof ApiError) {
      if (error.status >= 500) {
        logger.error({ code: error.code, status: error.status }, "alert service error");
        return { text: APOLOGY };
      }
      if (error.code === "alert_not_found")
        return { text: "I can't find that alert among yours. See /alerts." };
      if (error.code === "condition_already_met")
        return { text: `That would fire right away: ${error.message}.` };
      if (error.code === "duplicate_alert") return this.#duplicateOf(ctx, error);
      // The service's messages are written for people; only the sentence case is ours.
      return { text: error.message.charAt(0).toUpperCase() + error.message.slice(1) };
    }
    if (error instanceof ServiceUnavailableError) {
      logger.error({ err: error }, "dependency unavailable");
      return {
        text: "Tickerbell is having trouble reaching its services. Your request was not applied; please retry shortly.",
      };
    }
    logger.error({ err: error }, "unexpected failure handling a command");
    return { text: APOLOGY };
  }
}

/**
 * What a list adds to an alert's description: whether it can fire now (active, or cooling down until when) and
 * when it last fired. Paused and snoozed are in the description already.
 */
function listedState(alert: Alert, now: Date, display: TimeDisplay): string {
  const parts: string[] = [];
  if (alert.status === "active") {
    const lastFired = alert.lastTriggeredAt === null ? null : Date.parse(alert.lastTriggeredAt);
    const coolsUntil =
      alert.phase === "cooling" && lastFired !== null && alert.repeat !== null
        ? lastFired + alert.repeat.cooldownSeconds * 1000
        : null;
    parts.push(
      coolsUntil !== null && coolsUntil > now.getTime()
        ? `cooling down until ${formatTime(coolsUntil, display)}`
        : "active",
    );
  }
  if (alert.lastTriggeredAt !== null) {
    const price =
      alert.lastTriggerPrice === null ? "" : ` at ${formatPrice(alert.lastTriggerPrice, alert.symbol)}`;
    parts.push(
      `${alert.condition.kind === "earnings" ? "last message" : "last fired"} ${formatRelative(alert.lastTriggeredAt, now)}${price} (${formatTime(alert.lastTriggeredAt, display)})`,
    );
  }
  if (alert.urgent === true) parts.push("urgent");
  return parts.length === 0 ? "" : ` · ${parts.join(" · ")}`;
}

/** Pause or resume (whichever applies) and delete, for an alert that is still open. */
function buttonsFor(alert: Alert): Button[] {
  if (alert.status === "active")
    return [
      { label: "⏸ Pause", action: actionOf("pause", alert.id) },
      { label: "🗑 Delete", action: actionOf("delete", alert.id) },
    ];
  if (alert.status === "paused")
    return [
      { label: "▶ Resume", action: actionOf("resume", alert.id) },
      { label: "🗑 Delete", action: actionOf("delete", alert.id) },
    ];
  return [];
}

function retryAfterSeconds(details: unknown): number | null {
  const value = (details as { retryAfterSeconds?: unknown } | null | undefined)?.retryAfterSeconds;
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? Math.ceil(value) : null;
}

/** Commands about the person's own account, refused where a command acts on a community chat's alerts. */
const PERSONAL_COMMANDS: ReadonlySet<Command["name"]> = new Set([
  "watch",
  "unwatch",
  "watchlist",
  "history",
  "link",
  "settings",
  "export",
  "import",
  "webhook",
]);

/** Where a new alert is posted: the community chat the command acts in, or the user's own DMs. */
function originOf(ctx: ChatContext): CreateAlertRequest["origin"] {
  const community = ctx.community;
  if (community === undefined) return { platform: ctx.platform, chatId: ctx.chatId };
  return {
    platform: ctx.platform,
    chatId: community.chatId,
    kind: community.kind,
    ...(community.communityId === undefined ? {} : { communityId: community.communityId }),
    ...(community.mentionRoleId === undefined ? {} : { mentionRoleId: community.mentionRoleId }),
  };
}

/** A list is remembered per person and per chat it lists: `/delete 2` in a group counts in the group's list. */
function listKeyOf(ctx: ChatContext): string {
  return `${ctx.platform}:${ctx.platformUserId}:${ctx.community?.chatId ?? ""}`;
}

/** What a confirmation adds for a community alert: where it will be posted, and whom it mentions. */
function postingLine(ctx: ChatContext): string {
  const community = ctx.community;
  if (community === undefined) return "";
  const mention = community.mentionRoleId === undefined ? "" : `, mentioning <@&${community.mentionRoleId}>`;
  return `\nIt will be posted in ${communityName(ctx)}${mention}.`;
}

/** In the user's own list, where a community alert of theirs is posted. */
function postedIn(alert: Alert): string {
  const origin = alert.origin;
  if (origin.kind === "channel") return ` · posted in <#${origin.chatId}>`;
  if (origin.kind === "group") return " · posted in a group";
  return "";
}

/** A refusal whose message is meant for the user as it is. */
class UserFacingError extends Error {}

/** A note on its own line, or nothing. */
function lineOf(note: string | null): string {
  return note === null ? "" : `\n${note}`;
}
