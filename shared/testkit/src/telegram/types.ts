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

export interface PrivateChat {
  id: number;
  type: "private";
  first_name: string;
  last_name?: string;
  username?: string;
}

/** A basic group (a negative id) or a supergroup (an id starting with -100). */
export interface GroupChat {
  id: number;
  type: "group" | "supergroup";
  title: string;
}

export type Chat = PrivateChat | GroupChat;

/** What getChat answers (Bot API `ChatFullInfo`): the Chat plus fields every full info carries. */
export type ChatFullInfo = Chat & { accent_color_id: number; max_reaction_count: number };

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
  /** Set for messages sent on behalf of a chat, e.g. the supergroup's own `migrate_from_chat_id` message. */
  sender_chat?: Chat;
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
  /** Service messages in groups. */
  new_chat_members?: User[];
  left_chat_member?: User;
  migrate_to_chat_id?: number;
  migrate_from_chat_id?: number;
}

export interface CallbackQuery {
  id: string;
  from: User;
  message: Message;
  chat_instance: string;
  data: string;
}

/** What an administrator may do (Bot API `ChatMemberAdministrator`'s `can_*` flags for groups). */
export interface AdministratorRights {
  can_be_edited: boolean;
  can_manage_chat: boolean;
  can_delete_messages: boolean;
  can_manage_video_chats: boolean;
  can_restrict_members: boolean;
  can_promote_members: boolean;
  can_change_info: boolean;
  can_invite_users: boolean;
  can_post_stories: boolean;
  can_edit_stories: boolean;
  can_delete_stories: boolean;
  /** Supergroups only. */
  can_pin_messages?: boolean;
  /** Supergroups only. */
  can_manage_topics?: boolean;
}

/** What a restricted member may still do (Bot API `ChatMemberRestricted`). */
export interface MemberRestrictions {
  is_member: boolean;
  can_send_messages: boolean;
  can_send_audios: boolean;
  can_send_documents: boolean;
  can_send_photos: boolean;
  can_send_videos: boolean;
  can_send_video_notes: boolean;
  can_send_voice_notes: boolean;
  can_send_polls: boolean;
  can_send_other_messages: boolean;
  can_add_web_page_previews: boolean;
  can_change_info: boolean;
  can_invite_users: boolean;
  can_pin_messages: boolean;
  can_manage_topics: boolean;
}

export interface ChatMemberOwner {
  status: "creator";
  user: User;
  is_anonymous: boolean;
  custom_title?: string;
}

export interface ChatMemberAdministrator extends AdministratorRights {
  status: "administrator";
  user: User;
  is_anonymous: boolean;
  custom_title?: string;
}

export interface ChatMemberMember {
  status: "member";
  user: User;
  until_date?: number;
}

export interface ChatMemberRestricted extends MemberRestrictions {
  status: "restricted";
  user: User;
  /** 0: restricted forever. */
  until_date: number;
}

export interface ChatMemberLeft {
  status: "left";
  user: User;
}

export interface ChatMemberBanned {
  status: "kicked";
  user: User;
  /** 0: banned forever. */
  until_date: number;
}

export type ChatMember =
  | ChatMemberOwner
  | ChatMemberAdministrator
  | ChatMemberMember
  | ChatMemberRestricted
  | ChatMemberLeft
  | ChatMemberBanned;

export type ChatMemberStatus = ChatMember["status"];

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
  chat_member?: ChatMemberUpdated;
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
