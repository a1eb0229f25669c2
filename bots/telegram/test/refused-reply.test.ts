import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type World } from "./harness.ts";

// Apart from commands.test.ts, whose last test holds that Telegram refused no reply but with a 429.
let world: World;
beforeAll(async () => {
  world = await startWorld();
});
afterAll(async () => {
  await world?.close();
});

describe("a reply Telegram refuses", () => {
  it("is followed by an apology in its place, instead of leaving the user unanswered", async () => {
    const rex = { id: 1098, first_name: "Rex" };
    // Telegram refuses the bot's answer once (as it does a message it cannot parse).
    world.telegram.failNext(1, 400, {
      methods: ["sendMessage"],
      description: "Bad Request: can't parse entities",
    });
    const reply = await world.say(rex, "/price AAPL");
    expect(reply.text).toBe("Sorry, something went wrong on our side. Please try again in a moment.");
    expect(world.telegram.messagesTo(rex.id)).toHaveLength(1);
  });
});
