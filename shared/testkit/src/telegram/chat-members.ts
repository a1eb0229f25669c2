import type {
  AdministratorRights,
  ChatMember,
  ChatMemberStatus,
  GroupChat,
  MemberRestrictions,
  User,
} from "./types.ts";

/** Real basic group ids are negative; supergroup ids are -100 followed by the channel id (below -10^12). */
const SUPERGROUP_ID_BOUND = -1_000_000_000_000;

/** A member of a fake group as tests describe one; the `can_*` flags default to a typical member or admin. */
export interface FakeMemberOptions {
  /** Administrators: rights that differ from the defaults (all true but `can_be_edited` and `can_promote_members`). */
  rights?: Partial<AdministratorRights>;
  /** Restricted members: what differs from the defaults (a member who may not send anything). */
  restrictions?: Partial<MemberRestrictions>;
  /** Administrators and the creator. */
  customTitle?: string;
  /** Restricted and kicked members: when it ends, unix seconds (0, the default: never). */
  untilDate?: number;
}

/** Builds the ChatMember object the Bot API answers for `status`, with every field the status requires. */
export function chatMember(
  user: User,
  status: ChatMemberStatus,
  chatType: GroupChat["type"],
  options: FakeMemberOptions = {},
): ChatMember {
  const title = options.customTitle === undefined ? {} : { custom_title: options.customTitle };
  switch (status) {
    case "creator":
      return { status, user, is_anonymous: false, ...title };
    case "administrator":
      return {
        status,
        user,
        is_anonymous: false,
        ...administratorRights(chatType, options.rights),
        ...title,
      };
    case "member":
      return { status, user };
    case "restricted":
      return {
        status,
        user,
        ...noPermissions(),
        ...options.restrictions,
        until_date: options.untilDate ?? 0,
      };
    case "left":
      return { status, user };
    case "kicked":
      return { status, user, until_date: options.untilDate ?? 0 };
    default:
      throw new Error(`Unknown chat member status ${JSON.stringify(status)}`);
  }
}

/** Whether the member is in the chat now: can read it, be mentioned and (unless restricted) write. */
export function isInChat(member: ChatMember | undefined): boolean {
  if (member === undefined) return false;
  if (member.status === "restricted") return member.is_member;
  return member.status !== "left" && member.status !== "kicked";
}

export function isAdministrator(member: ChatMember | undefined): boolean {
  return member?.status === "creator" || member?.status === "administrator";
}

/** Refuses ids real Telegram could not give a chat of that type, naming the expected shape. */
export function checkGroupId(id: number, type: GroupChat["type"]): void {
  if (!Number.isSafeInteger(id) || id >= 0) {
    throw new Error(`A ${type} id must be a negative integer, got ${id}`);
  }
  if (type === "supergroup" && id > SUPERGROUP_ID_BOUND) {
    throw new Error(`A supergroup id starts with -100 (e.g. -1001234567890), got ${id}`);
  }
  if (type === "group" && id <= SUPERGROUP_ID_BOUND) {
    throw new Error(`A basic group id is above -1000000000000 (e.g. -4518810793), got ${id}`);
  }
}

function administratorRights(
  chatType: GroupChat["type"],
  overrides: Partial<AdministratorRights> | undefined,
): AdministratorRights {
  return {
    can_be_edited: false,
    can_manage_chat: true,
    can_delete_messages: true,
    can_manage_video_chats: true,
    can_restrict_members: true,
    can_promote_members: false,
    can_change_info: true,
    can_invite_users: true,
    can_post_stories: true,
    can_edit_stories: true,
    can_delete_stories: true,
    // Pinning and topics are announced for supergroups only.
    ...(chatType === "supergroup" ? { can_pin_messages: true, can_manage_topics: false } : {}),
    ...overrides,
  };
}

function noPermissions(): MemberRestrictions {
  return {
    is_member: true,
    can_send_messages: false,
    can_send_audios: false,
    can_send_documents: false,
    can_send_photos: false,
    can_send_videos: false,
    can_send_video_notes: false,
    can_send_voice_notes: false,
    can_send_polls: false,
    can_send_other_messages: false,
    can_add_web_page_previews: false,
    can_change_info: false,
    can_invite_users: false,
    can_pin_messages: false,
    can_manage_topics: false,
  };
}
