import { createHash } from "node:crypto";
import { type Alert, MAX_BULK_ALERTS } from "@tickerbell/contracts";
import { describeAlert, plural } from "../format/format.ts";
import type { BulkCommand } from "../grammar/commands.ts";
import { communityName, openAlerts } from "./open-alerts.ts";
import type { AlertsApi, Button, ChatContext, Reply } from "./ports.ts";

// `/pause all`, `/resume all`, `/delete AAPL`, `/delete all`. Pausing and resuming act at once (nothing is lost,
// the other one undoes it); deleting asks first, with the alerts it will delete, and the Yes button deletes
// those: the user's open alerts of that scope created up to the newest one shown, never one set since. The
// buttons carry that (`bulk:<verb>:<ticker or *>:<newest shown, base 36 ms>:<asker>`), so they keep working
// after a restart and in another replica, and fit Telegram's 64 bytes. One list request and one bulk request
// per command, whatever the number of alerts.

export const BULK_ACTION_PREFIX = "bulk:";
const ALL_SCOPE = "*";
/** Alerts listed by name in a bulk reply; more are counted. */
const LISTED = 15;

type Verb = "pause" | "resume" | "delete" | "keep";

export interface BulkActionsDeps {
  alerts: Pick<AlertsApi, "listAlerts" | "bulkAction">;
  now: () => Date;
}

export class BulkActions {
  readonly #deps: BulkActionsDeps;

  constructor(deps: BulkActionsDeps) {
    this.#deps = deps;
  }

  /** A typed bulk command: pause or resume now, or ask before deleting. */
  async command(ctx: ChatContext, command: BulkCommand): Promise<Reply> {
    const open = await this.#open(ctx, command.symbol);
    if (open.length === 0) return { text: noAlerts(command.symbol, communityName(ctx)) };
    if (command.verb === "delete") return this.#ask(ctx, command.symbol, open);
    return this.#pauseOrResume(ctx, command.verb, command.symbol, open);
  }

  /**
   * `/delete ADBE` where ADBE is also an id prefix: the ticker when the user has open alerts on it (null: not, so
   * the word is read as an id).
   */
  async commandIfHeld(ctx: ChatContext, verb: BulkCommand["verb"], symbol: string): Promise<Reply | null> {
    const open = await this.#open(ctx, symbol);
    if (open.length === 0) return null;
    if (verb === "delete") return this.#ask(ctx, symbol, open);
    return this.#pauseOrResume(ctx, verb, symbol, open);
  }

