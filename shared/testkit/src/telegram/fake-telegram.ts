import { randomBytes } from "node:crypto";
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from "node:http";
import type { AddressInfo } from "node:net";
import { isDeepStrictEqual } from "node:util";
import { BotApiError, badRequest, tooManyRequests } from "./api-error.ts";
import {
  chatMember,
  checkGroupId,
  type FakeMemberOptions,
  isAdministrator,
  isInChat,
} from "./chat-members.ts";
import { formatText } from "./formatting.ts";
import { type RateWindow, SlidingWindowLimiter } from "./rate-limiter.ts";
import {
  isUploadedFile,
  optionalBoolean,
  optionalInteger,
  optionalJson,
  optionalString,
  type Params,
  readParams,
} from "./request.ts";
import type {
  BotCommand,
  BotUser,
  CallbackQuery,
  Chat,
  ChatFullInfo,
  ChatMember,
  ChatMemberStatus,
  File,
  GroupChat,
  InlineKeyboardButton,
  InlineKeyboardMarkup,
  Message,
  MessageEntity,
  PhotoSize,
  PrivateChat,
  Update,
  User,
} from "./types.ts";
import { UpdateQueue } from "./update-queue.ts";

export interface FakeBotConfig {
  /** `<bot id>:<secret>`, the bot id being the number before the colon, as in real tokens. */
  token: string;
  username?: string;
  firstName?: string;
  /**
   * Privacy mode (BotFather's default, true): in groups where it is not an administrator, the bot receives
   * only commands, replies to its messages and service messages, as getMe's `can_read_all_group_messages` says.
   */
  privacyMode?: boolean;
}

export interface FakeTelegramOptions {
  /** Tokens (or bot descriptions) the server accepts; one generated bot when omitted. */
  bots?: ReadonlyArray<string | FakeBotConfig>;
  /**
   * Per bot token. Defaults: 30 messages per 1000 ms overall, 1 message per 1000 ms per chat, and 1,000 per
   * 1000 ms overall for messages sent with `allow_paid_broadcast` (which count against that limit instead), and
   * 20 messages per 60,000 ms per group or supergroup (on top of the per-chat limit).
   */
  rateLimits?: {
    global?: RateWindow;
    perChat?: RateWindow;
    paidBroadcast?: RateWindow;
    perGroup?: RateWindow;
  };
  /** Milliseconds since the epoch; for rate limits, `date` fields and `receivedAt`. */
  now?: () => number;
  host?: string;
}

/** A Telegram user as tests describe one; omitted names are filled in. */
export interface FakeUserInput {
  id: number;
  first_name?: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

/** A member of a fake group: who, with which status (creator, administrator, member, restricted, left, kicked). */
export interface FakeGroupMember extends FakeMemberOptions {
  user: FakeUserInput;
  status: ChatMemberStatus;
}

export interface FakeGroupInput {
  title: string;
  /** "group" (default) or "supergroup". */
  type?: GroupChat["type"];
  /** Generated when omitted: a negative id for a group, -100… for a supergroup. */
  id?: number;
  members: FakeGroupMember[];
  /** The bot's status from the start (default "member"); no update is queued for it, as with `knowUser`. */
  botStatus?: ChatMemberStatus;
  botOptions?: FakeMemberOptions;
  /** Which bot (the first one by default). */
  token?: string;
}

export interface MessageRef {
  chatId: number;
  messageId: number;
}

export interface RecordedPhoto {
  source: "upload" | "url" | "file_id";
  fileId: string;
  /** The uploaded bytes, for `source: "upload"`. */
  data?: Buffer;
  filename?: string;
  contentType?: string;
  url?: string;
}

/** A document the bot sent (`sendDocument`): uploaded bytes, or a file_id it was given before. */
export interface RecordedDocument {
  source: "upload" | "file_id";
  fileId: string;
  data: Buffer;
  filename: string | undefined;
  contentType: string | undefined;
}

/** A document a user sends; `omitFileSize` leaves `file_size` out, which the Bot API allows. */
export interface FakeDocumentInput {
  filename: string;
  data: Buffer;
  mimeType?: string;
  caption?: string;
  /** The message it answers (a reply to the bot's message or to another of the user's). */
  replyTo?: number;
  omitFileSize?: boolean;
}

export type RecordedMethod =
  | "sendMessage"
  | "sendPhoto"
  | "sendDocument"
  | "editMessageText"
  | "editMessageMedia"
  | "editMessageCaption"
  | "editMessageReplyMarkup";

/** One accepted send or edit, as the user would see the message right after it. */
export interface RecordedMessage extends MessageRef {
  method: RecordedMethod;
  botId: number;
  /** Text (or photo caption) as displayed: parse_mode markup removed. */
  text: string | undefined;
  /** Text (or caption) exactly as the bot sent it. */
  rawText: string | undefined;
  parseMode: string | undefined;
  replyMarkup: InlineKeyboardMarkup | undefined;
  photo: RecordedPhoto | undefined;
  document?: RecordedDocument;
  /** Server clock (ms) when the request was accepted. */
  receivedAt: number;
  /** Sent with `allow_paid_broadcast: true` (counted against the paid broadcast limit). */
  paidBroadcast: boolean;
  /** The Message object returned to the bot. */
  message: Message;
}

export interface AnsweredCallback {
  callbackQueryId: string;
  botId: number;
  userId: number;
  data: string;
  text: string | undefined;
  showAlert: boolean;
  url: string | undefined;
  cacheTime: number | undefined;
  answeredAt: number;
}

/** Why a request was refused: real API rules, a 429 limit, or a fault the test injected. */
export type RefusalReason =
  | "api"
  | "rate-limit-global"
  | "rate-limit-paid-broadcast"
  | "rate-limit-chat"
  | "rate-limit-group"
  | "storm"
  | "injected";

export interface RecordedRefusal {
  method: string;
  botId: number;
  chatId: number | undefined;
  errorCode: number;
  description: string;
  retryAfter: number | undefined;
  reason: RefusalReason;
  at: number;
}

/** Where messages are exchanged: a private chat or a group. */
interface Conversation {
  chat: Chat;
  nextMessageId: number;
  messages: Map<number, Message>;
}

/** A bot's private chat with one user. */
interface ChatState extends Conversation {
  chat: PrivateChat;
  user: User;
  blocked: boolean;
}

/** A group or supergroup, shared by every bot in it; a bot is in it through its own member entry. */
interface GroupState extends Conversation {
  chat: GroupChat;
  members: Map<number, ChatMember>;
  /** Set once the group became a supergroup: its old id then only answers with the new one. */
  upgradedTo: number | undefined;
}

type ReachableChat = ChatState | GroupState;

interface BotState {
  token: string;
  user: BotUser;
  updates: UpdateQueue;
  chats: Map<number, ChatState>;
  commands: Map<string, BotCommand[]>;
  callbackQueries: Map<string, { query: CallbackQuery; answered: boolean }>;
  globalLimiter: SlidingWindowLimiter;
  paidBroadcastLimiter: SlidingWindowLimiter;
  chatLimiter: SlidingWindowLimiter;
  groupLimiter: SlidingWindowLimiter;
}

interface InjectedFailure {
  remaining: number;
  status: number;
  description: string;
  methods: ReadonlySet<string> | undefined;
}

interface CallContext {
  bot: BotState;
  method: string;
  params: Params;
  req: IncomingMessage;
  res: ServerResponse;
}

type MethodHandler = (call: CallContext) => unknown;

interface MessageWaiter {
  predicate: (message: RecordedMessage) => boolean;
  /** Called with each new matching message; settles once enough have arrived. */
  resolve: (message: RecordedMessage) => void;
}

const DEFAULT_GLOBAL_WINDOW: RateWindow = { limit: 30, windowMs: 1000 };
const DEFAULT_PER_CHAT_WINDOW: RateWindow = { limit: 1, windowMs: 1000 };
/** Bot API: `allow_paid_broadcast` allows up to 1000 messages per second, for a fee in Telegram Stars. */
const DEFAULT_PAID_BROADCAST_WINDOW: RateWindow = { limit: 1000, windowMs: 1000 };
/** Telegram's FAQ: no more than 20 messages per minute to the same group. */
const DEFAULT_PER_GROUP_WINDOW: RateWindow = { limit: 20, windowMs: 60_000 };
/** The user Telegram shows as the sender of messages sent on behalf of a group (`sender_chat`). */
const GROUP_ANONYMOUS_BOT: User = {
  id: 1087968824,
  is_bot: true,
  first_name: "Group",
  username: "GroupAnonymousBot",
};
const MAX_TEXT_LENGTH = 4096;
const MAX_CAPTION_LENGTH = 1024;
/** Bot API: bots download files of up to 20 MB (getFile refuses larger ones) and upload up to 50 MB. */
const MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;
const QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid";
const KEYBOARD_BUTTON_KINDS = [
  "url",
  "callback_data",
  "web_app",
  "login_url",
  "switch_inline_query",
  "switch_inline_query_current_chat",
  "switch_inline_query_chosen_chat",
  "copy_text",
  "callback_game",
  "pay",
];

/**
 * A Telegram Bot API server for tests: real HTTP on a free port, so an unmodified bot library (telegraf) reaches
 * it through its `apiRoot` option (TELEGRAM_API_ROOT). Tests play the users (`userSends`, `userSendsDocument`,
 * `userPresses`, `blockBot`) and groups (`createGroup`, `userSendsInGroup`, `addBotToGroup`, `removeBotFromGroup`,
 * `migrateToSupergroup`), inspect what the bot sent (`messagesTo`, `waitForMessage`, `answeredCallbacks`, `commands`)
 * and inject faults (`failNext`, `rateLimitStorm`). Rate limits answer 429 with `retry_after` like the real server.
 * README.md beside this file lists the whole test-side API.
 *
 * @example
 * const telegram = await FakeTelegram.start();
 * const bot = new Telegraf(telegram.token, { telegram: { apiRoot: telegram.apiRoot } });
 * void bot.launch(); // settles only when polling stops
 * telegram.userSends({ id: 42, first_name: "Ada" }, "/start");
 * const welcome = await telegram.waitForMessage((m) => m.chatId === 42);
 * bot.stop();
 * await telegram.close();
 */
export class FakeTelegram {
  readonly #bots = new Map<string, BotState>();
  readonly #now: () => number;
  readonly #host: string;
  readonly #server: Server;
  readonly #handlers: ReadonlyMap<string, MethodHandler>;
  readonly #recorded: RecordedMessage[] = [];
  readonly #answered: AnsweredCallback[] = [];
  readonly #refusals: RecordedRefusal[] = [];
  readonly #waiters = new Set<MessageWaiter>();
  readonly #groups = new Map<number, GroupState>();
  #nextGroupNumber = 1;
  readonly #failures: InjectedFailure[] = [];
  /** Methods whose next call waits for its release (holdNext). */
  readonly #holds = new Map<string, Promise<void>>();
  #stormUntil = 0;
  /** A storm armed to start at the next call (its length), or null. */
  #stormArmedMs: number | null = null;
  #nextCallbackQueryId = 1;
  #nextFileId = 1;
  /** Files users sent or the bot uploaded, by file_id: what getFile and the file download serve. */
  readonly #files = new Map<string, { data: Buffer; path: string; uniqueId: string }>();
  #port: number | undefined;
  #fileDownloads = 0;
  /** Bot API calls received, by lower-cased method name (refused ones too). */
  readonly #calls = new Map<string, number>();

