// A hard crash: the matcher runs as its own process (src/main.ts, the deployable) and is killed with SIGKILL
// mid-stream; a second process in the same group takes over once the broker declares the first one dead.
// No firing may be lost. A firing whose tick offset was not committed yet is fired again from the replayed
// tick, with the same triggerId and the same content: the alert service records it once, and the bots
// de-duplicate on triggerId. Nothing else may be duplicated.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import type { Alert } from "@tickerbell/contracts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { countByTriggerId, MatcherHarness, TOKENS, tag, waitFor } from "./harness.ts";

const h = new MatcherHarness();
const children: ChildProcess[] = [];
beforeAll(async () => {
  await h.start();
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await h.close();
});

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const T0 = Date.parse("2026-03-02T15:00:00Z");

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

interface MatcherProcess {
  child: ChildProcess;
  output: string[];
  get(path: string): Promise<{ status: number; text: string }>;
}

async function spawnMatcher(group: string): Promise<MatcherProcess> {
  const port = await freePort();
  const output: string[] = [];
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      KAFKA_BROKERS: h.brokers.join(","),
      ALERTS_URL: h.baseUrl,
      API_TOKEN_INTERNAL: TOKENS.internal,
      PORT: String(port),
      MATCHER_GROUP_ID: group,
      KAFKA_SESSION_TIMEOUT_MS: "6000",
      MATCHER_CHECKPOINT_MS: "200",
      LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  child.stdout?.on("data", (chunk) => output.push(String(chunk)));
  child.stderr?.on("data", (chunk) => output.push(String(chunk)));
  return {
    child,
    output,
    async get(path) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}${path}`);
        return { status: res.status, text: await res.text() };
      } catch {
        return { status: 0, text: "" };
      }
    },
  };
}

async function ticksMatched(m: MatcherProcess): Promise<number> {
  const { text } = await m.get("/metrics");
  const line = text.split("\n").find((l) => l.startsWith("tickerbell_matcher_ticks_total"));
  return line ? Number(line.split(" ").at(-1)) : 0;
}

/**
 * 20 one-shot alerts on two symbols of one partition, a rising/falling stream, SIGKILL of the first process
 * after a few firings, a second process in the same group. With `consumerDown`, the alert service's trigger
 * consumer is stopped for the whole stream, so nothing the first process fired is recorded when the second
 * one loads its snapshot: the documented case where a firing is published twice.
 */
async function crashScenario(consumerDown: boolean) {
  const run = tag();
  const group = `matcher-${run}`;
  const user = `c-${run}`;
  const up = `${run}C`;
  let down = "";
  for (let i = 0; down === ""; i++)
    if (h.partitionOf(`${run}D${i}`) === h.partitionOf(up)) down = `${run}D${i}`;
  const alerts: Alert[] = [];
  for (let i = 1; i <= 10; i++) {
    alerts.push(
      await h.createAlert(user, {
        symbol: up,
        condition: { kind: "price", direction: "above", target: 200 + i },
        market: { last: 200 },
      }),
      await h.createAlert(user, {
        symbol: down,
        condition: { kind: "price", direction: "below", target: 190 - i },
        market: { last: 190 },
      }),
    );
  }
  const ids = alerts.map((a) => a.id);

  const first = await spawnMatcher(group);
  await waitFor("the first process ready", async () => (await first.get("/readyz")).status === 200);
  // A new group starts at the latest offsets: probe until the first fetch has happened (same partition
  // for both symbols), so the stream below is read from its first tick.
  await waitFor("a probe tick matched", async () => {
    await h.publishTicks([{ symbol: up, price: 200, ts: T0 - 1000 }]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    return (await ticksMatched(first)) > 0;
  });
  if (consumerDown) await h.workers.runtime.stop();

  const ticks = Array.from({ length: 121 }, (_, i) => [
    { symbol: up, price: Math.round((200 + i * 0.1) * 100) / 100, ts: T0 + i * 1000 },
    { symbol: down, price: Math.round((190 - i * 0.1) * 100) / 100, ts: T0 + i * 1000 },
  ]).flat();
  let published = 0;
  const publisher = (async () => {
    while (published < ticks.length) {
      await h.publishTicks(ticks.slice(published, published + 4));
      published += 4;
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
  })();
  await waitFor("a few firings before the crash", () => h.notificationsOf(ids).length >= 4);
  first.child.kill("SIGKILL");
  const publishedAtCrash = published;
  const second = await spawnMatcher(group);
  // The second process's snapshot waits until the alert service has stored what the first one wrote to
  // alerts.runtime: with the runtime consumer down for a while, it waits that long.
  if (consumerDown) {
    await waitFor("the second process answering", async () => (await second.get("/readyz")).status !== 0);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await second.get("/readyz")).status).toBe(503);
    await h.workers.runtime.start();
  }
  await publisher;
  await waitFor(
    "the second process ready (after the first one's session timed out)",
    async () => (await second.get("/readyz")).status === 200,
  );
  await waitFor(
    "every alert fired",
    () => new Set(h.notificationsOf(ids).map((n) => n.value.triggerId)).size === ids.length,
  );
  // A sentinel after the stream: once its notification is out, the second process has handled the stream.
  const sentinel = await h.createAlert(user, {
    symbol: up,
    condition: { kind: "price", direction: "above", target: 900 },
    market: { last: 500 },
  });
  await waitFor("the sentinel's notification", async () => {
    if (h.notificationsOf([sentinel.id]).length > 0) return true;
    await h.publishTicks([{ symbol: up, price: 901, ts: T0 + 500_000 }]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    return h.notificationsOf([sentinel.id]).length > 0;
  });

  expect(publishedAtCrash, second.output.join("")).toBeLessThan(ticks.length);
  const seen = h.notificationsOf(ids);
  const counts = countByTriggerId(seen);
  expect([...counts.keys()].sort()).toEqual(ids.map((id) => `${id}:0`).sort());
  // Whatever was published twice is the same firing from the same replayed tick (the second process starts
  // from the stored state and replays the ticks since the last checkpoint): de-duplicating on triggerId loses
  // nothing.
  for (const [triggerId, count] of counts) {
    if (count === 1) continue;
    const copies = seen.filter((n) => n.value.triggerId === triggerId).map((n) => n.value);
    for (const copy of copies) expect(copy).toEqual(copies[0]);
  }
  // The alert service recorded each firing exactly once, from the first copy on the topic.
  await waitFor("every firing recorded", async () => {
    const statuses = await Promise.all(alerts.map(async (a) => (await h.getAlert(a, user)).status));
    return statuses.every((s) => s === "triggered");
  });
  const rows = await h.service.em
    .fork()
    .execute<{ trigger_id: string; price: number }[]>(
      `select trigger_id, price from alert_triggers where alert_id in (${ids.map(() => "?").join(",")})`,
      ids,
    );
  expect(rows.map((r) => r.trigger_id).sort()).toEqual(ids.map((id) => `${id}:0`).sort());
  for (const row of rows) {
    const firstCopy = seen.find((n) => n.value.triggerId === row.trigger_id)!;
    expect(row.price).toBe(firstCopy.value.price);
  }
  const duplicates = [...counts.values()].filter((n) => n > 1).length;
  if (process.env.MATCHER_TEST_REPORT) {
    console.info(`crash test: ${seen.length} messages, ${counts.size} triggerIds, ${duplicates} repeated`);
  }
  second.child.kill("SIGTERM");
  await new Promise((resolve) => second.child.once("exit", resolve));
  expect(second.child.exitCode, second.output.join("")).toBe(0);
  return { duplicates };
}

describe("matcher process crash", () => {
  it("loses no firing after SIGKILL mid-stream; a repeated firing is identical and recorded once", async () => {
    await crashScenario(false);
  });

  it("with the alert service's runtime consumer down too, the next process waits for it and repeats nothing new", async () => {
    await crashScenario(true);
  });
});
