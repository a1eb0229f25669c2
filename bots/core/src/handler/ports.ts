import type {
  Alert,
  EarningsEvent,
  Platform,
  StudiesResponse,
  StudyKey,
  SymbolFeed,
} from "@tickerbell/contracts";
import type { AlertsClient } from "../clients/alerts-client.ts";
import type { ReplyFile } from "../transfer/files.ts";

/**
 * A community chat a command acts in: a Discord server channel or a Telegram group. The platform adapter sets it
 * only once it has checked that the person may manage alerts there (Manage Channels or the server's alert role;
 * a group administrator).
 */
export interface CommunityChat {
  kind: "channel" | "group";
  /** The channel's or group's chat id: where its alerts are posted. */
  chatId: string;
  /** The Discord server (guild) a channel is in. */
  communityId?: string;
  /** The role a new channel alert mentions when it fires (Discord). */
  mentionRoleId?: string;
  /** How replies name it: `#alerts`, `“Traders”`. */
  name?: string;
}

/** Who is talking, and where to answer. */
export interface ChatContext {
  platform: Platform;
  platformUserId: string;
  /** Where replies and this user's notifications go (the DM channel or private chat). */
  chatId: string;
  displayName?: string;
  /** The command being handled (set by the CommandHandler): the alert service counts its calls as one. */
  commandId?: string;
  /** The alert service's id of the user (set by the CommandHandler once the identity is resolved). */
  userId?: string;
  /**
   * Set: the command acts on that channel's or group's alerts (creates alerts posted there, lists and changes
   * the alerts posted there whoever created them). Unset: the user's own alerts, notified in their DMs.
   */
  community?: CommunityChat;
  /**
   * Others read the reply (a command in a Telegram group): what is only this person's business (the notice of
   * their undelivered notifications) waits for a command in private.
   */
  seenByOthers?: boolean;
}

export interface Quote {
  symbol: string;
  price: number;
  previousClose: number | null;
  /** Today's session high and low so far; null or absent when the source does not say (no trade today yet). */
  high?: number | null;
  low?: number | null;
  /** Trade time of `price`, epoch ms. */
  ts: number;
  /** How the pricing service feeds the symbol (streamed, polled, idle); absent where the source does not say. */
  feed?: SymbolFeed;
}

/** A symbol's 52-week range, from the pricing service. */
export interface YearRange {
  high52w: number;
  low52w: number;
}

export interface SymbolMatch {
  symbol: string;
  description: string;
}

/** Prices and symbol lookup, from the pricing service. */
export interface PriceLookup {
  /** The latest quote, or null when the symbol is unknown. */
  quote(symbol: string): Promise<Quote | null>;
  search(query: string): Promise<SymbolMatch[]>;
  /** How each symbol is fed, by symbol, without a quote (for the notes under /alerts). */
  feeds?(symbols: readonly string[]): Promise<Record<string, SymbolFeed>>;
  /** The 52-week range (where a 52w high/low alert starts), or null when it is not known for the symbol. */
  range?(symbol: string): Promise<YearRange | null>;
  /**
   * The studies (moving averages, RSI, volume against the usual) of a symbol now, and why any has no value yet
   * (where a volume or indicator alert starts, and whether it can be set); null when the symbol is unknown.
   */
  studies?(symbol: string, keys: readonly StudyKey[]): Promise<StudiesResponse | null>;
  /** Upcoming earnings releases, soonest first (for the confirmation of an earnings alert). */
  earnings?(symbol: string): Promise<EarningsEvent[]>;
}

/** The alert service operations the command handler uses (the AlertsClient's public surface). */
export type AlertsApi = Pick<
  AlertsClient,
  | "resolveUser"
  | "createAlert"
  | "listAlerts"
  | "getAlert"
  | "firings"
  | "updateAlert"
  | "cancelAlert"
  | "bulkAction"
  | "watchlist"
  | "watch"
  | "unwatch"
  | "createLinkCode"
  | "redeemLinkCode"
  | "undeliverable"
  | "acknowledgeUndeliverable"
  | "settings"
  | "updateSettings"
  | "createWebhook"
  | "listWebhooks"
  | "deleteWebhook"
  | "testWebhook"
  | "communitySettings"
  | "updateCommunitySettings"
>;

/** A button under a reply. `action` comes back through `handleAction` when pressed. */
export interface Button {
  label: string;
  action: string;
}

/** A platform-neutral reply: text with light markup (`*bold*` only) and optional rows of buttons. */
export interface Reply {
  text: string;
  buttons?: Button[][];
  /** Alerts this reply is about, for adapters that render richer cards (Discord embeds). */
  alerts?: Alert[];
  /**
   * A yes/no question (its buttons are among `buttons` too): where there are no buttons (the console) the next
   * line answers it, `yes` or `no`, and is handled as that button's action.
   */
  confirm?: { yes: string; no: string };
  /** A file sent with the reply (`/export`): a Telegram document, a Discord attachment, a path on the console. */
  file?: ReplyFile;
  /**
   * A picture shown with the reply (`/chart`): a Telegram photo with the text as its caption, a Discord embed's
   * image, a saved file on the console (with the sparkline, a picture in block characters).
   */
  image?: ReplyFile & { sparkline: string };
  /**
   * What the reply gains once a slow part of it is ready (a new alert's dry run past its budget): Telegram and
   * Discord edit the sent message into `reply` (unless a button press changed it meanwhile), the console prints
   * `added`. Resolves null when nothing is to be added; never rejects.
   */
  amended?: Promise<ReplyAmendment | null>;
}

/** A reply as it reads once its slow part came in, and the lines that part added. */
export interface ReplyAmendment {
  reply: Reply;
  added: string;
}
