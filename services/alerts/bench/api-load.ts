// API load benchmark: the alert service as its own process on a fresh PostgreSQL database, driven open-loop at
// an even request rate. Alert creation first (which also fills the table), then listing; p99 latency and the
// achieved rate for each. Creation is measured twice: first while most of the USERS users make their first
// request (each first contact registers the user, a write of its own), then with every user known, the steady
// state of a running bot. Then what a long history costs a bot: users with 2,000 finished alerts
// and 3 open ones, listed the way the bots do now (status=open) and the way they used to (every alert, here page
// after page), one fetch after another: bytes and requests per fetch, latency, the service's memory. Last, the
// baseline of the create phase in the same run: the same load on a fresh database with ALERTS_CREATE_BATCH_MAX=1,
// each create its own statement and commit, as before creates that arrive together were written together.
// Writes bench-results/api-load.json.
//
// Why not autocannon's overallRate: it lets each connection send its per-second quota back to back at the start
// of every second (500/s over 50 connections arrives as bursts of 500), and its latency correction records each
// response once per millisecond it took (expected interval ceil(1/rate) = 1 ms). Here request i leaves at
// start + i/rate whatever the earlier answers did, and its latency counts from that moment, so a service that
// stalls still shows the queue it built (coordinated omission corrected as wrk2 does).
//
// The per-user command limit (ALERTS_USER_COMMANDS_PER_MINUTE, 60 by default) would refuse almost everything
// at this rate, so the requests are spread over USERS users and the limit is raised for the run; the 100
// open alerts per user limit holds (USERS x 100 is far above what the run creates). Every create has its own
// target, so none is refused as a twin of an earlier one.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { Agent, request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestDatabase } from "@tickerbell/testkit";
import pg from "pg";

const RATE = Number(process.env.BENCH_API_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 20);
/** Keep-alive connections the generator may open; more requests than this queue for a free one. */
const CONNECTIONS = 50;
const REQUEST_TIMEOUT_MS = 10_000;
const USERS = 2_000;
const SYMBOLS = ["AAPL", "MSFT", "TSLA", "NVDA", "AMZN", "GOOG", "META", "AMD", "NFLX", "JPM"];
/** The history phase: users with a long history of finished alerts and a few open ones, fetched in turn. */
const HISTORY_USERS = 20;
const FINISHED_PER_USER = 2_000;
const OPEN_PER_USER = 3;
const HISTORY_FETCHES = 200;

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const RESULT_FILE = join(REPO_ROOT, "bench-results/api-load.json");
const NODE = existsSync(join(REPO_ROOT, "node_modules/.bin/node"))
  ? join(REPO_ROOT, "node_modules/.bin/node")
  : process.execPath;
const log = (line: string) => console.error(`api-load: ${line}`);

