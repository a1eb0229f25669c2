import {
  alertCommandFromOptions,
  type Command,
  type CommandError,
  commandFromArguments,
  editCommandFromOptions,
  formatDuration,
  parseCommand,
  readWindow,
} from "@tickerbell/bot-core";
import { DEFAULT_RSI_PERIOD, MAX_WEBHOOK_URL_LENGTH } from "@tickerbell/contracts";
import {
  ChannelType,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
  SlashCommandBuilder,
  type SlashCommandSubcommandBuilder,
} from "discord.js";

// The slash commands the bot declares, and how their options become bots/core commands. Values a person types
// (prices, durations, tickers) are string options read by the core grammar, so a mistake gets the same helpful
// message as on Telegram; fixed sets (directions, basis, unit) are choices Discord's client offers.

export type OptionValue = string | number | boolean;

/** One slash-command invocation as plain data: `/alert price ticker:AAPL ...` → `{ command: "alert", subcommand: "price", options }`. */
export interface SlashInvocation {
  command: string;
  subcommand: string | null;
  options: Readonly<Record<string, OptionValue>>;
}

export type SlashRequest =
  | { kind: "command"; command: Command }
  | { kind: "help"; topic: string | null }
  /** `/settings alert-role`: the server's alert role, or none (null). */
  | { kind: "alert-role"; roleId: string | null }
  | { kind: "refused"; error: CommandError };

const choices = (...values: string[]) => values.map((value) => ({ name: value, value }));

/** A string option as data: what a person reads, whether it must be given, what Discord offers or completes. */
interface StringOptionSpec {
  name: string;
  description: string;
  required?: boolean;
  autocomplete?: boolean;
  /** Fixed values Discord's client offers: plain values, or names shown for values. */
  choices?: ReadonlyArray<string | { name: string; value: string }>;
}

/** Adds string options in order, each from its spec. */
function stringOptions(
  sub: SlashCommandSubcommandBuilder,
  ...specs: StringOptionSpec[]
): SlashCommandSubcommandBuilder {
  for (const spec of specs)
    sub.addStringOption((o) => {
      o.setName(spec.name).setDescription(spec.description);
      if (spec.required) o.setRequired(true);
      if (spec.autocomplete) o.setAutocomplete(true);
      if (spec.choices)
        o.addChoices(...spec.choices.map((c) => (typeof c === "string" ? { name: c, value: c } : c)));
      return o;
    });
  return sub;
}

/** The stock an alert watches, completed as it is typed. */
const TICKER: StringOptionSpec = {
  name: "ticker",
  description: "The stock, e.g. AAPL",
  required: true,
  autocomplete: true,
};

/** A price, percent or trailing alert's first options: the ticker, which way, and how far. */
function levelOptions(conditions: string[], valueHelp: string): StringOptionSpec[] {
  return [
    TICKER,
    { name: "condition", description: "Which way", required: true, choices: conditions },
    { name: "value", description: valueHelp, required: true },
  ];
}

/**
 * A subcommand that sets an alert: its own options, then those every alert takes (repeat, expires, note, hours,
 * urgent), then where it is posted (a channel, a role to ping).
 */
function alertSubcommand(
  sub: SlashCommandSubcommandBuilder,
  name: string,
  description: string,
  ...options: StringOptionSpec[]
): SlashCommandSubcommandBuilder {
  return destinationOptions(
    alertExtras(stringOptions(sub.setName(name).setDescription(description), ...options)),
  );
}

function alertExtras(sub: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return sub
    .addStringOption((o) =>
      o.setName("repeat").setDescription("Re-arm after firing, with this cooldown, e.g. 1h"),
    )
    .addStringOption((o) =>
      o.setName("expires").setDescription("A duration like 7d, or a date like 2026-12-31"),
    )
    .addStringOption((o) =>
      o.setName("note").setDescription("Shown in the notification (up to 200 characters)"),
    )
    .addBooleanOption((o) =>
      o
        .setName("regular-hours-only")
        .setDescription("Stocks only: fire only during US regular trading hours"),
    )
    .addBooleanOption((o) =>
      o.setName("urgent").setDescription("Notify even during your quiet hours (see /settings)"),
    );
}

/** Where a channel alert is posted: only channels a bot can post an embed in. */
function channelOption(
  sub: SlashCommandSubcommandBuilder,
  description: string,
): SlashCommandSubcommandBuilder {
  return sub.addChannelOption((o) =>
    o
      .setName("channel")
      .setDescription(description)
      .addChannelTypes(ChannelType.GuildText, ChannelType.GuildAnnouncement),
  );
}

