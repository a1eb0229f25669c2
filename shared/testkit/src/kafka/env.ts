/**
 * The Kafka cluster tests and benchmarks talk to, from KAFKA_BROKERS (comma-separated host:port). Throws rather
 * than returning nothing, so a test without a broker fails instead of silently skipping.
 */
export function kafkaBrokersFromEnv(): string[] {
  const brokers = (process.env.KAFKA_BROKERS ?? "")
    .split(",")
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0) {
    throw new Error(
      "KAFKA_BROKERS is not set: run the tests with `npm test` or through a vitest config whose globalSetup is " +
        "shared/testkit/src/kafka/global-setup.ts (it starts a broker), or point KAFKA_BROKERS at a cluster",
    );
  }
  return brokers;
}