const loadAtStart = loadavg()[0];
const db = await createTestDatabase("tb_bench_api");
const token = randomBytes(16).toString("hex");
const port = await freePort();
const baseUrl = `http://127.0.0.1:${port}`;
// BENCH_API_CPU_PROFILE=<dir>: the service writes a V8 CPU profile there when it exits (open it in DevTools).
const profileDir = process.env.BENCH_API_CPU_PROFILE;
const nodeArgs = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${resolve(profileDir)}`] : [];
/** Starts the alert service on `databaseUrl`; `env` adds to (or overrides) the bench's settings. */
function startService(databaseUrl: string, env: Record<string, string> = {}): ChildProcess {
  const child = spawn(NODE, [...nodeArgs, "services/alerts/src/main.ts"], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "production",
      PORT: String(port),
      DATABASE_URL: databaseUrl,
      API_TOKEN_TELEGRAM: token,
      API_TOKEN_INTERNAL: randomBytes(16).toString("hex"),
      ALERTS_USER_COMMANDS_PER_MINUTE: "100000",
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  // Kept for a failure report only; the service logs warnings of its own shutdown under load.
  for (const stream of [child.stdout, child.stderr])
    stream?.on("data", (chunk: Buffer) => serviceOutput.push(String(chunk)));
  return child;
}

async function stopService(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
}

const serviceOutput: string[] = [];
let service = startService(db.url);
let baselineDb: Awaited<ReturnType<typeof createTestDatabase>> | undefined;

let userCounter = 0;
const nextUser = () => String(700_000_000 + (userCounter++ % USERS));
const headers = (user: string) => ({
  authorization: `Bearer ${token}`,
  "x-platform-user-id": user,
  "content-type": "application/json",
});

try {
  await waitReady(service);
  const createBody = (user: string, n: number) =>
    JSON.stringify({
      symbol: SYMBOLS[n % SYMBOLS.length],
      market: { last: 100 },
      origin: { platform: "telegram", chatId: user },
      condition: { kind: "price", direction: "above", target: 150 + n / 100 },
    });
  let created = 0;
  const createRequest = (): PacedRequest => {
    const user = nextUser();
    return { method: "POST", path: "/v1/alerts", headers: headers(user), body: createBody(user, created++) };
  };
  const listRequest = (): PacedRequest => ({
    method: "GET",
    path: "/v1/alerts",
    headers: headers(nextUser()),
  });

  log("warm-up (5 s at 100 requests/s of each)");
  await paced(createRequest, 100, 5);
  await paced(listRequest, 100, 5);

  const createFirstContact = await measured(() => paced(createRequest, RATE, SECONDS));
  log(summary("create, users' first contact included", createFirstContact));
  const create = await measured(() => paced(createRequest, RATE, SECONDS));
  log(summary("create", create));
  const list = await measured(() => paced(listRequest, RATE, SECONDS));
  log(summary("list", list));

  log(
    `history: ${HISTORY_USERS} users with ${FINISHED_PER_USER} finished and ${OPEN_PER_USER} open alerts each`,
  );
  const historyUsers = await seedHistory(createBody);
  const rssBefore = serviceRssMiB();
  const openFetch = await fetchesOf(historyUsers, "status=open");
  const rssAfterOpen = serviceRssMiB();
  const everyFetch = await fetchesOf(historyUsers, "");
  const rssAfterEvery = serviceRssMiB();
  const history = {
    users: HISTORY_USERS,
    finishedPerUser: FINISHED_PER_USER,
    openPerUser: OPEN_PER_USER,
    open: openFetch,
    everyAlert: everyFetch,
    serviceRssMiB: {
      before: rssBefore,
      afterOpenFetches: rssAfterOpen,
      afterEveryAlertFetches: rssAfterEvery,
    },
  };
  log(historySummary(history));

  // The baseline, in the same run: the same create load on a fresh database, each create written alone (one
  // statement, one commit each), as before creates were batched; measured, as the create above, once every user
  // is known.
  await stopService(service);
  baselineDb = await createTestDatabase("tb_bench_api_baseline");
  service = startService(baselineDb.url, { ALERTS_CREATE_BATCH_MAX: "1" });
  await waitReady(service);
  created = 0;
  await paced(createRequest, 100, 5);
  await paced(createRequest, RATE, SECONDS);
  const createAlone = await measured(() => paced(createRequest, RATE, SECONDS));
  log(summary("create, baseline (each create its own statement)", createAlone));

  const result = {
    targetRatePerSec: RATE,
    create: figures(create),
    createFirstContactIncluded: figures(createFirstContact),
    createBaselineUnbatched: figures(createAlone),
    list: figures(list),
    history,
    details: {
      seconds: SECONDS,
      connections: CONNECTIONS,
      users: USERS,
      alertsPerUserAtListTime: Math.round(created / USERS),
      loadAverage1mAtStart: loadAtStart,
      loadAverage1mAtEnd: loadavg()[0],
      note:
        "Open-loop load at an even pace (request i due at start + i/rate, over at most " +
        `${CONNECTIONS} keep-alive connections) against the alert service process (node services/alerts/src/main.ts) ` +
        "on PostgreSQL 127.0.0.1, no Kafka (the outbox rows are written in the create transaction all the same). " +
        `Requests spread over ${USERS} Telegram users; ALERTS_USER_COMMANDS_PER_MINUTE raised to 100000 for the ` +
        "run. Latency counts from when each request was due, not when it left (coordinated omission corrected). " +
        "Same 2-core machine as the load generator.",
    },
  };
  await mkdir(dirname(RESULT_FILE), { recursive: true });
  await writeFile(RESULT_FILE, `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `api load bench (alert service on PostgreSQL, ${RATE} requests/s for ${SECONDS} s each):\n` +
      `  ${summary("create", create)}\n  ${summary("create, users' first contact included", createFirstContact)}\n` +
      `  ${summary("create, baseline (each create its own statement)", createAlone)}\n` +
      `  ${summary("list", list)}\n  ${historySummary(history)}\n` +
      `  written to ${RESULT_FILE}`,
  );
} catch (error) {
  console.error(serviceOutput.join("").slice(-5000));
  throw error;
} finally {
  await stopService(service);
  await db.drop();
  await baselineDb?.drop();
}

interface PacedRequest {
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  body?: string;
}

