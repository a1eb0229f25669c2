// `npm run dlq -- list|show|redrive TOPIC`: inspect and replay dead-lettered messages. See README.md "Dead letters".
import { type DeadLetterEntry, DlqTool, DlqToolError } from "../dlq-tool.ts";
import { quietKafkajsNegativeTimeouts } from "../kafkajs-warning.ts";

const USAGE = `usage: npm run dlq -- list TOPIC [--json]
       npm run dlq -- show TOPIC [PARTITION:]OFFSET
       npm run dlq -- redrive TOPIC
TOPIC is a topic (prices.ticks) or its dead-letter topic (prices.ticks.dlq).
The broker comes from KAFKA_BROKERS (host:port,...) or --brokers host:port,...`;

type Command =
  | { kind: "help" }
  | { kind: "list"; topic: string; json: boolean }
  | { kind: "show"; topic: string; partition: number; offset: bigint }
  | { kind: "redrive"; topic: string };

function usage(problem: string): never {
  throw new DlqToolError(`${problem}\n${USAGE}`, 2);
}

export function parseArgs(argv: readonly string[]): { command: Command; brokers: string | undefined } {
  const positional: string[] = [];
  let json = false;
  let brokers: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--json") json = true;
    else if (arg === "--brokers") brokers = argv[++i] ?? usage("--brokers needs host:port,...");
    else if (arg.startsWith("--brokers=")) brokers = arg.slice("--brokers=".length);
    else if (arg === "-h" || arg === "--help") return { command: { kind: "help" }, brokers };
    else if (arg.startsWith("-")) usage(`unknown option ${arg}`);
    else positional.push(arg);
  }
  const [kind, topic, ...rest] = positional;
  if (kind === undefined) usage("say what to do: list, show or redrive");
  if (kind !== "list" && kind !== "show" && kind !== "redrive")
    usage(`unknown command ${kind}: use list, show or redrive`);
  if (topic === undefined) usage(`${kind} needs a TOPIC`);
  if (json && kind !== "list") usage("--json is for list");
  if (kind === "show") {
    const [position, ...extra] = rest;
    if (position === undefined) usage("show needs the OFFSET of the dead letter (list shows them)");
    if (extra.length > 0) usage(`unexpected ${extra.join(" ")}`);
    const match = /^(?:(\d{1,9}):)?(\d{1,19})$/.exec(position);
    if (!match) usage(`${position} is not an offset (OFFSET or PARTITION:OFFSET, as list prints them)`);
    return {
      command: { kind, topic, partition: Number(match[1] ?? 0), offset: BigInt(match[2]!) },
      brokers,
    };
  }
  if (rest.length > 0) usage(`unexpected ${rest.join(" ")}`);
  return { command: kind === "list" ? { kind, topic, json } : { kind, topic }, brokers };
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const oneLine = (s: string, max: number) => {
  const flat = s.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

function listLines(messages: DeadLetterEntry[]): string[] {
  const rows = messages.map((m) => [
    `${m.partition}:${m.offset}`,
    m.key ?? "(no key)",
    m.reason,
    m.failedAt,
    m.repeatOf !== null ? `repeat of ${m.repeatOf}` : m.redriven ? "redriven" : "pending",
    oneLine(m.error, 100),
  ]);
  const widths = [0, 1, 2, 3, 4].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i < 5 ? cell.padEnd(widths[i]!) : cell)).join("  "));
}

function showLines(topic: string, m: DeadLetterEntry): string[] {
  let payload = m.value ?? "(empty payload)";
  try {
    payload = JSON.stringify(JSON.parse(payload), null, 2);
  } catch {
    // Not JSON (that may be why it is here): shown as it is.
  }
  const attempts = m.reason === "failed" && m.attempts ? ` after ${m.attempts} attempts` : "";
  const headers = Object.entries(m.headers);
  return [
    `${topic} partition ${m.partition} offset ${m.offset}`,
    `key:        ${m.key ?? "(no key)"}`,
    `original:   ${m.originalTopic || "?"} partition ${m.originalPartition || "?"} offset ${m.originalOffset || "?"}`,
    `reason:     ${m.reason}${attempts}${m.group ? ` (group ${m.group})` : ""}`,
    `failed at:  ${m.failedAt}`,
    `redriven:   ${m.repeatOf !== null ? `a repeat of ${m.repeatOf} (the same original message): a redrive passes it over` : m.redriven ? "yes" : "no"}`,
    `error:      ${m.error}`,
    ...(headers.length > 0 ? ["headers:", ...headers.map(([k, v]) => `  ${k}: ${v}`)] : []),
    "payload:",
    payload,
  ];
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { command, brokers: brokersArg } = parseArgs(argv);
  if (command.kind === "help") return USAGE;
  const brokers = (brokersArg ?? env.KAFKA_BROKERS ?? "")
    .split(",")
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0)
    usage("no broker: set KAFKA_BROKERS (host:port,...) or pass --brokers (the dead letters live in Kafka)");
  const tool = new DlqTool({ brokers });
  try {
    if (command.kind === "list") {
      const listing = await tool.list(command.topic);
      if (command.json) return JSON.stringify(listing, null, 2);
      return [
        `${listing.deadLetterTopic}: ${plural(listing.messages.length, "dead letter")}${
          listing.repeats > 0 ? ` (${plural(listing.repeats, "repeat")} of an earlier one)` : ""
        }, ${listing.pending} not redriven yet`,
        ...listLines(listing.messages),
      ].join("\n");
    }
    if (command.kind === "show") {
      const entry = await tool.show(command.topic, command);
      return showLines(`${command.topic.replace(/\.dlq$/, "")}.dlq`, entry).join("\n");
    }
    const report = await tool.redrive(command.topic);
    const skipped = report.skippedRepeats.length;
    const passedOver =
      skipped > 0 ? `${plural(skipped, "repeat")} of a message already republished passed over` : "";
    if (report.redriven.length === 0)
      return `nothing to redrive in ${report.deadLetterTopic}${passedOver ? ` (${passedOver})` : ""}`;
    return [
      `redrove ${plural(report.redriven.length, "dead letter")} from ${report.deadLetterTopic} to ${report.topic}${passedOver ? `; ${passedOver}` : ""}`,
      ...listLines([...report.redriven, ...report.skippedRepeats]),
    ].join("\n");
  } finally {
    await tool.close();
  }
}

if (import.meta.main) {
  // An operator's terminal gets what the tool says, not kafkajs's negative timeout (see kafkajs-warning.ts).
  quietKafkajsNegativeTimeouts();
  try {
    process.stdout.write(`${await main(process.argv.slice(2), process.env)}\n`);
  } catch (error) {
    if (!(error instanceof DlqToolError)) throw error;
    process.stderr.write(`${error.message.trim()}\n`);
    process.exitCode = error.exitCode;
  }
}