/** A new alert posted in a server channel instead of the user's DMs, optionally pinging a role. */
function destinationOptions(sub: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return channelOption(
    sub,
    "Post it in this server channel instead of your DMs (needs Manage Channels there, or the alert role)",
  ).addRoleOption((o) =>
    o.setName("mention").setDescription("A role the channel post pings (needs channel)"),
  );
}

/** Acting on a channel's alerts (whoever created them) instead of the user's own. */
function channelAlertsOption(sub: SlashCommandSubcommandBuilder): SlashCommandSubcommandBuilder {
  return channelOption(sub, "The alerts posted in this server channel instead of yours (for its managers)");
}

function alertRefOption(sub: SlashCommandSubcommandBuilder, what: string): SlashCommandSubcommandBuilder {
  return sub.addStringOption((o) =>
    o
      .setName("alert")
      .setDescription(`The alert to ${what}: pick one, or its number in /alert list`)
      .setRequired(true)
      .setAutocomplete(true),
  );
}

const alert = new SlashCommandBuilder()
  .setName("alert")
  .setDescription("Set and manage price alerts")
  .addSubcommand((sub) =>
    alertSubcommand(
      sub,
      "price",
      "When the price goes above, below or through a level",
      ...levelOptions(
        ["above", "below", "cross"],
        "The price, e.g. 200 or 187.50; several levels set one alert each: 200 210 220",
      ),
    ),
  )
  .addSubcommand((sub) =>
    alertSubcommand(
      sub,
      "percent",
      "When the price moves by a percentage",
      ...levelOptions(["up", "down", "move"], "The move in percent, e.g. 5"),
      {
        name: "basis",
        description: "Measured from the last price (default) or the previous close",
        choices: ["last", "close"],
      },
    ),
  )
  .addSubcommand((sub) =>
    alertSubcommand(
      sub,
      "move",
      "A move in percent within a window (5 minutes to 1 day)",
      TICKER,
      { name: "percent", description: "The move in percent, e.g. 3", required: true },
      {
        name: "within",
        description: "The window: 5m, 15m, 30m, 1h, 4h, 1d or any whole minutes from 5m to 1d, e.g. 90m",
        required: true,
        autocomplete: true,
      },
      {
        name: "direction",
        description: "Up: from the window's low; down: from its high; either (the default): both ways",
        choices: ["either", "up", "down"],
      },
    ),
  )
  .addSubcommand((sub) =>
    alertSubcommand(
      sub,
      "new",
      "A new high or low (today or 52 weeks)",
      TICKER,
      {
        name: "side",
        description: "A new high (above the high so far) or a new low (below the low so far)",
        required: true,
        choices: ["high", "low"],
      },
      {
        name: "range",
        description: "Today's session (the default) or the 52-week range (stocks only)",
        choices: ["today", { name: "52 weeks", value: "52w" }],
      },
    ),
  )
  .addSubcommand((sub) =>
    alertSubcommand(sub, "volume", "Today's volume a multiple of the usual by this time of day", TICKER, {
      name: "multiple",
      description: "How many times the usual volume, e.g. 3 (more than 1, at most 100)",
      required: true,
    }),
  )
  .addSubcommand((sub) =>
    alertSubcommand(
      sub,
      "average",
      "Price above, below or across its daily moving average",
      TICKER,
      {
        name: "average",
        description: "Simple (sma) or exponential (ema)",
        required: true,
        choices: ["sma", "ema"],
      },
      { name: "period", description: "The sessions it spans, e.g. 50 or 200 (2 to 200)", required: true },
      {
        name: "direction",
        description: "Above: reaching it from below; below: from above; crosses: either, from where it is",
        required: true,
        choices: ["above", "below", "crosses"],
      },
    ),
  )
  .addSubcommand((sub) =>
    alertSubcommand(
      sub,
      "rsi",
      "The RSI (daily or hourly bars) above or below a level",
      TICKER,
      {
        name: "direction",
        description: "Above (overbought, e.g. 70) or below (oversold, e.g. 30)",
        required: true,
        choices: ["above", "below"],
      },
      { name: "level", description: "The RSI level, e.g. 30 or 70 (between 0 and 100)", required: true },
      { name: "interval", description: "Daily or hourly bars", required: true, choices: ["daily", "hourly"] },
      { name: "period", description: "The bars it spans: 14 unless you say (2 to 50)" },
    ),
  )
  .addSubcommand((sub) =>
    alertSubcommand(
      sub,
      "trailing",
      "A trailing stop: when the price falls back from its peak",
      ...levelOptions(["down", "up"], "How far: 8% or $5 (or a number with unit)"),
      {
        name: "unit",
        description: "Whether the value is a percentage or a dollar amount",
        choices: ["percent", "amount"],
      },
    ),
  )
  .addSubcommand((sub) =>
    stringOptions(
      sub.setName("earnings").setDescription("Before each earnings release and when its results are due"),
      TICKER,
      { name: "expires", description: "A duration like 90d, or a date like 2027-12-31" },
      { name: "note", description: "Shown in the messages (up to 200 characters)" },
    ).addBooleanOption((o) =>
      o.setName("urgent").setDescription("Notify even during your quiet hours (see /settings)"),
    ),
  )
  .addSubcommand((sub) =>
    channelAlertsOption(
      sub
        .setName("list")
        .setDescription("Your alerts, or a channel's")
        .addStringOption((o) => o.setName("ticker").setDescription("Only this stock").setAutocomplete(true)),
    ),
  )
  .addSubcommand((sub) =>
    sub
      .setName("history")
      .setDescription("Your alerts' last firings, with price and time")
      .addStringOption((o) => o.setName("ticker").setDescription("Only this stock").setAutocomplete(true)),
  )
  .addSubcommand((sub) =>
    channelAlertsOption(
      alertRefOption(
        sub.setName("remove").setDescription("Delete an alert, all of a ticker's (AAPL) or all (asks first)"),
        "delete",
      ),
    ),
  )
  .addSubcommand((sub) =>
    channelAlertsOption(
      alertRefOption(sub.setName("pause").setDescription("Pause an alert, or all of them"), "pause"),
    ),
  )
  .addSubcommand((sub) =>
    channelAlertsOption(
      alertRefOption(sub.setName("resume").setDescription("Resume a paused alert, or all of them"), "resume"),
    ),
  )
  .addSubcommand((sub) =>
    channelAlertsOption(
      alertRefOption(
        sub.setName("edit").setDescription("Change an alert's level, note, repeat or expiry in place"),
        "change",
      )
        .addStringOption((o) =>
          o
            .setName("level")
            .setDescription(
              "New level: 210 (same direction), above 210, 5%, within 4h, trail 8%, 4x (volume), rsi below 25",
            ),
        )
        .addStringOption((o) =>
          o.setName("note").setDescription("New note (up to 200 characters); - removes the note"),
        )
        .addStringOption((o) =>
          o
            .setName("repeat")
            .setDescription("Re-arm after firing with this cooldown, e.g. 1h; off to fire once"),
        )
        .addStringOption((o) =>
          o.setName("expires").setDescription("A duration like 3d, a date like 2026-12-31, or never"),
        )
        .addBooleanOption((o) =>
          o
            .setName("regular-hours-only")
            .setDescription(
              "Stocks only. True: fire only during US regular trading hours; False: at any hour",
            ),
        )
        .addBooleanOption((o) =>
          o
            .setName("urgent")
            .setDescription("True: notify even during your quiet hours; False: hold like others"),
        ),
    ),
  );

