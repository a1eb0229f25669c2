import { MAX_IMPORT_BYTES, MAX_WATCHLIST_BATCH, type MarketContext } from "@tickerbell/contracts";
import { ApiError } from "../clients/http.ts";
import { describeCondition, plural } from "../format/format.ts";
import type { AlertCommand } from "../grammar/commands.ts";
import { exportFile } from "../transfer/export.ts";
import { FileTooLargeError, FileUnavailableError, type IncomingFile } from "../transfer/files.ts";
import { formatBytes, type ImportLine, readImportFile } from "../transfer/import-file.ts";
import { marketFor } from "./market.ts";
import type { AlertsApi, ChatContext, PriceLookup, Quote, Reply } from "./ports.ts";

export interface TransferDeps {
  alerts: AlertsApi;
  prices: PriceLookup;
  now: () => Date;
  /** The create request of a typed `/alert` (one rule for both). */
  createRequest: (
    ctx: ChatContext,
    command: AlertCommand,
    market: MarketContext,
  ) => Parameters<AlertsApi["createAlert"]>[1];
}

/** Quotes asked for at once while importing. */
const QUOTE_CONCURRENCY = 8;

type Outcome = { label: string; result: "created" | "duplicate" | "refused"; text: string };

/** `/export` and `/import`: the user's open alerts and watchlist to and from a file. */
export class Transfers {
  readonly #deps: TransferDeps;
  constructor(deps: TransferDeps) {
    this.#deps = deps;
  }