  constructor(options: FakeTelegramOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#host = options.host ?? "127.0.0.1";
    const globalWindow = options.rateLimits?.global ?? DEFAULT_GLOBAL_WINDOW;
    const perChatWindow = options.rateLimits?.perChat ?? DEFAULT_PER_CHAT_WINDOW;
    const paidBroadcastWindow = options.rateLimits?.paidBroadcast ?? DEFAULT_PAID_BROADCAST_WINDOW;
    const perGroupWindow = options.rateLimits?.perGroup ?? DEFAULT_PER_GROUP_WINDOW;
    const bots = options.bots ?? [generatedBot()];
    if (bots.length === 0) throw new Error("FakeTelegram needs at least one bot token");
    for (const entry of bots) {
      const config = typeof entry === "string" ? { token: entry } : entry;
      const id = Number(config.token.split(":")[0]);
      if (!Number.isSafeInteger(id) || id <= 0 || !config.token.includes(":")) {
        throw new Error(`Bot token must look like "<bot id>:<secret>", got ${JSON.stringify(config.token)}`);
      }
      this.#bots.set(config.token, {
        token: config.token,
        user: {
          id,
          is_bot: true,
          first_name: config.firstName ?? "Fake Bot",
          username: config.username ?? `fake_${id}_bot`,
          can_join_groups: true,
          can_read_all_group_messages: config.privacyMode === false,
          supports_inline_queries: false,
        },
        updates: new UpdateQueue(),
        chats: new Map(),
        commands: new Map(),
        callbackQueries: new Map(),
        globalLimiter: new SlidingWindowLimiter(globalWindow),
        paidBroadcastLimiter: new SlidingWindowLimiter(paidBroadcastWindow),
        chatLimiter: new SlidingWindowLimiter(perChatWindow),
        groupLimiter: new SlidingWindowLimiter(perGroupWindow),
      });
    }
    this.#handlers = this.#methodHandlers();
    this.#server = createServer((req, res) => {
      void this.#handle(req, res);
    });
  }

  /** Creates a server and starts listening on a free port. */
  static async start(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
    const fake = new FakeTelegram(options);
    await fake.listen();
    return fake;
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(0, this.#host, () => {
        this.#server.off("error", reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  /** Ends pending long polls, drops keep-alive connections and stops listening. */
  async close(): Promise<void> {
    for (const bot of this.#bots.values()) bot.updates.endPoll();
    if (!this.#server.listening) return;
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  /** What to pass as telegraf's `telegram.apiRoot` (TELEGRAM_API_ROOT). */
  get apiRoot(): string {
    if (this.#port === undefined)
      throw new Error("FakeTelegram is not listening: call start() or listen() first");
    return `http://${this.#host}:${this.#port}`;
  }

  /** The first bot's token. */
  get token(): string {
    return this.#defaultBot().token;
  }

  get tokens(): string[] {
    return [...this.#bots.keys()];
  }

  /** What getMe answers for a bot (the first one by default). */
  botUser(token?: string): BotUser {
    return structuredClone(this.#bot(token).user);
  }

  // ---- the test plays the users ----

  /**
   * A user writes to the bot in their private chat. A leading `/command` (and any later one) is marked with a
   * `bot_command` entity as the Telegram clients do; telegraf's `bot.command()` matches on that entity.
   * Writing to the bot unblocks it, as pressing "Restart" does.
   */
  userSends(user: FakeUserInput, text: string, options: { token?: string; replyTo?: number } = {}): Update {
    if (text.length === 0) throw new Error("userSends: Telegram clients cannot send an empty message");
    const bot = this.#bot(options.token);
    const chat = this.#ensureChat(bot, user);
    this.#setBlocked(bot, chat, false);
    const entities = commandEntities(text);
    const message: Message = {
      message_id: chat.nextMessageId++,
      from: structuredClone(chat.user),
      chat: structuredClone(chat.chat),
      date: this.#unixTime(),
      text,
      ...(entities.length > 0 ? { entities } : {}),
      ...this.#userReplyTo(chat, options.replyTo),
    };
    chat.messages.set(message.message_id, message);
    return bot.updates.push({ message: structuredClone(message) });
  }

  /**
   * A user sends a file (a Telegram "document"), with a caption that may carry a command (marked with a
   * `bot_command` caption entity as the clients do), or in answer to an earlier message.
   */
  userSendsDocument(
    user: FakeUserInput,
    document: FakeDocumentInput,
    options: { token?: string } = {},
  ): Update {
    const bot = this.#bot(options.token);
    const chat = this.#ensureChat(bot, user);
    this.#setBlocked(bot, chat, false);
    const fileId = this.#storeFile(document.data, document.filename);
    const caption = document.caption;
    const entities = caption === undefined ? [] : commandEntities(caption);
    const message: Message = {
      message_id: chat.nextMessageId++,
      from: structuredClone(chat.user),
      chat: structuredClone(chat.chat),
      date: this.#unixTime(),
      document: {
        file_id: fileId,
        file_unique_id: this.#files.get(fileId)!.uniqueId,
        file_name: document.filename,
        mime_type: document.mimeType ?? "application/octet-stream",
        ...(document.omitFileSize === true ? {} : { file_size: document.data.length }),
      },
      ...(caption === undefined ? {} : { caption }),
      ...(entities.length > 0 ? { caption_entities: entities } : {}),
      ...this.#userReplyTo(chat, document.replyTo),
    };
    chat.messages.set(message.message_id, message);
    return bot.updates.push({ message: structuredClone(message) });
  }

  /** A user's message answering an earlier one of the chat (`reply_to_message`, as the clients send it). */
  #userReplyTo(chat: Conversation, messageId: number | undefined): Partial<Message> {
    if (messageId === undefined) return {};
    const replied = chat.messages.get(messageId);
    if (replied === undefined)
      throw new Error(`a reply to message ${messageId}, which does not exist in chat ${chat.chat.id}`);
    return { reply_to_message: structuredClone(replied) };
  }

  /** Requests for file downloads (`/file/bot<token>/<path>`), for tests that count what was fetched. */
  get fileDownloads(): number {
    return this.#fileDownloads;
  }

  /**
   * The user has talked to the bot before (the chat exists and the bot may write to it) without queuing any
   * update: for benchmarks that need thousands of reachable users without the bot answering each of them.
   */
  knowUser(user: FakeUserInput, options: { token?: string } = {}): void {
    this.#ensureChat(this.#bot(options.token), user);
  }

  /**
   * A user presses an inline button carrying `callbackData` on a message the bot sent them. Fails the test when
   * the message (in its current, possibly edited, state) has no such button: a real user could not press it.
   */
  userPresses(
    user: FakeUserInput,
    message: MessageRef | RecordedMessage | Message,
    callbackData: string,
    options: { token?: string } = {},
  ): Update {
    const ref =
      "message_id" in message ? { chatId: message.chat.id, messageId: message.message_id } : message;
    const botToken =
      options.token ??
      ("botId" in message ? this.#botById(message.botId)?.token : undefined) ??
      ("from" in message && message.from.is_bot ? this.#botById(message.from.id)?.token : undefined);
    const bot = this.#bot(botToken);
    const group = this.#groups.get(ref.chatId);
    if (group === undefined && ref.chatId !== user.id) {
      throw new Error(`userPresses: user ${user.id} cannot press buttons in chat ${ref.chatId}`);
    }
    if (group !== undefined && !isInChat(group.members.get(user.id))) {
      throw new Error(`userPresses: user ${user.id} is not in group ${ref.chatId}`);
    }
    const chat: ReachableChat | undefined = group ?? bot.chats.get(ref.chatId);
    const current = chat?.messages.get(ref.messageId);
    if (chat === undefined || current === undefined) {
      throw new Error(`userPresses: message ${ref.messageId} does not exist in chat ${ref.chatId}`);
    }
    const buttons = current.reply_markup?.inline_keyboard.flat() ?? [];
    if (!buttons.some((button) => button.callback_data === callbackData)) {
      const available = buttons.map((button) => button.callback_data).filter((data) => data !== undefined);
      throw new Error(
        `userPresses: message ${ref.messageId} has no button with callback_data ${JSON.stringify(callbackData)}; it has ${JSON.stringify(available)}`,
      );
    }
    const query: CallbackQuery = {
      id: String(4_200_000_000_000 + this.#nextCallbackQueryId++),
      // In a group the press comes from whoever pressed; in a private chat, from the chat's user.
      from: isGroup(chat) ? this.#groupUser(chat, user) : structuredClone(chat.user),
      message: structuredClone(current),
      chat_instance: `${bot.user.id}${chat.chat.id}`,
      data: callbackData,
    };
    bot.callbackQueries.set(query.id, { query, answered: false });
    return bot.updates.push({ callback_query: structuredClone(query) });
  }

  /**
   * The user blocks the bot: sends and edits to their chat now fail with 403, and the bot receives the
   * `my_chat_member` update the real server sends.
   */
  blockBot(userId: number, options: { token?: string } = {}): void {
    const bot = this.#bot(options.token);
    this.#setBlocked(bot, this.#ensureChat(bot, { id: userId }), true);
  }

  /** The user unblocks the bot (the bot gets `my_chat_member` back to "member"). */
  unblockBot(userId: number, options: { token?: string } = {}): void {
    const bot = this.#bot(options.token);
    const chat = bot.chats.get(userId);
    if (chat !== undefined) this.#setBlocked(bot, chat, false);
  }

  // ---- the test plays groups and their members ----

  /**
   * Creates a group (or supergroup) with its members and the bot in it (status `botStatus`, default "member")
   * as if that had always been so: no update is queued. Returns the chat as the bot will see it.
   */
  createGroup(input: FakeGroupInput): GroupChat {
    const type = input.type ?? "group";
    if (type !== "group" && type !== "supergroup") {
      throw new Error(`createGroup: type must be "group" or "supergroup", got ${JSON.stringify(type)}`);
    }
    if (typeof input.title !== "string" || input.title.trim().length === 0) {
      throw new Error("createGroup: a group needs a non-empty title");
    }
    const id = input.id ?? this.#newGroupId(type);
    checkGroupId(id, type);
    if (this.#groups.has(id)) throw new Error(`createGroup: chat ${id} already exists`);
    const group: GroupState = {
      chat: { id, type, title: input.title },
      members: new Map(),
      nextMessageId: 1,
      messages: new Map(),
      upgradedTo: undefined,
    };
    for (const { user, status, ...options } of input.members) {
      if (group.members.has(user.id)) throw new Error(`createGroup: user ${user.id} is listed twice`);
      group.members.set(user.id, chatMember(groupUser(user), status, type, options));
    }
    if ([...group.members.values()].filter((member) => member.status === "creator").length > 1) {
      throw new Error("createGroup: a group has at most one creator");
    }
    const bot = this.#bot(input.token);
    group.members.set(
      bot.user.id,
      chatMember(botAsUser(bot), input.botStatus ?? "member", type, input.botOptions ?? {}),
    );
    this.#groups.set(id, group);
    return structuredClone(group.chat);
  }

  /**
   * A member writes in a group. Commands carry `bot_command` entities (`/alert` or `/alert@bot_name`). Every bot
   * in the group receives it unless privacy mode hides it: a bot that is not an administrator and does not read
   * all group messages gets only commands (bare, or naming it) and replies to its own messages.
   * `anonymously`: an administrator posts as the group (Telegram's "Remain anonymous"): the message comes from
   * GroupAnonymousBot with `sender_chat` the group, and does not name the administrator.
   * Returns the message as stored in the group.
   */
  userSendsInGroup(
    groupId: number,
    user: FakeUserInput,
    text: string,
    options: { replyTo?: number; anonymously?: boolean } = {},
  ): Message {
    if (text.length === 0) throw new Error("userSendsInGroup: Telegram clients cannot send an empty message");
    const group = this.#liveGroup(groupId, "userSendsInGroup");
    const member = group.members.get(user.id);
    if (!isInChat(member)) throw new Error(`userSendsInGroup: user ${user.id} is not in group ${groupId}`);
    if (member?.status === "restricted" && !member.can_send_messages) {
      throw new Error(`userSendsInGroup: user ${user.id} is restricted from sending messages in ${groupId}`);
    }
    if (options.anonymously === true && !isAdministrator(member)) {
      throw new Error(`userSendsInGroup: only administrators can post anonymously; ${user.id} is not one`);
    }
    const entities = commandEntities(text);
    const message: Message = {
      message_id: group.nextMessageId++,
      ...(options.anonymously === true
        ? { from: structuredClone(GROUP_ANONYMOUS_BOT), sender_chat: structuredClone(group.chat) }
        : { from: this.#groupUser(group, user) }),
      chat: structuredClone(group.chat),
      date: this.#unixTime(),
      text,
      ...(entities.length > 0 ? { entities } : {}),
      ...this.#userReplyTo(group, options.replyTo),
    };
    group.messages.set(message.message_id, message);
    for (const bot of this.#botsIn(group)) {
      if (this.#botSees(bot, group, message)) bot.updates.push({ message: structuredClone(message) });
    }
    return structuredClone(message);
  }

  /**
   * `by` adds the bot to the group (or makes it come back): the bot gets `my_chat_member` (left → member or
   * administrator) and the `new_chat_members` service message, as Telegram sends them.
   */
  addBotToGroup(
    groupId: number,
    by: FakeUserInput,
    options: {
      status?: "member" | "administrator";
      token?: string;
      rights?: FakeMemberOptions["rights"];
    } = {},
  ): void {
    const group = this.#liveGroup(groupId, "addBotToGroup");
    const adder = this.#memberActing(group, by, "addBotToGroup");
    const bot = this.#bot(options.token);
    const before = group.members.get(bot.user.id);
    if (isInChat(before)) throw new Error(`addBotToGroup: the bot is already in group ${groupId}`);
    const status = options.status ?? "member";
    this.#changeBotMember(bot, group, adder, status, {
      ...(options.rights ? { rights: options.rights } : {}),
    });
    const joined: Message = {
      message_id: group.nextMessageId++,
      from: adder,
      chat: structuredClone(group.chat),
      date: this.#unixTime(),
      new_chat_members: [botAsUser(bot)],
    };
    group.messages.set(joined.message_id, joined);
    bot.updates.push({ message: structuredClone(joined) });
  }

  /**
   * An administrator removes the bot from the group: `kick: true` bans it ("kicked"), otherwise it is "left".
   * The bot gets `my_chat_member`; from then on sending there fails with 403 as on Telegram.
   */
  removeBotFromGroup(
    groupId: number,
    by: FakeUserInput,
    options: { kick?: boolean; token?: string } = {},
  ): void {
    const group = this.#liveGroup(groupId, "removeBotFromGroup");
    const remover = this.#memberActing(group, by, "removeBotFromGroup");
    if (!isAdministrator(group.members.get(by.id))) {
      throw new Error(`removeBotFromGroup: user ${by.id} is not an administrator of ${groupId}`);
    }
    const bot = this.#bot(options.token);
    if (!isInChat(group.members.get(bot.user.id))) {
      throw new Error(`removeBotFromGroup: the bot is not in group ${groupId}`);
    }
    this.#changeBotMember(bot, group, remover, options.kick === true ? "kicked" : "left", {});
  }

  /**
   * `by` (default: the user themself) changes a user's status in a group: promote, restrict, ban, leave… Bots that
   * are administrators there get a `chat_member` update, which, as on Telegram, is delivered only to a bot that
   * lists it in getUpdates' `allowed_updates`.
   */
  setMemberStatus(groupId: number, member: FakeGroupMember, options: { by?: FakeUserInput } = {}): void {
    const group = this.#liveGroup(groupId, "setMemberStatus");
    const { user, status, ...memberOptions } = member;
    if (this.#botById(user.id) !== undefined) {
      throw new Error("setMemberStatus: change the bot's status with addBotToGroup or removeBotFromGroup");
    }
    const by =
      options.by === undefined ? undefined : this.#memberActing(group, options.by, "setMemberStatus");
    // A user named before keeps that name unless the test gives a new one.
    const before = group.members.get(user.id);
    const asUser = before !== undefined && user.first_name === undefined ? before.user : groupUser(user);
    const after = chatMember(structuredClone(asUser), status, group.chat.type, memberOptions);
    group.members.set(user.id, after);
    for (const bot of this.#botsIn(group)) {
      if (!isAdministrator(group.members.get(bot.user.id))) continue;
      bot.updates.push({
        chat_member: {
          chat: structuredClone(group.chat),
          from: structuredClone(by ?? asUser),
          date: this.#unixTime(),
          old_chat_member: structuredClone(before ?? { status: "left", user: asUser }),
          new_chat_member: structuredClone(after),
        },
      });
    }
  }

  /**
   * The group's creator (or `by`) upgrades it to a supergroup; returns the new -100… id. Every member keeps its
   * status. Bots in it receive `migrate_to_chat_id` in the old group, then `migrate_from_chat_id` in the new
   * supergroup; from then on the old id answers 400 with `parameters.migrate_to_chat_id`.
   */
  migrateToSupergroup(groupId: number, options: { by?: FakeUserInput; newId?: number } = {}): number {
    const group = this.#liveGroup(groupId, "migrateToSupergroup");
    if (group.chat.type !== "group")
      throw new Error(`migrateToSupergroup: ${groupId} is already a supergroup`);
    const creator = [...group.members.values()].find((member) => member.status === "creator");
    const by =
      options.by === undefined ? creator?.user : this.#memberActing(group, options.by, "migrateToSupergroup");
    if (by === undefined)
      throw new Error(`migrateToSupergroup: group ${groupId} has no creator; pass options.by`);
    const newId = options.newId ?? this.#newGroupId("supergroup");
    checkGroupId(newId, "supergroup");
    if (this.#groups.has(newId)) throw new Error(`migrateToSupergroup: chat ${newId} already exists`);
    const supergroup: GroupState = {
      chat: { id: newId, type: "supergroup", title: group.chat.title },
      members: new Map([...group.members].map(([id, member]) => [id, structuredClone(member)])),
      nextMessageId: 1,
      messages: new Map(),
      upgradedTo: undefined,
    };
    this.#groups.set(newId, supergroup);
    const movedOut: Message = {
      message_id: group.nextMessageId++,
      from: structuredClone(by),
      chat: structuredClone(group.chat),
      date: this.#unixTime(),
      migrate_to_chat_id: newId,
    };
    // The supergroup's first message is sent on its own behalf.
    const movedIn: Message = {
      message_id: supergroup.nextMessageId++,
      from: structuredClone(GROUP_ANONYMOUS_BOT),
      sender_chat: structuredClone(supergroup.chat),
      chat: structuredClone(supergroup.chat),
      date: this.#unixTime(),
      migrate_from_chat_id: groupId,
    };
    group.messages.set(movedOut.message_id, movedOut);
    supergroup.messages.set(movedIn.message_id, movedIn);
    group.upgradedTo = newId;
    for (const bot of this.#botsIn(supergroup)) {
      bot.updates.push({ message: structuredClone(movedOut) });
      bot.updates.push({ message: structuredClone(movedIn) });
    }
    return newId;
  }

  /** The group as it is now, with every member entry (left and kicked ones included), or undefined. */
  group(
    groupId: number,
  ): { chat: GroupChat; members: ChatMember[]; upgradedTo: number | undefined } | undefined {
    const group = this.#groups.get(groupId);
    if (group === undefined) return undefined;
    return structuredClone({
      chat: group.chat,
      members: [...group.members.values()],
      upgradedTo: group.upgradedTo,
    });
  }

  // ---- the test inspects what the bot did ----

  /** Every accepted send and edit to a chat, oldest first. */
  messagesTo(chatId: number): RecordedMessage[] {
    return this.#recorded.filter((message) => message.chatId === chatId);
  }

  /** How many times the bots called `method` (case-insensitive), answered or refused. */
  callCount(method: string): number {
    return this.#calls.get(method.toLowerCase()) ?? 0;
  }

  /** Every accepted send and edit, oldest first. */
  allSent(): RecordedMessage[] {
    return [...this.#recorded];
  }

  /** The message as the user sees it now (after edits), or undefined if it never existed or was deleted. */
  currentMessage(ref: MessageRef, options: { token?: string } = {}): Message | undefined {
    const chat = this.#groups.get(ref.chatId) ?? this.#bot(options.token).chats.get(ref.chatId);
    const message = chat?.messages.get(ref.messageId);
    return message === undefined ? undefined : structuredClone(message);
  }

  /**
   * The first recorded send or edit (already received or still to come) matching `predicate`; rejects after
   * `timeoutMs` naming what did arrive.
   */
  async waitForMessage(
    predicate: (message: RecordedMessage) => boolean,
    timeoutMs = 3000,
  ): Promise<RecordedMessage> {
    const [first] = await this.waitForMessages(predicate, 1, timeoutMs);
    return first!;
  }

  /** The first `count` recorded sends or edits matching `predicate`, waiting up to `timeoutMs` for them. */
  waitForMessages(
    predicate: (message: RecordedMessage) => boolean,
    count: number,
    timeoutMs = 3000,
  ): Promise<RecordedMessage[]> {
    const matching = () => this.#recorded.filter(predicate).slice(0, count);
    if (matching().length >= count) return Promise.resolve(matching());
    return new Promise((resolve, reject) => {
      const waiter: MessageWaiter = {
        predicate,
        resolve: () => {
          const found = matching();
          if (found.length < count) return;
          clearTimeout(timer);
          this.#waiters.delete(waiter);
          resolve(found);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        const seen = this.#recorded.map((m) => `${m.method} to ${m.chatId}: ${JSON.stringify(m.text)}`);
        reject(
          new Error(
            `Only ${matching().length} of ${count} matching messages within ${timeoutMs} ms; received: ${seen.join("; ") || "nothing"}`,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  /** The first send or edit to `chatId` (a private chat or a group) matching `predicate`, as waitForMessage. */
  waitForMessageIn(
    chatId: number,
    predicate: (message: RecordedMessage) => boolean = () => true,
    timeoutMs = 3000,
  ): Promise<RecordedMessage> {
    return this.waitForMessage((message) => message.chatId === chatId && predicate(message), timeoutMs);
  }

  answeredCallbacks(): AnsweredCallback[] {
    return [...this.#answered];
  }

  /** What setMyCommands registered for a scope (default scope, no language, first bot unless told). */
  commands(
    options: { token?: string; scope?: Record<string, unknown>; languageCode?: string } = {},
  ): BotCommand[] {
    const bot = this.#bot(options.token);
    return structuredClone(bot.commands.get(commandsKey(options.scope, options.languageCode)) ?? []);
  }

  /** Every refused request (4xx/5xx) with why it was refused. */
  refusals(): RecordedRefusal[] {
    return [...this.#refusals];
  }

  /** The 429s answered so far, whatever triggered them. */
  tooManyRequests(): RecordedRefusal[] {
    return this.#refusals.filter((refusal) => refusal.errorCode === 429);
  }

  /** Updates queued and not yet confirmed by the bot's getUpdates offset. */
  pendingUpdates(token?: string): Update[] {
    return structuredClone([...this.#bot(token).updates.pending]);
  }

  /** Whether the bot has a getUpdates long poll open right now. */
  isPolling(token?: string): boolean {
    return this.#bot(token).updates.isPolling;
  }

  // ---- fault injection ----

  /**
   * The next `count` calls (every method but getUpdates unless `methods` says otherwise) fail with `status`.
   * For 5xx telegraf only sees the HTTP status line; 4xx answer with the usual envelope.
   */
  failNext(count: number, status = 500, options: { methods?: string[]; description?: string } = {}): void {
    this.#failures.push({
      remaining: count,
      status,
      description: options.description ?? STATUS_CODES[status] ?? "Error",
      methods:
        options.methods === undefined ? undefined : new Set(options.methods.map((m) => m.toLowerCase())),
    });
  }

  /**
   * The next call of `method` waits, unanswered, until the returned function is called: a slow answer at a chosen
   * moment (a bot stopped while its launch still waits on deleteWebhook).
   */
  holdNext(method: string): () => void {
    let release!: () => void;
    this.#holds.set(method.toLowerCase(), new Promise<void>((resolve) => (release = resolve)));
    return () => release();
  }

  /**
   * For the next `durationMs`, every call but getUpdates is answered 429 with the remaining wait as retry_after.
   * `fromFirstCall`: the storm starts at the next such call instead of now, so however long a busy machine takes
   * to send it, that call meets the storm.
   */
  rateLimitStorm(durationMs: number, options: { fromFirstCall?: boolean } = {}): void {
    if (options.fromFirstCall === true) this.#stormArmedMs = durationMs;
    else this.#stormUntil = this.#now() + durationMs;
  }

  // ---- HTTP ----

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake-telegram");
    if (url.pathname.startsWith("/file/")) {
      this.#serveFile(url, res);
      return;
    }
    const match = /^\/bot([^/]+)\/(?:test\/)?([A-Za-z]+)$/.exec(url.pathname);
    const bot = match === null ? undefined : this.#bots.get(decodeURIComponent(match[1]!));
    const method = match?.[2] ?? "";
    this.#calls.set(method.toLowerCase(), (this.#calls.get(method.toLowerCase()) ?? 0) + 1);
    let params: Params = {};
    try {
      if (match === null) throw new BotApiError(404, "Not Found");
      if (bot === undefined) throw new BotApiError(401, "Unauthorized");
      const handler = this.#handlers.get(method.toLowerCase());
      if (handler === undefined) throw new BotApiError(404, "Not Found");
      params = await readParams(req, url);
      this.#injectFaults(method);
      const hold = this.#holds.get(method.toLowerCase());
      if (hold !== undefined) {
        this.#holds.delete(method.toLowerCase());
        await hold;
      }
      const result = await handler({ bot, method, params, req, res });
      send(res, 200, { ok: true, result });
    } catch (error) {
      const refusal =
        error instanceof BotApiError ? error : new BotApiError(500, `Internal Server Error: ${error}`);
      if (bot !== undefined) this.#recordRefusal(bot, method, params, refusal, refusalReason(error));
      send(res, refusal.errorCode, refusal.toEnvelope());
    }
  }

  /** `GET /file/bot<token>/<file_path>`: the file's bytes, with their length, as the real server serves them. */
  #serveFile(url: URL, res: ServerResponse): void {
    this.#fileDownloads++;
    const match = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    const bot = match === null ? undefined : this.#bots.get(decodeURIComponent(match[1]!));
    const file =
      bot === undefined
        ? undefined
        : [...this.#files.values()].find((f) => f.path === decodeURIComponent(match![2]!));
    if (file === undefined) {
      send(res, 404, { ok: false, error_code: 404, description: "Not Found" });
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": file.data.length });
    res.end(file.data);
  }

  #storeFile(data: Buffer, filename: string | undefined): string {
    const n = this.#nextFileId++;
    const fileId = `fake-document-${n}-${randomBytes(6).toString("hex")}`;
    const extension = /\.[A-Za-z0-9]{1,8}$/.exec(filename ?? "")?.[0] ?? "";
    this.#files.set(fileId, { data, path: `documents/file_${n}${extension}`, uniqueId: `${fileId}-u` });
    return fileId;
  }

  #injectFaults(method: string): void {
    const key = method.toLowerCase();
    const failure = this.#failures.find(
      (f) => f.remaining > 0 && (f.methods?.has(key) ?? key !== "getupdates"),
    );
    if (failure !== undefined) {
      failure.remaining -= 1;
      throw new InjectedFault(failure.status, failure.description, "injected");
    }
    const now = this.#now();
    if (key !== "getupdates" && this.#stormArmedMs !== null) {
      this.#stormUntil = now + this.#stormArmedMs;
      this.#stormArmedMs = null;
    }
    if (key !== "getupdates" && now < this.#stormUntil) {
      const seconds = Math.max(1, Math.ceil((this.#stormUntil - now) / 1000));
      throw new InjectedFault(429, `Too Many Requests: retry after ${seconds}`, "storm", seconds);
    }
  }

  #recordRefusal(
    bot: BotState,
    method: string,
    params: Params,
    error: BotApiError,
    reason: RefusalReason,
  ): void {
    const chatId = Number(params.chat_id);
    this.#refusals.push({
      method,
      botId: bot.user.id,
      chatId: Number.isInteger(chatId) ? chatId : undefined,
      errorCode: error.errorCode,
      description: error.description,
      retryAfter: error.parameters?.retry_after,
      reason,
      at: this.#now(),
    });
  }

  // ---- Bot API methods ----

  #methodHandlers(): Map<string, MethodHandler> {
    const handlers: Record<string, MethodHandler> = {
      getMe: ({ bot }) => bot.user,
      logOut: () => true,
      deleteWebhook: ({ bot, params }) => {
        if (optionalBoolean(params, "drop_pending_updates") === true) bot.updates.dropPending();
        return true;
      },
      getWebhookInfo: ({ bot }) => ({
        url: "",
        has_custom_certificate: false,
        pending_update_count: bot.updates.pending.length,
      }),
      getUpdates: ({ bot, params, res }) => {
        const limit = optionalInteger(params, "limit") ?? 100;
        const allowed = optionalJson(params, "allowed_updates", "can't parse allowed updates");
        return bot.updates.getUpdates({
          offset: optionalInteger(params, "offset"),
          limit: Math.min(100, Math.max(1, limit)),
          timeoutSeconds: optionalInteger(params, "timeout") ?? 0,
          allowedUpdates: Array.isArray(allowed) ? allowed.map(String) : undefined,
          onClientGone: (listener) => res.once("close", listener),
        });
      },
      sendMessage: ({ bot, params }) => {
        const chat = this.#writableChat(bot, params, "text messages");
        const raw = optionalString(params, "text") ?? "";
        const parseMode = optionalString(params, "parse_mode");
        const formatted = formatText(
          raw,
          parseMode,
          optionalJson(params, "entities", "can't parse entities JSON"),
        );
        if (formatted.text.trim().length === 0) throw badRequest("message text is empty");
        if (formatted.text.length > MAX_TEXT_LENGTH) throw badRequest("message is too long");
        const replyMarkup = parseReplyMarkup(params);
        const paidBroadcast = optionalBoolean(params, "allow_paid_broadcast") === true;
        this.#checkRateLimits(bot, chat, paidBroadcast);
        const message = this.#storeBotMessage(bot, chat, {
          text: formatted.text,
          ...(formatted.entities.length > 0 ? { entities: formatted.entities } : {}),
          ...(replyMarkup === undefined ? {} : { reply_markup: replyMarkup }),
          ...this.#replyTo(chat, params),
        });
        this.#record(bot, "sendMessage", message, {
          rawText: raw,
          parseMode,
          photo: undefined,
          paidBroadcast,
        });
        return message;
      },
      sendPhoto: ({ bot, params }) => {
        const chat = this.#writableChat(bot, params, "photos");
        const photo = this.#receivePhoto(params.photo);
        const { raw, parseMode, fields: captionFields } = readCaption(params);
        const replyMarkup = parseReplyMarkup(params);
        const paidBroadcast = optionalBoolean(params, "allow_paid_broadcast") === true;
        this.#checkRateLimits(bot, chat, paidBroadcast);
        const message = this.#storeBotMessage(bot, chat, {
          photo: photoSizes(photo.fileId),
          ...captionFields,
          ...(replyMarkup === undefined ? {} : { reply_markup: replyMarkup }),
          ...this.#replyTo(chat, params),
        });
        this.#record(bot, "sendPhoto", message, { rawText: raw, parseMode, photo, paidBroadcast });
        return message;
      },
      sendDocument: ({ bot, params }) => {
        const chat = this.#writableChat(bot, params, "documents");
        const document = this.#receiveDocument(params.document);
        const { raw, parseMode, fields: captionFields } = readCaption(params);
        const replyMarkup = parseReplyMarkup(params);
        this.#checkRateLimits(bot, chat, false);
        const message = this.#storeBotMessage(bot, chat, {
          document: {
            file_id: document.fileId,
            file_unique_id: this.#files.get(document.fileId)!.uniqueId,
            ...(document.filename === undefined ? {} : { file_name: document.filename }),
            ...(document.contentType === undefined ? {} : { mime_type: document.contentType }),
            file_size: document.data.length,
          },
          ...captionFields,
          ...(replyMarkup === undefined ? {} : { reply_markup: replyMarkup }),
          ...this.#replyTo(chat, params),
        });
        this.#record(bot, "sendDocument", message, { rawText: raw, parseMode, photo: undefined, document });
        return message;
      },
      getFile: ({ params }): File => {
        const fileId = optionalString(params, "file_id");
        const file = fileId === undefined ? undefined : this.#files.get(fileId);
        if (fileId === undefined || file === undefined)
          throw badRequest("wrong file_id or the file is temporarily unavailable");
        if (file.data.length > MAX_DOWNLOAD_BYTES) throw badRequest("file is too big");
        return {
          file_id: fileId,
          file_unique_id: file.uniqueId,
          file_size: file.data.length,
          file_path: file.path,
        };
      },
      editMessageText: ({ bot, params }) => {
        const { chat, message } = this.#editableMessage(bot, params);
        const raw = optionalString(params, "text") ?? "";
        const parseMode = optionalString(params, "parse_mode");
        const formatted = formatText(
          raw,
          parseMode,
          optionalJson(params, "entities", "can't parse entities JSON"),
        );
        if (formatted.text.trim().length === 0) throw badRequest("message text is empty");
        if (formatted.text.length > MAX_TEXT_LENGTH) throw badRequest("message is too long");
        if (message.text === undefined) throw badRequest("there is no text in the message to edit");
        const replyMarkup = parseReplyMarkup(params);
        const edited: Message = { ...structuredClone(message), text: formatted.text };
        delete edited.entities;
        delete edited.reply_markup;
        if (formatted.entities.length > 0) edited.entities = formatted.entities;
        if (replyMarkup !== undefined) edited.reply_markup = replyMarkup;
        return this.#applyEdit(bot, chat, message, edited, "editMessageText", { rawText: raw, parseMode });
      },
      // Bot API 9: replaces a message's photo, or adds one to a text message (its text is then gone; the new
      // caption is what shows). Photos only: the bots send nothing else.
      editMessageMedia: ({ bot, params }) => {
        const { chat, message } = this.#editableMessage(bot, params);
        const media = optionalJson(params, "media", "can't parse InputMedia JSON object");
        if (media === undefined) throw badRequest('parameter "media" is required');
        if (typeof media !== "object" || media === null)
          throw badRequest("can't parse InputMedia JSON object");
        const input = media as Record<string, unknown>;
        if (input.type !== "photo") throw badRequest("the fake edits photos only");
        const reference = input.media;
        const attached =
          typeof reference === "string" && reference.startsWith("attach://")
            ? params[reference.slice("attach://".length)]
            : reference;
        if (attached === undefined) throw badRequest("wrong file identifier/HTTP URL specified");
        const photo = this.#receivePhoto(attached);
        const { raw, parseMode, fields: captionFields } = readCaption(input);
        const replyMarkup = parseReplyMarkup(params);
        const edited: Message = structuredClone(message);
        for (const key of [
          "text",
          "entities",
          "caption",
          "caption_entities",
          "photo",
          "reply_markup",
        ] as const)
          delete edited[key];
        Object.assign(edited, { photo: photoSizes(photo.fileId), ...captionFields });
        if (replyMarkup !== undefined) edited.reply_markup = replyMarkup;
        return this.#applyEdit(bot, chat, message, edited, "editMessageMedia", {
          rawText: raw,
          parseMode,
          photo,
        });
      },
      // The caption of a photo (or document) message; a text message has none to edit.
      editMessageCaption: ({ bot, params }) => {
        const { chat, message } = this.#editableMessage(bot, params);
        if (message.photo === undefined && message.document === undefined)
          throw badRequest("there is no caption in the message to edit");
        const { raw, parseMode, fields: captionFields } = readCaption(params);
        const replyMarkup = parseReplyMarkup(params);
        const edited: Message = structuredClone(message);
        delete edited.caption;
        delete edited.caption_entities;
        delete edited.reply_markup;
        Object.assign(edited, captionFields);
        if (replyMarkup !== undefined) edited.reply_markup = replyMarkup;
        return this.#applyEdit(bot, chat, message, edited, "editMessageCaption", { rawText: raw, parseMode });
      },
      editMessageReplyMarkup: ({ bot, params }) => {
        const { chat, message } = this.#editableMessage(bot, params);
        const replyMarkup = parseReplyMarkup(params);
        const edited: Message = structuredClone(message);
        delete edited.reply_markup;
        if (replyMarkup !== undefined) edited.reply_markup = replyMarkup;
        return this.#applyEdit(bot, chat, message, edited, "editMessageReplyMarkup", {
          rawText: message.text ?? message.caption,
          parseMode: undefined,
        });
      },
      deleteMessage: ({ bot, params }) => {
        const chat = this.#knownChat(bot, params);
        const messageId = optionalInteger(params, "message_id");
        if (messageId === undefined || !chat.messages.delete(messageId)) {
          throw badRequest("message to delete not found");
        }
        return true;
      },
      sendChatAction: ({ bot, params }) => {
        this.#writableChat(bot, params);
        return true;
      },
      answerCallbackQuery: ({ bot, params }) => {
        const id = optionalString(params, "callback_query_id");
        const entry = id === undefined ? undefined : bot.callbackQueries.get(id);
        if (entry === undefined || entry.answered) throw badRequest(QUERY_TOO_OLD);
        const text = optionalString(params, "text");
        if (text !== undefined && text.length > 200) throw badRequest("MESSAGE_TOO_LONG");
        entry.answered = true;
        this.#answered.push({
          callbackQueryId: entry.query.id,
          botId: bot.user.id,
          userId: entry.query.from.id,
          data: entry.query.data,
          text,
          showAlert: optionalBoolean(params, "show_alert") ?? false,
          url: optionalString(params, "url"),
          cacheTime: optionalInteger(params, "cache_time"),
          answeredAt: this.#now(),
        });
        return true;
      },
      getChat: ({ bot, params }): ChatFullInfo => ({
        ...structuredClone(this.#knownChat(bot, params).chat),
        accent_color_id: 0,
        max_reaction_count: 11,
      }),
      getChatMember: ({ bot, params }): ChatMember => {
        const chat = this.#knownChat(bot, params);
        const userId = Number(params.user_id);
        if (!Number.isSafeInteger(userId) || userId <= 0) throw badRequest("invalid user_id specified");
        if (!isGroup(chat)) {
          if (userId === chat.user.id) return { status: "member", user: structuredClone(chat.user) };
          if (userId === bot.user.id) return { status: "member", user: botAsUser(bot) };
          throw badRequest("user not found");
        }
        const member = chat.members.get(userId);
        if (member !== undefined) return structuredClone(member);
        // Telegram answers "left" for a user it can show the bot, and refuses one the bot has never met.
        const known = this.#userKnownTo(bot, userId);
        if (known === undefined) throw badRequest("user not found");
        return { status: "left", user: known };
      },
      getChatAdministrators: ({ bot, params }): ChatMember[] => {
        const chat = this.#knownChat(bot, params);
        if (!isGroup(chat)) throw badRequest("there are no administrators in the private chat");
        const admins = [...chat.members.values()].filter(isAdministrator);
        return structuredClone(
          admins.sort((a, b) => Number(b.status === "creator") - Number(a.status === "creator")),
        );
      },
      getChatMemberCount: ({ bot, params }) => {
        const chat = this.#knownChat(bot, params);
        return isGroup(chat) ? [...chat.members.values()].filter(isInChat).length : 2;
      },
      leaveChat: ({ bot, params }) => {
        const chat = this.#knownChat(bot, params);
        if (!isGroup(chat)) throw badRequest("chat member status can't be changed in private chats");
        this.#changeBotMember(bot, chat, botAsUser(bot), "left", {});
        return true;
      },
      setMyCommands: ({ bot, params }) => {
        const commands = optionalJson(params, "commands", "can't parse commands JSON object");
        if (!Array.isArray(commands)) throw badRequest('parameter "commands" is required');
        if (commands.length > 100) throw badRequest("too many commands");
        const validated = commands.map(validateCommand);
        bot.commands.set(commandsKeyFromParams(params), validated);
        return true;
      },
      getMyCommands: ({ bot, params }) => bot.commands.get(commandsKeyFromParams(params)) ?? [],
      deleteMyCommands: ({ bot, params }) => {
        bot.commands.delete(commandsKeyFromParams(params));
        return true;
      },
    };
    return new Map(Object.entries(handlers).map(([name, handler]) => [name.toLowerCase(), handler]));
  }

  /**
   * A chat the bot may write to: a private chat whose user has talked to the bot and not blocked it, or a group
   * the bot is in and (if restricted) may send `content` to.
   */
  #writableChat(
    bot: BotState,
    params: Params,
    content?: "text messages" | "photos" | "documents",
  ): ReachableChat {
    const chat = this.#knownChat(bot, params);
    if (!isGroup(chat)) {
      if (chat.blocked) throw new BotApiError(403, "Forbidden: bot was blocked by the user");
      return chat;
    }
    const member = chat.members.get(bot.user.id);
    if (content !== undefined && member?.status === "restricted") {
      const allowed = {
        "text messages": member.can_send_messages,
        photos: member.can_send_photos,
        documents: member.can_send_documents,
      }[content];
      if (!allowed) throw badRequest(`not enough rights to send ${content} to the chat`);
    }
    return chat;
  }

  /** A chat the bot can reach: its private chat with a user, or a group it is in (with Telegram's refusals). */
  #knownChat(bot: BotState, params: Params): ReachableChat {
    const raw = params.chat_id;
    if (raw === undefined || raw === null || raw === "") throw badRequest("chat_id is empty");
    const chatId = typeof raw === "number" ? raw : Number(raw);
    if (!Number.isSafeInteger(chatId)) throw badRequest("chat not found");
    const group = this.#groups.get(chatId);
    if (group === undefined) {
      const chat = bot.chats.get(chatId);
      if (chat === undefined) throw badRequest("chat not found");
      return chat;
    }
    if (group.upgradedTo !== undefined) {
      throw new BotApiError(400, "Bad Request: group chat was upgraded to a supergroup chat", {
        migrate_to_chat_id: group.upgradedTo,
      });
    }
    const member = group.members.get(bot.user.id);
    // A group the bot was never in does not exist for it.
    if (member === undefined) throw badRequest("chat not found");
    if (member.status === "kicked") {
      throw new BotApiError(403, `Forbidden: bot was kicked from the ${group.chat.type} chat`);
    }
    if (!isInChat(member))
      throw new BotApiError(403, `Forbidden: bot is not a member of the ${group.chat.type} chat`);
    return group;
  }

  #editableMessage(bot: BotState, params: Params): { chat: ReachableChat; message: Message } {
    if (params.inline_message_id !== undefined) throw badRequest("MESSAGE_ID_INVALID");
    const chat = this.#writableChat(bot, params);
    const messageId = optionalInteger(params, "message_id");
    if (messageId === undefined) throw badRequest("message identifier is not specified");
    const message = chat.messages.get(messageId);
    if (message === undefined) throw badRequest("message to edit not found");
    if (message.from.id !== bot.user.id) throw badRequest("message can't be edited");
    return { chat, message };
  }

  #applyEdit(
    bot: BotState,
    chat: Conversation,
    before: Message,
    edited: Message,
    method: RecordedMethod,
    details: { rawText: string | undefined; parseMode: string | undefined; photo?: RecordedPhoto },
  ): Message {
    const { edit_date: _before, ...beforeContent } = before;
    const { edit_date: _after, ...afterContent } = edited;
    if (isDeepStrictEqual(beforeContent, afterContent)) {
      throw badRequest(
        "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
      );
    }
    edited.edit_date = this.#unixTime();
    chat.messages.set(edited.message_id, edited);
    const result = structuredClone(edited);
    this.#record(bot, method, result, { ...details, photo: details.photo });
    return result;
  }

  #replyTo(chat: Conversation, params: Params): Partial<Message> {
    const replyParameters = optionalJson(
      params,
      "reply_parameters",
      "can't parse reply parameters JSON object",
    ) as { message_id?: number } | undefined;
    const id = replyParameters?.message_id ?? optionalInteger(params, "reply_to_message_id");
    if (id === undefined) return {};
    const original = chat.messages.get(id);
    if (original === undefined) throw badRequest("message to be replied not found");
    return { reply_to_message: structuredClone(original) };
  }

  #receivePhoto(value: unknown): RecordedPhoto {
    const fileId = `fake-photo-${this.#nextFileId++}-${randomBytes(6).toString("hex")}`;
    if (isUploadedFile(value)) {
      if (value.data.length === 0) throw badRequest("file must be non-empty");
      return {
        source: "upload",
        fileId,
        data: value.data,
        filename: value.filename,
        contentType: value.contentType,
      };
    }
    if (typeof value !== "string" || value.length === 0) throw badRequest("there is no photo in the request");
    if (/^https?:\/\//i.test(value)) return { source: "url", fileId, url: value };
    const known = this.#recorded.some((message) => message.photo?.fileId === value);
    if (!known) throw badRequest("wrong file identifier/HTTP URL specified");
    return { source: "file_id", fileId: value };
  }

  #receiveDocument(value: unknown): RecordedDocument {
    if (isUploadedFile(value)) {
      if (value.data.length === 0) throw badRequest("file must be non-empty");
      return {
        source: "upload",
        fileId: this.#storeFile(value.data, value.filename),
        data: value.data,
        filename: value.filename,
        contentType: value.contentType,
      };
    }
    if (typeof value !== "string" || value.length === 0)
      throw badRequest("there is no document in the request");
    const known = this.#files.get(value);
    if (known === undefined) throw badRequest("wrong file identifier/HTTP URL specified");
    return {
      source: "file_id",
      fileId: value,
      data: known.data,
      filename: undefined,
      contentType: undefined,
    };
  }

  /**
   * A paid broadcast counts against its own, higher overall limit instead of the free one; per chat alike. A group
   * also has its per-minute limit on top of the per-chat one.
   */
  #checkRateLimits(bot: BotState, chat: ReachableChat, paidBroadcast: boolean): void {
    const now = this.#now();
    const overall = paidBroadcast ? bot.paidBroadcastLimiter : bot.globalLimiter;
    const globalWait = overall.retryAfterSeconds("all", now);
    if (globalWait > 0)
      throw new RateLimited(globalWait, paidBroadcast ? "rate-limit-paid-broadcast" : "rate-limit-global");
    const chatKey = String(chat.chat.id);
    const chatWait = bot.chatLimiter.retryAfterSeconds(chatKey, now);
    if (chatWait > 0) throw new RateLimited(chatWait, "rate-limit-chat");
    const inGroup = isGroup(chat);
    const groupWait = inGroup ? bot.groupLimiter.retryAfterSeconds(chatKey, now) : 0;
    if (groupWait > 0) throw new RateLimited(groupWait, "rate-limit-group");
    overall.record("all", now);
    bot.chatLimiter.record(chatKey, now);
    if (inGroup) bot.groupLimiter.record(chatKey, now);
  }

  #storeBotMessage(bot: BotState, chat: Conversation, content: Partial<Message>): Message {
    const message: Message = {
      message_id: chat.nextMessageId++,
      from: { id: bot.user.id, is_bot: true, first_name: bot.user.first_name, username: bot.user.username },
      chat: structuredClone(chat.chat),
      date: this.#unixTime(),
      ...content,
    };
    chat.messages.set(message.message_id, message);
    // Stored messages are replaced on edit, never changed in place, and the caller only records (copies) and
    // serializes this one: no copy here (at 1,000 sends a second, each copy is felt).
    return message;
  }

  #record(
    bot: BotState,
    method: RecordedMethod,
    message: Message,
    details: {
      rawText: string | undefined;
      parseMode: string | undefined;
      photo: RecordedPhoto | undefined;
      document?: RecordedDocument;
      paidBroadcast?: boolean;
    },
  ): void {
    const recorded: RecordedMessage = {
      method,
      botId: bot.user.id,
      chatId: message.chat.id,
      messageId: message.message_id,
      text: message.text ?? message.caption,
      rawText: details.rawText,
      parseMode: details.parseMode,
      replyMarkup: message.reply_markup === undefined ? undefined : structuredClone(message.reply_markup),
      photo: details.photo,
      ...(details.document === undefined ? {} : { document: details.document }),
      receivedAt: this.#now(),
      paidBroadcast: details.paidBroadcast ?? false,
      message: structuredClone(message),
    };
    this.#recorded.push(recorded);
    for (const waiter of [...this.#waiters]) {
      if (waiter.predicate(recorded)) waiter.resolve(recorded);
    }
  }

  #ensureChat(bot: BotState, input: FakeUserInput): ChatState {
    if (!Number.isSafeInteger(input.id) || input.id <= 0)
      throw new Error(`A user id must be a positive integer: ${input.id}`);
    const existing = bot.chats.get(input.id);
    const user: User = {
      id: input.id,
      is_bot: false,
      first_name: input.first_name ?? existing?.user.first_name ?? `User ${input.id}`,
      ...(input.last_name === undefined ? {} : { last_name: input.last_name }),
      ...(input.username === undefined ? {} : { username: input.username }),
      ...(input.language_code === undefined ? {} : { language_code: input.language_code }),
    };
    if (existing !== undefined && input.first_name === undefined) return existing;
    const chat: Chat = {
      id: user.id,
      type: "private",
      first_name: user.first_name,
      ...(user.last_name === undefined ? {} : { last_name: user.last_name }),
      ...(user.username === undefined ? {} : { username: user.username }),
    };
    const state: ChatState = existing ?? {
      chat,
      user,
      nextMessageId: 1,
      messages: new Map(),
      blocked: false,
    };
    state.user = user;
    state.chat = chat;
    bot.chats.set(user.id, state);
    return state;
  }

  #setBlocked(bot: BotState, chat: ChatState, blocked: boolean): void {
    if (chat.blocked === blocked) return;
    chat.blocked = blocked;
    const botMember = {
      user: { id: bot.user.id, is_bot: true, first_name: bot.user.first_name, username: bot.user.username },
    };
    const member = { ...botMember, status: "member" as const };
    const kicked = { ...botMember, status: "kicked" as const, until_date: 0 };
    bot.updates.push({
      my_chat_member: {
        chat: structuredClone(chat.chat),
        from: structuredClone(chat.user),
        date: this.#unixTime(),
        old_chat_member: blocked ? member : kicked,
        new_chat_member: blocked ? kicked : member,
      },
    });
  }

  #newGroupId(type: GroupChat["type"]): number {
    const n = this.#nextGroupNumber++;
    return type === "group" ? -4_500_000_000 - n : -1_002_400_000_000 - n;
  }

  /** A group the test may act in: it exists and was not upgraded away. */
  #liveGroup(groupId: number, caller: string): GroupState {
    const group = this.#groups.get(groupId);
    if (group === undefined) throw new Error(`${caller}: no group ${groupId}; create it with createGroup`);
    if (group.upgradedTo !== undefined) {
      throw new Error(`${caller}: group ${groupId} was upgraded to supergroup ${group.upgradedTo}`);
    }
    return group;
  }

  /** The User a member acting in the group appears as; fails the test when they are not in the group. */
  #memberActing(group: GroupState, input: FakeUserInput, caller: string): User {
    if (!isInChat(group.members.get(input.id))) {
      throw new Error(`${caller}: user ${input.id} is not in group ${group.chat.id}`);
    }
    return this.#groupUser(group, input);
  }

  #groupUser(group: GroupState, input: FakeUserInput): User {
    return structuredClone(group.members.get(input.id)?.user ?? groupUser(input));
  }

  #botsIn(group: GroupState): BotState[] {
    return [...this.#bots.values()].filter((bot) => isInChat(group.members.get(bot.user.id)));
  }

  /** Privacy mode: what a bot that is no administrator and does not read everything receives from a group. */
  #botSees(bot: BotState, group: GroupState, message: Message): boolean {
    if (bot.user.can_read_all_group_messages || isAdministrator(group.members.get(bot.user.id))) return true;
    if (message.reply_to_message?.from.id === bot.user.id) return true;
    const text = message.text ?? "";
    return (message.entities ?? []).some((entity) => {
      if (entity.type !== "bot_command") return false;
      const addressee = text.slice(entity.offset, entity.offset + entity.length).split("@")[1];
      return addressee === undefined || addressee.toLowerCase() === bot.user.username.toLowerCase();
    });
  }

  /** Sets the bot's status in a group and sends it the `my_chat_member` update telling so. */
  #changeBotMember(
    bot: BotState,
    group: GroupState,
    by: User,
    status: ChatMemberStatus,
    options: FakeMemberOptions,
  ): void {
    const before = group.members.get(bot.user.id) ?? { status: "left", user: botAsUser(bot) };
    const after = chatMember(botAsUser(bot), status, group.chat.type, options);
    group.members.set(bot.user.id, after);
    bot.updates.push({
      my_chat_member: {
        chat: structuredClone(group.chat),
        from: structuredClone(by),
        date: this.#unixTime(),
        old_chat_member: structuredClone(before),
        new_chat_member: structuredClone(after),
      },
    });
  }

  /** A user the bot has met: in a private chat or in a group. */
  #userKnownTo(bot: BotState, userId: number): User | undefined {
    const known =
      bot.chats.get(userId)?.user ??
      [...this.#groups.values()]
        .map((group) => group.members.get(userId)?.user)
        .find((user) => user !== undefined);
    return known === undefined ? undefined : structuredClone(known);
  }

  #bot(token: string | undefined): BotState {
    if (token === undefined) return this.#defaultBot();
    const bot = this.#bots.get(token);
    if (bot === undefined) throw new Error("FakeTelegram does not know that bot token");
    return bot;
  }

  #botById(id: number): BotState | undefined {
    return [...this.#bots.values()].find((bot) => bot.user.id === id);
  }

  #defaultBot(): BotState {
    return this.#bots.values().next().value!;
  }

  #unixTime(): number {
    return Math.floor(this.#now() / 1000);
  }
}