const watchlist = new SlashCommandBuilder()
  .setName("watchlist")
  .setDescription("Your watchlist")
  .addSubcommand((sub) => sub.setName("show").setDescription("Your watchlist with current prices"))
  .addSubcommand((sub) =>
    sub
      .setName("add")
      .setDescription("Add tickers to your watchlist")
      .addStringOption((o) =>
        o.setName("tickers").setDescription("One or more, e.g. AAPL MSFT").setRequired(true),
      ),
  )
  .addSubcommand((sub) =>
    sub
      .setName("remove")
      .setDescription("Remove a ticker from your watchlist")
      .addStringOption((o) =>
        o.setName("ticker").setDescription("The ticker").setRequired(true).setAutocomplete(true),
      ),
  );

const price = new SlashCommandBuilder()
  .setName("price")
  .setDescription("Current price of a stock")
  .addStringOption((o) =>
    o.setName("ticker").setDescription("The stock, e.g. AAPL").setRequired(true).setAutocomplete(true),
  );

const chart = new SlashCommandBuilder()
  .setName("chart")
  .setDescription("A price chart with your alert levels")
  .addStringOption((o) =>
    o.setName("ticker").setDescription("The stock, e.g. AAPL").setRequired(true).setAutocomplete(true),
  )
  .addStringOption((o) =>
    o
      .setName("window")
      .setDescription("How far back (a day unless you pick)")
      .addChoices(
        { name: "1 day", value: "1d" },
        { name: "5 days", value: "5d" },
        { name: "1 month", value: "1m" },
        { name: "6 months", value: "6m" },
        { name: "1 year", value: "1y" },
      ),
  );

