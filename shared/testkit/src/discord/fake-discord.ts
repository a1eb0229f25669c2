import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  DiscordErrorCode,
  DiscordHttpError,
  invalidFormBody,
  type Json,
  missingAccess,
  missingPermissions,
  notFound,
  unauthorized,
} from "./errors.ts";
import { FakeGateway, type GatewayStats } from "./gateway.ts";
import {
  type GuildState,
  guildJson,
  type MemberState,
  memberPermissions,
  overwriteJson,
  type RoleState,
  roleJson,
} from "./guilds.ts";
import {
  buildCommandData,
  type DeclaredCommand,
  type DeclaredOption,
  type OptionValues,
  REFERENCE_OPTION_TYPES,
} from "./interaction-data.ts";
import { computePings, type MessagePings, parseAllowedMentions } from "./mentions.ts";
import {
  allows,
  DEFAULT_EVERYONE_PERMISSIONS,
  type Overwrite,
  Permission,
  type PermissionInput,
  toPermissionBits,
} from "./permissions.ts";
import { type BucketLimit, DEFAULT_ROUTE_LIMITS, type RateLimitCause, RateLimiter } from "./rate-limits.ts";
import { nextSnowflake } from "./snowflake.ts";
import { assertValidAutocompleteChoices, assertValidCommands, assertValidMessageBody } from "./validation.ts";
import { ChangeSignal } from "./waiting.ts";

export interface FakeDiscordOptions {
  /** The bot token the fake accepts (REST `Authorization: Bot <token>` and gateway IDENTIFY). */
  token?: string;
  /** The application id; the bot user has the same id, as for every modern Discord application. */
  applicationId?: string;
  botUsername?: string;
  /** HELLO's heartbeat_interval. Discord's is 41250 ms. */
  heartbeatIntervalMs?: number;
  /** How long after INTERACTION_CREATE the initial callback is accepted (Discord: 3 s); later ones get 10062. */
  interactionWindowMs?: number;
  /** The global budget per second for bot-authenticated requests (Discord: 50). */
  globalRequestsPerSecond?: number;
  /** Per-route buckets keyed "METHOD /route/:param"; merged over DEFAULT_ROUTE_LIMITS. */
  routeLimits?: Record<string, BucketLimit>;
}

/** A Discord user as tests name it: an id, or an id with names. */
export type UserRef = string | { id: string; username?: string; globalName?: string };

/** Where an interaction happens: a guild channel when guildId is set, otherwise the user's DM with the bot. */
export interface InteractionPlace {
  guildId?: string;
  channelId?: string;
  locale?: string;
}

/** A message as the fake stores it (current state, after edits). */
export interface DiscordMessageRecord {
  id: string;
  channelId: string;
  authorId: string;
  content: string;
  embeds: Json[];
  components: Json[];
  flags: number;
  nonce?: string | number;
  /** The interaction whose response or follow-up this message is, if any. */
  interactionId?: string;
  /** Files the bot uploaded with the message (multipart `files[n]`), bytes included. */
  attachments: DiscordAttachmentRecord[];
  createdAt: number;
  editedAt: number | null;
  deleted: boolean;
  /** The `allowed_mentions` the message was created with, as sent (null when absent). */
  allowedMentions: Json | null;
  /** Who the message notified when it was created (edits notify nobody, as on Discord). */
  pings: MessagePings;
}

/** A guild as a test creates it. The owner and (unless `botInGuild` is false) the bot become members. */
export interface GuildSpec {
  ownerId: UserRef;
  id?: string;
  name?: string;
  /** The @everyone role's permissions; default DEFAULT_EVERYONE_PERMISSIONS (view, send, embed, attach…). */
  everyonePermissions?: PermissionInput;
  botInGuild?: boolean;
}

export interface RoleSpec {
  id?: string;
  name?: string;
  permissions?: PermissionInput;
  /** Whether anyone may ping it; otherwise only authors with MENTION_EVERYONE can. Default false. */
  mentionable?: boolean;
}

/** A channel overwrite as a test writes it: `id` is a role id (the guild id for @everyone) or a user id. */
export interface OverwriteSpec {
  id: string;
  type: "role" | "member";
  allow?: PermissionInput;
  deny?: PermissionInput;
}

export interface ChannelSpec {
  id?: string;
  name?: string;
  /** Discord's channel type: 0 text (default), 2 voice, 4 category, 5 announcement. */
  type?: number;
  overwrites?: OverwriteSpec[];
}

/** An attachment: what Discord's API shows of it, and its bytes (served at `url`, as the CDN serves them). */
export interface DiscordAttachmentRecord {
  id: string;
  /** As uploaded, less any character but letters, digits, dots, dashes and underscores (as Discord stores it). */
  filename: string;
  /** The name as uploaded, when sanitizing changed it. */
  title?: string;
  size: number;
  url: string;
  contentType: string | undefined;
  data: Buffer;
}

export type InteractionResponseRecord =
  | { kind: "callback"; type: number; data: Json | undefined; at: number }
  | { kind: "followup"; messageId: string; body: Json; at: number }
  | { kind: "edit"; messageId: string; original: boolean; body: Json; at: number }
  | { kind: "delete"; messageId: string; original: boolean; at: number };

/** Interaction callback types (Discord's numbers). */
export const CallbackType = {
  Pong: 1,
  ChannelMessageWithSource: 4,
  DeferredChannelMessageWithSource: 5,
  DeferredUpdateMessage: 6,
  UpdateMessage: 7,
  ApplicationCommandAutocompleteResult: 8,
  Modal: 9,
} as const;

export const MessageFlag = { Ephemeral: 64, Loading: 128 } as const;

export interface CommandRegistration {
  method: string;
  guildId: string | null;
  body: unknown;
  at: number;
}

export interface FakeDiscordStats {
  requests: number;
  /** 429 answers sent, in total and by cause (route bucket, global limit, injected storm). */
  tooManyRequests: number;
  tooManyRequestsByCause: Record<RateLimitCause, number>;
  injectedFailures: number;
  unauthorized: number;
  gateway: GatewayStats;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  route: string;
  status: number;
  at: number;
}

interface StoredMessage extends DiscordMessageRecord {
  webhookId?: string;
}

interface ChannelState {
  id: string;
  type: number;
  recipientId?: string;
  guildId?: string;
  name?: string;
  position?: number;
  overwrites?: Overwrite[];
  deleted?: boolean;
}

interface InteractionState {
  id: string;
  token: string;
  type: number;
  userId: string;
  channelId: string;
  guildId?: string;
  createdAt: number;
  callbackType?: number;
  originalMessageId?: string;
  sourceMessageId?: string;
  /** A deferred response whose @original has not been edited yet. */
  awaitingEdit: boolean;
  followupIds: Set<string>;
  responses: InteractionResponseRecord[];
}

interface StoredCommand extends Json {
  id: string;
  name: string;
}

interface InjectedFailure {
  remaining: number;
  status: number;
  route?: string | RegExp;
  body: Json;
}

interface RequestContext {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Json | unknown[] | undefined;
}

interface Reply {
  status: number;
  body?: unknown;
}

interface Route {
  method: string;
  pattern: string;
  regex: RegExp;
  keys: string[];
  /** Needs `Authorization: Bot <token>`; such routes count against the global limit. */
  auth: boolean;
  handle: (ctx: RequestContext) => Reply | Promise<Reply>;
}

const DEFAULT_TIMEOUT_MS = 5000;
const WEBHOOK_TOKEN_LIFETIME_MS = 15 * 60 * 1000;
// The bot's permissions in every channel: view, send, embed links, read history, use application commands.
const APP_PERMISSIONS = ((1n << 10n) | (1n << 11n) | (1n << 14n) | (1n << 16n) | (1n << 31n)).toString();
/** IDENTIFY intent GUILDS: with it, Discord follows READY with GUILD_CREATE and sends channel and role events. */
const GUILDS_INTENT = 1;
const TEXT_CHANNEL_TYPES = [0, 5];
const CATEGORY_CHANNEL_TYPE = 4;

function asJson(value: unknown): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function userId(ref: UserRef): string {
  return typeof ref === "string" ? ref : ref.id;
}

/**
 * A local Discord: REST (`apiBase` is what the bot uses as DISCORD_API_BASE) and a gateway on the same port, so the
 * real discord.js client runs against it unmodified: `new Client({ intents: [], rest: { api: fake.apiBase } })` and
 * `client.login(fake.token)` are all it takes (the gateway URL comes from GET /gateway/bot; frames are plain JSON
 * text, which @discordjs/ws accepts whatever compression it asked for). Tests drive users through `slashCommand`, `autocomplete` and
 * `pressButton`, and read what the bot did through `interaction(...)`, `dmsTo`, `registeredCommands` and `stats`.
 */
export class FakeDiscord {
  readonly token: string;
  readonly applicationId: string;
  readonly #botUser: Json;
  readonly #options: Required<Pick<FakeDiscordOptions, "heartbeatIntervalMs" | "interactionWindowMs">>;
  readonly #signal = new ChangeSignal();
  readonly #limiter: RateLimiter;
  readonly #gateway: FakeGateway;
  readonly #server: Server;
  readonly #routes: Route[] = [];
  #port = 0;

