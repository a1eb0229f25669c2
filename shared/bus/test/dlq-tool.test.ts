import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { type PriceTick, TOPIC_CATALOG, type TopicSpec } from "@tickerbell/contracts";
import { kafkaBrokersFromEnv } from "@tickerbell/testkit";
import { Kafka, logLevel } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KafkaBus, type Subscription } from "../src/index.ts";

/**
 * `npm run dlq` on the real broker, run as the operator runs it (a separate process): messages a consumer could
 * not handle are dead-lettered, listed and shown, redriven to their topic once the consumer works again (each is
 * handled exactly once), and a second redrive finds nothing. Topics get a fresh name per run, so other suites'
 * dead letters on a shared broker never count.
 */

const brokers = kafkaBrokersFromEnv();
const run = randomBytes(3).toString("hex");
const TICKS = `dlqtool-${run}.prices.ticks`;
const CHANGES = `dlqtool-${run}.alerts.changes`;
/** A topic whose dead letters are written by hand, one of them twice, as at-least-once delivery can. */
const REPEATS = `dlqtool-${run}.prices.repeats`;
const CATALOG = {
  [TICKS]: { ...TOPIC_CATALOG["prices.ticks"], name: TICKS },
  [CHANGES]: { ...TOPIC_CATALOG["alerts.changes"], name: CHANGES },
  [REPEATS]: { ...TOPIC_CATALOG["prices.ticks"], name: REPEATS },
} as Record<string, TopicSpec>;

