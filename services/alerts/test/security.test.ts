import { type ChildProcess, spawn } from "node:child_process";
import { request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { createTestDatabase, type TestDatabase } from "@tickerbell/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Answer,
  anotherPriceAlert,
  origin,
  priceAlert,
  sql,
  startPostgresHarness,
  TOKENS,
} from "./harness.ts";

/**
 * Nobody reaches what is not theirs: every route group refuses missing, wrong and out-of-scope tokens; alerts
 * are scoped to their owner and bot tokens to their platform; link codes resist guessing, expire and work
 * once; each user has a command allowance; and no secret reaches the logs of the running process.
 */

let h: Awaited<ReturnType<typeof startPostgresHarness>>;
let aliceAlert: string;
let discordAlert: string;
beforeAll(async () => {
  h = await startPostgresHarness({ userCommandsPerMinute: 1_000 });
  aliceAlert = (await h.api("POST", "/v1/alerts", { as: "alice", body: priceAlert({ note: "alice's" }) }))
    .body.id;
  discordAlert = (
    await h.api("POST", "/v1/alerts", {
      token: "discord",
      as: "777",
      body: priceAlert({ origin: origin("discord", "dm-777") }),
    })
  ).body.id;
  expect(aliceAlert).toBeDefined();
  expect(discordAlert).toBeDefined();
});
afterAll(async () => {
  await h?.close();
});

type Group = "bot" | "internal";
/** Every authenticated route, one request each that would succeed with the right token. */
const ROUTES: { group: Group; method: string; path: () => string; body?: () => unknown }[] = [
  { group: "bot", method: "POST", path: () => "/v1/users/resolve", body: () => ({ platformUserId: "x1" }) },
  { group: "bot", method: "GET", path: () => "/v1/watchlist" },
  { group: "bot", method: "POST", path: () => "/v1/watchlist", body: () => ({ symbols: ["MSFT"] }) },
  { group: "bot", method: "DELETE", path: () => "/v1/watchlist/MSFT" },
  { group: "bot", method: "POST", path: () => "/v1/alerts", body: () => priceAlert() },
  { group: "bot", method: "GET", path: () => "/v1/alerts" },
  { group: "bot", method: "GET", path: () => `/v1/alerts/${aliceAlert}` },
  {
    group: "bot",
    method: "PATCH",
    path: () => `/v1/alerts/${aliceAlert}`,
    body: () => ({ note: "changed" }),
  },
  { group: "bot", method: "DELETE", path: () => `/v1/alerts/${aliceAlert}` },
  { group: "bot", method: "POST", path: () => "/v1/link-codes" },
  { group: "bot", method: "POST", path: () => "/v1/link-codes/redeem", body: () => ({ code: "ABCDEFGH" }) },
  { group: "bot", method: "GET", path: () => "/v1/deliveries/undeliverable" },
  { group: "bot", method: "POST", path: () => "/v1/deliveries/undeliverable/ack" },
  { group: "bot", method: "GET", path: () => `/v1/deliveries/${aliceAlert}:0` },
  {
    group: "bot",
    method: "PUT",
    path: () => `/v1/deliveries/${aliceAlert}:0`,
    body: () => ({ alertId: aliceAlert, status: "sent" }),
  },
  {
    group: "bot",
    method: "POST",
    path: () => "/v1/deliveries/lookup",
    body: () => ({ triggerIds: [`${aliceAlert}:0`] }),
  },
  {
    group: "bot",
    method: "PUT",
    path: () => "/v1/deliveries",
    body: () => ({ records: [{ triggerId: `${aliceAlert}:1`, alertId: aliceAlert, status: "sent" }] }),
  },
  { group: "internal", method: "GET", path: () => "/v1/internal/alerts" },
  { group: "internal", method: "GET", path: () => "/v1/internal/demand" },
];

const TABLES = [
  "users",
  "platform_identities",
  "alerts",
  "alert_triggers",
  "outbox",
  "watchlist_items",
  "link_codes",
  "deliveries",
];
async function snapshot() {
  const counts = await sql(
    h.db.url,
    `select ${TABLES.map((t) => `(select count(*)::int from ${t}) as ${t}`).join(", ")}`,
  );
  const alerts = await sql(h.db.url, "select * from alerts order by id");
  return { counts: counts[0], alerts };
}

function expectRefused(res: Answer, status: number, code: string) {
  expect(res.status, res.text).toBe(status);
  expect(res.body.error.code).toBe(code);
  expect(res.body.error.message.length).toBeGreaterThan(0);
}

