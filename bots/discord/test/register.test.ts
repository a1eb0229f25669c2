import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { FakeDiscord } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SLASH_COMMANDS } from "../src/commands.ts";

const run = promisify(execFile);
const script = fileURLToPath(new URL("../src/register.ts", import.meta.url));

let fake: FakeDiscord;
beforeAll(async () => {
  fake = await FakeDiscord.start();
});
afterAll(async () => {
  await fake?.close();
});

function register(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, [script, ...args], {
    env: { PATH: process.env.PATH ?? "", DISCORD_TOKEN: fake.token, DISCORD_API_BASE: fake.apiBase, ...env },
  });
}

describe("npm run register", () => {
  it("registers the declared commands for one guild, finding the application id itself", async () => {
    const { stdout } = await register(["--guild", "900000000000000042"]);
    expect(stdout).toBe(
      `Registered 10 commands (guild 900000000000000042) for application ${fake.applicationId}.\n`,
    );
    expect(fake.commandRegistrations()).toMatchObject([{ method: "PUT", guildId: "900000000000000042" }]);
    expect(fake.commandRegistrations()[0]?.body).toEqual(JSON.parse(JSON.stringify(SLASH_COMMANDS)));
    expect(fake.registeredCommands()).toEqual([]);
  });

  it("registers globally with DISCORD_APPLICATION_ID", async () => {
    const { stdout } = await register([], { DISCORD_APPLICATION_ID: fake.applicationId });
    expect(stdout).toMatch(/Registered 10 commands \(global\)/);
    expect(fake.registeredCommands().map((c) => c.name)).toEqual([
      "alert",
      "watchlist",
      "price",
      "chart",
      "link",
      "settings",
      "export",
      "import",
      "webhook",
      "help",
    ]);
  });

  it("fails with a message naming the problem, never the token", async () => {
    const failed = await register([], { DISCORD_TOKEN: "not-the-right-token" }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toMatch(/Registration failed/);
    expect((failed as { stderr: string }).stderr).not.toContain("not-the-right-token");
  });
});
