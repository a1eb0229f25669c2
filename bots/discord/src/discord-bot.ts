import {
  type Actor,
  type AlertsApi,
  APOLOGY,
  type Button,
  type ChatContext,
  type Command,
  type CommandError,
  type CommandHandler,
  type CommunityChat,
  chatLoginErrorOf,
  describeAlert,
  downloadCapped,
  type IncomingFile,
  type PriceLookup,
  type Reply,
} from "@tickerbell/bot-core";
import type { Logger } from "@tickerbell/config";
import type { Alert } from "@tickerbell/contracts";
import {
  ActionRowBuilder,
  ApplicationCommandOptionType,
  type Attachment,
  type AutocompleteInteraction,
  ButtonBuilder,
  type ButtonInteraction,
  ButtonStyle,
  type ChatInputCommandInteraction,
  Client,
  type CommandInteractionOption,
  DiscordAPIError,
  EmbedBuilder,
  Events,
  GuildMember,
  type Interaction,
  MessageFlags,
  PermissionFlagsBits,
  PermissionsBitField,
  RESTJSONErrorCodes,
  type User,
} from "discord.js";
import { helpText, type OptionValue, requestFromSlash, slashExample, windowChoices } from "./commands.ts";

export interface DiscordBotOptions {
  token: string;
  /** DISCORD_API_BASE: Discord's REST root, or a local fake's. */
  apiBase: string;
  handler: CommandHandler;
  /** For autocomplete over the user's own alerts and watchlist, and a server's alert role. */
  alerts: Pick<AlertsApi, "listAlerts" | "watchlist" | "communitySettings" | "updateCommunitySettings">;
  /** For ticker autocomplete. */
  prices: PriceLookup;
  logger: Logger;
  now?: () => Date;
  /** Autocomplete must be answered within Discord's 3 s; a lookup slower than this answers with no choices. */
  autocompleteDeadlineMs?: number;
}

const MAX_CONTENT = 2000;
const MAX_CHOICES = 25;
/** Autocomplete lookups of one user within this window count as one command. */
const AUTOCOMPLETE_WINDOW_MS = 10_000;
const MAX_ROWS = 5;
const MAX_BUTTONS_PER_ROW = 5;

/**
 * The chat side of the Discord bot: answers slash commands, autocomplete and button presses over the gateway.
 * Everything a command does is bots/core's CommandHandler; this class translates Discord's options into core
 * commands and core replies into ephemeral Discord messages.
 */
export class DiscordBot {
  readonly client: Client;
  readonly #options: DiscordBotOptions;
  readonly #now: () => Date;