const link = new SlashCommandBuilder()
  .setName("link")
  .setDescription("Link your Discord and Telegram accounts")
  .addStringOption((o) =>
    o.setName("code").setDescription("The code from your other platform; leave out to get one"),
  );

const settings = new SlashCommandBuilder()
  .setName("settings")
  .setDescription("Your time zone, quiet hours and charts")
  .addSubcommand((sub) => sub.setName("show").setDescription("Your settings"))
  .addSubcommand((sub) =>
    stringOptions(
      sub
        .setName("timezone")
        .setDescription("Your time zone, for quiet hours (Discord shows times in your device's time)"),
      { name: "zone", description: "An IANA name, e.g. Europe/Berlin or America/New_York", required: true },
    ),
  )
  .addSubcommand((sub) =>
    stringOptions(
      sub.setName("quiet").setDescription("Quiet hours: firings wait and arrive as one digest when they end"),
      { name: "hours", description: "From-to on a 24-hour clock, e.g. 22:00-07:00, or off", required: true },
    ),
  )
  .addSubcommand((sub) =>
    stringOptions(
      sub.setName("charts").setDescription("Whether a triggered alert's DM shows its price chart"),
      {
        name: "state",
        description: "on or off",
        required: true,
        choices: ["on", "off"],
      },
    ),
  )
  .addSubcommand((sub) =>
    sub
      .setName("alert-role")
      .setDescription("The role whose members may set alerts in this server's channels (needs Manage Server)")
      .addRoleOption((o) => o.setName("role").setDescription("The role; leave out to clear it")),
  );

const exportCommand = new SlashCommandBuilder()
  .setName("export")
  .setDescription("Your alerts and watchlist as a file, to keep or to /import elsewhere")
  .addStringOption((o) =>
    o
      .setName("format")
      .setDescription("CSV (a spreadsheet opens it; the default) or JSON")
      .addChoices(...choices("csv", "json")),
  );

const importCommand = new SlashCommandBuilder()
  .setName("import")
  .setDescription("Set the alerts and watchlist of a file from /export (CSV or JSON, up to 1 MB)")
  .addAttachmentOption((o) =>
    o.setName("file").setDescription("The CSV or JSON file /export made").setRequired(true),
  );

const WEBHOOK_NUMBER: StringOptionSpec = {
  name: "webhook",
  description: "Its number in /webhook list",
  required: true,
};

const webhook = new SlashCommandBuilder()
  .setName("webhook")
  .setDescription("Also POST every firing of your alerts, signed, to a URL of yours")
  .addSubcommand((sub) =>
    sub
      .setName("add")
      .setDescription("Add a webhook; its signing secret is shown once")
      .addStringOption((o) =>
        o
          .setName("url")
          .setDescription("The https:// address to POST to")
          .setRequired(true)
          .setMaxLength(MAX_WEBHOOK_URL_LENGTH),
      ),
  )
  .addSubcommand((sub) => sub.setName("list").setDescription("Your webhooks and how they are doing"))
  .addSubcommand((sub) =>
    stringOptions(sub.setName("remove").setDescription("Remove a webhook"), WEBHOOK_NUMBER),
  )
  .addSubcommand((sub) =>
    stringOptions(
      sub
        .setName("test")
        .setDescription("Send a signed test delivery now (turns a webhook that was turned off on again)"),
      WEBHOOK_NUMBER,
    ),
  );

const help = new SlashCommandBuilder()
  .setName("help")
  .setDescription("How to use Tickerbell")
  .addStringOption((o) =>
    o
      .setName("topic")
      .setDescription("A command")
      .addChoices(...choices("alert", "watchlist", "price", "link", "import", "webhook")),
  );

/** Exactly what `register` sends to Discord. */
export const SLASH_COMMANDS: RESTPostAPIChatInputApplicationCommandsJSONBody[] = [
  alert,
  watchlist,
  price,
  chart,
  link,
  settings,
  exportCommand,
  importCommand,
  webhook,
  help,
].map((builder) => builder.toJSON());

