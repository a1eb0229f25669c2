// The bot process (`node src/main.ts`) with known secret values, run against a Bot API that misbehaves in the
// ways that tend to leak tokens: nothing listening at TELEGRAM_API_ROOT (connection errors quote the URL,
// and the URL holds the token: <root>/bot<TOKEN>/getMe), and an API that answers errors quoting the request
// path back. Everything the process writes, stdout and stderr, is searched for every secret.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { kafkaBrokersFromEnv } from "@tickerbell/testkit";
import { afterAll, describe, expect, it } from "vitest";

const packageDir = fileURLToPath(new URL("..", import.meta.url));

const SECRETS = {
  TELEGRAM_TOKEN: "7654321:SecretTelegramBotTokenValue_0123456789",
  ALERTS_API_TOKEN: "alerts-api-secret-for-the-telegram-bot-42",
};
const TOKEN_SECRET_PART = SECRETS.TELEGRAM_TOKEN.split(":")[1]!;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const children: ChildProcess[] = [];
const servers: { close(cb: () => void): void }[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

/** Runs the bot until it exits (or `forMs` passes, then SIGTERM) and returns everything it wrote. */
async function runBot(apiRoot: string, alertsUrl: string, forMs: number): Promise<string> {
  let output = "";
  const child = spawn(process.execPath, ["src/main.ts"], {
    cwd: packageDir,
    env: {
      PATH: process.env.PATH,
      ...SECRETS,
      TELEGRAM_API_ROOT: apiRoot,
      ALERTS_URL: alertsUrl,
      PRICING_URL: alertsUrl,
      KAFKA_BROKERS: kafkaBrokersFromEnv().join(","),
      // Its own group, so it never takes notification partitions from another suite's bot process.
      TELEGRAM_GROUP_ID: `telegram-bot-secrets-${process.pid}`,
      PORT: String(await freePort()),
      LOG_LEVEL: "trace",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  child.stdout?.on("data", (chunk) => {
    output += String(chunk);
  });
  child.stderr?.on("data", (chunk) => {
    output += String(chunk);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const timer = setTimeout(() => child.kill("SIGTERM"), forMs);
  await exited;
  clearTimeout(timer);
  return output;
}

function expectNoSecret(output: string) {
  for (const secret of [
    ...Object.values(SECRETS),
    TOKEN_SECRET_PART,
    encodeURIComponent(SECRETS.TELEGRAM_TOKEN),
  ]) {
    expect(output, `output contains ${secret}`).not.toContain(secret);
  }
}

describe("the telegram bot process never prints its secrets", () => {
  it("when nothing listens at the Bot API root (the failing URL holds the token)", async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const output = await runBot(closed, closed, 30_000);
    // The run did fail, and said so.
    expect(output).toMatch(/ECONNREFUSED|getMe|failed/i);
    expectNoSecret(output);
  });

  it("when the Bot API answers errors that quote the request path", async () => {
    const seen: string[] = [];
    const server = createHttpServer((req, res) => {
      seen.push(req.url ?? "");
      res.writeHead(400, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ ok: false, error_code: 400, description: `Bad Request: no such bot ${req.url}` }),
      );
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const root = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const output = await runBot(root, root, 30_000);
    // The bot really presented its token to this API, so the answers did quote it.
    expect(seen.some((url) => url.includes(TOKEN_SECRET_PART))).toBe(true);
    // The failed start went through the logger (which scrubs), not Node's raw printout of the error.
    expect(output).toContain('"level":"fatal"');
    expect(output).toContain("Bad Request: no such bot");
    expectNoSecret(output);
  });

  it("when the Bot API refuses the token: one sentence naming the variable, no stack trace", async () => {
    const server = createHttpServer((_req, res) => {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: false, error_code: 401, description: "Unauthorized" }));
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const root = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const output = await runBot(root, root, 30_000);
    const fatal = output.split("\n").filter((line) => line.includes('"level":"fatal"'));
    expect(fatal).toHaveLength(1);
    expect(JSON.parse(fatal[0]!).msg).toMatch(/^Telegram refused TELEGRAM_TOKEN \(401 Unauthorized\)/);
    expect(output).not.toContain('"stack"');
    expectNoSecret(output);
  });
});
