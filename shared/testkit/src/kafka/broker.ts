import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, rmSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { pinnedKafkaVersion, resolveKafkaClasspath } from "./classpath.ts";

export interface KafkaBroker {
  /** Bootstrap addresses, e.g. `["127.0.0.1:40123"]`. */
  brokers: string[];
  /** The pinned Apache Kafka version this broker runs. */
  version: string;
  /** Where the broker keeps its data and `broker.log` (removed by stop()). */
  dir: string;
  /** Stops the broker (SIGTERM, then SIGKILL after a grace period) and removes its directory. */
  stop(): Promise<void>;
  /**
   * Stops the broker process (`hard`: SIGKILL, as a crash) and starts it again on the same ports and data;
   * resolves once a client can list topics again. For fault tests.
   */
  restart(options?: { hard?: boolean }): Promise<void>;
  /** How each broker process that ended did, as the operating system reported it (a crash: `SIGKILL`). */
  readonly exits: readonly { code: number | null; signal: NodeJS.Signals | null; at: number }[];
}

export interface StartKafkaBrokerOptions {
  /** JVM max heap in MiB (default 512: the machine is small and the broker is shared by a whole test run). */
  heapMb?: number;
  /** How long to wait for the broker to accept clients (default 90 s; the first run also downloads the jars). */
  startTimeoutMs?: number;
  /** Grace period between SIGTERM and SIGKILL on stop (default 10 s). */
  stopGraceMs?: number;
  /** Extra server.properties lines, e.g. `{ "auto.create.topics.enable": "false" }`. */
  serverProperties?: Record<string, string>;
}

/**
 * Starts a single-node Apache Kafka broker (combined broker + KRaft controller) on free loopback ports in a
 * fresh temp directory, from the jars the testkit pom pins. Resolves once a client can connect and list topics.
 */