  /** A press of one of the buttons this class put under a reply. */
  async action(ctx: ChatContext, action: string): Promise<Reply> {
    const parsed = parseBulkAction(action);
    if (parsed === null) return { text: "That button is no longer valid." };
    if (parsed.asker !== askerOf(ctx)) return { text: "That button was for someone else's alerts." };
    const open = (await this.#open(ctx, parsed.symbol)).filter(
      (a) => Date.parse(a.createdAt) <= parsed.newestShown,
    );
    const what = scopeName(parsed.symbol);
    switch (parsed.verb) {
      case "keep":
        return open.length === 0
          ? { text: `Nothing was deleted.` }
          : { text: `Kept your ${plural(open.length, `${what}alert`)}; nothing was deleted.`, alerts: open };
      case "delete": {
        if (open.length === 0)
          return { text: "Nothing left to delete: those alerts have fired, expired or been deleted since." };
        const { changed } = await this.#apply(ctx, "cancel", open);
        if (changed.length === 0)
          return { text: "Nothing left to delete: those alerts have fired, expired or been deleted since." };
        return {
          text: [
            `🗑 Deleted ${plural(changed.length, `${what}alert`)}.`,
            ...listed(changed, this.#deps.now()),
          ].join("\n"),
          alerts: changed,
        };
      }
      case "pause":
      case "resume":
        if (open.length === 0) return { text: noAlerts(parsed.symbol) };
        return this.#pauseOrResume(ctx, parsed.verb, parsed.symbol, open);
    }
  }

  #open(ctx: ChatContext, symbol: string | null): Promise<Alert[]> {
    return openAlerts(this.#deps.alerts, ctx, symbol);
  }

  #ask(ctx: ChatContext, symbol: string | null, open: Alert[]): Reply {
    const n = open.length;
    const here = communityName(ctx);
    const question =
      here !== null
        ? `Delete ${n === 1 ? "the only" : `all ${n}`} ${symbol === null ? "" : `${symbol} `}alert${n === 1 ? "" : "s"} in ${here}?`
        : symbol === null
          ? n === 1
            ? "Delete your only alert?"
            : `Delete all ${n} of your alerts?`
          : n === 1
            ? `Delete your ${symbol} alert?`
            : `Delete all ${n} ${symbol} alerts?`;
    const yes = actionFor("delete", symbol, open, ctx);
    const no = actionFor("keep", symbol, open, ctx);
    return {
      text: [`*${question}*`, ...listed(open, this.#deps.now())].join("\n"),
      buttons: [
        [
          { label: n === 1 ? "🗑 Yes, delete it" : `🗑 Yes, delete ${n}`, action: yes },
          { label: n === 1 ? "No, keep it" : "No, keep them", action: no },
        ],
      ],
      confirm: { yes, no },
    };
  }

  async #pauseOrResume(
    ctx: ChatContext,
    verb: "pause" | "resume",
    symbol: string | null,
    open: Alert[],
  ): Promise<Reply> {
    const what = scopeName(symbol);
    const targets = open.filter((a) => a.status === (verb === "pause" ? "active" : "paused"));
    // The other way, for the open alerts seen now: resuming after a pause, or pausing again.
    const undo: Button = {
      label: verb === "pause" ? "▶ Resume all" : "⏸ Pause all",
      action: actionFor(verb === "pause" ? "resume" : "pause", symbol, open, ctx),
    };
    if (targets.length === 0) {
      return {
        text:
          open.length === 1
            ? `Your ${what}alert is ${verb === "pause" ? "paused" : "active"} already.`
            : `All ${open.length} of your ${what}alerts are ${verb === "pause" ? "paused" : "active"} already.`,
        buttons: [[undo]],
      };
    }
    const { changed } = await this.#apply(ctx, verb === "pause" ? "pause" : "resume", targets);
    const already = open.length - targets.length;
    const title = `${verb === "pause" ? "⏸ Paused" : "▶ Resumed"} ${plural(changed.length, `${what}alert`)}${
      already > 0
        ? ` (${already} ${already === 1 ? "was" : "were"} ${verb === "pause" ? "paused" : "active"} already)`
        : ""
    }.`;
    return {
      text: [title, ...listed(changed, this.#deps.now())].join("\n"),
      alerts: changed,
      buttons: [[undo]],
    };
  }

  /** One bulk request per MAX_BULK_ALERTS alerts (one, under the default cap of 100 open alerts). */
  async #apply(ctx: ChatContext, action: "pause" | "resume" | "cancel", alerts: Alert[]) {
    const changed: Alert[] = [];
    for (let at = 0; at < alerts.length; at += MAX_BULK_ALERTS) {
      const ids = alerts.slice(at, at + MAX_BULK_ALERTS).map((a) => a.id);
      changed.push(...(await this.#deps.alerts.bulkAction(ctx, action, ids)).changed);
    }
    return { changed };
  }
}

function noAlerts(symbol: string | null, here: string | null = null): string {
  if (here !== null)
    return symbol === null
      ? `There are no alerts in ${here}.`
      : `There are no alerts on ${symbol} in ${here}.`;
  return symbol === null
    ? "You have no alerts yet. Try /alert AAPL above 200"
    : `You have no alerts on ${symbol}.`;
}

function scopeName(symbol: string | null): string {
  return symbol === null ? "" : `${symbol} `;
}

function listed(alerts: Alert[], now: Date): string[] {
  const lines = alerts.slice(0, LISTED).map((a) => `• ${describeAlert(a, now)}`);
  if (alerts.length > LISTED) lines.push(`…and ${alerts.length - LISTED} more`);
  return lines;
}

/** A short, stable tag of who asked: a button pressed by someone else (a group chat) acts on nothing. */
function askerOf(ctx: ChatContext): string {
  return createHash("sha256").update(`${ctx.platform}:${ctx.platformUserId}`).digest("hex").slice(0, 6);
}

function actionFor(verb: Verb, symbol: string | null, shown: Alert[], ctx: ChatContext): string {
  const newest = Math.max(...shown.map((a) => Date.parse(a.createdAt)));
  return `${BULK_ACTION_PREFIX}${verb}:${symbol ?? ALL_SCOPE}:${newest.toString(36)}:${askerOf(ctx)}`;
}

function parseBulkAction(
  action: string,
): { verb: Verb; symbol: string | null; newestShown: number; asker: string } | null {
  const parts = action.split(":");
  if (parts.length < 5 || `${parts[0]}:` !== BULK_ACTION_PREFIX) return null;
  const verb = parts[1] as Verb;
  if (!["pause", "resume", "delete", "keep"].includes(verb)) return null;
  const asker = parts.at(-1)!;
  const newestShown = Number.parseInt(parts.at(-2)!, 36);
  const scope = parts.slice(2, -2).join(":");
  if (!Number.isFinite(newestShown) || scope.length === 0) return null;
  return { verb, symbol: scope === ALL_SCOPE ? null : scope, newestShown, asker };
}