/** The option names each command (or subcommand) declares, keyed "alert price", "price". */
const DECLARED_OPTIONS: ReadonlyMap<string, ReadonlySet<string>> = new Map(
  SLASH_COMMANDS.flatMap((command) => {
    const options = command.options ?? [];
    const subcommands = options.filter((o) => o.type === 1);
    if (subcommands.length === 0) return [[command.name, new Set(options.map((o) => o.name))]];
    return subcommands.map((sub) => [
      `${command.name} ${sub.name}`,
      new Set(("options" in sub ? (sub.options ?? []) : []).map((o) => o.name)),
    ]);
  }),
);

function text(value: OptionValue | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}

/** A boolean option: left out means unchanged. */
function flag(value: OptionValue | undefined): boolean | undefined {
  return typeof value === "boolean" ? value : undefined;
}

/** Turns a slash-command invocation into a core command, or a refusal with a message. */
export function requestFromSlash(invocation: SlashInvocation, now: Date): SlashRequest {
  const { command, subcommand, options } = invocation;
  const path = subcommand === null ? command : `${command} ${subcommand}`;
  const declared = DECLARED_OPTIONS.get(path);
  if (declared === undefined) {
    return refused(`I don't know the command "/${path.slice(0, 40)}".`, "/help");
  }
  const unknown = Object.keys(options).find((name) => !declared.has(name));
  if (unknown !== undefined) {
    return refused(`I don't understand "${unknown.slice(0, 40)}". Pick from the command's options.`, "/help");
  }
  // A role is pinged by a channel post; a DM has no one to ping.
  if (options.mention !== undefined && options.channel === undefined) {
    return refused(
      "mention needs channel: a role is pinged when the alert is posted in a server channel, not in your DMs.",
      "/alert AAPL above 200",
    );
  }
  const args = { now };
  const fromResult = (result: ReturnType<typeof parseCommand>): SlashRequest =>
    result.ok ? { kind: "command", command: result.command } : { kind: "refused", error: result.error };
  switch (path) {
    case "alert price":
    case "alert percent":
    case "alert trailing":
      return fromResult(
        alertCommandFromOptions(
          {
            kind: subcommand as "price" | "percent" | "trailing",
            symbol: text(options.ticker),
            direction: text(options.condition),
            value: text(options.value),
            basis: text(options.basis),
            unit: text(options.unit),
            repeat: text(options.repeat),
            expires: text(options.expires),
            note: text(options.note),
            regularHoursOnly: options["regular-hours-only"] === true,
            urgent: options.urgent === true,
          },
          args,
        ),
      );
    case "alert move":
      return fromResult(
        alertCommandFromOptions(
          {
            kind: "window",
            symbol: text(options.ticker),
            direction: text(options.direction),
            value: text(options.percent),
            window: text(options.within),
            repeat: text(options.repeat),
            expires: text(options.expires),
            note: text(options.note),
            regularHoursOnly: options["regular-hours-only"] === true,
            urgent: options.urgent === true,
          },
          args,
        ),
      );
    case "alert new":
      return fromResult(
        alertCommandFromOptions(
          {
            kind: "extreme",
            symbol: text(options.ticker),
            side: text(options.side),
            range: text(options.range),
            repeat: text(options.repeat),
            expires: text(options.expires),
            note: text(options.note),
            regularHoursOnly: options["regular-hours-only"] === true,
            urgent: options.urgent === true,
          },
          args,
        ),
      );
    case "alert volume":
    case "alert average":
    case "alert rsi":
      return fromResult(
        alertCommandFromOptions(
          {
            kind: subcommand as "volume" | "average" | "rsi",
            symbol: text(options.ticker),
            multiple: text(options.multiple),
            average: text(options.average),
            period: text(options.period),
            direction: text(options.direction),
            level: text(options.level),
            interval: text(options.interval),
            repeat: text(options.repeat),
            expires: text(options.expires),
            note: text(options.note),
            regularHoursOnly: options["regular-hours-only"] === true,
            urgent: options.urgent === true,
          },
          args,
        ),
      );
    case "alert earnings":
      return fromResult(
        alertCommandFromOptions(
          {
            kind: "earnings",
            symbol: text(options.ticker),
            expires: text(options.expires),
            note: text(options.note),
            urgent: options.urgent === true,
          },
          args,
        ),
      );
    case "alert list":
      return fromResult(commandFromArguments("alerts", text(options.ticker), args));
    case "alert history":
      return fromResult(commandFromArguments("history", text(options.ticker), args));
    case "alert remove":
      return fromResult(commandFromArguments("delete", text(options.alert) ?? "", args));
    case "alert pause":
    case "alert resume":
      return fromResult(
        commandFromArguments(subcommand as "pause" | "resume", text(options.alert) ?? "", args),
      );
    case "alert edit":
      return fromResult(
        editCommandFromOptions(
          {
            alert: text(options.alert),
            level: text(options.level),
            note: text(options.note),
            repeat: text(options.repeat),
            expires: text(options.expires),
            regularHoursOnly: flag(options["regular-hours-only"]),
            urgent: flag(options.urgent),
          },
          args,
        ),
      );
    case "watchlist show":
      return { kind: "command", command: { name: "watchlist" } };
    case "watchlist add":
      return fromResult(commandFromArguments("watch", text(options.tickers) ?? "", args));
    case "watchlist remove":
      return fromResult(commandFromArguments("unwatch", text(options.ticker) ?? "", args));
    case "price":
      return fromResult(commandFromArguments("price", text(options.ticker) ?? "", args));
    case "chart":
      return fromResult(
        commandFromArguments(
          "chart",
          `${text(options.ticker) ?? ""} ${text(options.window) ?? ""}`.trim(),
          args,
        ),
      );
    case "link":
      return fromResult(commandFromArguments("link", text(options.code), args));
    case "settings show":
      return { kind: "command", command: { name: "settings", change: null } };
    case "settings timezone":
      return fromResult(commandFromArguments("settings", `tz ${text(options.zone) ?? ""}`, args));
    case "settings quiet":
      return fromResult(commandFromArguments("settings", `quiet ${text(options.hours) ?? ""}`, args));
    case "settings charts":
      return fromResult(commandFromArguments("settings", `charts ${text(options.state) ?? ""}`, args));
    case "settings alert-role":
      return { kind: "alert-role", roleId: text(options.role) ?? null };
    case "export":
      return fromResult(commandFromArguments("export", text(options.format) ?? "", args));
    case "import":
      // The file itself is read by the adapter (DiscordBot), from the attachment Discord resolved.
      return { kind: "command", command: { name: "import", path: null } };
    case "webhook add":
      return fromResult(commandFromArguments("webhook", `add ${text(options.url) ?? ""}`, args));
    case "webhook list":
      return { kind: "command", command: { name: "webhook", action: "list" } };
    case "webhook remove":
    case "webhook test":
      return fromResult(
        commandFromArguments("webhook", `${subcommand} ${text(options.webhook) ?? ""}`, args),
      );
    case "help":
      return { kind: "help", topic: text(options.topic) ?? null };
    default:
      return refused(`I don't know the command "/${path.slice(0, 40)}".`, "/help");
  }
}

