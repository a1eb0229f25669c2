import { describe, expect, it } from "vitest";
import { MAX_MESSAGE_LENGTH, renderHtml, renderMessages } from "./telegram-bot.ts";

describe("renderHtml", () => {
  it("turns *bold* into <b> and escapes everything the user could have typed", () => {
    expect(renderHtml({ text: "*Your alerts* (2)\n1. <script> & “note”" })).toBe(
      "<b>Your alerts</b> (2)\n1. &lt;script&gt; &amp; “note”",
    );
  });
});

describe("renderMessages", () => {
  it("keeps a short reply in one message", () => {
    expect(renderMessages({ text: "*Hi*\nthere" })).toEqual(["<b>Hi</b>\nthere"]);
  });

  it("splits a long reply between lines, every message within Telegram's limit, losing nothing", () => {
    const lines = Array.from(
      { length: 100 },
      (_, i) => `${i + 1}. AAPL above $${200 + i}.00 · “${"n".repeat(150)}”`,
    );
    const messages = renderMessages({ text: lines.join("\n") });
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) expect(m.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    expect(messages.join("\n")).toBe(lines.join("\n"));
  });

  it("cuts a single line longer than the limit, even one that escapes to five times its length", () => {
    const messages = renderMessages({ text: "&".repeat(5000) });
    for (const m of messages) expect(m.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    expect(messages.join("").replaceAll("&amp;", "&").replaceAll("\n", "")).toBe("&".repeat(5000));
  });
});
