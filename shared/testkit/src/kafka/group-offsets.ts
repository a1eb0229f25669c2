import { Kafka, logLevel } from "kafkajs";

/** How long to keep asking while a partition's leadership settles (a topic just created, a busy machine). */
const SETTLE_MS = 30_000;

/**
 * Commits the end of every partition of `topic` as `groupId`'s position, so a process joining that group
 * starts there instead of replaying what other suites left on a shared broker (resetOffsets(latest) commits
 * nothing for a group that never ran). Right after a topic is created its partitions may not have a leader
 * yet ("not the leader for that topic-partition"): retriable errors are asked again until they settle.
 */
export async function startGroupAtTheEnd(brokers: string[], groupId: string, topic: string): Promise<void> {
  const admin = new Kafka({ clientId: `${groupId}-admin`, brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const deadline = Date.now() + SETTLE_MS;
  try {
    for (;;) {
      try {
        if (!(await admin.listTopics()).includes(topic)) return;
        const ends = await admin.fetchTopicOffsets(topic);
        await admin.setOffsets({
          groupId,
          topic,
          partitions: ends.map(({ partition, high }) => ({ partition, offset: high })),
        });
        return;
      } catch (error) {
        const retriable = (error as { retriable?: boolean }).retriable === true;
        if (!retriable || Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  } finally {
    await admin.disconnect();
  }
}