  constructor(options: DiscordBotOptions) {
    this.#options = options;
    this.#now = options.now ?? (() => new Date());
    // Slash commands, autocomplete and buttons need no gateway intents; DMs are sent over REST.
    this.client = new Client({ intents: [], rest: { api: options.apiBase } });
    this.client.on(Events.InteractionCreate, (interaction) => {
      this.#onInteraction(interaction).catch((error: unknown) => {
        options.logger.error({ err: error, interactionId: interaction.id }, "failed handling an interaction");
      });
    });
    this.client.on(Events.Error, (error) => options.logger.error({ err: error }, "discord client error"));
  }

  /** Logs in and resolves once the gateway session is READY. */
  async start(): Promise<void> {
    const ready = new Promise<void>((resolve) => this.client.once(Events.ClientReady, () => resolve()));
    try {
      await this.client.login(this.#options.token);
    } catch (error) {
      throw this.#loginError(error);
    }
    await ready;
    this.#options.logger.info({ user: this.client.user?.tag }, "discord bot connected");
  }

  async stop(): Promise<void> {
    await this.client.destroy();
  }

  /** A refused token or an unreachable API as a ChatLoginError; anything else as it was. */
  #loginError(error: unknown): unknown {
    return chatLoginErrorOf(error, "discord", {
      // discord.js turns the 401 on GET /gateway/bot into its TokenInvalid error.
      refused: (error as { code?: unknown }).code === "TokenInvalid",
      refusedMessage:
        "Discord refused DISCORD_TOKEN (401 Unauthorized): copy the bot token again from the Discord Developer Portal (your application → Bot → Reset Token)",
      unreachableMessage: (code) =>
        `could not reach Discord at ${this.#options.apiBase} (${code}): check the network, or DISCORD_API_BASE if set`,
    });
  }

  isReady(): boolean {
    return this.client.isReady();
  }

  async #onInteraction(interaction: Interaction): Promise<void> {
    if (interaction.isAutocomplete()) return this.#onAutocomplete(interaction);
    if (interaction.isChatInputCommand()) return this.#onSlashCommand(interaction);
    if (interaction.isButton()) return this.#onButton(interaction);
  }

  #chatOf(user: User): ChatContext {
    const name = user.globalName ?? user.username;
    return {
      platform: "discord",
      platformUserId: user.id,
      // Notifications go to the user's DM (opened from the user id), wherever the command was typed.
      chatId: user.id,
      ...(name ? { displayName: name } : {}),
    };
  }

  async #onSlashCommand(interaction: ChatInputCommandInteraction): Promise<void> {
    const options = optionValues(interaction.options.data);
    const request = requestFromSlash(
      {
        command: interaction.commandName,
        subcommand: interaction.options.getSubcommand(false),
        options,
      },
      this.#now(),
    );
    if (request.kind === "help") {
      await interaction.reply({ content: clip(helpText(request.topic)), flags: MessageFlags.Ephemeral });
      return;
    }
    if (request.kind === "refused") {
      await interaction.reply({ content: clip(refusalText(request.error)), flags: MessageFlags.Ephemeral });
      return;
    }
    if (request.kind === "alert-role") return this.#onAlertRole(interaction, request.roleId);
    const channelId = typeof options.channel === "string" ? options.channel : undefined;
    if (channelId !== undefined && !interaction.inGuild()) {
      await interaction.reply({ content: NOT_IN_A_SERVER, flags: MessageFlags.Ephemeral });
      return;
    }
    // Every other path calls the services: acknowledge first so Discord's 3-second window is always met.
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    let chat = this.#chatOf(interaction.user);
    if (channelId !== undefined && interaction.inGuild()) {
      const resolved = interaction.options.getChannel("channel");
      const checked = await this.#communityOf(interaction, {
        guildId: interaction.guildId,
        channelId,
        name: resolved?.name ? `#${resolved.name}` : `<#${channelId}>`,
        // Discord sends the member's permissions in the channel option's channel with it.
        memberPermissions:
          permissionsOf(resolved) ?? (await this.#memberPermissionsIn(interaction, channelId)),
        creating: isCreation(request.command),
        mention: interaction.options.getRole("mention"),
      });
      if (typeof checked === "string") {
        await interaction.editReply({ content: clip(checked), allowedMentions: { parse: [] } });
        return;
      }
      chat = { ...chat, community: checked };
    }
    const attachment = request.command.name === "import" ? interaction.options.getAttachment("file") : null;
    const reply =
      attachment === null
        ? await this.#options.handler.handle(chat, request.command)
        : await this.#options.handler.handleImport(chat, incomingFile(attachment));
    try {
      await interaction.editReply(render(reply, chat.community));
      // A slow part of the reply (a dry run past its budget) is edited in when it comes: a button press
      // answers in a reply of its own, so the message is still this one.
      void reply.amended
        ?.then((amendment) => amendment && interaction.editReply(render(amendment.reply, chat.community)))
        .catch((error: unknown) =>
          this.#options.logger.warn(
            { err: error, interactionId: interaction.id },
            "could not edit a reply with what came after it",
          ),
        );
    } catch (error) {
      // Discord refused the answer (or it could not be built): the user is told, not left with "thinking…".
      this.#options.logger.error(
        { err: error, interactionId: interaction.id, command: request.command.name },
        "could not send a command's reply; sent an apology instead",
      );
      await interaction.editReply({ content: APOLOGY, embeds: [], components: [], files: [] });
    }
  }

  /** `/settings alert-role`: a server manager names the role whose members may set channel alerts. */
  async #onAlertRole(interaction: ChatInputCommandInteraction, roleId: string | null): Promise<void> {
    if (!interaction.inGuild()) {
      await interaction.reply({ content: NOT_IN_A_SERVER, flags: MessageFlags.Ephemeral });
      return;
    }
    if (!interaction.memberPermissions.has(PermissionFlagsBits.ManageGuild)) {
      await interaction.reply({
        content: "Only someone with **Manage Server** can choose the alert role.",
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    if (roleId === interaction.guildId) {
      await interaction.reply({
        content:
          "Pick a role, not @everyone: Manage Channels already decides who may set alerts in a channel.",
        flags: MessageFlags.Ephemeral,
      });
      return;
    }
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    try {
      await this.#options.alerts.updateCommunitySettings(interaction.guildId, { alertRoleId: roleId });
    } catch (error) {
      this.#options.logger.error(
        { err: error, guildId: interaction.guildId },
        "could not set the alert role",
      );
      await interaction.editReply({ content: APOLOGY });
      return;
    }
    await interaction.editReply({
      content:
        roleId === null
          ? "Alert role cleared: only members with **Manage Channels** in a channel can set and manage its alerts."
          : `Alert role set: members with <@&${roleId}> can set and manage alerts in this server's channels, as can anyone with **Manage Channels** in a channel.`,
      allowedMentions: { parse: [] },
    });
  }

  /**
   * The community chat a command or button acts in once the member may manage alerts there (Manage Channels in
   * that channel, or the server's alert role) and, for a new alert, the bot may post there; otherwise the
   * refusal to show, naming what is missing.
   */
  async #communityOf(
    interaction: GuildInteraction,
    target: {
      guildId: string;
      channelId: string;
      name: string;
      memberPermissions: Readonly<PermissionsBitField> | null;
      creating: boolean;
      mention?: { id: string; mentionable: boolean } | null;
    },
  ): Promise<CommunityChat | string> {
    const { guildId, channelId, name, mention } = target;
    try {
      if (!target.memberPermissions?.has(PermissionFlagsBits.ManageChannels)) {
        const { alertRoleId } = await this.#options.alerts.communitySettings(guildId);
        if (alertRoleId === null || !(await hasRole(interaction, alertRoleId))) {
          const what = target.creating ? "set alerts in" : "manage the alerts of";
          const role = alertRoleId === null ? "" : `, or the <@&${alertRoleId}> role`;
          return `To ${what} ${name} you need **Manage Channels** there${role}.`;
        }
      }
      if (target.creating) {
        if (mention?.id === guildId)
          return "mention: pick a role, not @everyone: a channel alert never pings everyone.";
        const mine =
          channelId === interaction.channelId
            ? interaction.appPermissions
            : await this.#permissionsIn(interaction, channelId, "me");
        const missing = REQUIRED_TO_POST.filter(([bit]) => !mine?.has(bit)).map(([, label]) => label);
        if (missing.length > 0)
          return `I can't post alerts in ${name}: I need ${listOf(missing)} there. Ask a server admin to give me ${missing.length === 1 ? "it" : "them"}, then try again.`;
        // Discord lets only Mention Everyone ping a role that is not mentionable.
        if (mention && !mention.mentionable && !mine?.has(PermissionFlagsBits.MentionEveryone))
          return `I can't ping <@&${mention.id}> in ${name}: the role isn't mentionable and I don't have **Mention Everyone** there. Make the role mentionable (Server Settings → Roles), or leave out mention.`;
      }
    } catch (error) {
      this.#options.logger.warn({ err: error, guildId, channelId }, "could not check channel permissions");
      return `I couldn't check the permissions in ${name} just now; please try again in a moment.`;
    }
    return {
      kind: "channel",
      chatId: channelId,
      communityId: guildId,
      ...(mention ? { mentionRoleId: mention.id } : {}),
      name,
    };
  }

  /** The member's permissions in a channel: sent with the interaction for its own channel, else computed; null when unknown. */
  #memberPermissionsIn(
    interaction: GuildInteraction,
    channelId: string,
  ): Promise<Readonly<PermissionsBitField> | null> {
    if (channelId === interaction.channelId) return Promise.resolve(interaction.memberPermissions);
    return this.#permissionsIn(interaction, channelId).catch((error: unknown) => {
      this.#options.logger.warn(
        { err: error, channelId },
        "could not compute a member's channel permissions",
      );
      return null;
    });
  }

  /**
   * Someone's permissions in a channel other than the interaction's own (`app_permissions` and the member's
   * permissions cover only that one): the guild's roles, the member and the channel's overwrites fetched fresh,
   * computed by discord.js. A channel the bot cannot see gives no permissions at all.
   */
  async #permissionsIn(
    interaction: ChatInputCommandInteraction | ButtonInteraction | AutocompleteInteraction,
    channelId: string,
    who: "me" | "member" = "member",
  ): Promise<Readonly<PermissionsBitField> | null> {
    const guildId = interaction.guildId;
    if (guildId === null) return null;
    try {
      const guild = await this.client.guilds.fetch({ guild: guildId, force: true, withCounts: false });
      const member =
        who === "me"
          ? await guild.members.fetchMe({ force: true })
          : await guild.members.fetch({ user: interaction.user.id, force: true });
      const channel = await this.client.channels.fetch(channelId, { force: true });
      // Only a channel of the server the interaction comes from.
      if (channel === null || !("permissionsFor" in channel) || channel.guildId !== guildId) return null;
      return channel.permissionsFor(member);
    } catch (error) {
      if (error instanceof DiscordAPIError && error.code === RESTJSONErrorCodes.MissingAccess)
        return new PermissionsBitField();
      throw error;
    }
  }

  /**
   * A button under a channel post (a notification posted in a channel) or under a reply about a channel's
   * alerts acts on that channel's alerts, for whoever may manage them there; any other button acts on the
   * presser's own alerts.
   */
  async #onButton(interaction: ButtonInteraction): Promise<void> {
    const { channelId: marked, action } = parseCustomId(interaction.customId);
    const posted =
      interaction.inGuild() && !interaction.message.flags.has(MessageFlags.Ephemeral)
        ? interaction.channelId
        : undefined;
    const channelId = marked ?? posted;
    await interaction.deferReply({ flags: MessageFlags.Ephemeral });
    let chat = this.#chatOf(interaction.user);
    if (channelId !== undefined) {
      if (!interaction.inGuild()) {
        await interaction.editReply({ content: NOT_IN_A_SERVER });
        return;
      }
      const checked = await this.#communityOf(interaction, {
        guildId: interaction.guildId,
        channelId,
        name: `<#${channelId}>`,
        memberPermissions: await this.#memberPermissionsIn(interaction, channelId),
        creating: false,
      });
      if (typeof checked === "string") {
        await interaction.editReply({ content: clip(checked), allowedMentions: { parse: [] } });
        return;
      }
      chat = { ...chat, community: checked };
    }
    const reply = await this.#options.handler.handleAction(chat, action);
    await interaction.editReply(render(reply, chat.community));
  }

  async #onAutocomplete(interaction: AutocompleteInteraction): Promise<void> {
    const focused = interaction.options.getFocused(true);
    const query = String(focused.value).trim();
    const subcommand = interaction.options.getSubcommand(false);
    const lookup =
      focused.name === "within"
        ? Promise.resolve(windowChoices(query))
        : focused.name === "alert"
          ? this.#alertChoicesFor(interaction, subcommand, query)
          : interaction.commandName === "watchlist" && subcommand === "remove"
            ? this.#watchlistChoices(this.#autocompleteActor(interaction.user.id), query)
            : this.#tickerChoices(query);
    const choices = await withDeadline(lookup, this.#options.autocompleteDeadlineMs ?? 2000).catch(
      (error: unknown) => {
        this.#options.logger.warn({ err: error, option: focused.name }, "autocomplete lookup failed");
        return [];
      },
    );
    await interaction.respond(choices ?? []);
  }

  /**
   * Discord asks for choices on every keystroke: the lookups of one user within a few seconds share one command
   * id, so typing into an option costs the user's command allowance about one command, not one per key.
   */
  #autocompleteActor(userId: string): Actor {
    const window = Math.floor(this.#now().getTime() / AUTOCOMPLETE_WINDOW_MS);
    return { platformUserId: userId, commandId: `autocomplete-${window}` };
  }

  async #tickerChoices(query: string): Promise<Choice[]> {
    if (query.length === 0) return [];
    const matches = await this.#options.prices.search(query.replace(/^\$/, ""));
    return matches.slice(0, MAX_CHOICES).map((m) => ({
      name: clipTo(`${m.symbol} — ${m.description}`, 100),
      value: m.symbol.slice(0, 100),
    }));
  }

  /** Removing from the watchlist offers what is on it. */
  async #watchlistChoices(actor: Actor, query: string): Promise<Choice[]> {
    const { items } = await this.#options.alerts.watchlist(actor);
    const needle = query.replace(/^\$/, "").toUpperCase();
    return items
      .filter((item) => item.symbol.includes(needle))
      .slice(0, MAX_CHOICES)
      .map((item) => ({ name: item.symbol, value: item.symbol }));
  }

  /**
   * With `channel` filled in, the channel's alerts, numbered as `/alert list channel:` numbers them, for whoever
   * may manage them there (none for anyone else); otherwise the user's own.
   */
  async #alertChoicesFor(
    interaction: AutocompleteInteraction,
    subcommand: string | null,
    query: string,
  ): Promise<Choice[]> {
    const actor = this.#autocompleteActor(interaction.user.id);
    const channelId = interaction.options.get("channel")?.value;
    if (typeof channelId !== "string") return this.#alertChoices(actor, subcommand, query);
    if (!interaction.inGuild()) return [];
    const checked = await this.#communityOf(interaction, {
      guildId: interaction.guildId,
      channelId,
      name: `<#${channelId}>`,
      memberPermissions: await this.#memberPermissionsIn(interaction, channelId),
      creating: false,
    });
    if (typeof checked === "string") return [];
    return this.#alertChoices({ ...actor, community: { chatId: channelId } }, subcommand, query);
  }

  /** The user's own live alerts (or a channel's), numbered as in /alert list; pause offers active ones, resume paused ones. */
  async #alertChoices(actor: Actor, subcommand: string | null, query: string): Promise<Choice[]> {
    // The open alerts only, oldest first as /alert list numbers them; the finished history is not asked for.
    const alerts = await this.#options.alerts.listAlerts(actor, {
      status: "open",
      ...(actor.community ? { destination: actor.community.chatId } : {}),
    });
    const now = this.#now();
    const wanted = (a: Alert) =>
      subcommand === "pause" ? a.status === "active" : subcommand === "resume" ? a.status === "paused" : true;
    // "2000" should find "$2,000.00": compare without the formatting.
    const plain = (text: string) => text.toLowerCase().replace(/[$,]/g, "");
    const needle = plain(query);
    const matching = alerts
      .map((alert, index) => ({ alert, name: `${index + 1}. ${describeAlert(alert, now)}` }))
      .filter(({ alert, name }) => wanted(alert) && (needle === "" || plain(name).includes(needle)))
      .map(({ alert, name }) => ({ name: clipTo(name, 100), value: alert.id }));
    // Pause, resume and remove also act on all of them at once, or on all of one ticker (removing asks first).
    const candidates = alerts.filter(wanted);
    const bulk: Choice[] = [];
    if (subcommand !== "edit" && candidates.length > 1) {
      if (needle === "" || "all".startsWith(needle))
        bulk.push(allChoice(subcommand, candidates.length, null));
      const ticker = query.trim().replace(/^\$/, "").toUpperCase();
      const ofTicker = candidates.filter((a) => a.symbol === ticker).length;
      if (ofTicker > 1) bulk.push(allChoice(subcommand, ofTicker, ticker));
    }
    return [...bulk, ...matching].slice(0, MAX_CHOICES);
  }
}

