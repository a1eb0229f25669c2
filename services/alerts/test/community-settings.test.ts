import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPostgresHarness } from "./harness.ts";

// `/settings alert-role @Role`: kept per Discord server, read back by the bot that checks who may create
// channel alerts.
let h: Awaited<ReturnType<typeof startPostgresHarness>>;
beforeAll(async () => {
  h = await startPostgresHarness();
});
afterAll(async () => {
  await h?.close();
});

const GUILD = "5100000000000000001";
const path = (platform: string, id: string) => `/v1/communities/${platform}/${id}/settings`;

describe("community settings", () => {
  it("has no alert role until one is set, keeps it, and clears it with null", async () => {
    const none = await h.api("GET", path("discord", GUILD), { token: "discord" });
    expect(none.status).toBe(200);
    expect(none.body).toEqual({ alertRoleId: null });
    const set = await h.api("PUT", path("discord", GUILD), {
      token: "discord",
      body: { alertRoleId: "5100000000000000002" },
    });
    expect(set.status).toBe(200);
    expect((await h.api("GET", path("discord", GUILD), { token: "discord" })).body).toEqual({
      alertRoleId: "5100000000000000002",
    });
    await h.api("PUT", path("discord", GUILD), { token: "discord", body: { alertRoleId: null } });
    expect((await h.api("GET", path("discord", GUILD), { token: "discord" })).body).toEqual({
      alertRoleId: null,
    });
  });

  it("keeps each server's role apart", async () => {
    await h.api("PUT", path("discord", "5200000000000000001"), {
      token: "discord",
      body: { alertRoleId: "52" },
    });
    expect((await h.api("GET", path("discord", "5200000000000000009"), { token: "discord" })).body).toEqual({
      alertRoleId: null,
    });
  });

  it("refuses another platform's community, a malformed id or role, and a role in a Telegram group", async () => {
    const other = await h.api("GET", path("discord", GUILD), { token: "telegram" });
    expect(other.status).toBe(403);
    const badId = await h.api("GET", path("discord", "my-server"), { token: "discord" });
    expect(badId.status).toBe(400);
    expect(badId.body.error.message).toBe("a Discord server id is a snowflake: 1 to 20 digits");
    const badRole = await h.api("PUT", path("discord", GUILD), {
      token: "discord",
      body: { alertRoleId: "@mods" },
    });
    expect(badRole.status).toBe(400);
    expect(badRole.text).toContain("a Discord id is a snowflake");
    const group = await h.api("PUT", path("telegram", "-1005100000001"), {
      token: "telegram",
      body: { alertRoleId: "1" },
    });
    expect(group.status).toBe(400);
    expect(group.body.error.message).toBe(
      "a telegram community has no roles; only a Discord server sets an alert role",
    );
  });
});
