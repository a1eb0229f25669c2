import type { IHeaders, KafkaMessage } from "kafkajs";
import type { RawMessage } from "./codec.ts";
import type { MessageHeaders } from "./port.ts";

/** A message as kafkajs fetched it, in the bus-neutral form (text key, value and headers). */
export function toRawMessage(topic: string, partition: number, message: KafkaMessage): RawMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key === null ? null : message.key.toString("utf8"),
    value: message.value === null ? null : message.value.toString("utf8"),
    headers: headersToStrings(message.headers),
    timestamp: Number(message.timestamp),
  };
}

/** kafkajs headers (Buffers, possibly repeated) as text, the first value of each. */
export function headersToStrings(headers: IHeaders | undefined): MessageHeaders {
  const out: MessageHeaders = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) out[name] = first.toString();
  }
  return out;
}