const CLI = fileURLToPath(new URL("../src/cli/dlq.ts", import.meta.url));

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function dlq(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, KAFKA_BROKERS: brokers.join(","), ...env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: number }).code ?? 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const at = Date.parse("2026-12-03T15:00:00.000Z");
const tick = (symbol: string, price: number): PriceTick => ({ v: 1, symbol, price, ts: at });

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 60_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe("npm run dlq against a real broker", () => {
  let bus: KafkaBus<typeof CATALOG>;
  let consumer: Subscription;
  /** The consumer is "down" (its handler throws) until the test fixes it. */
  let down = true;
  /** What the consumer handled, one entry per handled message. */
  const handled: string[] = [];
  /**
   * The messages TICKS holds (`partition/offset`): the three published, and any copy of one that a producer retry
   * appended (the bus's producer is at least once: under load a partition's write can time out after it was made).
   */
  let originals: string[] = [];

  beforeAll(async () => {
    bus = new KafkaBus({ catalog: CATALOG, brokers, clientId: `dlqtool-${run}` });
    await bus.start();
    consumer = await bus.subscribe({
      groupId: `dlqtool-${run}-matcher`,
      topics: [TICKS],
      retry: { attempts: 2, baseDelayMs: 10, maxDelayMs: 10 },
      handler: async (m) => {
        // The catalog is keyed by run-specific names, so TypeScript cannot narrow the value.
        const value = m.value as PriceTick;
        if (down) throw new Error(`matcher state store unavailable for ${value.symbol}`);
        handled.push(`${value.symbol}@${value.price}`);
      },
    });
    await bus.publish(TICKS, [
      { value: tick("AAPL", 201) },
      { value: tick("MSFT", 402) },
      { value: tick("AAPL", 203) },
    ]);
    // A payload that never parses, on a topic nobody consumes here: dead-lettered by hand as the bus would.
    await bus.publishUnvalidated(`${CHANGES}.dlq`, [
      {
        key: "TSLA",
        value: "{not json",
        headers: {
          "x-dlq-original-topic": CHANGES,
          "x-dlq-original-partition": "3",
          "x-dlq-original-offset": "17",
          "x-dlq-reason": "invalid",
          "x-dlq-error": "not JSON: Expected property name or '}' in JSON at position 1",
          "x-dlq-attempts": "0",
          "x-dlq-group": "matcher",
          "x-dlq-failed-at": "2026-12-03T15:00:01.000Z",
          traceparent: "00-abc-def-01",
        },
      },
    ]);
    const admin = new Kafka({ brokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      originals = (await admin.fetchTopicOffsets(TICKS)).flatMap(({ partition, low, high }) =>
        Array.from({ length: Number(high) - Number(low) }, (_, i) => `${partition}/${Number(low) + i}`),
      );
    } finally {
      await admin.disconnect();
    }
    const dlqEnd = async () => {
      const listing = await dlq(["list", TICKS, "--json"]);
      if (listing.code !== 0) return undefined;
      const parsed = JSON.parse(listing.stdout) as { messages: unknown[] };
      return parsed.messages.length >= originals.length ? parsed : undefined;
    };
    await until(dlqEnd, "a dead letter in the ticks DLQ for every message");
  });

  afterAll(async () => {
    await consumer?.stop();
    await bus?.close();
  });

  it("lists the dead letters: counts, then one line each with offset, key, reason and time", async () => {
    const { code, stdout, stderr } = await dlq(["list", TICKS]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const lines = stdout.trim().split("\n");
    // Delivery is at least once: under load a rebalance can dead-letter a message twice, listed as a repeat.
    const repeats = lines.slice(1).filter((row) => /\srepeat of 0:\d+\s/.test(row)).length;
    const count = originals.length;
    expect(lines[0]).toBe(
      `${TICKS}.dlq: ${count + repeats} dead letters${repeats > 0 ? ` (${repeats} repeat${repeats > 1 ? "s" : ""} of an earlier one)` : ""}, ${count} not redriven yet`,
    );
    const rows = lines.slice(1);
    expect(rows).toHaveLength(count + repeats);
    // In DLQ order (the original partitions interleave), one line each: partition:offset, key, reason, time.
    for (const [i, row] of rows.entries()) {
      expect(row).toMatch(
        new RegExp(
          `^0:${i}\\s+(AAPL|MSFT)\\s+failed\\s+\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z\\s+(pending|repeat of 0:\\d+)\\s+matcher state store unavailable for \\1$`,
        ),
      );
    }
    const firsts = rows.filter((row) => !/\srepeat of /.test(row));
    const keys = firsts.map((r) => r.split(/\s+/)[1]).sort();
    if (count === 3) expect(keys).toEqual(["AAPL", "AAPL", "MSFT"]);
    else expect(new Set(keys)).toEqual(new Set(["AAPL", "MSFT"]));
    // One dead letter, not a repeat, for each message the topic holds.
    const json = JSON.parse((await dlq(["list", TICKS, "--json"])).stdout) as {
      messages: { originalPartition: string; originalOffset: string; repeatOf: string | null }[];
    };
    expect(
      json.messages
        .filter((m) => m.repeatOf === null)
        .map((m) => `${m.originalPartition}/${m.originalOffset}`)
        .sort(),
    ).toEqual([...originals].sort());

    // The DLQ's own name works as well, and so does a topic with an invalid payload.
    const invalid = await dlq(["list", `${CHANGES}.dlq`]);
    expect(invalid.code).toBe(0);
    expect(invalid.stdout).toContain(`${CHANGES}.dlq: 1 dead letter, 1 not redriven yet`);
    expect(invalid.stdout).toMatch(/0:0\s+TSLA\s+invalid\s+2026-12-03T15:00:01\.000Z\s+pending\s+not JSON/);
  });

  it("shows one dead letter in full", async () => {
    const listing = JSON.parse((await dlq(["list", TICKS, "--json"])).stdout) as {
      messages: { offset: string; key: string }[];
    };
    const msft = listing.messages.find((m) => m.key === "MSFT")!.offset;
    const { code, stdout } = await dlq(["show", TICKS, msft]);
    expect(code).toBe(0);
    expect(stdout).toContain(`${TICKS}.dlq partition 0 offset ${msft}`);
    expect(stdout).toMatch(/key:\s+MSFT/);
    expect(stdout).toMatch(
      new RegExp(`original:\\s+${TICKS.replace(/\./g, "\\.")} partition \\d+ offset \\d+`),
    );
    expect(stdout).toMatch(/reason:\s+failed after 2 attempts \(group dlqtool-\w+-matcher\)/);
    expect(stdout).toMatch(/error:\s+matcher state store unavailable for MSFT/);
    expect(stdout).toMatch(/redriven:\s+no/);
    // The payload, pretty-printed.
    expect(stdout).toContain('"symbol": "MSFT"');
    expect(stdout).toContain('"price": 402');

    const invalid = await dlq(["show", CHANGES, "0:0"]);
    expect(invalid.code).toBe(0);
    expect(invalid.stdout).toContain("{not json");
    expect(invalid.stdout).toMatch(/traceparent:\s+00-abc-def-01/);
    expect(invalid.stdout).toMatch(/original:\s+\S+ partition 3 offset 17/);
  });

  it("redrives to the original topic once: the fixed consumer handles each message exactly once", async () => {
    expect(handled).toEqual([]);
    down = false;
    const first = await dlq(["redrive", TICKS]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`redrove ${originals.length} dead letters from ${TICKS}.dlq to ${TICKS}`);
    await until(
      async () => (handled.length >= originals.length ? true : undefined),
      "the redriven messages handled",
    );

    const second = await dlq(["redrive", TICKS]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain(`nothing to redrive in ${TICKS}.dlq`);

    // A marker published after the second redrive: once it is handled, anything the second redrive sent would
    // have been handled before it (one partition per key; the marker shares AAPL's).
    await bus.publish(TICKS, [{ value: tick("AAPL", 999) }]);
    await until(async () => (handled.includes("AAPL@999") ? true : undefined), "the marker handled");
    await consumer.caughtUp();
    const redriven = handled.filter((h) => h !== "AAPL@999").sort();
    // Each redriven once; a copy only where the topic held one (or the redrive's own write was retried).
    if (originals.length === 3) expect(redriven).toEqual(["AAPL@201", "AAPL@203", "MSFT@402"]);
    else expect(new Set(redriven)).toEqual(new Set(["AAPL@201", "AAPL@203", "MSFT@402"]));

    const listing = await dlq(["list", TICKS]);
    expect(listing.stdout).toMatch(
      new RegExp(
        `${TICKS.replace(/\./g, "\\.")}\\.dlq: \\d dead letters( \\(\\d repeats? of an earlier one\\))?, 0 not redriven yet`,
      ),
    );
    expect(listing.stdout).toMatch(/0:\d\s+MSFT\s+failed\s+\S+\s+redriven\s/);
    expect(listing.stdout).not.toContain("pending");
    const shown = await dlq(["show", TICKS, "0"]);
    expect(shown.stdout).toMatch(/redriven:\s+yes/);
  });

  it("republishes each original message once, however often it was dead-lettered", async () => {
    const deadLetter = (price: number, originalOffset: string, group: string) => ({
      key: "AAPL",
      value: JSON.stringify(tick("AAPL", price)),
      headers: {
        "x-dlq-original-topic": REPEATS,
        "x-dlq-original-partition": "0",
        "x-dlq-original-offset": originalOffset,
        "x-dlq-reason": "failed",
        "x-dlq-error": "matcher state store unavailable for AAPL",
        "x-dlq-attempts": "2",
        "x-dlq-group": group,
        "x-dlq-failed-at": "2026-12-03T15:00:02.000Z",
      },
    });
    // AAPL@301 dead-lettered twice (a rebalance between the dead-letter append and the commit), AAPL@302 once.
    await bus.publishUnvalidated(`${REPEATS}.dlq`, [
      deadLetter(301, "5", "matcher"),
      deadLetter(301, "5", "matcher"),
      deadLetter(302, "6", "matcher"),
    ]);
    const seen: string[] = [];
    const reader = await bus.subscribe({
      groupId: `dlqtool-${run}-repeats`,
      topics: [REPEATS],
      handler: async (m) => {
        const value = m.value as PriceTick;
        seen.push(`${value.symbol}@${value.price}`);
      },
    });
    try {
      const listed = await until(async () => {
        const result = await dlq(["list", REPEATS]);
        return result.stdout.includes("3 dead letters") ? result : undefined;
      }, "the hand-written dead letters listed");
      const lines = listed.stdout.trim().split("\n");
      expect(lines[0]).toBe(
        `${REPEATS}.dlq: 3 dead letters (1 repeat of an earlier one), 2 not redriven yet`,
      );
      expect(lines[1]).toMatch(/^0:0\s+AAPL\s+failed\s+\S+\s+pending\s/);
      expect(lines[2]).toMatch(/^0:1\s+AAPL\s+failed\s+\S+\s+repeat of 0:0\s/);
      expect(lines[3]).toMatch(/^0:2\s+AAPL\s+failed\s+\S+\s+pending\s/);
      const json = JSON.parse((await dlq(["list", REPEATS, "--json"])).stdout) as {
        pending: number;
        repeats: number;
        messages: { repeatOf: string | null }[];
      };
      expect(json.pending).toBe(2);
      expect(json.repeats).toBe(1);
      expect(json.messages.map((m) => m.repeatOf)).toEqual([null, "0:0", null]);
      const shown = await dlq(["show", REPEATS, "0:1"]);
      expect(shown.stdout).toMatch(/redriven:\s+a repeat of 0:0 \(the same original message\)/);

      const first = await dlq(["redrive", REPEATS]);
      expect(first.stderr).toBe("");
      expect(first.stdout).toContain(
        `redrove 2 dead letters from ${REPEATS}.dlq to ${REPEATS}; 1 repeat of a message already republished passed over`,
      );
      // The same message dead-lettered once more after that redrive: the next one passes it over too.
      await bus.publishUnvalidated(`${REPEATS}.dlq`, [deadLetter(301, "5", "notifier")]);
      const second = await until(async () => {
        const result = await dlq(["redrive", REPEATS]);
        return result.stdout.includes("passed over") ? result : undefined;
      }, "the late repeat seen by a redrive");
      expect(second.stdout).toContain(
        `nothing to redrive in ${REPEATS}.dlq (1 repeat of a message already republished passed over)`,
      );

      // A marker after both redrives: once it is handled, whatever they sent was handled before it.
      await bus.publish(REPEATS, [{ value: tick("AAPL", 999) }]);
      await until(async () => (seen.includes("AAPL@999") ? true : undefined), "the marker handled");
      expect(seen).toEqual(["AAPL@301", "AAPL@302", "AAPL@999"]);
    } finally {
      await reader.stop();
    }
  });

  it("says plainly what is wrong: unknown topic, unreachable broker, bad arguments", async () => {
    const unknown = await dlq(["list", "no-such-topic"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toBe("");
    expect(unknown.stderr).toContain("no dead-letter topic no-such-topic.dlq on the broker");
    expect(unknown.stderr).toContain(`${TICKS}.dlq`);

    const unknownRedrive = await dlq(["redrive", "no-such-topic.dlq"]);
    expect(unknownRedrive.code).toBe(1);
    expect(unknownRedrive.stderr).toContain("no dead-letter topic no-such-topic.dlq on the broker");

    const unreachable = await dlq(["list", TICKS], { KAFKA_BROKERS: "127.0.0.1:1" });
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain("cannot reach Kafka at 127.0.0.1:1");

    const noBrokers = await dlq(["list", TICKS], { KAFKA_BROKERS: "" });
    expect(noBrokers.code).toBe(2);
    expect(noBrokers.stderr).toContain("KAFKA_BROKERS");

    for (const args of [
      [],
      ["purge", TICKS],
      ["list"],
      ["show", TICKS],
      ["show", TICKS, "x"],
      ["list", TICKS, "extra"],
    ]) {
      const bad = await dlq(args);
      expect(bad.code, args.join(" ")).toBe(2);
      expect(bad.stderr, args.join(" ")).toContain("usage: npm run dlq --");
    }
    const missing = await dlq(["show", TICKS, "0:99"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no message at offset 99 in partition 0 of ${TICKS}.dlq`);
  });
});