interface PhaseResult {
  /** Latency of each answered request in ms, from when it was due, sorted. */
  latencies: number[];
  /** Requests due in the phase. */
  sent: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** From the first request's due time to the last answer, in seconds. */
  seconds: number;
}

/** Sends `rate` requests a second for `seconds` at an even pace, whatever the answers do; see the header. */
async function paced(next: () => PacedRequest, rate: number, seconds: number): Promise<PhaseResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const total = Math.round(rate * seconds);
  const latencies: number[] = [];
  const result: PhaseResult = { latencies, sent: 0, non2xx: 0, errors: 0, timeouts: 0, seconds: 0 };
  const start = performance.now();
  let lastAnswer = start;
  const answers: Promise<void>[] = [];
  const send = (dueAt: number) =>
    new Promise<void>((settle) => {
      const spec = next();
      const req = httpRequest(
        { host: "127.0.0.1", port, method: spec.method, path: spec.path, headers: spec.headers, agent },
        (res) => {
          res.resume();
          res.on("end", () => {
            lastAnswer = performance.now();
            latencies.push(lastAnswer - dueAt);
            if ((res.statusCode ?? 0) >= 300) result.non2xx++;
            settle();
          });
        },
      );
      req.setTimeout(REQUEST_TIMEOUT_MS, () => {
        result.timeouts++;
        req.destroy();
      });
      req.on("error", () => {
        result.errors++;
        settle();
      });
      req.end(spec.body);
    });
  while (result.sent < total) {
    const now = performance.now();
    // Everything due by now leaves now (the timer wakes about every millisecond).
    while (result.sent < total && start + (result.sent * 1000) / rate <= now) {
      answers.push(send(start + (result.sent * 1000) / rate));
      result.sent++;
    }
    const nextDue = start + (result.sent * 1000) / rate;
    await new Promise((r) => setTimeout(r, Math.max(0, nextDue - performance.now())));
  }
  await Promise.all(answers);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  result.seconds = (lastAnswer - start) / 1000;
  return result;
}

type Measured = PhaseResult & { serviceCpuMs: number | null; machineBusyPercent: number | null };

/** Runs a load phase and notes the CPU the service process used and how busy the whole machine was meanwhile. */
async function measured(phase: () => Promise<PhaseResult>): Promise<Measured> {
  const cpuBefore = processCpuMs(service.pid);
  const machineBefore = machineCpu();
  const result = await phase();
  const cpuAfter = processCpuMs(service.pid);
  const machineAfter = machineCpu();
  return {
    ...result,
    serviceCpuMs: cpuBefore === null || cpuAfter === null ? null : cpuAfter - cpuBefore,
    machineBusyPercent:
      machineBefore === null || machineAfter === null
        ? null
        : Math.round(
            (100 * (machineAfter.busy - machineBefore.busy)) / (machineAfter.total - machineBefore.total),
          ),
  };
}

/** User + system CPU time of a process in ms (Linux /proc; null elsewhere). */
function processCpuMs(pid: number | undefined): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime and stime are fields 14 and 15 of the line, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** Busy and total CPU time of the whole machine, in clock ticks (Linux /proc/stat; null elsewhere). */
function machineCpu(): { busy: number; total: number } | null {
  try {
    const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/);
    const values = ticks.map(Number);
    const total = values.reduce((a, b) => a + b, 0);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

function percentileOf(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! * 10) / 10;
}

function figures(r: Measured) {
  const answered = r.latencies.length;
  return {
    p50Ms: percentileOf(r.latencies, 0.5),
    p99Ms: percentileOf(r.latencies, 0.99),
    maxMs: percentileOf(r.latencies, 1),
    achievedPerSec: Math.round((answered - r.non2xx) / Math.max(r.seconds, SECONDS)),
    requests: r.sent,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    serviceCpuMsPerRequest:
      r.serviceCpuMs === null || r.sent === 0 ? null : Math.round((100 * r.serviceCpuMs) / r.sent) / 100,
    machineCpuBusyPercent: r.machineBusyPercent,
  };
}

function summary(name: string, r: Measured): string {
  const f = figures(r);
  return `${name}: p99 ${f.p99Ms} ms (p50 ${f.p50Ms} ms, max ${f.maxMs} ms) at ${f.achievedPerSec} requests/s achieved, ${f.requests} requests, ${f.non2xx} non-2xx, ${f.errors} errors; service CPU ${f.serviceCpuMsPerRequest} ms per request, machine ${f.machineCpuBusyPercent}% busy`;
}