function refused(message: string, example: string): SlashRequest {
  return { kind: "refused", error: { message, example } };
}

/**
 * The core grammar's examples are typed commands (`/alert AAPL above 200`); on Discord they are shown as the
 * slash command that does the same (`/alert price ticker:AAPL condition:above value:200`).
 */
export function slashExample(typed: string): string {
  const parsed = parseCommand(typed, { now: new Date() });
  if (!parsed.ok) return typed;
  const command = parsed.command;
  switch (command.name) {
    case "alert": {
      const c = command.condition;
      const sub = c.kind === "window" ? "move" : c.kind === "extreme" ? "new" : c.kind;
      const parts = [`/alert ${sub}`, `ticker:${command.symbol}`];
      if (c.kind === "extreme")
        parts.push(`side:${c.side}`, `range:${c.span === "session" ? "today" : "52w"}`);
      if (c.kind === "window") {
        parts.push(
          `percent:${c.percent}`,
          `within:${formatDuration(c.windowSeconds)}`,
          `direction:${c.direction === "move" ? "either" : c.direction}`,
        );
      }
      if (c.kind === "volume") parts.push(`multiple:${c.multiple}`);
      if (c.kind === "average")
        parts.push(
          `average:${c.average}`,
          `period:${c.period}`,
          `direction:${c.direction === "cross" ? "crosses" : c.direction}`,
        );
      if (c.kind === "rsi") {
        parts.push(
          `direction:${c.direction}`,
          `level:${c.level}`,
          `interval:${c.interval === "1h" ? "hourly" : "daily"}`,
        );
        if (c.period !== DEFAULT_RSI_PERIOD) parts.push(`period:${c.period}`);
      }
      if (c.kind === "price") parts.push(`condition:${c.direction}`, `value:${c.target}`);
      if (c.kind === "percent") {
        parts.push(`condition:${c.direction}`, `value:${c.percent}`);
        if (c.basis === "close") parts.push("basis:close");
      }
      if (c.kind === "trailing") {
        parts.push(`condition:${c.direction}`, `value:${c.offset.value}`, `unit:${c.offset.unit}`);
      }
      // `/alert earnings ticker:AAPL`: the kind is the subcommand, it has no condition or value.
      const repeat = /\brepeat (\S+)/.exec(typed)?.[1];
      if (repeat) parts.push(`repeat:${repeat}`);
      const expires = /\bexpires (\S+)/.exec(typed)?.[1];
      if (expires) parts.push(`expires:${expires}`);
      if (command.note) parts.push(`note:${command.note}`);
      if (command.regularHoursOnly) parts.push("regular-hours-only:True");
      if (command.urgent === true) parts.push("urgent:True");
      return parts.join(" ");
    }
    case "alerts":
      return command.symbol ? `/alert list ticker:${command.symbol}` : "/alert list";
    case "delete":
    case "pause":
    case "resume": {
      const ref = command.ref.by === "position" ? String(command.ref.position) : command.ref.id;
      return `/alert ${command.name === "delete" ? "remove" : command.name} alert:${ref}`;
    }
    case "watch":
      return `/watchlist add tickers:${command.symbols.join(" ")}`;
    case "unwatch":
      return `/watchlist remove ticker:${command.symbols[0] ?? "AAPL"}`;
    case "watchlist":
      return "/watchlist show";
    case "price":
      return `/price ticker:${command.symbols[0] ?? "AAPL"}`;
    case "chart":
      return `/chart ticker:${command.symbol} window:${command.window}`;
    case "link":
      return command.code ? `/link code:${command.code}` : "/link";
    case "alert-levels":
      return "/alert price";
    case "history":
      return command.symbol ? `/alert history ticker:${command.symbol}` : "/alert history";
    case "edit": {
      const ref = command.ref.by === "position" ? String(command.ref.position) : command.ref.id;
      const level = /^\/edit \S+ (.+?)(?: repeat .*)?$/.exec(typed)?.[1];
      return level ? `/alert edit alert:${ref} level:${level}` : `/alert edit alert:${ref}`;
    }
    case "bulk": {
      const sub = command.verb === "delete" ? "remove" : command.verb;
      return `/alert ${sub} alert:${command.symbol ?? "all"}`;
    }
    case "snooze":
    case "rearm":
      // Discord offers these as the Snooze and Re-arm buttons under a notification and a list.
      return "/alert list";
    case "settings": {
      const change = command.change;
      if (change === null) return "/settings show";
      if ("timeZone" in change) return `/settings timezone zone:${change.timeZone ?? "UTC"}`;
      if ("charts" in change) return `/settings charts state:${change.charts ? "on" : "off"}`;
      return `/settings quiet hours:${change.quietHours ? `${change.quietHours.start}-${change.quietHours.end}` : "off"}`;
    }
    case "export":
      return `/export format:${command.format}`;
    case "import":
      return "/import";
    case "webhook": {
      if (command.action === "add") return `/webhook add url:${command.url}`;
      if (command.action === "list") return "/webhook list";
      const ref = command.ref.by === "position" ? String(command.ref.position) : command.ref.id;
      return `/webhook ${command.action} webhook:${ref}`;
    }
    case "start":
    case "help":
      return "/help";
  }
}