  readonly #users = new Map<string, Json>();
  readonly #channels = new Map<string, ChannelState>();
  readonly #guilds = new Map<string, GuildState>();
  readonly #dmChannelByUser = new Map<string, string>();
  readonly #closedDms = new Set<string>();
  readonly #messages = new Map<string, StoredMessage>();
  /** Every attachment by id: uploads of the bot and files users attached to commands, served under /attachments. */
  readonly #attachments = new Map<string, DiscordAttachmentRecord>();
  readonly #nonces = new Map<string, string>();
  readonly #interactions = new Map<string, InteractionState>();
  readonly #interactionByToken = new Map<string, InteractionState>();
  readonly #globalCommands: StoredCommand[] = [];
  readonly #guildCommands = new Map<string, StoredCommand[]>();
  readonly #registrations: CommandRegistration[] = [];
  readonly #failures: InjectedFailure[] = [];
  readonly #requestLog: RequestLogEntry[] = [];
  #attachmentDownloads = 0;
  readonly #stats: Omit<FakeDiscordStats, "gateway"> = {
    requests: 0,
    tooManyRequests: 0,
    tooManyRequestsByCause: { route: 0, global: 0, storm: 0 },
    injectedFailures: 0,
    unauthorized: 0,
  };

  private constructor(options: FakeDiscordOptions) {
    this.applicationId = options.applicationId ?? nextSnowflake();
    this.token =
      options.token ??
      `${Buffer.from(this.applicationId).toString("base64url")}.fake.${randomBytes(18).toString("base64url")}`;
    this.#botUser = {
      id: this.applicationId,
      username: options.botUsername ?? "Tickerbell",
      discriminator: "0",
      global_name: null,
      avatar: null,
      bot: true,
      verified: true,
      mfa_enabled: false,
      flags: 0,
    };
    this.#users.set(this.applicationId, this.#botUser);
    this.#options = {
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
      interactionWindowMs: options.interactionWindowMs ?? 3000,
    };
    this.#limiter = new RateLimiter(options.globalRequestsPerSecond ?? 50, {
      ...DEFAULT_ROUTE_LIMITS,
      ...options.routeLimits,
    });
    this.#gateway = new FakeGateway({
      token: this.token,
      heartbeatIntervalMs: this.#options.heartbeatIntervalMs,
      gatewayUrl: () => this.gatewayUrl,
      signal: this.#signal,
      readyData: (sessionId, resumeUrl) => ({
        v: 10,
        user: this.#botUser,
        // Discord lists the bot's guilds as unavailable; discord.js waits for their GUILD_CREATE only with GUILDS.
        guilds: [...this.#guilds.values()]
          .filter((guild) => guild.botPresent)
          .map((guild) => ({ id: guild.id, unavailable: true })),
        session_id: sessionId,
        session_type: "normal",
        resume_gateway_url: resumeUrl,
        shard: [0, 1],
        application: { id: this.applicationId, flags: 0 },
        private_channels: [],
        presences: [],
        relationships: [],
        guild_join_requests: [],
        geo_ordered_rtc_regions: [],
        user_settings: {},
      }),
      afterReady: (intents) => {
        if ((intents & GUILDS_INTENT) === 0) return;
        for (const guild of this.#guilds.values())
          if (guild.botPresent) this.#gateway.dispatch("GUILD_CREATE", this.#guildCreateJson(guild));
      },
    });
    this.#server = createServer((request, response) => {
      this.#onRequest(request, response).catch(() => {
        // The client went away mid-request (aborted upload); there is nobody left to answer.
        if (!response.headersSent) response.destroy();
      });
    });
    this.#server.on("upgrade", (request, socket, head) => {
      if (new URL(request.url ?? "/", "http://fake").pathname === "/gateway")
        this.#gateway.handleUpgrade(request, socket, head);
      else socket.destroy();
    });
    this.#defineRoutes();
  }

  /** Starts the fake on a free port of 127.0.0.1. */
  static async start(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
    const fake = new FakeDiscord(options);
    await new Promise<void>((resolve, reject) => {
      fake.#server.once("error", reject);
      fake.#server.listen(0, "127.0.0.1", () => resolve());
    });
    fake.#port = (fake.#server.address() as AddressInfo).port;
    return fake;
  }

  /** What the bot uses as DISCORD_API_BASE (discord.js: `new Client({ rest: { api: apiBase } })`). */
  get apiBase(): string {
    return `http://127.0.0.1:${this.#port}/api`;
  }

  /** The websocket URL GET /gateway/bot advertises. */
  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.#port}/gateway`;
  }

  async close(): Promise<void> {
    await this.#gateway.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---- gateway control -------------------------------------------------------------------------------------------

  /** Resolves once a bot has identified (or resumed) and its gateway connection is open. */
  whenConnected(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    return this.#signal
      .until(() => (this.#gateway.connected ? true : undefined), timeoutMs, "a gateway connection")
      .then(() => {});
  }

  /** Cuts the gateway connection abruptly (no close frame); the session stays resumable. Returns sockets cut. */
  dropConnection(): number {
    return this.#gateway.dropConnection();
  }

  /** Asks the client to reconnect (op 7); it RESUMEs. */
  requestReconnect(): void {
    this.#gateway.requestReconnect();
  }

  /** Forgets gateway sessions: the next RESUME is refused with INVALID_SESSION and the client identifies again. */
  invalidateSessions(): void {
    this.#gateway.forgetSessions();
  }

  /** Waits until the gateway stats satisfy `predicate` (e.g. `s => s.resumes >= 1`). */
  waitForGateway(
    predicate: (stats: GatewayStats) => boolean,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<GatewayStats> {
    return this.#signal.until(
      () => (predicate(this.#gateway.stats) ? { ...this.#gateway.stats } : undefined),
      timeoutMs,
      "a gateway condition",
    );
  }

  // ---- users acting ----------------------------------------------------------------------------------------------

  /**
   * A user runs a slash command. `path` is the command with its group/subcommand ("alert price"); option types come
   * from the registered declaration (global, then guild) and are checked like Discord's client does.
   */
  slashCommand(
    user: UserRef,
    path: string,
    options: OptionValues = {},
    place: InteractionPlace & { validate?: boolean } = {},
  ): FakeInteraction {
    const validate = place.validate ?? true;
    const guild = place.guildId === undefined ? undefined : this.#guilds.get(place.guildId);
    const data = buildCommandData(path, options, this.#findCommand(path, place.guildId, validate), {
      validate,
      checkReference: (where, declared, id) => this.#checkReference(guild, where, declared, id),
    });
    const resolved: Json = {};
    const attached = attachmentOptionIds(data.options);
    if (attached.length > 0) {
      const attachments: Json = {};
      for (const id of attached) {
        const file = this.#attachments.get(id);
        if (file === undefined) throw new Error(`FakeDiscord: no attached file ${id}; use attachFile first`);
        attachments[id] = attachmentJson(file);
      }
      resolved.attachments = attachments;
    }
    if (guild) Object.assign(resolved, this.#resolveReferences(guild, userId(user), data.options));
    if (Object.keys(resolved).length > 0) data.resolved = resolved;
    return this.#dispatchInteraction(user, 2, data, place);
  }

  /**
   * A user picks a file for a command's attachment option: Discord's client uploads it first, and the command
   * carries its id (pass the returned id as the option's value). The file is served at its `url` like the CDN.
   */
  attachFile(file: { filename: string; data: Buffer; contentType?: string }): string {
    return this.#storeAttachment(file.filename, file.data, file.contentType).id;
  }

  /** Requests for attachment files (GET /attachments/…), for tests that check a file was not fetched. */
  get attachmentDownloads(): number {
    return this.#attachmentDownloads;
  }

  /** A user types in option `focused` of a command; the bot should answer with choices (callback type 8). */
  autocomplete(
    user: UserRef,
    path: string,
    options: OptionValues,
    focused: string,
    place: InteractionPlace & { validate?: boolean } = {},
  ): FakeInteraction {
    const validate = place.validate ?? true;
    const data = buildCommandData(path, options, this.#findCommand(path, place.guildId, validate), {
      focused,
      validate,
    });
    return this.#dispatchInteraction(user, 4, data, place);
  }

  /** A user presses the button `customId` on a message the bot sent (a DM or an interaction response). */
  pressButton(user: UserRef, message: string | { id: string }, customId: string): FakeInteraction {
    const id = typeof message === "string" ? message : message.id;
    const stored = this.#messages.get(id);
    if (!stored || stored.deleted) throw new Error(`FakeDiscord: no message ${id} to press a button on`);
    const button = findComponent(stored.components, customId);
    if (!button) {
      const ids = collectCustomIds(stored.components);
      throw new Error(
        `FakeDiscord: message ${id} has no button "${customId}" (has: ${ids.join(", ") || "none"})`,
      );
    }
    if (button.disabled === true) throw new Error(`FakeDiscord: button "${customId}" is disabled`);
    const channel = this.#channels.get(stored.channelId);
    const place: InteractionPlace = { channelId: stored.channelId };
    if (channel?.guildId) place.guildId = channel.guildId;
    if (channel?.type === 1 && channel.recipientId !== userId(user)) {
      throw new Error(`FakeDiscord: message ${id} is in another user's DM`);
    }
    const data: Json = { custom_id: customId, component_type: button.type ?? 2 };
    return this.#dispatchInteraction(user, 3, data, place, stored);
  }

  /** The handle of an interaction created earlier, by id. */
  interaction(id: string): FakeInteraction {
    if (!this.#interactions.has(id)) throw new Error(`FakeDiscord: unknown interaction ${id}`);
    return new FakeInteraction(this, id);
  }

  /** Everything the bot answered to interaction `id`, in order. */
  interactionResponses(id: string): InteractionResponseRecord[] {
    return [...(this.#interactions.get(id)?.responses ?? [])];
  }

  // ---- what the bot did ------------------------------------------------------------------------------------------

  /**
   * The messages the bot sent to `user`'s DM channel (POST /channels/:id/messages; current state, oldest first,
   * deleted ones left out). Interaction responses in that DM are not included: read them from the interaction.
   */
  dmsTo(user: UserRef): DiscordMessageRecord[] {
    const channelId = this.#dmChannelByUser.get(userId(user));
    return channelId ? this.messagesIn(channelId).filter((m) => m.interactionId === undefined) : [];
  }

  /** Waits until the bot has sent at least `count` DMs to `user`; resolves with all of them. */
  waitForDms(user: UserRef, count = 1, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<DiscordMessageRecord[]> {
    return this.#signal.until(
      () => {
        const dms = this.dmsTo(user);
        return dms.length >= count ? dms : undefined;
      },
      timeoutMs,
      `${count} DM(s) to ${userId(user)}`,
    );
  }

  /** Waits until a DM to `user` matches `predicate` (as it is now: an edit counts); resolves with it. */
  waitForDm(
    user: UserRef,
    predicate: (dm: DiscordMessageRecord) => boolean,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<DiscordMessageRecord> {
    return this.#signal.until(
      () => this.dmsTo(user).find(predicate),
      timeoutMs,
      `a DM to ${userId(user)} as the test expects it`,
    );
  }

  /** Every message in a channel, interaction responses included (current state, oldest first). */
  messagesIn(channelId: string): DiscordMessageRecord[] {
    return [...this.#messages.values()]
      .filter((m) => m.channelId === channelId && !m.deleted)
      .map((m) => snapshot(m));
  }

  message(id: string): DiscordMessageRecord | undefined {
    const stored = this.#messages.get(id);
    return stored ? snapshot(stored) : undefined;
  }

  /** The commands registered globally, or for `guildId`. */
  registeredCommands(guildId?: string): Json[] {
    const list = guildId === undefined ? this.#globalCommands : (this.#guildCommands.get(guildId) ?? []);
    return structuredClone(list);
  }

  /** Every registration request (PUT/POST/PATCH/DELETE) with its raw body, oldest first. */
  commandRegistrations(): CommandRegistration[] {
    return structuredClone(this.#registrations);
  }

  /** Waits until some commands are registered (globally, or for `guildId`). */
  waitForCommands(guildId?: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Json[]> {
    return this.#signal.until(
      () => {
        const list = this.registeredCommands(guildId);
        return list.length > 0 ? list : undefined;
      },
      timeoutMs,
      "command registration",
    );
  }

  stats(): FakeDiscordStats {
    return { ...structuredClone(this.#stats), gateway: { ...this.#gateway.stats } };
  }

  /** The number of 429 answers sent so far. */
  get tooManyRequestsSent(): number {
    return this.#stats.tooManyRequests;
  }

  requestLog(): RequestLogEntry[] {
    return [...this.#requestLog];
  }

  /** The DM channel id between the bot and `user` (created on first use, as POST /users/@me/channels does). */
  dmChannelId(user: UserRef): string {
    return this.#dmChannel(this.#ensureUser(user)).id;
  }

  // ---- guilds, channels, roles, members ----------------------------------------------------------------------

  /**
   * Creates a guild owned by `ownerId`, with its @everyone role (id = guild id). The bot joins it unless `botInGuild`
   * is false; a bot logged in with the GUILDS intent gets its GUILD_CREATE. Returns the guild id.
   */
  createGuild(spec: GuildSpec): string {
    const id = spec.id ?? nextSnowflake();
    if (this.#guilds.has(id) || this.#channels.has(id))
      throw new Error(`FakeDiscord: id ${id} is already taken`);
    const owner = this.#ensureUser(spec.ownerId).id as string;
    const everyone: RoleState = {
      id,
      name: "@everyone",
      permissions: toPermissionBits(
        spec.everyonePermissions ?? DEFAULT_EVERYONE_PERMISSIONS,
        "everyonePermissions",
      ),
      mentionable: false,
      position: 0,
    };
    const guild: GuildState = {
      id,
      name: spec.name ?? `guild ${id.slice(-4)}`,
      ownerId: owner,
      roles: new Map([[id, everyone]]),
      members: new Map([[owner, { userId: owner, roles: [], joinedAt: Date.now() }]]),
      botPresent: false,
    };
    this.#guilds.set(id, guild);
    if (spec.botInGuild ?? true) this.addBotToGuild(id);
    return id;
  }

  /** The bot joins (again) a guild it is not in, with no roles but @everyone; GUILD_CREATE under GUILDS. */
  addBotToGuild(guildId: string): void {
    const guild = this.#guild(guildId);
    if (guild.botPresent) throw new Error(`FakeDiscord: the bot is already in guild ${guildId}`);
    guild.botPresent = true;
    guild.members.set(this.applicationId, { userId: this.applicationId, roles: [], joinedAt: Date.now() });
    this.#guildEvent("GUILD_CREATE", () => this.#guildCreateJson(guild));
  }

  /**
   * The bot is kicked from a guild: from now on its requests to the guild and its channels get 403 / 50001 Missing
   * Access, and a bot with the GUILDS intent gets GUILD_DELETE.
   */
  removeBotFromGuild(guildId: string): void {
    const guild = this.#guild(guildId);
    if (!guild.botPresent) throw new Error(`FakeDiscord: the bot is not in guild ${guildId}`);
    this.#guildEvent("GUILD_DELETE", () => ({ id: guild.id }));
    guild.botPresent = false;
    guild.members.delete(this.applicationId);
    this.#signal.changed();
  }

  /** Creates a role with `permissions` (default none); returns its id. */
  createRole(guildId: string, spec: RoleSpec = {}): string {
    const guild = this.#guild(guildId);
    const id = spec.id ?? nextSnowflake();
    if (guild.roles.has(id)) throw new Error(`FakeDiscord: guild ${guildId} already has role ${id}`);
    const role: RoleState = {
      id,
      name: spec.name ?? `role ${id.slice(-4)}`,
      permissions: toPermissionBits(spec.permissions ?? 0n, `permissions of role ${id}`),
      mentionable: spec.mentionable ?? false,
      position: guild.roles.size,
    };
    guild.roles.set(id, role);
    this.#guildEvent("GUILD_ROLE_CREATE", () => ({ guild_id: guild.id, role: roleJson(role) }));
    return id;
  }

  /** Changes a role's permissions or mentionability mid-test (@everyone is the role whose id is the guild id). */
  updateRole(
    guildId: string,
    roleId: string,
    change: { permissions?: PermissionInput; mentionable?: boolean },
  ): void {
    const role = this.#role(this.#guild(guildId), roleId);
    if (change.permissions !== undefined)
      role.permissions = toPermissionBits(change.permissions, `permissions of role ${roleId}`);
    if (change.mentionable !== undefined) role.mentionable = change.mentionable;
    this.#guildEvent("GUILD_ROLE_UPDATE", () => ({ guild_id: guildId, role: roleJson(role) }));
    this.#signal.changed();
  }

  /** Makes `user` a member of the guild with `roles` (ids of the guild's roles, @everyone implied). */
  addMember(guildId: string, user: UserRef, roles: string[] = []): void {
    const guild = this.#guild(guildId);
    const id = this.#ensureUser(user).id as string;
    if (guild.members.has(id)) throw new Error(`FakeDiscord: ${id} is already a member of guild ${guildId}`);
    guild.members.set(id, { userId: id, roles: this.#checkedRoles(guild, roles), joinedAt: Date.now() });
  }

  /** Replaces a member's roles (the bot's too: pass `fake.applicationId`). */
  setMemberRoles(guildId: string, user: UserRef, roles: string[]): void {
    const guild = this.#guild(guildId);
    this.#member(guild, userId(user)).roles = this.#checkedRoles(guild, roles);
    this.#signal.changed();
  }

  /** Creates a channel (a text channel unless `type` says otherwise); returns its id. */
  createChannel(guildId: string, spec: ChannelSpec = {}): string {
    const guild = this.#guild(guildId);
    const id = spec.id ?? nextSnowflake();
    if (this.#channels.has(id) || this.#guilds.has(id))
      throw new Error(`FakeDiscord: id ${id} is already taken`);
    const type = spec.type ?? 0;
    if (![0, 2, 4, 5].includes(type))
      throw new Error(`FakeDiscord: channel type ${type} is not one the fake models (0, 2, 4 or 5)`);
    const channel: ChannelState = {
      id,
      type,
      guildId: guild.id,
      name: spec.name ?? `channel-${id.slice(-4)}`,
      position: this.#guildChannels(guild).length,
      overwrites: [],
    };
    this.#channels.set(id, channel);
    for (const overwrite of spec.overwrites ?? []) this.#putOverwrite(guild, channel, overwrite);
    this.#guildEvent("CHANNEL_CREATE", () => this.#channelJson(channel));
    return id;
  }

  /** Sets (replaces) the overwrite of one role or member on a channel, mid-test if need be. */
  setOverwrite(channelId: string, overwrite: OverwriteSpec): void {
    const { guild, channel } = this.#guildChannel(channelId);
    this.#putOverwrite(guild, channel, overwrite);
    this.#guildEvent("CHANNEL_UPDATE", () => this.#channelJson(channel));
    this.#signal.changed();
  }

  removeOverwrite(channelId: string, id: string): void {
    const { channel } = this.#guildChannel(channelId);
    channel.overwrites = (channel.overwrites ?? []).filter((o) => o.id !== id);
    this.#guildEvent("CHANNEL_UPDATE", () => this.#channelJson(channel));
    this.#signal.changed();
  }

  /** Deletes a channel: requests to it then get 404 / 10003 Unknown Channel. */
  deleteChannel(channelId: string): void {
    const { channel } = this.#guildChannel(channelId);
    channel.deleted = true;
    this.#guildEvent("CHANNEL_DELETE", () => this.#channelJson(channel));
    this.#signal.changed();
  }

  /** A member's permissions in a guild channel, computed as Discord does (what interactions carry). */
  permissionsIn(channelId: string, user: UserRef): bigint {
    const { guild, channel } = this.#guildChannel(channelId);
    this.#member(guild, userId(user));
    return this.#permissionsIn(guild, channel, userId(user));
  }

  /** Waits until a message in the channel matches `predicate` (as it is now: an edit counts); resolves with it. */
  waitForChannelMessage(
    channelId: string,
    predicate: (message: DiscordMessageRecord) => boolean = () => true,
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<DiscordMessageRecord> {
    return this.#signal.until(
      () => this.messagesIn(channelId).find(predicate),
      timeoutMs,
      `a message in channel ${channelId} as the test expects it`,
    );
  }

  // ---- fault injection -------------------------------------------------------------------------------------------

  /** From now on, sending a message to this user's DM fails with 403 / 50007 (DMs closed or bot blocked). */
  closeDms(user: UserRef): void {
    this.#closedDms.add(userId(user));
  }

  openDms(user: UserRef): void {
    this.#closedDms.delete(userId(user));
  }

  /** For `ms`, every rate-limited request is answered 429 with Retry-After (global scope if `global`). */
  rateLimitStorm(ms: number, options: { global?: boolean } = {}): void {
    this.#limiter.storm(ms, options.global ?? false);
  }

  /** Sets (or with null removes) the bucket of one route, e.g. "POST /channels/:channel_id/messages". */
  setRouteLimit(route: string, limit: BucketLimit | null): void {
    this.#limiter.setRouteLimit(route, limit);
  }

  setGlobalLimit(perSecond: number): void {
    this.#limiter.setGlobalLimit(perSecond);
  }

  /**
   * The next `n` requests (matching `route` — "METHOD /pattern" string or a RegExp on "METHOD /path" — if given) are
   * answered with `status`. discord.js retries 5xx up to 3 times; 4xx reach the caller as DiscordAPIError.
   */
  failNext(
    n: number,
    status: number,
    options: { route?: string | RegExp; code?: number; message?: string } = {},
  ): void {
    const failure: InjectedFailure = {
      remaining: n,
      status,
      body: {
        message: options.message ?? `${status}: injected failure`,
        code: options.code ?? DiscordErrorCode.General,
      },
    };
    if (options.route !== undefined) failure.route = options.route;
    this.#failures.push(failure);
  }

  // ---- internals used by FakeInteraction -------------------------------------------------------------------------

  /** @internal */
  _interactionState(id: string): InteractionState {
    const state = this.#interactions.get(id);
    if (!state) throw new Error(`FakeDiscord: unknown interaction ${id}`);
    return state;
  }

  /** @internal */
  _until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return this.#signal.until(probe, timeoutMs, what);
  }

  /** @internal */
  _message(id: string): StoredMessage | undefined {
    return this.#messages.get(id);
  }

  // ---- interaction dispatch --------------------------------------------------------------------------------------

  /**
   * The registered declaration of the command `path` starts with. Once anything is registered where the user is, an
   * unknown command is an error (Discord's client would not offer it) unless validation is off; with nothing
   * registered the shape is inferred from the values.
   */
  #findCommand(path: string, guildId: string | undefined, validate: boolean): DeclaredCommand | undefined {
    const name = path.trim().split(/\s+/)[0];
    const isChatInput = (command: StoredCommand) =>
      command.name === name && ((command.type as number | undefined) ?? 1) === 1;
    const visible = [
      ...this.#globalCommands,
      ...(guildId !== undefined ? (this.#guildCommands.get(guildId) ?? []) : []),
    ];
    const found = visible.find(isChatInput);
    if (!found && validate && visible.length > 0) {
      const names = visible.map((command) => `/${command.name}`).join(", ");
      throw new Error(
        `FakeDiscord: /${name} is not registered${guildId ? ` in guild ${guildId}` : ""} (registered: ${names})`,
      );
    }
    return found as DeclaredCommand | undefined;
  }

  #dispatchInteraction(
    user: UserRef,
    type: number,
    data: Json,
    place: InteractionPlace,
    source?: StoredMessage,
  ): FakeInteraction {
    const author = this.#ensureUser(user);
    const uid = author.id as string;
    let channel: ChannelState;
    const guild = place.guildId === undefined ? undefined : this.#guilds.get(place.guildId);
    if (guild) {
      channel = this.#interactionChannel(guild, uid, place.channelId);
    } else if (place.guildId !== undefined) {
      const channelId = place.channelId ?? `${place.guildId}0`;
      channel = this.#channels.get(channelId) ?? { id: channelId, type: 0, guildId: place.guildId };
      this.#channels.set(channelId, channel);
    } else if (place.channelId !== undefined) {
      const known = this.#channels.get(place.channelId);
      if (!known) throw new Error(`FakeDiscord: unknown channel ${place.channelId}`);
      channel = known;
    } else {
      channel = this.#dmChannel(author);
    }
    const state: InteractionState = {
      id: nextSnowflake(),
      token: `aW50ZXJhY3Rpb24${randomBytes(48).toString("base64url")}`,
      type,
      userId: uid,
      channelId: channel.id,
      createdAt: Date.now(),
      awaitingEdit: false,
      followupIds: new Set(),
      responses: [],
    };
    if (channel.guildId !== undefined) state.guildId = channel.guildId;
    if (source) state.sourceMessageId = source.id;

    const payload: Json = {
      id: state.id,
      application_id: this.applicationId,
      type,
      data,
      token: state.token,
      version: 1,
      channel_id: channel.id,
      channel: this.#channelJson(channel, uid),
      locale: place.locale ?? "en-US",
      app_permissions: guild
        ? this.#permissionsIn(guild, channel, this.applicationId).toString()
        : APP_PERMISSIONS,
      entitlements: [],
      attachment_size_limit: 10 * 1024 * 1024,
    };
    if (channel.guildId !== undefined) {
      payload.guild_id = channel.guildId;
      payload.guild = { id: channel.guildId, locale: "en-US", features: [] };
      payload.guild_locale = "en-US";
      payload.member = guild
        ? {
            ...this.#memberJson(guild, uid),
            permissions: this.#permissionsIn(guild, channel, uid).toString(),
          }
        : {
            user: author,
            roles: [],
            joined_at: new Date(0).toISOString(),
            deaf: false,
            mute: false,
            flags: 0,
            pending: false,
            nick: null,
            avatar: null,
            permissions: APP_PERMISSIONS,
          };
      payload.context = 0;
      payload.authorizing_integration_owners = { "0": channel.guildId };
    } else {
      payload.user = author;
      payload.context = 1;
      payload.authorizing_integration_owners = { "0": "0" };
    }
    if (source) payload.message = this.#messageJson(source);

    this.#interactions.set(state.id, state);
    this.#interactionByToken.set(state.token, state);
    this.#gateway.dispatch("INTERACTION_CREATE", payload);
    return new FakeInteraction(this, state.id);
  }

  // ---- guild model -----------------------------------------------------------------------------------------------

  #guild(id: string): GuildState {
    const guild = this.#guilds.get(id);
    if (!guild) throw new Error(`FakeDiscord: no guild ${id}; create it with createGuild`);
    return guild;
  }

  #role(guild: GuildState, id: string): RoleState {
    const role = guild.roles.get(id);
    if (!role) throw new Error(`FakeDiscord: guild ${guild.id} has no role ${id}`);
    return role;
  }

  #member(guild: GuildState, id: string): MemberState {
    const member = guild.members.get(id);
    if (!member) throw new Error(`FakeDiscord: ${id} is not a member of guild ${guild.id}; use addMember`);
    return member;
  }

  #checkedRoles(guild: GuildState, roles: string[]): string[] {
    for (const role of roles) {
      this.#role(guild, role);
      if (role === guild.id)
        throw new Error("FakeDiscord: @everyone is implied; do not list it as a member's role");
    }
    return [...new Set(roles)];
  }

  #guildChannel(channelId: string): { guild: GuildState; channel: ChannelState } {
    const channel = this.#channels.get(channelId);
    const guild = channel?.guildId === undefined ? undefined : this.#guilds.get(channel.guildId);
    if (!channel || !guild)
      throw new Error(`FakeDiscord: no channel ${channelId} in a guild made with createGuild`);
    if (channel.deleted) throw new Error(`FakeDiscord: channel ${channelId} was deleted`);
    return { guild, channel };
  }

  #guildChannels(guild: GuildState): ChannelState[] {
    return [...this.#channels.values()].filter((c) => c.guildId === guild.id && !c.deleted);
  }

  #putOverwrite(guild: GuildState, channel: ChannelState, spec: OverwriteSpec): void {
    if (spec.type !== "role" && spec.type !== "member")
      throw new Error(
        `FakeDiscord: an overwrite's type is "role" or "member", not ${JSON.stringify(spec.type)}`,
      );
    if (spec.type === "role") this.#role(guild, spec.id);
    else this.#member(guild, spec.id);
    const overwrite: Overwrite = {
      id: spec.id,
      type: spec.type === "role" ? 0 : 1,
      allow: toPermissionBits(spec.allow ?? 0n, `allow of the overwrite for ${spec.id}`),
      deny: toPermissionBits(spec.deny ?? 0n, `deny of the overwrite for ${spec.id}`),
    };
    channel.overwrites = [...(channel.overwrites ?? []).filter((o) => o.id !== spec.id), overwrite];
  }

  #permissionsIn(guild: GuildState, channel: ChannelState, user: string): bigint {
    return memberPermissions(guild, user, channel.overwrites ?? []);
  }

  /** Sends a guild event to a bot that asked for the GUILDS intent; `data` is built only then. */
  #guildEvent(event: string, data: () => Json): void {
    if (this.#gateway.hasSession && (this.#gateway.intents & GUILDS_INTENT) !== 0)
      this.#gateway.dispatch(event, data());
  }

  /** The channel of an interaction in a test-made guild: Discord's client only sends from one the user can see. */
  #interactionChannel(guild: GuildState, user: string, channelId: string | undefined): ChannelState {
    const id = channelId ?? this.#guildChannels(guild).find((c) => TEXT_CHANNEL_TYPES.includes(c.type))?.id;
    if (id === undefined)
      throw new Error(`FakeDiscord: guild ${guild.id} has no text channel; use createChannel`);
    const channel = this.#channels.get(id);
    if (!channel || channel.guildId !== guild.id)
      throw new Error(`FakeDiscord: guild ${guild.id} has no channel ${id}`);
    if (channel.deleted) throw new Error(`FakeDiscord: channel ${id} was deleted`);
    this.#member(guild, user);
    if (!allows(this.#permissionsIn(guild, channel, user), Permission.ViewChannel))
      throw new Error(`FakeDiscord: ${user} cannot view channel ${id}, so cannot use it`);
    if (!guild.botPresent) throw new Error(`FakeDiscord: the bot is not in guild ${guild.id}`);
    return channel;
  }

  /** A channel, role or mentionable option's id must name something of the guild the command is used in. */
  #checkReference(guild: GuildState | undefined, where: string, declared: DeclaredOption, id: string): void {
    const fail: (why: string) => never = (why) => {
      throw new Error(
        `FakeDiscord: ${where} option "${declared.name}": ${why}; Discord's client would not send this`,
      );
    };
    if (!guild) fail("channel, role and mentionable options need a guild made with createGuild");
    if (declared.type === 7) {
      const channel = this.#channels.get(id);
      if (!channel || channel.guildId !== guild.id || channel.deleted)
        fail(`guild ${guild.id} has no channel ${id}`);
      const types = declared.channel_types ?? [];
      if (types.length > 0 && !types.includes(channel.type))
        fail(`channel ${id} has type ${channel.type}, not one of ${types.join(", ")}`);
    } else if (declared.type === 8) {
      if (!guild.roles.has(id)) fail(`guild ${guild.id} has no role ${id}`);
    } else if (!guild.roles.has(id) && !guild.members.has(id)) {
      fail(`${id} is neither a role nor a member of guild ${guild.id}`);
    }
  }

  /** `data.resolved` for the channel, role and mentionable options: what Discord sends with the ids. */
  #resolveReferences(guild: GuildState, invoker: string, options: unknown): Json {
    const channels: Json = {};
    const roles: Json = {};
    const users: Json = {};
    const members: Json = {};
    for (const { type, value } of referenceOptions(options)) {
      const channel = this.#channels.get(value);
      const role = guild.roles.get(value);
      if (type === 7 && channel?.guildId === guild.id) {
        // Partial channels: id, name, type, and the invoking member's permissions there.
        channels[value] = {
          id: channel.id,
          name: channel.name,
          type: channel.type,
          permissions: this.#permissionsIn(guild, channel, invoker).toString(),
        };
      } else if (role) {
        roles[value] = roleJson(role);
      } else if (type === 9 && guild.members.has(value)) {
        const { user, deaf: _deaf, mute: _mute, ...partial } = this.#memberJson(guild, value);
        users[value] = user;
        members[value] = partial;
      }
    }
    const resolved: Json = {};
    for (const [key, map] of Object.entries({ channels, roles, users, members }))
      if (Object.keys(map).length > 0) resolved[key] = map;
    return resolved;
  }

  #memberJson(guild: GuildState, id: string): Json {
    const member = this.#member(guild, id);
    return {
      user: this.#users.get(id) ?? { id },
      nick: null,
      avatar: null,
      roles: [...member.roles],
      joined_at: new Date(member.joinedAt).toISOString(),
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0,
      pending: false,
      communication_disabled_until: null,
    };
  }

  /** GUILD_CREATE: the guild with its channels and roles, and the bot's own member. */
  #guildCreateJson(guild: GuildState): Json {
    return {
      ...guildJson(guild),
      joined_at: new Date(guild.members.get(this.applicationId)?.joinedAt ?? Date.now()).toISOString(),
      large: false,
      unavailable: false,
      member_count: guild.members.size,
      members: guild.botPresent ? [this.#memberJson(guild, this.applicationId)] : [],
      channels: this.#guildChannels(guild).map((channel) => this.#channelJson(channel)),
      threads: [],
      presences: [],
      voice_states: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }

  /** A guild the bot asks about over REST: unknown is 10004, one it is not in is 50001. */
  #guildForBot(params: Record<string, string>): GuildState {
    const guild = this.#guilds.get(params.guild_id ?? "");
    if (!guild) throw notFound(DiscordErrorCode.UnknownGuild, "Unknown Guild");
    if (!guild.botPresent) throw missingAccess();
    return guild;
  }

  /** Who a new message notifies where it is posted (the author is the bot). */
  #pingsOf(channelId: string, body: Json): MessagePings {
    const content = typeof body.content === "string" ? body.content : "";
    const allowed = parseAllowedMentions(body.allowed_mentions);
    const channel = this.#channels.get(channelId);
    const guild = channel?.guildId === undefined ? undefined : this.#guilds.get(channel.guildId);
    if (!guild || !channel) {
      return computePings(content, allowed, {
        mentionableRoles: new Set(),
        guildRoles: new Set(),
        canMentionEveryone: false,
      });
    }
    const roles = [...guild.roles.values()].filter((role) => role.id !== guild.id);
    return computePings(content, allowed, {
      mentionableRoles: new Set(roles.filter((role) => role.mentionable).map((role) => role.id)),
      guildRoles: new Set(roles.map((role) => role.id)),
      canMentionEveryone: allows(
        this.#permissionsIn(guild, channel, this.applicationId),
        Permission.MentionEveryone,
      ),
    });
  }

  // ---- state helpers ---------------------------------------------------------------------------------------------

  #ensureUser(ref: UserRef): Json {
    const id = userId(ref);
    const existing = this.#users.get(id);
    const username = typeof ref === "string" ? undefined : ref.username;
    const globalName = typeof ref === "string" ? undefined : ref.globalName;
    const user: Json = existing ?? {
      id,
      username: `user${id.slice(-6)}`,
      discriminator: "0",
      global_name: null,
      avatar: null,
      public_flags: 0,
    };
    if (username !== undefined) user.username = username;
    if (globalName !== undefined) user.global_name = globalName;
    this.#users.set(id, user);
    return user;
  }

  #dmChannel(user: Json): ChannelState {
    const uid = user.id as string;
    const existingId = this.#dmChannelByUser.get(uid);
    if (existingId) {
      const existing = this.#channels.get(existingId);
      if (existing) return existing;
    }
    const channel: ChannelState = { id: nextSnowflake(), type: 1, recipientId: uid };
    this.#channels.set(channel.id, channel);
    this.#dmChannelByUser.set(uid, channel.id);
    return channel;
  }

  /**
   * A channel as the API shows it. For an interaction's `channel`, `viewerId` is the invoking user: Discord adds
   * `permissions`, that user's permissions in the channel.
   */
  #channelJson(channel: ChannelState, viewerId?: string): Json {
    const guild = channel.guildId === undefined ? undefined : this.#guilds.get(channel.guildId);
    if (guild) {
      const json: Json = {
        id: channel.id,
        type: channel.type,
        guild_id: guild.id,
        name: channel.name,
        position: channel.position ?? 0,
        parent_id: null,
        flags: 0,
        permission_overwrites: (channel.overwrites ?? []).map(overwriteJson),
      };
      if (TEXT_CHANNEL_TYPES.includes(channel.type)) {
        const last = [...this.#messages.values()].filter((m) => m.channelId === channel.id).at(-1);
        Object.assign(json, {
          topic: null,
          nsfw: false,
          last_message_id: last?.id ?? null,
          rate_limit_per_user: 0,
        });
      }
      if (viewerId !== undefined) json.permissions = this.#permissionsIn(guild, channel, viewerId).toString();
      return json;
    }
    if (channel.type === 1) {
      const recipient = this.#users.get(channel.recipientId ?? "") ?? { id: channel.recipientId };
      const last = [...this.#messages.values()].filter((m) => m.channelId === channel.id).at(-1);
      return {
        id: channel.id,
        type: 1,
        flags: 0,
        last_message_id: last?.id ?? null,
        recipients: [recipient],
      };
    }
    return {
      id: channel.id,
      type: 0,
      guild_id: channel.guildId,
      name: "general",
      position: 0,
      flags: 0,
      nsfw: false,
      permissions: APP_PERMISSIONS,
    };
  }

  /** 20 (CHAT_INPUT_COMMAND) for the original response to a slash command, 0 (DEFAULT) for everything else. */
  #messageType(message: StoredMessage): number {
    if (message.interactionId === undefined || message.webhookId !== undefined) return 0;
    return this.#interactions.get(message.interactionId)?.type === 2 ? 20 : 0;
  }

  #messageJson(message: StoredMessage): Json {
    const json: Json = {
      id: message.id,
      type: this.#messageType(message),
      channel_id: message.channelId,
      author: this.#users.get(message.authorId) ?? this.#botUser,
      content: message.content,
      timestamp: new Date(message.createdAt).toISOString(),
      edited_timestamp: message.editedAt === null ? null : new Date(message.editedAt).toISOString(),
      tts: false,
      mention_everyone: message.pings.everyone,
      mentions: message.pings.users.map((id) => this.#users.get(id) ?? { id }),
      mention_roles: message.pings.roles,
      attachments: message.attachments.map(attachmentJson),
      embeds: message.embeds,
      components: message.components,
      pinned: false,
      flags: message.flags,
    };
    if (message.nonce !== undefined) json.nonce = message.nonce;
    if (message.webhookId !== undefined) json.webhook_id = message.webhookId;
    if (message.interactionId !== undefined) {
      json.application_id = this.applicationId;
      const interaction = this.#interactions.get(message.interactionId);
      if (interaction) {
        json.interaction_metadata = {
          id: interaction.id,
          type: interaction.type,
          user: this.#users.get(interaction.userId),
          authorizing_integration_owners: {},
        };
      }
    }
    const channel = this.#channels.get(message.channelId);
    if (channel?.guildId !== undefined) json.guild_id = channel.guildId;
    return json;
  }

  #createMessage(channelId: string, body: Json, extra: Partial<StoredMessage> = {}): StoredMessage {
    const now = Date.now();
    const message: StoredMessage = {
      id: nextSnowflake(now),
      channelId,
      authorId: this.applicationId,
      content: typeof body.content === "string" ? body.content : "",
      embeds: Array.isArray(body.embeds) ? (body.embeds as Json[]) : [],
      components: Array.isArray(body.components) ? (body.components as Json[]) : [],
      flags: typeof body.flags === "number" ? body.flags : 0,
      attachments: this.#uploadedWith(body),
      createdAt: now,
      editedAt: null,
      deleted: false,
      allowedMentions: body.allowed_mentions === undefined ? null : asJson(body.allowed_mentions),
      pings: this.#pingsOf(channelId, body),
      ...extra,
    };
    if (typeof body.nonce === "string" || typeof body.nonce === "number") message.nonce = body.nonce;
    this.#messages.set(message.id, message);
    this.#signal.changed();
    return message;
  }

  #editMessage(message: StoredMessage, body: Json): void {
    if ("content" in body) message.content = typeof body.content === "string" ? body.content : "";
    if ("embeds" in body) message.embeds = Array.isArray(body.embeds) ? (body.embeds as Json[]) : [];
    if ("components" in body)
      message.components = Array.isArray(body.components) ? (body.components as Json[]) : [];
    // `attachments` lists those to keep (by snowflake) and the new uploads (by their index in `files[n]`).
    if ("attachments" in body || UPLOADS.has(body)) {
      const keep = new Set(
        (Array.isArray(body.attachments) ? (body.attachments as Json[]) : []).map((a) => String(a.id)),
      );
      const kept =
        "attachments" in body ? message.attachments.filter((a) => keep.has(a.id)) : message.attachments;
      message.attachments = [...kept, ...this.#uploadedWith(body)];
    }
    message.flags &= ~MessageFlag.Loading;
    message.editedAt = Date.now();
    this.#signal.changed();
  }

  /** The files uploaded with a request body, stored as attachments. */
  #uploadedWith(body: Json): DiscordAttachmentRecord[] {
    return (UPLOADS.get(body) ?? []).map((file) =>
      this.#storeAttachment(file.filename, file.data, file.contentType),
    );
  }

  #storeAttachment(uploaded: string, data: Buffer, contentType: string | undefined): DiscordAttachmentRecord {
    const id = nextSnowflake(Date.now());
    // Discord keeps a sanitized file name (what an embed's attachment:// must name) and the original as the title.
    const filename = uploaded.replace(/[^A-Za-z0-9._-]/g, "");
    const record: DiscordAttachmentRecord = {
      id,
      filename,
      ...(filename === uploaded ? {} : { title: uploaded }),
      size: data.length,
      url: `${this.apiBase.replace(/\/api$/, "")}/attachments/${id}/${encodeURIComponent(filename)}`,
      contentType,
      data,
    };
    this.#attachments.set(id, record);
    return record;
  }

  /** GET /attachments/:id/:filename: the file's bytes with their length, as the CDN serves them. */
  #serveAttachment(path: string, response: ServerResponse): void {
    this.#attachmentDownloads += 1;
    const id = /^\/attachments\/(\d+)\/[^/]+$/.exec(path)?.[1];
    const file = id === undefined ? undefined : this.#attachments.get(id);
    if (file === undefined) {
      response.writeHead(404, { "Content-Type": "text/plain" }).end("Not Found");
      return;
    }
    response.writeHead(200, {
      "Content-Type": file.contentType ?? "application/octet-stream",
      "Content-Length": String(file.data.length),
    });
    response.end(file.data);
  }

  // ---- HTTP ------------------------------------------------------------------------------------------------------

  #route(method: string, pattern: string, auth: boolean, handle: Route["handle"]): void {
    const keys: string[] = [];
    const source = pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:([a-z_]+)/g, (_, key: string) => {
      keys.push(key);
      return "([^/]+)";
    });
    this.#routes.push({ method, pattern, regex: new RegExp(`^${source}$`), keys, auth, handle });
  }

  async #onRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://fake");
    if (url.pathname.startsWith("/attachments/")) return this.#serveAttachment(url.pathname, response);
    const method = (request.method ?? "GET").toUpperCase();
    const path = url.pathname.replace(/^\/api(\/v\d+)?/, "");
    const raw = await readBody(request);
    this.#stats.requests += 1;
    let routeName = `${method} ?`;
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      this.#requestLog.push({ method, path, route: routeName, status, at: Date.now() });
      const text = body === undefined ? "" : JSON.stringify(body);
      response.writeHead(status, {
        ...headers,
        ...(body === undefined ? {} : { "Content-Type": "application/json" }),
      });
      response.end(text);
      this.#signal.changed();
    };

    if (!url.pathname.startsWith("/api")) return send(404, { message: "404: Not Found", code: 0 });
    let route: Route | undefined;
    let match: RegExpExecArray | null = null;
    for (const candidate of this.#routes) {
      if (candidate.method !== method) continue;
      match = candidate.regex.exec(path);
      if (match) {
        route = candidate;
        break;
      }
    }
    if (!route || !match) return send(404, { message: "404: Not Found", code: 0 });
    routeName = `${method} ${route.pattern}`;

    if (route.auth && request.headers.authorization !== `Bot ${this.token}`) {
      this.#stats.unauthorized += 1;
      const error = unauthorized();
      return send(error.status, error.body);
    }

    const failure = this.#failures.find(
      (f) => f.remaining > 0 && failureMatches(f, routeName, `${method} ${path}`),
    );
    if (failure) {
      failure.remaining -= 1;
      this.#stats.injectedFailures += 1;
      return send(failure.status, failure.body);
    }

    const params: Record<string, string> = {};
    route.keys.forEach((key, i) => {
      params[key] = decodeURIComponent(match[i + 1] ?? "");
    });
    const major =
      params.channel_id ??
      params.guild_id ??
      (params.token ? `${params.application_id}/${params.token}` : (params.interaction_id ?? ""));
    const verdict = this.#limiter.check(routeName, major, route.auth);
    if (verdict.rejection) {
      const { retryAfterSeconds, global, cause } = verdict.rejection;
      this.#stats.tooManyRequests += 1;
      this.#stats.tooManyRequestsByCause[cause] += 1;
      return send(
        429,
        {
          message: "You are being rate limited.",
          retry_after: Number(retryAfterSeconds.toFixed(3)),
          global,
          code: 0,
        },
        { ...verdict.headers, "Retry-After": String(Math.max(1, Math.ceil(retryAfterSeconds))) },
      );
    }

    try {
      const body = await parseBody(raw, request.headers["content-type"]);
      const reply = await route.handle({ params, query: url.searchParams, body });
      send(reply.status, reply.body, verdict.headers);
    } catch (error) {
      if (error instanceof DiscordHttpError)
        return send(error.status, error.body, { ...verdict.headers, ...error.headers });
      send(500, { message: `500: fake Discord failed: ${(error as Error).message}`, code: 0 });
    }
  }

  #defineRoutes(): void {
    const gatewayInfo = () => ({ url: this.gatewayUrl });
    this.#route("GET", "/gateway", false, () => ({ status: 200, body: gatewayInfo() }));
    this.#route("GET", "/gateway/bot", true, () => ({
      status: 200,
      body: {
        ...gatewayInfo(),
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: 1 },
      },
    }));
    this.#route("GET", "/users/@me", true, () => ({ status: 200, body: this.#botUser }));
    this.#route("POST", "/users/@me/channels", true, ({ body }) => {
      const recipient = asJson(body).recipient_id;
      if (typeof recipient !== "string") {
        throw invalidFormBody([
          { path: "recipient_id", code: "BASE_TYPE_REQUIRED", message: "This field is required" },
        ]);
      }
      return { status: 200, body: this.#channelJson(this.#dmChannel(this.#ensureUser(recipient))) };
    });
    this.#route("GET", "/users/:user_id", true, ({ params }) => ({
      status: 200,
      body: this.#ensureUser(params.user_id ?? ""),
    }));
    this.#route("GET", "/applications/@me", true, () => ({ status: 200, body: this.#applicationJson() }));
    this.#route("GET", "/oauth2/applications/@me", true, () => ({
      status: 200,
      body: this.#applicationJson(),
    }));

    this.#route("GET", "/channels/:channel_id", true, ({ params }) => ({
      status: 200,
      body: this.#channelJson(this.#channel(params)),
    }));
    this.#route("GET", "/guilds/:guild_id", true, ({ params }) => ({
      status: 200,
      body: guildJson(this.#guildForBot(params)),
    }));
    this.#route("GET", "/guilds/:guild_id/roles", true, ({ params }) => ({
      status: 200,
      body: [...this.#guildForBot(params).roles.values()].map(roleJson),
    }));
    this.#route("GET", "/guilds/:guild_id/channels", true, ({ params }) => {
      const guild = this.#guildForBot(params);
      return { status: 200, body: this.#guildChannels(guild).map((channel) => this.#channelJson(channel)) };
    });
    this.#route("GET", "/guilds/:guild_id/members/:user_id", true, ({ params }) => {
      const guild = this.#guildForBot(params);
      if (!guild.members.has(params.user_id ?? ""))
        throw notFound(DiscordErrorCode.UnknownMember, "Unknown Member");
      return { status: 200, body: this.#memberJson(guild, params.user_id ?? "") };
    });
    this.#route("POST", "/channels/:channel_id/messages", true, ({ params, body }) =>
      this.#postChannelMessage(params, asJson(body)),
    );
    this.#route("GET", "/channels/:channel_id/messages/:message_id", true, ({ params }) => ({
      status: 200,
      body: this.#messageJson(this.#channelMessage(params)),
    }));
    this.#route("PATCH", "/channels/:channel_id/messages/:message_id", true, ({ params, body }) => {
      const message = this.#channelMessage(params);
      const json = asJson(body);
      assertValidMessageBody(json, false);
      parseAllowedMentions(json.allowed_mentions);
      this.#editMessage(message, json);
      return { status: 200, body: this.#messageJson(message) };
    });
    this.#route("DELETE", "/channels/:channel_id/messages/:message_id", true, ({ params }) => {
      this.#channelMessage(params).deleted = true;
      this.#signal.changed();
      return { status: 204 };
    });

    for (const scope of [
      "/applications/:application_id/commands",
      "/applications/:application_id/guilds/:guild_id/commands",
    ]) {
      this.#route("GET", scope, true, ({ params }) => ({ status: 200, body: this.#commandList(params) }));
      this.#route("PUT", scope, true, ({ params, body }) => this.#putCommands(params, body));
      this.#route("POST", scope, true, ({ params, body }) => this.#postCommand(params, body));
      this.#route("GET", `${scope}/:command_id`, true, ({ params }) => ({
        status: 200,
        body: this.#command(params),
      }));
      this.#route("PATCH", `${scope}/:command_id`, true, ({ params, body }) => {
        const command = this.#command(params);
        this.#record("PATCH", params, body);
        const merged = { ...command, ...asJson(body), id: command.id };
        assertValidCommands([merged]);
        Object.assign(command, merged);
        this.#signal.changed();
        return { status: 200, body: command };
      });
      this.#route("DELETE", `${scope}/:command_id`, true, ({ params }) => {
        const command = this.#command(params);
        this.#record("DELETE", params, undefined);
        const list = this.#commandList(params);
        list.splice(list.indexOf(command), 1);
        this.#signal.changed();
        return { status: 204 };
      });
    }

    this.#route("POST", "/interactions/:interaction_id/:interaction_token/callback", false, (ctx) =>
      this.#callback(ctx),
    );
    this.#route("POST", "/webhooks/:application_id/:token", false, ({ params, query, body }) => {
      const interaction = this.#webhookInteraction(params);
      if (interaction.callbackType === undefined)
        throw notFound(DiscordErrorCode.UnknownWebhook, "Unknown Webhook");
      const json = asJson(body);
      assertValidMessageBody(json, true);
      const message = this.#createMessage(interaction.channelId, json, {
        interactionId: interaction.id,
        webhookId: this.applicationId,
        flags: typeof json.flags === "number" ? json.flags & MessageFlag.Ephemeral : 0,
      });
      interaction.followupIds.add(message.id);
      interaction.responses.push({ kind: "followup", messageId: message.id, body: json, at: Date.now() });
      this.#signal.changed();
      return query.get("wait") === "true"
        ? { status: 200, body: this.#messageJson(message) }
        : { status: 204 };
    });
    this.#route("GET", "/webhooks/:application_id/:token/messages/:message_id", false, ({ params }) => ({
      status: 200,
      body: this.#messageJson(this.#webhookMessage(params).message),
    }));
    this.#route(
      "PATCH",
      "/webhooks/:application_id/:token/messages/:message_id",
      false,
      ({ params, body }) => {
        const { interaction, message, original } = this.#webhookMessage(params);
        const json = asJson(body);
        assertValidMessageBody(json, false);
        this.#editMessage(message, json);
        if (original) interaction.awaitingEdit = false;
        interaction.responses.push({
          kind: "edit",
          messageId: message.id,
          original,
          body: json,
          at: Date.now(),
        });
        this.#signal.changed();
        return { status: 200, body: this.#messageJson(message) };
      },
    );
    this.#route("DELETE", "/webhooks/:application_id/:token/messages/:message_id", false, ({ params }) => {
      const { interaction, message, original } = this.#webhookMessage(params);
      message.deleted = true;
      interaction.responses.push({ kind: "delete", messageId: message.id, original, at: Date.now() });
      this.#signal.changed();
      return { status: 204 };
    });
  }

  #applicationJson(): Json {
    return {
      id: this.applicationId,
      name: this.#botUser.username,
      description: "",
      icon: null,
      bot_public: false,
      bot_require_code_grant: false,
      verify_key: "0".repeat(64),
      flags: 0,
      bot: this.#botUser,
    };
  }

  #channel(params: Record<string, string>): ChannelState {
    const channel = this.#channels.get(params.channel_id ?? "");
    if (!channel || channel.deleted) throw notFound(DiscordErrorCode.UnknownChannel, "Unknown Channel");
    const guild = channel.guildId === undefined ? undefined : this.#guilds.get(channel.guildId);
    // Discord hides a channel the bot cannot see, or of a guild it is not in, behind 50001.
    if (
      guild &&
      (!guild.botPresent ||
        !allows(this.#permissionsIn(guild, channel, this.applicationId), Permission.ViewChannel))
    )
      throw missingAccess();
    return channel;
  }

  /** Refuses a message the bot may not post in a guild channel it can see, as Discord does (50008, 50013). */
  #assertMayPost(channel: ChannelState, body: Json): void {
    const guild = channel.guildId === undefined ? undefined : this.#guilds.get(channel.guildId);
    if (!guild) return;
    if (channel.type === CATEGORY_CHANNEL_TYPE) {
      throw new DiscordHttpError(400, {
        message: "Cannot send messages in a non-text channel",
        code: DiscordErrorCode.CannotSendMessagesInNonTextChannel,
      });
    }
    const permissions = this.#permissionsIn(guild, channel, this.applicationId);
    let needed = Permission.SendMessages;
    if (Array.isArray(body.embeds) && body.embeds.length > 0) needed |= Permission.EmbedLinks;
    if (UPLOADS.has(body)) needed |= Permission.AttachFiles;
    if (!allows(permissions, needed)) throw missingPermissions();
  }

  #channelMessage(params: Record<string, string>): StoredMessage {
    const channel = this.#channel(params);
    const message = this.#messages.get(params.message_id ?? "");
    if (!message || message.deleted || message.channelId !== channel.id)
      throw notFound(DiscordErrorCode.UnknownMessage, "Unknown Message");
    return message;
  }

  #postChannelMessage(params: Record<string, string>, body: Json): Reply {
    const channel = this.#channel(params);
    if (channel.type === 1 && channel.recipientId !== undefined && this.#closedDms.has(channel.recipientId)) {
      throw new DiscordHttpError(403, {
        message: "Cannot send messages to this user",
        code: DiscordErrorCode.CannotSendMessagesToThisUser,
      });
    }
    assertValidMessageBody(body, true);
    this.#assertMayPost(channel, body);
    parseAllowedMentions(body.allowed_mentions);
    const nonce = body.nonce;
    const nonceKey = nonce !== undefined && nonce !== null ? `${channel.id}|${String(nonce)}` : null;
    if (nonceKey && body.enforce_nonce === true) {
      // Discord answers a repeated nonce (same author, same channel, recent) with the message it already created.
      const earlier = this.#messages.get(this.#nonces.get(nonceKey) ?? "");
      if (earlier) return { status: 200, body: this.#messageJson(earlier) };
    }
    // The body itself (not a copy): the files uploaded with it are found by it.
    const message = this.#createMessage(channel.id, body, {
      flags: typeof body.flags === "number" ? body.flags & 4096 : 0,
    });
    if (nonceKey) this.#nonces.set(nonceKey, message.id);
    return { status: 200, body: this.#messageJson(message) };
  }

  // ---- commands --------------------------------------------------------------------------------------------------

  #commandList(params: Record<string, string>): StoredCommand[] {
    if (params.application_id !== this.applicationId)
      throw notFound(DiscordErrorCode.UnknownApplication, "Unknown Application");
    if (params.guild_id === undefined) return this.#globalCommands;
    let list = this.#guildCommands.get(params.guild_id);
    if (!list) {
      list = [];
      this.#guildCommands.set(params.guild_id, list);
    }
    return list;
  }

  #command(params: Record<string, string>): StoredCommand {
    const command = this.#commandList(params).find((c) => c.id === params.command_id);
    if (!command) throw notFound(DiscordErrorCode.UnknownApplicationCommand, "Unknown application command");
    return command;
  }

  #record(method: string, params: Record<string, string>, body: unknown): void {
    this.#registrations.push({
      method,
      guildId: params.guild_id ?? null,
      body: structuredClone(body),
      at: Date.now(),
    });
  }

  #storedCommand(
    params: Record<string, string>,
    raw: unknown,
    previous: StoredCommand | undefined,
  ): StoredCommand {
    const json = asJson(raw);
    const command: StoredCommand = {
      type: 1,
      default_member_permissions: null,
      nsfw: false,
      contexts: null,
      integration_types: [0],
      ...json,
      id: previous?.id ?? nextSnowflake(),
      name: String(json.name),
      application_id: this.applicationId,
      version: nextSnowflake(),
    };
    if (params.guild_id !== undefined) command.guild_id = params.guild_id;
    return command;
  }

  #putCommands(params: Record<string, string>, body: unknown): Reply {
    const list = this.#commandList(params);
    this.#record("PUT", params, body);
    if (!Array.isArray(body))
      throw invalidFormBody([{ path: "_", code: "BASE_TYPE_ARRAY", message: "Must be an array" }]);
    assertValidCommands(body);
    // Like Discord, a bulk overwrite keeps the id of a command that keeps its name and type.
    const next = body.map((raw) => {
      const json = asJson(raw);
      const previous = list.find((c) => c.name === json.name && (c.type ?? 1) === (json.type ?? 1));
      return this.#storedCommand(params, raw, previous);
    });
    list.splice(0, list.length, ...next);
    this.#signal.changed();
    return { status: 200, body: next };
  }

  #postCommand(params: Record<string, string>, body: unknown): Reply {
    const list = this.#commandList(params);
    this.#record("POST", params, body);
    assertValidCommands([body]);
    const json = asJson(body);
    const index = list.findIndex((c) => c.name === json.name && (c.type ?? 1) === (json.type ?? 1));
    const command = this.#storedCommand(params, body, index >= 0 ? list[index] : undefined);
    if (index >= 0) list[index] = command;
    else list.push(command);
    this.#signal.changed();
    return { status: index >= 0 ? 200 : 201, body: command };
  }

  // ---- interaction responses -------------------------------------------------------------------------------------

  #callback({ params, query, body }: RequestContext): Reply {
    const interaction = this.#interactions.get(params.interaction_id ?? "");
    if (!interaction || interaction.token !== params.interaction_token)
      throw notFound(DiscordErrorCode.UnknownInteraction, "Unknown interaction");
    if (Date.now() - interaction.createdAt > this.#options.interactionWindowMs) {
      throw notFound(DiscordErrorCode.UnknownInteraction, "Unknown interaction");
    }
    if (interaction.callbackType !== undefined) {
      throw new DiscordHttpError(400, {
        message: "Interaction has already been acknowledged.",
        code: DiscordErrorCode.InteractionAlreadyAcknowledged,
      });
    }
    const json = asJson(body);
    const type = json.type;
    const data = json.data === undefined ? undefined : asJson(json.data);
    const allowed: Record<number, number[]> = {
      2: [
        CallbackType.ChannelMessageWithSource,
        CallbackType.DeferredChannelMessageWithSource,
        CallbackType.Modal,
      ],
      3: [
        CallbackType.ChannelMessageWithSource,
        CallbackType.DeferredChannelMessageWithSource,
        CallbackType.DeferredUpdateMessage,
        CallbackType.UpdateMessage,
        CallbackType.Modal,
      ],
      4: [CallbackType.ApplicationCommandAutocompleteResult],
    };
    if (typeof type !== "number" || !(allowed[interaction.type] ?? []).includes(type)) {
      throw invalidFormBody([
        {
          path: "type",
          code: "INTERACTION_RESPONSE_TYPE_INVALID",
          message: `Callback type ${String(type)} is not valid for interaction type ${interaction.type}`,
        },
      ]);
    }
    const flags = typeof data?.flags === "number" ? data.flags : 0;
    let message: StoredMessage | undefined;
    switch (type) {
      case CallbackType.ChannelMessageWithSource:
        assertValidMessageBody(data ?? {}, true);
        message = this.#createMessage(interaction.channelId, data ?? {}, {
          interactionId: interaction.id,
          flags: flags & MessageFlag.Ephemeral,
        });
        interaction.originalMessageId = message.id;
        break;
      case CallbackType.DeferredChannelMessageWithSource:
        message = this.#createMessage(
          interaction.channelId,
          {},
          {
            interactionId: interaction.id,
            flags: (flags & MessageFlag.Ephemeral) | MessageFlag.Loading,
          },
        );
        interaction.originalMessageId = message.id;
        interaction.awaitingEdit = true;
        break;
      case CallbackType.DeferredUpdateMessage:
        message = this.#messages.get(interaction.sourceMessageId ?? "");
        if (message) interaction.originalMessageId = message.id;
        interaction.awaitingEdit = true;
        break;
      case CallbackType.UpdateMessage:
        assertValidMessageBody(data ?? {}, false);
        message = this.#messages.get(interaction.sourceMessageId ?? "");
        if (message) {
          this.#editMessage(message, data ?? {});
          interaction.originalMessageId = message.id;
        }
        break;
      case CallbackType.ApplicationCommandAutocompleteResult:
        assertValidAutocompleteChoices(data ?? {});
        break;
      default:
        break;
    }
    interaction.callbackType = type;
    interaction.responses.push({ kind: "callback", type, data, at: Date.now() });
    this.#signal.changed();
    if (query.get("with_response") !== "true") return { status: 204 };
    const resource: Json = { type };
    if (message) resource.message = this.#messageJson(message);
    return {
      status: 200,
      body: {
        interaction: {
          id: interaction.id,
          type: interaction.type,
          response_message_id: message?.id,
          response_message_loading: type === CallbackType.DeferredChannelMessageWithSource,
          response_message_ephemeral: (flags & MessageFlag.Ephemeral) !== 0,
        },
        resource,
      },
    };
  }

  #webhookInteraction(params: Record<string, string>): InteractionState {
    const interaction = this.#interactionByToken.get(params.token ?? "");
    if (params.application_id !== this.applicationId || !interaction)
      throw notFound(DiscordErrorCode.UnknownWebhook, "Unknown Webhook");
    if (Date.now() - interaction.createdAt > WEBHOOK_TOKEN_LIFETIME_MS) {
      throw new DiscordHttpError(401, { message: "Invalid Webhook Token", code: 50027 });
    }
    return interaction;
  }

  #webhookMessage(params: Record<string, string>): {
    interaction: InteractionState;
    message: StoredMessage;
    original: boolean;
  } {
    const interaction = this.#webhookInteraction(params);
    const original = params.message_id === "@original";
    const id = original ? interaction.originalMessageId : params.message_id;
    const allowed = original || interaction.followupIds.has(id ?? "");
    const message = allowed ? this.#messages.get(id ?? "") : undefined;
    if (!message || message.deleted) throw notFound(DiscordErrorCode.UnknownMessage, "Unknown Message");
    return { interaction, message, original };
  }
}

