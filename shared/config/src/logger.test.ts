import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, registerSecret } from "./logger.ts";

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination };
}

describe("logger", () => {
  it("writes structured JSON with the service name and child bindings", () => {
    const { lines, destination } = capture();
    createLogger({ service: "alerts", destination })
      .child({ alertId: "a1" })
      .info({ symbol: "AAPL" }, "hello");
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({
      service: "alerts",
      alertId: "a1",
      symbol: "AAPL",
      msg: "hello",
      level: "info",
    });
  });

  it("redacts secret fields and registered secret values wherever they appear", () => {
    const { lines, destination } = capture();
    registerSecret("s3cr3t-bot-token-value");
    const log = createLogger({ service: "x", destination });
    log.info({ token: "plain-token-field", nested: { authorization: "Bearer abc" } }, "auth");
    log.error({ err: new Error("failed calling https://h/bots3cr3t-bot-token-value/getMe") }, "boom");
    const all = lines.join("\n");
    expect(all).not.toContain("plain-token-field");
    expect(all).not.toContain("Bearer abc");
    expect(all).not.toContain("s3cr3t-bot-token-value");
    expect(all).toContain("[REDACTED]");
  });

  it("redacts a secret with quotes, backslashes or URL characters however it is spelled in the line", () => {
    const { lines, destination } = capture();
    const secret = 'pa"ss\\w@rd/tok en';
    registerSecret(secret);
    const log = createLogger({ service: "x", destination });
    log.info({ quoted: `value ${secret}` }, "as a field");
    log.error({ err: new Error(`GET http://h/bot${encodeURIComponent(secret)}/getMe failed`) }, "in a URL");
    log.info(`message with ${secret}`);
    const all = lines.join("\n");
    for (const spelling of [secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)]) {
      expect(all).not.toContain(spelling);
    }
    expect(all.match(/\[REDACTED\]/g)?.length).toBeGreaterThanOrEqual(4);
  });
});
