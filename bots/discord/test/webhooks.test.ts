import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newUser, type Stack, startStack } from "./harness.ts";

// /webhook on Discord: subcommands through the real discord.js client against the fake Discord, the real alert
// service behind. Deliveries and address refusals in depth are the alert service's suite.
let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
});

describe("/webhook on Discord", () => {
  it("add shows the secret once, privately; list, test and remove take the number from the list", async () => {
    const user = newUser();
    // A public address (creation only checks it; nothing is sent until a firing or a test).
    const url = "https://93.184.215.14/tickerbell";
    const added = await stack.fake.slashCommand(user, "webhook add", { url }).reply();
    expect(added.flags & 64).toBe(64);
    expect(added.content).toMatch(
      /^✅ Webhook added: https:\/\/93\.184\.215\.14\/tickerbell\n.*\nwhsec_[0-9a-f]{64}\nCheck it with \/webhook test 1\.$/,
    );
    const listed = await stack.fake.slashCommand(user, "webhook list").reply();
    expect(listed.content).toContain(`1. ${url} · on, nothing delivered yet`);
    expect(listed.content).not.toContain("whsec_");
    const removed = await stack.fake.slashCommand(user, "webhook remove", { webhook: "1" }).reply();
    expect(removed.content).toBe(`Removed the webhook ${url}.`);
    const none = await stack.fake.slashCommand(user, "webhook test", { webhook: "1" }).reply();
    expect(none.content).toBe("You have no webhooks.");
  });

  it("refuses loopback, private and metadata addresses with the reason", async () => {
    const user = newUser();
    for (const [url, reason] of [
      ["http://127.0.0.1:8081/v1/alerts", /^The address 127\.0\.0\.1 is a loopback address/],
      ["http://169.254.169.254/latest/meta-data", /link-local \(cloud metadata\)/],
      ["http://[fd00::1]/x", /unique local \(private\)/],
    ] as const) {
      const reply = await stack.fake.slashCommand(user, "webhook add", { url }).reply();
      expect(reply.content, url).toMatch(reason);
    }
    expect((await stack.fake.slashCommand(user, "webhook list").reply()).content).toMatch(
      /^You have no webhooks/,
    );
  });
});