/** A test's handle on one interaction it started: its ids and the bot's answers. */
export class FakeInteraction {
  readonly #fake: FakeDiscord;
  readonly id: string;
  #taken = 0;

  constructor(fake: FakeDiscord, id: string) {
    this.#fake = fake;
    this.id = id;
  }

  get token(): string {
    return this.#fake._interactionState(this.id).token;
  }

  /** Everything the bot answered so far (callback, follow-ups, edits, deletes), in order. */
  get responses(): InteractionResponseRecord[] {
    return this.#fake.interactionResponses(this.id);
  }

  /** The next answer not yet returned by `next()`. */
  async next(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<InteractionResponseRecord> {
    const index = this.#taken;
    const response = await this.#fake._until(
      () => this.responses[index],
      timeoutMs,
      `response #${index + 1} to interaction ${this.id}`,
    );
    this.#taken = index + 1;
    return response;
  }

  /** The initial callback (reply, defer, update or autocomplete result). */
  acknowledged(
    timeoutMs = DEFAULT_TIMEOUT_MS,
  ): Promise<Extract<InteractionResponseRecord, { kind: "callback" }>> {
    return this.#fake._until(
      () =>
        this.responses.find(
          (r): r is Extract<InteractionResponseRecord, { kind: "callback" }> => r.kind === "callback",
        ),
      timeoutMs,
      `the callback to interaction ${this.id}`,
    );
  }

  /**
   * The visible response message once it has content: the reply (type 4), the updated message (type 7), or the
   * original after a deferral (5/6) has been edited.
   */
  reply(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<DiscordMessageRecord> {
    return this.#fake._until(
      () => {
        const state = this.#fake._interactionState(this.id);
        if (state.callbackType === CallbackType.ApplicationCommandAutocompleteResult) {
          throw new Error(`FakeDiscord: interaction ${this.id} is autocomplete; use choices()`);
        }
        if (state.callbackType === undefined || state.awaitingEdit || state.originalMessageId === undefined)
          return undefined;
        const message = this.#fake._message(state.originalMessageId);
        return message ? snapshot(message) : undefined;
      },
      timeoutMs,
      `a reply to interaction ${this.id}`,
    );
  }

  /** The autocomplete choices the bot answered with. */
  async choices(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<{ name: string; value: string | number }[]> {
    const callback = await this.acknowledged(timeoutMs);
    if (callback.type !== CallbackType.ApplicationCommandAutocompleteResult) {
      throw new Error(
        `FakeDiscord: interaction ${this.id} was answered with callback type ${callback.type}, not choices`,
      );
    }
    return (callback.data?.choices ?? []) as { name: string; value: string | number }[];
  }
}

