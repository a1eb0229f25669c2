// API load benchmark: the alert service as its own process on a fresh PostgreSQL database, driven by
// autocannon at a fixed request rate. Alert creation first (which also fills the table), then listing; p99
// latency and the achieved rate for each. Writes bench-results/api-load.json.
//
// The per-user command limit (ALERTS_USER_COMMANDS_PER_MINUTE, 30 by default) would refuse almost everything
// at this rate, so the requests are spread over USERS users and the limit is raised for the run; the 100
// open alerts per user limit holds (USERS x 100 is far above what the run creates).
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestDatabase } from "@tickerbell/testkit";
import autocannon from "autocannon";

const RATE = Number(process.env.BENCH_API_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 20);
const CONNECTIONS = 50;
const USERS = 2_000;
const SYMBOLS = ["AAPL", "MSFT", "TSLA", "NVDA", "AMZN", "GOOG", "META", "AMD", "NFLX", "JPM"];

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
const service = spawn(NODE, [...nodeArgs, "services/alerts/src/main.ts"], {
  cwd: REPO_ROOT,
  env: {
    PATH: process.env.PATH ?? "",
    NODE_ENV: "production",
    PORT: String(port),
    DATABASE_URL: db.url,
    API_TOKEN_TELEGRAM: token,
    API_TOKEN_INTERNAL: randomBytes(16).toString("hex"),
    ALERTS_USER_COMMANDS_PER_MINUTE: "100000",
    LOG_LEVEL: "warn",
  },
  stdio: ["ignore", "pipe", "pipe"],
});
// Kept for a failure report only; the service logs warnings of its own shutdown under load.
const serviceOutput: string[] = [];
for (const stream of [service.stdout, service.stderr])
  stream?.on("data", (chunk: Buffer) => serviceOutput.push(String(chunk)));

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
      condition: { kind: "price", direction: "above", target: 150 + (n % 500) / 10 },
    });
  const createRequest = {
    method: "POST" as const,
    path: "/v1/alerts",
    setupRequest: (request: autocannon.Request) => {
      const user = nextUser();
      return { ...request, headers: headers(user), body: createBody(user, userCounter) };
    },
  };
  const listRequest = {
    method: "GET" as const,
    path: "/v1/alerts",
    setupRequest: (request: autocannon.Request) => ({ ...request, headers: headers(nextUser()) }),
  };

  log("warm-up (5 s at 100 requests/s of each)");
  await load([createRequest], 100, 5);
  await load([listRequest], 100, 5);

  const create = await measured(() => load([createRequest], RATE, SECONDS));
  log(summary("create", create));
  const list = await measured(() => load([listRequest], RATE, SECONDS));
  log(summary("list", list));

  const result = {
    targetRatePerSec: RATE,
    create: figures(create),
    list: figures(list),
    details: {
      seconds: SECONDS,
      connections: CONNECTIONS,
      users: USERS,
      alertsPerUserAtListTime: Math.round((create.requests.total + 500) / USERS),
      loadAverage1mAtStart: loadAtStart,
      loadAverage1mAtEnd: loadavg()[0],
      note:
        "autocannon with overallRate against the alert service process (node services/alerts/src/main.ts) on " +
        "PostgreSQL 127.0.0.1, no Kafka (the outbox rows are written in the create transaction all the same). " +
        `Requests spread over ${USERS} Telegram users; ALERTS_USER_COMMANDS_PER_MINUTE raised to 100000 for the ` +
        "run. Latency is corrected for coordinated omission (autocannon's default with a fixed rate). Same " +
        "2-core machine as the load generator and the other engineers' work.",
    },
  };
  await mkdir(dirname(RESULT_FILE), { recursive: true });
  await writeFile(RESULT_FILE, `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    `api load bench (alert service on PostgreSQL, ${RATE} requests/s for ${SECONDS} s each):\n` +
      `  ${summary("create", create)}\n  ${summary("list", list)}\n  written to ${RESULT_FILE}`,
  );
} catch (error) {
  console.error(serviceOutput.join("").slice(-5000));
  throw error;
} finally {
  service.kill("SIGTERM");
  await new Promise((r) => service.once("exit", r));
  await db.drop();
}

function load(requests: autocannon.Request[], rate: number, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: baseUrl,
    connections: CONNECTIONS,
    overallRate: rate,
    duration: seconds,
    requests,
  });
}

type Measured = autocannon.Result & { serviceCpuMs: number | null; machineBusyPercent: number | null };

/** Runs a load phase and notes the CPU the service process used and how busy the whole machine was meanwhile. */
async function measured(phase: () => Promise<autocannon.Result>): Promise<Measured> {
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

function figures(r: Measured) {
  return {
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    maxMs: r.latency.max,
    achievedPerSec: Math.round(r.requests.total / r.duration),
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    serviceCpuMsPerRequest:
      r.serviceCpuMs === null || r.requests.total === 0
        ? null
        : Math.round((100 * r.serviceCpuMs) / r.requests.total) / 100,
    machineCpuBusyPercent: r.machineBusyPercent,
  };
}

function summary(name: string, r: Measured): string {
  const f = figures(r);
  return `${name}: p99 ${f.p99Ms} ms (p50 ${f.p50Ms} ms, max ${f.maxMs} ms) at ${f.achievedPerSec} requests/s achieved, ${f.requests} requests, ${f.non2xx} non-2xx, ${f.errors} errors; service CPU ${f.serviceCpuMsPerRequest} ms per request, machine ${f.machineCpuBusyPercent}% busy`;
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
