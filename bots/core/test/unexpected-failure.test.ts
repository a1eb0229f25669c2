import { Writable } from "node:stream";
import { createLogger } from "@tickerbell/config";
import { describe, expect, it } from "vitest";
import { AlertsClient } from "../src/clients/alerts-client.ts";
import { CommandHandler } from "../src/handler/command-handler.ts";
import type { ChatContext, PriceLookup } from "../src/handler/ports.ts";

// The last line of defence of a command: a failure no check foresaw answers the user with an apology and is
// logged once; it never escapes to the adapter (where it crashed the console and silenced the bots).

const prices: PriceLookup = { quote: async () => null, search: async () => [] };
const chat: ChatContext = { platform: "telegram", platformUserId: "777", chatId: "777", displayName: "Ann" };

function handlerWith(now: () => Date) {
  const lines: string[] = [];
  const logger = createLogger({
    service: "bot-core-unexpected",
    destination: new Writable({
      write: (chunk, _encoding, done) => {
        lines.push(String(chunk));
        done();
      },
    }),
  });
  // Never reached: the failure happens before any request (port 9 is discard; nothing listens).
  const alerts = new AlertsClient({
    baseUrl: "http://127.0.0.1:9",
    token: "unused-token-000",
    platform: "telegram",
  });
  return { handler: new CommandHandler({ alerts, prices, logger, now }), lines };
}

describe("an unexpected failure while handling a command", () => {
  it("answers with an apology and logs it once", async () => {
    // A clock gone wrong: every date computed from it is invalid, which no grammar check expects.
    const { handler, lines } = handlerWith(() => new Date(Number.NaN));
    const reply = await handler.handleText(chat, "/alert AAPL above 200 expires 7d");
    expect(reply.text).toMatch(/^Sorry, something went wrong on our side/);
    const logged = lines.filter((l) => l.includes("unexpected failure handling a command"));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/RangeError/);
  });
});