class RateLimited extends BotApiError {
  readonly reason: RefusalReason;

  constructor(retryAfterSeconds: number, reason: RefusalReason) {
    const error = tooManyRequests(retryAfterSeconds);
    super(error.errorCode, error.description, error.parameters);
    this.reason = reason;
  }
}

class InjectedFault extends BotApiError {
  readonly reason: RefusalReason;

  constructor(status: number, description: string, reason: RefusalReason, retryAfter?: number) {
    super(status, description, retryAfter === undefined ? undefined : { retry_after: retryAfter });
    this.reason = reason;
  }
}

function refusalReason(error: unknown): RefusalReason {
  return error instanceof RateLimited || error instanceof InjectedFault ? error.reason : "api";
}

function isGroup(chat: ReachableChat): chat is GroupState {
  return chat.chat.type !== "private";
}

/** `bot_command` entities as the Telegram clients mark them: `/command` or `/command@bot_name`. */
function commandEntities(text: string): MessageEntity[] {
  return [...text.matchAll(/(?<=^|\s)\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?/g)].map((match) => ({
    type: "bot_command",
    offset: match.index,
    length: match[0].length,
  }));
}

function groupUser(input: FakeUserInput): User {
  if (!Number.isSafeInteger(input.id) || input.id <= 0)
    throw new Error(`A user id must be a positive integer: ${input.id}`);
  return {
    id: input.id,
    is_bot: false,
    first_name: input.first_name ?? `User ${input.id}`,
    ...(input.last_name === undefined ? {} : { last_name: input.last_name }),
    ...(input.username === undefined ? {} : { username: input.username }),
    ...(input.language_code === undefined ? {} : { language_code: input.language_code }),
  };
}