/** The windows `/alert move` offers first. */
const USUAL_WINDOWS: ReadonlyArray<{ name: string; value: string }> = [
  { name: "5 minutes", value: "5m" },
  { name: "15 minutes", value: "15m" },
  { name: "30 minutes", value: "30m" },
  { name: "1 hour", value: "1h" },
  { name: "4 hours", value: "4h" },
  { name: "1 day", value: "1d" },
];

/** `90 minutes`, `2 hours`, `1 day`. */
function spelledWindow(seconds: number): string {
  const [size, unit] =
    seconds % 86_400 === 0
      ? [seconds / 86_400, "day"]
      : seconds % 3600 === 0
        ? [seconds / 3600, "hour"]
        : [seconds / 60, "minute"];
  return `${size} ${unit}${size === 1 ? "" : "s"}`;
}

/**
 * `within` of `/alert move` as the user types it: the usual windows that start with what was typed, or the window
 * typed (`90m`, `2 hours`) when it is one the grammar takes; nothing for a window it would refuse.
 */
export function windowChoices(typed: string): Array<{ name: string; value: string }> {
  const query = typed.trim().toLowerCase();
  const usual = USUAL_WINDOWS.filter((w) => w.value.startsWith(query) || w.name.startsWith(query));
  if (usual.length > 0) return usual;
  const read = readWindow(query.replace(/\s+/g, ""));
  if (!read.ok) return [];
  const value = formatDuration(read.value);
  return [USUAL_WINDOWS.find((w) => w.value === value) ?? { name: spelledWindow(read.value), value }];
}

