// `npm run kafka`: starts a single-node Kafka broker for local development and keeps it up until Ctrl-C.
import { startKafkaBroker } from "../kafka/broker.ts";

console.error("starting Apache Kafka (the first run downloads the jars into ~/.m2)...");
const broker = await startKafkaBroker();
console.log(`Kafka ${broker.version} is up: KAFKA_BROKERS=${broker.brokers.join(",")}`);
console.error(`data and broker.log in ${broker.dir} (removed on exit); Ctrl-C to stop`);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.error("stopping Kafka...");
    broker.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
