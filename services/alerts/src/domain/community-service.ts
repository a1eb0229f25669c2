import type { CommunitySettings, Platform } from "@tickerbell/contracts";
import { DomainError } from "./errors.ts";
import type { Clock } from "./ports.ts";

/** Where a community's settings are kept, by its key (`discord:<guildId>`, `telegram:<groupChatId>`). */
export interface CommunitySettingsRepository {
  find(communityKey: string): Promise<CommunitySettings | null>;
  save(communityKey: string, settings: CommunitySettings, at: Date): Promise<void>;
}

/** A Discord server or Telegram group, as a bot names it. */
export interface Community {
  platform: Platform;
  communityId: string;
}

const NONE: CommunitySettings = { alertRoleId: null };

/** The settings of a Discord server or Telegram group; the bot has checked that the caller may manage them. */
export class CommunityService {
  readonly #repository: CommunitySettingsRepository;
  readonly #clock: Clock;

  constructor(options: { repository: CommunitySettingsRepository; clock: Clock }) {
    this.#repository = options.repository;
    this.#clock = options.clock;
  }

  async settings(community: Community): Promise<CommunitySettings> {
    return (await this.#repository.find(keyOf(community))) ?? NONE;
  }

  async update(community: Community, settings: CommunitySettings): Promise<CommunitySettings> {
    // Roles are Discord's: a Telegram group's alert creators are its admins.
    if (community.platform !== "discord" && settings.alertRoleId !== null) {
      throw new DomainError(
        "invalid",
        "no_roles_on_platform",
        `a ${community.platform} community has no roles; only a Discord server sets an alert role`,
      );
    }
    await this.#repository.save(keyOf(community), settings, this.#clock.now());
    return settings;
  }
}

function keyOf(community: Community): string {
  return `${community.platform}:${community.communityId}`;
}
