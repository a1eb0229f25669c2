// Registers the slash commands with Discord:
//   npm run register -w @tickerbell/discord                  (globally; Discord may take up to an hour to show them)
//   npm run register -w @tickerbell/discord -- --guild <id>  (one guild, instantly: for testing)
// Needs DISCORD_TOKEN; DISCORD_APPLICATION_ID and DISCORD_API_BASE are optional.
import { EnvError } from "@tickerbell/config";
import { REST } from "discord.js";
import { loadRegisterEnv } from "./env.ts";
import { guildFromArgs, registerCommands } from "./registration.ts";

try {
  const env = loadRegisterEnv();
  const rest = new REST({ api: env.DISCORD_API_BASE }).setToken(env.DISCORD_TOKEN);
  const result = await registerCommands({
    rest,
    applicationId: env.DISCORD_APPLICATION_ID,
    guildId: guildFromArgs(process.argv.slice(2)),
  });
  console.log(
    `Registered ${result.count} commands (${result.scope}) for application ${result.applicationId}.`,
  );
} catch (error) {
  console.error(
    error instanceof EnvError ? error.message : `Registration failed: ${(error as Error).message}`,
  );
  process.exit(1);
}