function snapshot(message: StoredMessage): DiscordMessageRecord {
  const { webhookId: _webhookId, ...record } = message;
  const copy = structuredClone(record);
  // structuredClone turns a Buffer into a bare Uint8Array: give the bytes back as a Buffer.
  for (const attachment of copy.attachments) attachment.data = Buffer.from(attachment.data);
  return copy;
}

function findComponent(rows: Json[], customId: string): Json | undefined {
  for (const row of rows) {
    if (row.custom_id === customId) return row;
    const children = Array.isArray(row.components) ? (row.components as Json[]) : [];
    const found = findComponent(children, customId);
    if (found) return found;
  }
  return undefined;
}

function collectCustomIds(rows: Json[]): string[] {
  return rows.flatMap((row) => [
    ...(typeof row.custom_id === "string" ? [row.custom_id] : []),
    ...collectCustomIds(Array.isArray(row.components) ? (row.components as Json[]) : []),
  ]);
}

/** The channel, role and mentionable options of a command (subcommands included), with their values. */
function referenceOptions(options: unknown): { type: number; value: string }[] {
  if (!Array.isArray(options)) return [];
  return (options as Json[]).flatMap((option) =>
    typeof option.type === "number" &&
    REFERENCE_OPTION_TYPES.includes(option.type) &&
    typeof option.value === "string"
      ? [{ type: option.type, value: option.value }]
      : referenceOptions(option.options),
  );
}