export async function startKafkaBroker(options: StartKafkaBrokerOptions = {}): Promise<KafkaBroker> {
  const [classpath, version] = await Promise.all([resolveKafkaClasspath(), pinnedKafkaVersion()]);
  const dir = await mkdtemp(join(tmpdir(), "tickerbell-kafka-"));
  try {
    const [brokerPort, controllerPort] = await twoFreePorts();
    const bootstrap = `127.0.0.1:${brokerPort}`;
    const propertiesFile = join(dir, "server.properties");
    await writeFile(
      propertiesFile,
      serverProperties({ dir, brokerPort, controllerPort, extra: options.serverProperties ?? {} }),
    );
    const log4jFile = join(dir, "log4j2.properties");
    await writeFile(log4jFile, LOG4J2_PROPERTIES);

    const jvm = [
      `-Xmx${options.heapMb ?? 512}m`,
      "-Xms128m",
      "-XX:+UseSerialGC",
      "-Djava.awt.headless=true",
      `-Dlog4j2.configurationFile=${log4jFile}`,
      `-Dkafka.logs.dir=${dir}`,
      "-cp",
      classpath,
    ];
    await runToCompletion(
      "java",
      [...jvm, "kafka.tools.StorageTool", "format", "-t", newClusterId(), "-c", propertiesFile],
      join(dir, "format.log"),
    );

    const logFile = join(dir, "broker.log");
    const out = createWriteStream(logFile);
    const exits: { code: number | null; signal: NodeJS.Signals | null; at: number }[] = [];
    const launch = (): ChildProcess => {
      const started = spawn("java", [...jvm, "kafka.Kafka", propertiesFile], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      started.once("exit", (code, signal) => exits.push({ code, signal, at: Date.now() }));
      started.stdout?.pipe(out, { end: false });
      started.stderr?.pipe(out, { end: false });
      return started;
    };
    let child = launch();
    // A run that exits without calling stop() (Ctrl-C in vitest, a crash) must not leave a JVM or its data.
    const killOnExit = () => {
      child.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
    };
    process.once("exit", killOnExit);

    let stopped: Promise<void> | undefined;
    const stop = () => {
      stopped ??= (async () => {
        await terminate(child, options.stopGraceMs ?? 10_000);
        process.removeListener("exit", killOnExit);
        out.end();
        await rm(dir, { recursive: true, force: true });
      })();
      return stopped;
    };
    const restart = async (how: { hard?: boolean } = {}) => {
      if (stopped) throw new Error("the broker was stopped");
      await terminate(child, how.hard ? 0 : (options.stopGraceMs ?? 10_000));
      child = launch();
      await waitUntilReady(bootstrap, child, options.startTimeoutMs ?? 90_000);
    };

    try {
      await waitUntilReady(bootstrap, child, options.startTimeoutMs ?? 90_000);
    } catch (error) {
      const tail = await readTail(logFile);
      await stop();
      throw new Error(`Kafka ${version} did not start on ${bootstrap}: ${(error as Error).message}\n${tail}`);
    }
    return { brokers: [bootstrap], version, dir, stop, restart, exits };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

function serverProperties(p: {
  dir: string;
  brokerPort: number;
  controllerPort: number;
  extra: Record<string, string>;
}): string {
  const props: Record<string, string> = {
    "process.roles": "broker,controller",
    "node.id": "1",
    "controller.quorum.voters": `1@127.0.0.1:${p.controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${p.brokerPort},CONTROLLER://127.0.0.1:${p.controllerPort}`,
    "advertised.listeners": `PLAINTEXT://127.0.0.1:${p.brokerPort}`,
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "log.dirs": join(p.dir, "data"),
    // Single node: every internal topic has one replica.
    "offsets.topic.replication.factor": "1",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
    "share.coordinator.state.topic.replication.factor": "1",
    "share.coordinator.state.topic.min.isr": "1",
    // Small and fast for tests on a 2-core machine.
    "offsets.topic.num.partitions": "5",
    "group.initial.rebalance.delay.ms": "0",
    "num.network.threads": "2",
    "num.io.threads": "4",
    "log.cleaner.dedupe.buffer.size": String(16 * 1024 * 1024),
    "num.partitions": "1",
    ...p.extra,
  };
  return `${Object.entries(props)
    .map(([k, v]) => `${k}=${v}`)
    .join("\n")}\n`;
}

/** Broker logs go to stdout (piped into broker.log); only warnings and the startup line, to keep it small. */
const LOG4J2_PROPERTIES = `status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = warn
rootLogger.appenderRef.stdout.ref = STDOUT
logger.server.name = kafka.server.KafkaRaftServer
logger.server.level = info
`;

/** A KRaft cluster id: 16 random bytes, base64url without padding (what `kafka-storage random-uuid` prints). */
function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString("base64url");
    // Kafka's own generator avoids a leading dash so the id is never mistaken for a command-line flag.
    if (!id.startsWith("-")) return id;
  }
}

async function twoFreePorts(): Promise<[number, number]> {
  // Both listeners stay open until both ports are known, so the two ports differ.
  const servers = await Promise.all(
    Array.from(
      { length: 2 },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => {
    const address = s.address();
    if (address === null || typeof address === "string") throw new Error("no TCP address");
    return address.port;
  });
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  const [first, second] = ports;
  if (first === undefined || second === undefined) throw new Error("no free ports");
  return [first, second];
}

async function runToCompletion(command: string, args: string[], logFile: string): Promise<void> {
  const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  const out = createWriteStream(logFile);
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (c) => resolve(c));
  });
  await new Promise((resolve) => out.end(resolve));
  if (code !== 0)
    throw new Error(`${command} ${args.at(-4)} exited with ${code}:\n${await readTail(logFile)}`);
}

async function waitUntilReady(bootstrap: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited: string | undefined;
  child.once("exit", (code, signal) => {
    exited = `the broker process exited (${signal ?? code})`;
  });
  child.once("error", (error) => {
    exited = `the broker process could not start: ${error.message}`;
  });
  let lastError = "not tried";
  while (Date.now() < deadline) {
    if (exited) throw new Error(exited);
    const admin = new Kafka({
      clientId: "tickerbell-testkit",
      brokers: [bootstrap],
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: 1000,
    }).admin();
    try {
      await admin.connect();
      await admin.listTopics();
      return;
    } catch (error) {
      lastError = (error as Error).message;
    } finally {
      await admin.disconnect().catch(() => {});
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`timed out after ${timeoutMs} ms (last error: ${lastError})`);
}

async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(graceMs === 0 ? "SIGKILL" : "SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

async function readTail(file: string, lines = 40): Promise<string> {
  try {
    return (await readFile(file, "utf8")).split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}