/** The bot as a User in messages and member lists (getMe's capability flags left out). */
function botAsUser(bot: BotState): User {
  return { id: bot.user.id, is_bot: true, first_name: bot.user.first_name, username: bot.user.username };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  const json = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(json) });
  res.end(json);
}

function generatedBot(): FakeBotConfig {
  return {
    token: `7000000001:AA${randomBytes(24).toString("base64url")}`,
    username: "tickerbell_test_bot",
    firstName: "Tickerbell Test",
  };
}

function photoSizes(fileId: string): PhotoSize[] {
  return [
    { file_id: `${fileId}-s`, file_unique_id: `${fileId}-us`, width: 90, height: 60, file_size: 1200 },
    { file_id: fileId, file_unique_id: `${fileId}-u`, width: 800, height: 533, file_size: 48_000 },
  ];
}

/** Inline keyboards are validated and kept on the message; other keyboards are accepted and not shown. */
function parseReplyMarkup(params: Params): InlineKeyboardMarkup | undefined {
  const markup = optionalJson(params, "reply_markup", "can't parse reply keyboard markup JSON object");
  if (markup === undefined) return undefined;
  if (typeof markup !== "object" || markup === null)
    throw badRequest("can't parse reply keyboard markup JSON object");
  if (!("inline_keyboard" in markup)) return undefined;
  const rows = markup.inline_keyboard;
  if (!Array.isArray(rows) || rows.some((row) => !Array.isArray(row))) {
    throw badRequest('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays');
  }
  const keyboard = (rows as unknown[][]).map((row) => row.map(validateButton));
  return { inline_keyboard: keyboard };
}