/** The subcommands that set an alert, one per kind. */
const ALERT_KINDS: ReadonlySet<string> = new Set(
  ["price", "percent", "move", "new", "volume", "average", "rsi", "trailing", "earnings"].map(
    (k) => `alert ${k}`,
  ),
);

/** Help written in slash commands, from the declarations themselves. */
export function helpText(topic: string | null): string {
  if (topic === "import") {
    return [
      "**/export** `format:csv` or `format:json` — your open alerts and watchlist as a file",
      "**/import** `file:` — attach a file /export made (or one you wrote): up to 1 MB and 500 lines; the reply says for each line whether it was created, a duplicate of one you have, or refused and why",
      "CSV columns: `type,symbol,condition,repeat,expires,note,rth,urgent,status` — type `alert` or `watch`; condition as in a typed alert (`above 200`, `down 3% from close`, `trail up $5`, `volume 3x`, `crosses sma 50`, `rsi below 30`); repeat a cooldown like `1h` (empty: once); expires a date, date-time or `7d`; rth and urgent `yes` or empty; status `active` or `paused`",
    ].join("\n");
  }
  if (topic === "alert") {
    return [
      "**/alert** — every kind of alert",
      "`/alert price ticker:AAPL condition:above value:200` — above, below, or cross a level",
      "`/alert percent ticker:TSLA condition:down value:3 basis:close` — a move in percent (from the last price, or today's move from the previous close)",
      "`/alert move ticker:AAPL percent:3 within:1h` — a move within a window (5m to 1d): `direction:up` from its low, `down` from its high, either unless you pick",
      "`/alert new ticker:AAPL side:high` — a new high (low) of today, or of the 52 weeks with `range:52 weeks`",
      "`/alert volume ticker:AAPL multiple:3` — today's volume 3× the usual by this time of day (at most once a trading day)",
      "`/alert average ticker:AAPL average:sma period:50 direction:crosses` — price through its 50-day SMA (or EMA, 2 to 200 days)",
      "`/alert rsi ticker:AAPL direction:below level:30 interval:daily` — the RSI(14) below (above) a level; `period:7` for another",
      "`/alert trailing ticker:NVDA condition:down value:8%` — a trailing stop (8% or $5 from the peak)",
      "`/alert earnings ticker:AAPL` — the evening before each earnings release and when results are due",
      "Options on every alert: `repeat:1h` (re-arm after a cooldown), `expires:7d` or `expires:2026-12-31`, `note:text`, `regular-hours-only:True`, `urgent:True` (notifies even in quiet hours)",
      "`/alert list`, `pause`, `resume`, `remove` — pick the alert from the list Discord shows; `alert:all` (or `alert:AAPL`) acts on all of them, and removing several asks first",
      "`/alert edit alert:2 level:above 210` — change an alert in place: `level` (210 keeps the direction), `note` (`-` removes it), `repeat` (`off` to fire once), `expires` (`never`), `regular-hours-only`, `urgent`",
      "`/alert history` — your alerts' last firings, with price and time",
      "In a server: `channel:#alerts` posts the alert there (`mention:@Role` pings a role), and `channel:` on the other subcommands acts on that channel's alerts. Needs Manage Channels there, or the `/settings alert-role` role",
    ].join("\n");
  }
  const lines: string[] = ["**Tickerbell commands**"];
  for (const command of SLASH_COMMANDS) {
    if (topic !== null && command.name !== topic) continue;
    const subcommands = (command.options ?? []).filter((o) => o.type === 1);
    if (subcommands.length === 0) lines.push(`\`/${command.name}\` — ${command.description}`);
    // The kinds of alert share one line: /help topic:alert says each.
    const kinds = subcommands.filter((sub) => ALERT_KINDS.has(`${command.name} ${sub.name}`));
    if (kinds.length > 0)
      lines.push(
        `${kinds.map((sub) => `\`/${command.name} ${sub.name}\``).join(" · ")} — set an alert of that kind (\`/help topic:alert\`)`,
      );
    for (const sub of subcommands)
      if (!kinds.includes(sub)) lines.push(`\`/${command.name} ${sub.name}\` — ${sub.description}`);
  }
  if (topic === null) lines.push("", "`/help topic:alert` for every kind of alert.");
  return lines.join("\n");
}
