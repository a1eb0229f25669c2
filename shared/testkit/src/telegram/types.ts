/**
 * The subset of Telegram Bot API objects the fake server produces, shaped like the real API's JSON (snake_case,
 * optional fields omitted rather than null). Declared here so the testkit does not depend on telegraf's typings.
 */

export interface User {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

/** What `getMe` returns: a User with the bot-only capability flags. */
export interface BotUser extends User {
  is_bot: true;
  username: string;
  can_join_groups: boolean;
  can_read_all_group_messages: boolean;
  supports_inline_queries: boolean;
}

export interface Chat {
  id: number;
  type: "private";
  first_name: string;
  last_name?: string;
  username?: string;
}

export interface MessageEntity {
  type: string;
  offset: number;
  length: number;
  url?: string;
  language?: string;
  custom_emoji_id?: string;
}

export interface InlineKeyboardButton {
  text: string;
  callback_data?: string;
  url?: string;
  [other: string]: unknown;
}

export interface InlineKeyboardMarkup {
  inline_keyboard: InlineKeyboardButton[][];
}

export interface PhotoSize {
  file_id: string;
  file_unique_id: string;
  width: number;
  height: number;
  file_size?: number;
}

/** A general file (Bot API `Document`); `file_size` is optional there too. */
export interface Document {
  file_id: string;
  file_unique_id: string;
  file_name?: string;
  mime_type?: string;
  file_size?: number;
}

/** What getFile answers: the path to download from `<api root>/file/bot<token>/<file_path>`. */
export interface File {
  file_id: string;
  file_unique_id: string;
  file_size?: number;
  file_path?: string;
}

export interface Message {
  message_id: number;
  from: User;
  chat: Chat;
  date: number;
  edit_date?: number;
  text?: string;
  entities?: MessageEntity[];
  caption?: string;
  caption_entities?: MessageEntity[];
  photo?: PhotoSize[];
  document?: Document;
  reply_markup?: InlineKeyboardMarkup;
  reply_to_message?: Message;
}

export interface CallbackQuery {
  id: string;
  from: User;
  message: Message;
  chat_instance: string;
  data: string;
}

export interface ChatMember {
  user: User;
  status: "member" | "kicked";
  until_date?: number;
}

export interface ChatMemberUpdated {
  chat: Chat;
  from: User;
  date: number;
  old_chat_member: ChatMember;
  new_chat_member: ChatMember;
}

export interface Update {
  update_id: number;
  message?: Message;
  callback_query?: CallbackQuery;
  my_chat_member?: ChatMemberUpdated;
}

export interface BotCommand {
  command: string;
  description: string;
}

/** The error half of the Bot API envelope. */
export interface ResponseParameters {
  retry_after?: number;
  migrate_to_chat_id?: number;
}