function validateButton(button: unknown): InlineKeyboardButton {
  if (typeof button !== "object" || button === null) throw badRequest("can't parse inline keyboard button");
  const candidate = button as InlineKeyboardButton;
  if (typeof candidate.text !== "string" || candidate.text.length === 0) {
    throw badRequest("can't parse inline keyboard button: Text must be non-empty");
  }
  const kinds = KEYBOARD_BUTTON_KINDS.filter((kind) => candidate[kind] !== undefined);
  if (kinds.length === 0) {
    throw badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard");
  }
  if (kinds.length > 1) throw badRequest("can't parse inline keyboard button: too many fields");
  if (candidate.callback_data !== undefined) {
    const bytes = Buffer.byteLength(String(candidate.callback_data), "utf8");
    if (typeof candidate.callback_data !== "string" || bytes === 0 || bytes > 64) {
      throw badRequest("BUTTON_DATA_INVALID");
    }
  }
  if (candidate.url !== undefined && (typeof candidate.url !== "string" || !URL.canParse(candidate.url))) {
    throw badRequest("BUTTON_URL_INVALID");
  }
  // Like the real server, keep only the fields Telegram knows (telegraf adds a client-side `hide`).
  const known: InlineKeyboardButton = { text: candidate.text };
  for (const kind of kinds) known[kind] = structuredClone(candidate[kind]);
  return known;
}