/**
 * Users with a long history: each creates its open alerts through the API (which registers the user), and its
 * finished alerts are copied from the first one straight into the table (the API would take minutes).
 */
async function seedHistory(createBody: (user: string, n: number) => string): Promise<string[]> {
  const users = Array.from({ length: HISTORY_USERS }, (_, i) => String(800_000_000 + i));
  for (const user of users) {
    for (let n = 0; n < OPEN_PER_USER; n++) {
      const res = await fetch(`${baseUrl}/v1/alerts`, {
        method: "POST",
        headers: headers(user),
        body: createBody(user, n),
      });
      if (res.status !== 201) throw new Error(`seeding ${user}: ${res.status} ${await res.text()}`);
    }
  }
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    await client.query(
      `insert into alerts
         select (jsonb_populate_record(a, jsonb_build_object(
           'id', gen_random_uuid(),
           'status', (array['triggered', 'expired', 'cancelled'])[1 + g % 3],
           'created_at', a.created_at - make_interval(secs => $1 + 1 - g),
           'updated_at', a.created_at - make_interval(secs => $1 + 1 - g)))).*
         from alerts a
         join (select distinct on (user_id) id from alerts
                where user_id in (select user_id from platform_identities where platform_user_id = any($2))
                order by user_id, created_at) first using (id),
              generate_series(1, $1) g`,
      [FINISHED_PER_USER, users],
    );
    await client.query("analyze alerts");
  } finally {
    await client.end();
  }
  return users;
}

interface FetchFigures {
  /** Requests one fetch of the whole list took (following nextCursor). */
  requestsPerFetch: number;
  alertsPerFetch: number;
  bytesPerFetch: number;
  p50Ms: number;
  p99Ms: number;
}

/** HISTORY_FETCHES fetches of a whole list (every page), one after another, across the history users. */
async function fetchesOf(users: string[], query: string): Promise<FetchFigures> {
  const latencies: number[] = [];
  let requests = 0;
  let alerts = 0;
  let bytes = 0;
  for (let i = 0; i < HISTORY_FETCHES; i++) {
    const user = users[i % users.length]!;
    const started = performance.now();
    let cursor: string | null = null;
    do {
      const params = new URLSearchParams(query);
      params.set("limit", "500");
      if (cursor !== null) params.set("cursor", cursor);
      const res = await fetch(`${baseUrl}/v1/alerts?${params}`, { headers: headers(user) });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`listing ${user}: ${res.status} ${text.slice(0, 200)}`);
      const page = JSON.parse(text) as { alerts: unknown[]; nextCursor: string | null };
      requests++;
      alerts += page.alerts.length;
      bytes += Buffer.byteLength(text);
      cursor = page.nextCursor;
    } while (cursor !== null);
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  return {
    requestsPerFetch: requests / HISTORY_FETCHES,
    alertsPerFetch: alerts / HISTORY_FETCHES,
    bytesPerFetch: Math.round(bytes / HISTORY_FETCHES),
    p50Ms: percentileOf(latencies, 0.5),
    p99Ms: percentileOf(latencies, 0.99),
  };
}

/** The service process's resident memory in MiB (Linux /proc; null elsewhere). */
function serviceRssMiB(): number | null {
  try {
    const line = readFileSync(`/proc/${service.pid}/status`, "utf8")
      .split("\n")
      .find((l) => l.startsWith("VmRSS:"));
    return line ? Math.round(Number(line.split(/\s+/)[1]) / 1024) : null;
  } catch {
    return null;
  }
}

function historySummary(h: {
  open: FetchFigures;
  everyAlert: FetchFigures;
  serviceRssMiB: Record<string, number | null>;
}): string {
  const one = (name: string, f: FetchFigures) =>
    `${name}: ${f.alertsPerFetch} alerts, ${Math.round(f.bytesPerFetch / 1024)} KiB in ${f.requestsPerFetch} request(s), p50 ${f.p50Ms} ms, p99 ${f.p99Ms} ms`;
  const rss = h.serviceRssMiB;
  return `history (per fetch of a user's list): ${one("open alerts (the bots now)", h.open)}; ${one("every alert (before)", h.everyAlert)}; service RSS ${rss.before} -> ${rss.afterOpenFetches} -> ${rss.afterEveryAlertFetches} MiB`;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port: p } = server.address() as { port: number };
      server.close(() => resolvePort(p));
    });
  });
}

async function waitReady(child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the alert service exited with ${child.exitCode}`);
    const ok = await fetch(`${baseUrl}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("the alert service was not ready within a minute");
}