function failureMatches(failure: InjectedFailure, routeName: string, concrete: string): boolean {
  if (failure.route === undefined) return true;
  if (typeof failure.route === "string") return failure.route === routeName;
  return failure.route.test(concrete);
}

interface Upload {
  filename: string;
  contentType: string | undefined;
  data: Buffer;
}

/** Files of a multipart body, by the JSON payload they came with. */
const UPLOADS = new WeakMap<object, Upload[]>();

function attachmentJson(file: DiscordAttachmentRecord): Json {
  return {
    id: file.id,
    filename: file.filename,
    ...(file.title === undefined ? {} : { title: file.title }),
    size: file.size,
    url: file.url,
    proxy_url: file.url,
    ...(file.contentType === undefined ? {} : { content_type: file.contentType }),
  };
}

/** The values of attachment options (type 11), subcommands included. */
function attachmentOptionIds(options: unknown): string[] {
  if (!Array.isArray(options)) return [];
  return (options as Json[]).flatMap((option) =>
    option.type === 11 && typeof option.value === "string"
      ? [option.value]
      : attachmentOptionIds(option.options),
  );
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function parseBody(
  raw: Buffer,
  contentType: string | undefined,
): Promise<Json | unknown[] | undefined> {
  if (raw.length === 0) return undefined;
  if (contentType?.startsWith("multipart/form-data")) {
    // discord.js sends files as multipart with the JSON in payload_json; the fake keeps the JSON and file names.
    const form = await new Response(new Uint8Array(raw), {
      headers: { "content-type": contentType },
    }).formData();
    const payload = form.get("payload_json");
    const json = typeof payload === "string" ? asJson(JSON.parse(payload)) : {};
    const uploads: Upload[] = [];
    for (const [key, value] of form.entries()) {
      if (!/^files\[\d+\]$/.test(key) || typeof value === "string") continue;
      uploads.push({
        filename: value.name,
        contentType: value.type || undefined,
        data: Buffer.from(await value.arrayBuffer()),
      });
    }
    if (uploads.length > 0) UPLOADS.set(json, uploads);
    return json;
  }
  try {
    return JSON.parse(raw.toString("utf8")) as Json | unknown[];
  } catch {
    throw new DiscordHttpError(400, {
      message: "The request body contains invalid JSON.",
      code: DiscordErrorCode.InvalidJson,
    });
  }
}