function validateCommand(entry: unknown): BotCommand {
  const { command, description } = (entry ?? {}) as Partial<BotCommand>;
  if (typeof command !== "string" || !/^[a-z0-9_]{1,32}$/.test(command))
    throw badRequest("BOT_COMMAND_INVALID");
  if (typeof description !== "string" || description.length === 0 || description.length > 256) {
    throw badRequest("BOT_COMMAND_DESCRIPTION_INVALID");
  }
  return { command, description };
}

function commandsKeyFromParams(params: Params): string {
  const scope = optionalJson(params, "scope", "can't parse BotCommandScope JSON object");
  return commandsKey(scope as Record<string, unknown> | undefined, optionalString(params, "language_code"));
}

function commandsKey(scope: Record<string, unknown> | undefined, languageCode: string | undefined): string {
  const normalizedScope = scope ?? { type: "default" };
  const sortedScope = Object.fromEntries(
    Object.entries(normalizedScope).sort(([a], [b]) => a.localeCompare(b)),
  );
  return `${JSON.stringify(sortedScope)}|${languageCode ?? ""}`;
}

/** A media message's caption as the Bot API reads it (text and entities), refused when too long. */
function readCaption(params: Record<string, unknown>) {
  const raw = optionalString(params, "caption");
  const parseMode = optionalString(params, "parse_mode");
  const caption =
    raw === undefined
      ? undefined
      : formatText(raw, parseMode, optionalJson(params, "caption_entities", "can't parse entities JSON"));
  if (caption !== undefined && caption.text.length > MAX_CAPTION_LENGTH) {
    throw badRequest("message caption is too long");
  }
  return {
    raw,
    parseMode,
    fields: {
      ...(caption === undefined || caption.text.length === 0 ? {} : { caption: caption.text }),
      ...(caption === undefined || caption.entities.length === 0
        ? {}
        : { caption_entities: caption.entities }),
    },
  };
}