interface Choice {
  name: string;
  value: string;
}

/** An interaction in a server: its member, and the member's and the bot's permissions in its channel. */
type GuildInteraction =
  | ChatInputCommandInteraction<"cached" | "raw">
  | ButtonInteraction<"cached" | "raw">
  | AutocompleteInteraction<"cached" | "raw">;

const NOT_IN_A_SERVER =
  "channel, mention and the alert role work in a server: run the command in one of its channels.";

/** What the bot needs in a channel to post an alert there (an embed with buttons). */
const REQUIRED_TO_POST: ReadonlyArray<readonly [bigint, string]> = [
  [PermissionFlagsBits.ViewChannel, "**View Channel**"],
  [PermissionFlagsBits.SendMessages, "**Send Messages**"],
  [PermissionFlagsBits.EmbedLinks, "**Embed Links**"],
];

function listOf(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`;
}

function isCreation(command: Command): boolean {
  return command.name === "alert" || command.name === "alert-levels";
}

/**
 * The invoking member's permissions in a resolved channel option: discord.js gives a cached channel with them as
 * a bitfield, or (its guild not cached, as without the GUILDS intent) Discord's partial channel with a string.
 */
function permissionsOf(channel: unknown): Readonly<PermissionsBitField> | null {
  const permissions = (channel as { permissions?: unknown } | null)?.permissions;
  if (permissions instanceof PermissionsBitField) return permissions;
  if (typeof permissions === "string") return new PermissionsBitField(BigInt(permissions));
  return null;
}

/**
 * Whether the member holds the role. Without a cached guild discord.js gives the member as Discord's raw object
 * (role ids); with one, a GuildMember, whose roles are read through the guild's role cache, so a role created
 * since it was filled is fetched first.
 */
async function hasRole(interaction: GuildInteraction, roleId: string): Promise<boolean> {
  const member = interaction.member;
  if (!(member instanceof GuildMember)) return member.roles.includes(roleId);
  if (member.roles.cache.has(roleId)) return true;
  if (member.guild.roles.cache.has(roleId)) return false;
  await member.guild.roles.fetch(roleId).catch(() => null);
  return member.roles.cache.has(roleId);
}

/** `in:<channelId>:` before a button's action: it acts on that channel's alerts. */
const CHANNEL_MARK = /^in:([0-9]{1,20}):(.*)$/s;

export function parseCustomId(customId: string): { channelId: string | undefined; action: string } {
  const marked = CHANNEL_MARK.exec(customId);
  return marked ? { channelId: marked[1], action: marked[2]! } : { channelId: undefined, action: customId };
}

function allChoice(subcommand: string | null, count: number, ticker: string | null): Choice {
  const verb = subcommand === "remove" ? "Delete" : subcommand === "resume" ? "Resume" : "Pause";
  return ticker === null
    ? { name: `${verb} all ${count} of them`, value: "all" }
    : { name: `${verb} all ${count} ${ticker} alerts`, value: ticker };
}

/** Option values by name, the subcommand's own when there is one. */
function optionValues(data: readonly CommandInteractionOption[]): Record<string, OptionValue> {
  const values: Record<string, OptionValue> = {};
  for (const option of data) {
    if (
      option.type === ApplicationCommandOptionType.Subcommand ||
      option.type === ApplicationCommandOptionType.SubcommandGroup
    ) {
      Object.assign(values, optionValues(option.options ?? []));
    } else if (option.value !== undefined) {
      values[option.name] = option.value;
    }
  }
  return values;
}

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

export function refusalText(error: CommandError): string {
  return `${error.message}\nExample: \`${slashExample(error.example)}\``;
}

