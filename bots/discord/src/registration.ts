import { type APIApplication, type REST, Routes } from "discord.js";
import { SLASH_COMMANDS } from "./commands.ts";

export interface RegistrationTarget {
  rest: REST;
  /** When unknown, asked from Discord (GET /applications/@me). */
  applicationId?: string | undefined;
  /** Register for one guild (instant, for testing) instead of globally (can take up to an hour to show). */
  guildId?: string | undefined;
}

/**
 * Replaces the application's slash commands with the ones this bot declares (a bulk overwrite: commands no
 * longer declared disappear). Returns the application id and how many commands Discord now lists.
 */
export async function registerCommands(
  target: RegistrationTarget,
): Promise<{ applicationId: string; count: number; scope: string }> {
  const applicationId =
    target.applicationId ?? ((await target.rest.get(Routes.currentApplication())) as APIApplication).id;
  const route = target.guildId
    ? Routes.applicationGuildCommands(applicationId, target.guildId)
    : Routes.applicationCommands(applicationId);
  const registered = (await target.rest.put(route, { body: SLASH_COMMANDS })) as unknown[];
  return {
    applicationId,
    count: registered.length,
    scope: target.guildId ? `guild ${target.guildId}` : "global",
  };
}

/** `--guild <id>` from the command line, if given. */
export function guildFromArgs(args: readonly string[]): string | undefined {
  const index = args.findIndex((a) => a === "--guild" || a.startsWith("--guild="));
  if (index === -1) return undefined;
  const arg = args[index]!;
  const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : args[index + 1];
  if (!value || !/^\d{17,20}$/.test(value)) throw new Error("--guild needs a guild id (17 to 20 digits)");
  return value;
}