  async export(ctx: ChatContext, format: "csv" | "json"): Promise<Reply> {
    const [alerts, watchlist] = await Promise.all([
      this.#deps.alerts.listAlerts(ctx, { status: "open" }),
      this.#deps.alerts.watchlist(ctx),
    ]);
    const symbols = watchlist.items.map((i) => i.symbol);
    const file = exportFile(format, alerts, symbols, this.#deps.now());
    const what = `${plural(alerts.length, "alert")} and ${plural(symbols.length, "watchlist ticker")}`;
    return {
      text: `📄 Your ${what}, as ${format.toUpperCase()}. Send it back with /import to set them again, here or on another account.`,
      file,
    };
  }

  /** The reply to `/import` without a file: how to send one on this platform. */
  howToImport(ctx: ChatContext): Reply {
    const how =
      ctx.platform === "telegram"
        ? "Send the file as a document with the caption /import, or answer /import to a file you sent."
        : ctx.platform === "discord"
          ? "Use /import and attach the file to its file option."
          : `Give the file's path: /import ./data/exports/tickerbell-${this.#deps.now().toISOString().slice(0, 10)}.csv`;
    return {
      text: `${how}\nIt reads the CSV or JSON file /export writes (up to ${formatBytes(MAX_IMPORT_BYTES)}); /help import shows the columns.`,
    };
  }

  async import(ctx: ChatContext, file: IncomingFile): Promise<Reply> {
    if (file.size !== null && file.size > MAX_IMPORT_BYTES) return tooLarge(file.size);
    let bytes: Uint8Array;
    try {
      bytes = await file.read(MAX_IMPORT_BYTES);
    } catch (error) {
      if (error instanceof FileTooLargeError) return tooLarge(error.bytes);
      if (error instanceof FileUnavailableError)
        return {
          text:
            ctx.platform === "console"
              ? `Nothing was imported: ${error.message}.`
              : "I couldn't download that file; send it again in a moment.",
        };
      throw error;
    }
    const read = readImportFile(bytes, file.name, this.#deps.now());
    if (!read.ok) return { text: `Nothing was imported. ${read.message}` };
    if (read.lines.length === 0)
      return { text: "Nothing was imported: the file has no alert or watch lines." };
    const outcomes = new Map<ImportLine, Outcome>();
    const quotes = await this.#quotes(read.lines);
    for (const line of read.lines) {
      if (line.kind === "refused")
        outcomes.set(line, { label: line.label, result: "refused", text: line.why });
    }
    await this.#importAlerts(ctx, read.lines, quotes, outcomes);
    await this.#importWatchlist(ctx, read.lines, quotes, outcomes);
    return summary(read.lines.map((line) => outcomes.get(line)!));
  }

  async #quotes(lines: ImportLine[]): Promise<Map<string, Quote | null>> {
    const symbols = [
      ...new Set(
        lines.flatMap((l) =>
          l.kind === "alert" ? [l.command.symbol] : l.kind === "watch" ? [l.symbol] : [],
        ),
      ),
    ];
    const quotes = new Map<string, Quote | null>();
    for (let i = 0; i < symbols.length; i += QUOTE_CONCURRENCY) {
      const batch = symbols.slice(i, i + QUOTE_CONCURRENCY);
      const answers = await Promise.all(batch.map((s) => this.#deps.prices.quote(s)));
      for (const [j, s] of batch.entries()) quotes.set(s, answers[j] ?? null);
    }
    return quotes;
  }

  /**
   * One create per line, in file order, through the same API call as `/alert`: the service's own checks say
   * duplicate (also of an earlier line) or refused (already met, the active-alert cap). A service failure
   * stops the import; what was created stays, and importing the file again skips it as duplicates.
   */
  async #importAlerts(
    ctx: ChatContext,
    lines: ImportLine[],
    quotes: Map<string, Quote | null>,
    outcomes: Map<ImportLine, Outcome>,
  ): Promise<void> {
    let failed: string | null = null;
    for (const line of lines) {
      if (line.kind !== "alert") continue;
      const { command } = line;
      const what = `${command.symbol} ${describeCondition(command.condition, command.symbol)}`;
      const set = (result: Outcome["result"], text: string) =>
        outcomes.set(line, { label: line.label, result, text });
      if (failed !== null) {
        set("refused", failed);
        continue;
      }
      const quote = quotes.get(command.symbol) ?? null;
      if (quote === null) {
        set("refused", `I don't know the ticker ${command.symbol}`);
        continue;
      }
      if (
        command.condition.kind === "percent" &&
        command.condition.basis === "close" &&
        quote.previousClose === null
      ) {
        set("refused", `I don't have ${command.symbol}'s previous close yet`);
        continue;
      }
      const market = await marketFor(command.condition, command.symbol, quote, this.#deps.prices);
      if (!market.ok) {
        set("refused", market.text);
        continue;
      }
      try {
        const alert = await this.#deps.alerts.createAlert(
          ctx,
          this.#deps.createRequest(ctx, command, market.market),
        );
        // Created is created: a pause that fails leaves it active, and the line says so.
        const paused =
          line.paused &&
          (await this.#deps.alerts.updateAlert(ctx, alert.id, { status: "paused" }).then(
            () => true,
            () => false,
          ));
        set(
          "created",
          `${what}${paused ? " (paused)" : line.paused ? " (active: it could not be paused)" : ""}`,
        );
      } catch (error) {
        if (!(error instanceof ApiError) || error.status >= 500 || error.status === 429) {
          failed = "not imported: the alert service failed; import the file again later";
          set("refused", failed);
        } else if (error.code === "duplicate_alert") set("duplicate", `you already have ${what}`);
        else if (error.code === "condition_already_met")
          set("refused", `${what} would fire right away: ${error.message}`);
        else set("refused", error.message);
      }
    }
  }

  async #importWatchlist(
    ctx: ChatContext,
    lines: ImportLine[],
    quotes: Map<string, Quote | null>,
    outcomes: Map<ImportLine, Outcome>,
  ): Promise<void> {
    const watches = lines.filter((l): l is Extract<ImportLine, { kind: "watch" }> => l.kind === "watch");
    if (watches.length === 0) return;
    const held = new Set((await this.#deps.alerts.watchlist(ctx)).items.map((i) => i.symbol));
    const toAdd: typeof watches = [];
    for (const line of watches) {
      const set = (result: Outcome["result"], text: string) =>
        outcomes.set(line, { label: line.label, result, text });
      if (held.has(line.symbol)) set("duplicate", `${line.symbol} is already on your watchlist`);
      else if (quotes.get(line.symbol) == null) set("refused", `I don't know the ticker ${line.symbol}`);
      else {
        held.add(line.symbol);
        toAdd.push(line);
      }
    }
    for (let i = 0; i < toAdd.length; i += MAX_WATCHLIST_BATCH) {
      const batch = toAdd.slice(i, i + MAX_WATCHLIST_BATCH);
      let refusal: string | null = null;
      try {
        await this.#deps.alerts.watch(
          ctx,
          batch.map((l) => l.symbol),
        );
      } catch (error) {
        if (!(error instanceof ApiError) || error.status >= 500 || error.status === 429) {
          refusal = "not imported: the alert service failed; import the file again later";
        } else refusal = error.message;
      }
      for (const line of batch)
        outcomes.set(line, {
          label: line.label,
          result: refusal === null ? "created" : "refused",
          text: refusal ?? `${line.symbol} on your watchlist`,
        });
    }
  }
}

function tooLarge(bytes: number | null): Reply {
  const size = bytes === null ? "too large" : formatBytes(bytes);
  return {
    text: `Nothing was imported: that file is ${size === "too large" ? size : `over ${formatBytes(MAX_IMPORT_BYTES)} (${size})`}; /import takes files up to ${formatBytes(MAX_IMPORT_BYTES)}.`,
  };
}

const MARK: Record<Outcome["result"], string> = { created: "✅", duplicate: "➖", refused: "✗" };

function summary(outcomes: Outcome[]): Reply {
  const count = (r: Outcome["result"]) => outcomes.filter((o) => o.result === r).length;
  const title = `*Imported*: ${count("created")} created, ${plural(count("duplicate"), "duplicate")}, ${count("refused")} refused`;
  const lines = outcomes.map((o) => `${MARK[o.result]} ${o.label}: ${o.result} — ${o.text}`);
  return { text: [title, ...lines].join("\n") };
}
