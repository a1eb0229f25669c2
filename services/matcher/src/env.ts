import { KafkaConsumerTuningEnvShape } from "@tickerbell/bus";
import { envBrokers, envInt, envLogLevel, envPort, envSecret, envUrl, parseEnv } from "@tickerbell/config";
import { z } from "zod";

export const MatcherEnvSchema = z.object({
  /** Comma-separated Kafka bootstrap brokers (the matcher only runs on Kafka; standalone wires its own). */
  KAFKA_BROKERS: envBrokers(),
  ...KafkaConsumerTuningEnvShape,
  /** The alert service, for the alerts of the partitions this instance takes over (never per tick). */
  ALERTS_URL: envUrl().default("http://localhost:8081"),
  API_TOKEN_INTERNAL: envSecret(),
  PORT: envPort(8083),
  /** Consumer group of the matcher instances (one group per deployment). */
  MATCHER_GROUP_ID: z.string().min(1).default("matcher"),
  /** How long a silent instance keeps its partitions: the fail-over time after a crash (broker minimum 6 s). */
  KAFKA_SESSION_TIMEOUT_MS: envInt(30_000).pipe(z.number().min(6_000).max(300_000)),
  /**
   * How often changed runtime state is written to alerts.runtime and offsets are committed: at most this much
   * of the stream is replayed by the next owner after a crash.
   */
  MATCHER_CHECKPOINT_MS: envInt(500).pipe(z.number().min(50).max(60_000)),
  LOG_LEVEL: envLogLevel(),
});
export type MatcherEnv = z.output<typeof MatcherEnvSchema>;

/** Parses the environment once; no log line shows the internal token. */
export function loadMatcherEnv(source: NodeJS.ProcessEnv = process.env): MatcherEnv {
  return parseEnv("matcher", MatcherEnvSchema, source, { secrets: ["API_TOKEN_INTERNAL"] });
}