describe("tokens on every route group", () => {
  const WRONG: [string, string | null][] = [
    ["no token", null],
    ["an unknown token", "definitely-not-a-token"],
    ["a token missing its last character", TOKENS.telegram.slice(0, -1)],
    ["a token with a character more", `${TOKENS.internal}0`],
    ["a token in other case", TOKENS.discord.toUpperCase()],
    ["two tokens", `${TOKENS.telegram} ${TOKENS.internal}`],
  ];

  it("answers 401 with WWW-Authenticate to a missing or wrong token on every route, and changes nothing", async () => {
    const before = await snapshot();
    for (const route of ROUTES) {
      for (const [name, token] of WRONG) {
        const body = route.body?.();
        const res = await h.api(route.method, route.path(), {
          token,
          as: "alice",
          ...(body ? { body } : {}),
        });
        expect(res.status, `${name} on ${route.method} ${route.path()}`).toBe(401);
        expect(res.body.error.code).toBe("unauthorized");
        expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
      }
      // The right secret in another scheme is no bearer token either.
      const basic = await h.api(route.method, route.path(), {
        token: null,
        as: "alice",
        headers: { authorization: `Basic ${Buffer.from(`x:${TOKENS.internal}`).toString("base64")}` },
      });
      expect(basic.status).toBe(401);
    }
    expect(await snapshot()).toEqual(before);
  });

  it("refuses the internal token on every bot route and every bot token on every internal route (403)", async () => {
    const before = await snapshot();
    for (const route of ROUTES) {
      const tokens =
        route.group === "bot" ? (["internal"] as const) : (["telegram", "discord", "console"] as const);
      for (const token of tokens) {
        const body = route.body?.();
        const res = await h.api(route.method, route.path(), {
          token,
          as: "alice",
          ...(body ? { body } : {}),
        });
        expect(res.status, `${token} on ${route.method} ${route.path()}`).toBe(403);
        expect(res.body.error.code).toBe("forbidden");
      }
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe("another user's alert, by id", () => {
  it.each([
    ["reading", "GET", undefined],
    ["renaming the note", "PATCH", { note: "mallory was here" }],
    ["pausing", "PATCH", { status: "paused" }],
    ["changing repeat and expiry", "PATCH", { repeat: { cooldownSeconds: 60 }, expiresAt: null }],
    ["deleting", "DELETE", undefined],
  ])(
    "%s it answers 404, as for an id that does not exist, and the row is unchanged",
    async (_name, method, body) => {
      const [before] = await sql(h.db.url, "select * from alerts where id = $1", [aliceAlert]);
      const outboxBefore = await sql(h.db.url, "select count(*)::int as n from outbox");
      const res = await h.api(method, `/v1/alerts/${aliceAlert}`, {
        as: "mallory",
        ...(body ? { body } : {}),
      });
      expectRefused(res, 404, "alert_not_found");
      // Indistinguishable from a random id: the answer does not reveal that the alert exists.
      const missing = "00000000-0000-4000-8000-0000000000ff";
      const none = await h.api(method, `/v1/alerts/${missing}`, { as: "mallory", ...(body ? { body } : {}) });
      expect(none.status).toBe(404);
      expect(none.body.error.message.replace(missing, "ID")).toBe(
        res.body.error.message.replace(aliceAlert, "ID"),
      );
      const [after] = await sql(h.db.url, "select * from alerts where id = $1", [aliceAlert]);
      expect(after).toEqual(before);
      expect(await sql(h.db.url, "select count(*)::int as n from outbox")).toEqual(outboxBefore);
    },
  );

  it("never lists it, whatever the filter", async () => {
    for (const query of ["", "?symbol=AAPL", "?status=active"]) {
      const res = await h.api("GET", `/v1/alerts${query}`, { as: "mallory" });
      expect(res.status).toBe(200);
      expect(res.body.alerts.map((a: { id: string }) => a.id)).not.toContain(aliceAlert);
    }
  });
});

describe("a bot token is scoped to its platform", () => {
  it("a Telegram token naming the Discord user's id acts for a different, Telegram user", async () => {
    const [before] = await sql(h.db.url, "select * from alerts where id = $1", [discordAlert]);
    for (const [method, body] of [
      ["GET", undefined],
      ["PATCH", { note: "from telegram" }],
      ["DELETE", undefined],
    ] as const) {
      const res = await h.api(method, `/v1/alerts/${discordAlert}`, {
        token: "telegram",
        as: "777",
        ...(body ? { body } : {}),
      });
      expectRefused(res, 404, "alert_not_found");
    }
    const list = await h.api("GET", "/v1/alerts", { token: "telegram", as: "777" });
    expect(list.body.alerts).toEqual([]);
    const [after] = await sql(h.db.url, "select * from alerts where id = $1", [discordAlert]);
    expect(after).toEqual(before);
  });

  it("cannot create an alert that notifies on Discord", async () => {
    const res = await h.api("POST", "/v1/alerts", {
      token: "telegram",
      as: "777",
      body: priceAlert({ origin: origin("discord", "dm-777") }),
    });
    expectRefused(res, 403, "platform_mismatch");
  });

  it("cannot see or write the delivery log of a Discord notification", async () => {
    const triggerId = `${discordAlert}:0`;
    const put = await h.api("PUT", `/v1/deliveries/${triggerId}`, {
      token: "telegram",
      body: { alertId: discordAlert, status: "undeliverable", reason: "blocked" },
    });
    expect(put.status).toBe(404);
    expect(await sql(h.db.url, "select * from deliveries where trigger_id = $1", [triggerId])).toEqual([]);
    const recorded = await h.api("PUT", `/v1/deliveries/${triggerId}`, {
      token: "discord",
      body: { alertId: discordAlert, status: "sent" },
    });
    expect(recorded.status).toBe(201);
    const seen = await h.api("GET", `/v1/deliveries/${triggerId}`, { token: "telegram" });
    expect(seen.body.state).toBe("new");
  });

  it("registers every identity it names on its own platform only", async () => {
    await h.api("POST", "/v1/users/resolve", { token: "telegram", body: { platformUserId: "888" } });
    const rows = await sql(
      h.db.url,
      "select platform from platform_identities where platform_user_id = '888'",
    );
    expect(rows).toEqual([{ platform: "telegram" }]);
  });
});

describe("link codes", () => {
  const redeem = (as: string, code: string, token: keyof typeof TOKENS = "discord") =>
    h.api("POST", "/v1/link-codes/redeem", { token, as, body: { code } });
  const newCode = async (as: string) =>
    (await h.api("POST", "/v1/link-codes", { token: "telegram", as })).body.code as string;

  it("lets an identity guess wrong 5 times, then answers 429 with Retry-After, even to the right code", async () => {
    const right = await newCode("lc-owner");
    const ownerIdentities = () =>
      sql(
        h.db.url,
        "select count(*)::int as n from platform_identities where user_id = (select user_id from platform_identities where platform_user_id = 'lc-owner' and platform = 'telegram')",
      );
    expect(await ownerIdentities()).toEqual([{ n: 1 }]);
    for (let i = 0; i < 5; i++)
      expectRefused(await redeem("lc-guesser", `GUESS${i}XX`), 404, "invalid_link_code");
    for (const code of ["GUESS9XX", right]) {
      const res = await redeem("lc-guesser", code);
      expectRefused(res, 429, "too_many_attempts");
      const wait = Number(res.headers.get("retry-after"));
      expect(wait).toBeGreaterThan(0);
      expect(wait).toBeLessThanOrEqual(600);
      expect(res.body.error.details.retryAfterSeconds).toBe(wait);
    }
    // Refused redemptions linked nothing to the code's owner.
    expect(await ownerIdentities()).toEqual([{ n: 1 }]);
    // The limit holds across the guesser's commands on every route: a new code does not reset it.
    await h.api("GET", "/v1/alerts", { token: "discord", as: "lc-guesser" });
    expectRefused(await redeem("lc-guesser", right), 429, "too_many_attempts");
  });

  it("expires a code 10 minutes after it was made", async () => {
    const code = await newCode("lc-slow");
    h.clock.advance(10 * 60_000 + 1_000);
    expectRefused(await redeem("lc-slow-joiner", code), 404, "invalid_link_code");
  });

  it("still accepts a code just before its 10 minutes are up", async () => {
    const code = await newCode("lc-edge");
    h.clock.advance(10 * 60_000 - 1_000);
    expect((await redeem("lc-edge-joiner", code)).status).toBe(200);
  });

  it("works once: a second identity cannot redeem the same code", async () => {
    const code = await newCode("lc-once");
    expect((await redeem("lc-once-dc", code)).status).toBe(200);
    expectRefused(await redeem("lc-once-console", code, "console"), 404, "invalid_link_code");
    const identities = await sql(
      h.db.url,
      "select count(*)::int as n from platform_identities where platform_user_id = 'lc-once-console' and platform = 'console'",
    );
    // The refused identity is only registered as itself (first contact), never joined to the code's user.
    const [owner] = await sql(
      h.db.url,
      "select user_id from platform_identities where platform_user_id = 'lc-once' and platform = 'telegram'",
    );
    const [other] = await sql(
      h.db.url,
      "select user_id from platform_identities where platform_user_id = 'lc-once-console' and platform = 'console'",
    );
    expect(identities[0].n).toBe(1);
    expect(other.user_id).not.toBe(owner.user_id);
  });
});

describe("per-user command rate limit", () => {
  let limited: Awaited<ReturnType<typeof startPostgresHarness>>;
  beforeAll(async () => {
    limited = await startPostgresHarness({ userCommandsPerMinute: 5 });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it("refuses a user's commands past the allowance with 429 and Retry-After, creating nothing, and spares others", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      statuses.push(
        (await limited.api("POST", "/v1/alerts", { as: "spammer", body: anotherPriceAlert() })).status,
      );
    }
    expect(statuses).toEqual([201, 201, 201, 201, 201, 429, 429, 429]);
    const refused = await limited.api("GET", "/v1/alerts", { as: "spammer" });
    expectRefused(refused, 429, "rate_limited");
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    const [count] = await sql(limited.db.url, "select count(*)::int as n from alerts");
    expect(count.n).toBe(5);
    // The same id on another platform is another user; so is anyone else.
    expect((await limited.api("GET", "/v1/alerts", { token: "discord", as: "spammer" })).status).toBe(200);
    expect((await limited.api("GET", "/v1/alerts", { as: "bystander" })).status).toBe(200);
  });
});

describe("secrets never reach the logs of the alert service process", () => {
  const packageDir = fileURLToPath(new URL("..", import.meta.url));
  const SECRETS = {
    API_TOKEN_DISCORD: "proc-discord-token-5b1f0c9e",
    API_TOKEN_TELEGRAM: "proc-telegram-token-77aa31d4",
    API_TOKEN_CONSOLE: "proc-console-token-c0ffee42",
    API_TOKEN_INTERNAL: "proc-internal-token-9e8d7c6b",
  };
  const DB_PASSWORD = "Db-Passw0rd-n3ver-logged";
  let db: TestDatabase;
  const children: ChildProcess[] = [];

  async function freePort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  function withPassword(url: string): string {
    const u = new URL(url);
    // Trust authentication on the test server accepts any password; the point is that the URL carries one.
    u.password = DB_PASSWORD;
    return u.toString();
  }

  /** Starts `node src/main.ts`; everything it writes to stdout and stderr is collected. */
  function startProcess(databaseUrl: string, port: number) {
    const state = { output: "" };
    const child = spawn(process.execPath, ["src/main.ts"], {
      cwd: packageDir,
      env: {
        PATH: process.env.PATH,
        ...SECRETS,
        DATABASE_URL: databaseUrl,
        PORT: String(port),
        LOG_LEVEL: "trace",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    child.stdout?.on("data", (chunk) => {
      state.output += String(chunk);
    });
    child.stderr?.on("data", (chunk) => {
      state.output += String(chunk);
    });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    return { child, state, exited };
  }

  async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 30_000) {
    const deadline = Date.now() + timeoutMs;
    while (!(await condition().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  function expectNoSecret(output: string, databaseUrl: string) {
    for (const secret of [
      ...Object.values(SECRETS),
      DB_PASSWORD,
      databaseUrl,
      encodeURIComponent(DB_PASSWORD),
    ]) {
      expect(output.includes(secret), `the output contains ${secret}`).toBe(false);
    }
  }

  beforeAll(async () => {
    db = await createTestDatabase("tb_alerts_secrets");
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    // Connections may have been refused during the scenario; let the drop through either way.
    await sql(
      db.url.replace(/\/[^/]*$/, "/postgres"),
      `alter database "${db.name}" allow_connections true`,
    ).catch(() => {});
    await db?.drop();
  });

  it("through bad tokens, tokens in URLs and bodies, malformed requests, a database outage and shutdown", async () => {
    const databaseUrl = withPassword(db.url);
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const { child, state, exited } = startProcess(databaseUrl, port);
    await waitFor("the service to answer", async () => (await fetch(`${base}/readyz`)).status === 200).catch(
      (error: Error) => {
        throw new Error(`${error.message}; its output:\n${state.output}`);
      },
    );
    const call = async (
      method: string,
      path: string,
      token: string | null,
      init: { body?: string; headers?: Record<string, string> } = {},
    ) => {
      const headers: Record<string, string> = {
        "content-type": "application/json",
        "x-platform-user-id": "p1",
        ...init.headers,
      };
      if (token !== null) headers.authorization = `Bearer ${token}`;
      const res = await fetch(`${base}${path}`, {
        method,
        headers,
        ...(init.body === undefined ? {} : { body: init.body }),
      });
      return { status: res.status, text: await res.text() };
    };
    const answers: string[] = [];
    // Refusals must not quote a secret back (a success may echo what its caller wrote, e.g. a note).
    const record = (a: { status: number; text: string }) => {
      if (a.status >= 400) answers.push(a.text);
      return a;
    };

    // Good and bad tokens, every secret presented where it does not belong.
    expect(
      record(
        await call("POST", "/v1/alerts", SECRETS.API_TOKEN_TELEGRAM, {
          body: JSON.stringify(priceAlert({ note: "fine" })),
        }),
      ).status,
    ).toBe(201);
    for (const secret of Object.values(SECRETS)) {
      record(await call("GET", "/v1/alerts", `${secret}x`));
      record(await call("GET", `/v1/alerts?token=${secret}&apiKey=${secret}`, secret));
      record(await call("GET", `/v1/${secret}/alerts`, secret));
      record(await call("GET", `/bot${secret}/getMe`, null));
      record(
        await call("POST", "/v1/alerts", secret, { body: JSON.stringify(priceAlert({ note: secret })) }),
      );
      record(await call("POST", "/v1/alerts", secret, { body: `{"note": "${secret}", ` }));
      record(
        await call("POST", "/v1/alerts", secret, {
          body: JSON.stringify({ ...priceAlert(), [secret]: secret }),
        }),
      );
      record(
        await call("POST", "/v1/alerts", secret, { body: JSON.stringify(priceAlert({ symbol: secret })) }),
      );
      record(await call("GET", "/v1/alerts", secret, { headers: { "x-platform-user-id": secret } }));
      record(
        await call("GET", "/v1/internal/demand", null, { headers: { authorization: `Basic ${secret}` } }),
      );
      record(
        await call("POST", `/v1/users/resolve?password=${DB_PASSWORD}`, secret, {
          body: JSON.stringify({ platformUserId: "p1", displayName: DB_PASSWORD }),
        }),
      );
    }
    // Too large: answered 413 at once, and the connection may close before the client has written it all.
    // On a connection of its own: the server answers 413 at once and closes it before the client is done.
    const tooLarge = await new Promise<number | undefined>((resolve) => {
      const req = httpRequest(`${base}/v1/alerts`, {
        method: "POST",
        agent: false,
        headers: {
          authorization: `Bearer ${SECRETS.API_TOKEN_TELEGRAM}`,
          "x-platform-user-id": "p1",
          "content-type": "application/json",
        },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on("error", () => resolve(undefined));
      req.end("x".repeat(2 * 1024 * 1024));
    });
    expect([413, undefined]).toContain(tooLarge);
    record(await call("GET", `/v1/alerts/${"%zz"}`, SECRETS.API_TOKEN_TELEGRAM));

    // The database goes away: requests fail with 500 and the errors are logged.
    const admin = db.url.replace(/\/[^/]*$/, "/postgres");
    await sql(admin, `alter database "${db.name}" allow_connections false`);
    await sql(admin, "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1", [db.name]);
    const failures: number[] = [];
    for (const secret of Object.values(SECRETS)) {
      failures.push(record(await call("GET", "/v1/alerts", secret)).status);
      failures.push(record(await call("GET", "/v1/internal/alerts", secret)).status);
    }
    failures.push(record(await call("GET", "/readyz", null)).status);
    expect(failures.some((s) => s >= 500)).toBe(true);
    await sql(admin, `alter database "${db.name}" allow_connections true`);
    await waitFor("the service to recover", async () => (await fetch(`${base}/readyz`)).status === 200);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    const output = state.output;
    // The scenario really went through the paths that log: requests, failures, shutdown.
    expect(output).toContain('"msg":"request"');
    expect(output).toContain("request failed");
    expect(output).toContain("shutting down");
    expectNoSecret(output, databaseUrl);
    expectNoSecret(answers.join("\n"), databaseUrl);
  });

  it("when it cannot reach the database at start", async () => {
    const unreachable = withPassword(`postgres://postgres@127.0.0.1:${await freePort()}/nowhere`);
    const { state, exited } = startProcess(unreachable, await freePort());
    expect(await exited).not.toBe(0);
    expect(state.output).toMatch(/ECONNREFUSED/);
    expectNoSecret(state.output, unreachable);
  });
});