/** Core replies name the typed commands; on Discord those are slash commands with options. */
const TYPED_TO_SLASH: Array<[RegExp, string]> = [
  [/\/alerts\b/g, "/alert list"],
  [/\/history\b/g, "/alert history"],
  [/\/watch AAPL MSFT\b/g, "/watchlist add"],
  [/\/alert AAPL above 200\b/g, "/alert price"],
  [/\/help alert\b/g, "/help topic:alert"],
  [/\/help import\b/g, "/help topic:import"],
];

/** Core's light markup (`*bold*`) in Discord markdown (`**bold**`), with slash-command names. */
export function discordText(text: string): string {
  let out = text.replace(/\*([^*\n]+)\*/g, "**$1**");
  for (const [typed, slash] of TYPED_TO_SLASH) out = out.replace(typed, slash);
  return out;
}

function clipTo(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function clip(text: string): string {
  return clipTo(text, MAX_CONTENT);
}

/**
 * A core reply as an ephemeral message: text, and its buttons packed into Discord's five rows of five. A reply's
 * file is attached; a text longer than a message (an import's per-line result) is cut, and attached whole.
 */
export function render(
  reply: Reply,
  community?: CommunityChat,
): {
  content: string;
  components: ActionRowBuilder<ButtonBuilder>[];
  allowedMentions: { parse: [] };
  files?: Array<{ attachment: Buffer; name: string }>;
  embeds?: EmbedBuilder[];
} {
  const text = discordText(reply.text);
  // A reply about a channel's alerts is ephemeral, elsewhere: its buttons carry the channel they act in.
  const rendered = {
    content: clip(text),
    components: buttonRows(reply.buttons ?? [], community?.chatId),
    allowedMentions: { parse: [] as [] },
  };
  // A picture (a /chart) is attached and shown as the image of an embed titled with the reply's text.
  if (reply.image !== undefined) {
    const { name, data } = reply.image;
    return {
      ...rendered,
      content: "",
      embeds: [new EmbedBuilder().setDescription(clipTo(text, 4096)).setImage(`attachment://${name}`)],
      files: [{ attachment: Buffer.from(data), name }],
    };
  }
  if (reply.file !== undefined)
    return { ...rendered, files: [{ attachment: Buffer.from(reply.file.data), name: reply.file.name }] };
  if (text.length > MAX_CONTENT) {
    const cut = text.lastIndexOf("\n", MAX_CONTENT - 60);
    return {
      ...rendered,
      content: `${text.slice(0, cut > 0 ? cut : MAX_CONTENT - 60)}\n… the whole reply is attached.`,
      files: [{ attachment: Buffer.from(reply.text), name: "reply.txt" }],
    };
  }
  return rendered;
}

/**
 * The file a user attached to /import, read only when the handler asks: Discord states its size, checked
 * first, and the download from Discord's CDN stops at the cap.
 */
function incomingFile(attachment: Attachment): IncomingFile {
  return {
    name: attachment.name,
    size: attachment.size,
    read: (maxBytes) => downloadCapped(attachment.url, maxBytes),
  };
}

/** Packs rows of buttons into at most five rows of five, keeping each core row together. */
export function buttonRows(rows: Button[][], channelId?: string): ActionRowBuilder<ButtonBuilder>[] {
  const packed: Button[][] = [];
  for (const row of rows) {
    const last = packed[packed.length - 1];
    if (last && last.length + row.length <= MAX_BUTTONS_PER_ROW) last.push(...row);
    else if (packed.length < MAX_ROWS) packed.push(row.slice(0, MAX_BUTTONS_PER_ROW));
    else break;
  }
  return packed.map((row) =>
    new ActionRowBuilder<ButtonBuilder>().addComponents(
      row.map((button) =>
        new ButtonBuilder()
          .setCustomId(channelId === undefined ? button.action : `in:${channelId}:${button.action}`)
          .setLabel(clipTo(button.label, 80))
          .setStyle(
            button.action.startsWith("delete:") || button.action.startsWith("bulk:delete:")
              ? ButtonStyle.Danger
              : ButtonStyle.Secondary,
          ),
      ),
    ),
  );
}
