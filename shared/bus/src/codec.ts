import { scrubSecrets } from "@tickerbell/config";
import type { TopicSpec } from "@tickerbell/contracts";
import type { z } from "zod";
import type { DeadLetter, DeadLetterReason, MessageHeaders } from "./port.ts";

/** A message as it sits in a partition, before decoding. */
export interface RawMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: MessageHeaders;
  timestamp: number;
}

/** Thrown by publish when a message does not match its topic's schema; nothing of the batch was sent. */
export class BusValidationError extends Error {
  readonly topic: string;
  readonly issues: z.core.$ZodIssue[];
  constructor(topic: string, index: number, issues: z.core.$ZodIssue[]) {
    super(
      `message ${index} for ${topic} does not match the topic schema: ${issues
        .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
        .join("; ")}`,
    );
    this.name = "BusValidationError";
    this.topic = topic;
    this.issues = issues;
  }
}

export interface EncodedMessage {
  key: string;
  value: string;
  headers: MessageHeaders;
}

/** Validates and serializes a batch, all or nothing. */
export function encodeBatch(
  spec: TopicSpec,
  messages: readonly { key?: string; value: unknown; headers?: MessageHeaders }[],
): EncodedMessage[] {
  return messages.map((message, index) => {
    const parsed = spec.schema.safeParse(message.value);
    if (!parsed.success) throw new BusValidationError(spec.name, index, parsed.error.issues);
    return {
      key: message.key ?? spec.keyOf(parsed.data),
      value: JSON.stringify(parsed.data),
      headers: message.headers ?? {},
    };
  });
}

export type Decoded = { ok: true; value: unknown } | { ok: false; error: string };

export function decodeValue(spec: TopicSpec, raw: string | null): Decoded {
  if (raw === null) return { ok: false, error: "empty payload (tombstone)" };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    return { ok: false, error: `not JSON: ${(error as Error).message}` };
  }
  const parsed = spec.schema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      error: `does not match the ${spec.name} schema: ${parsed.error.issues
        .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
        .join("; ")}`,
    };
  }
  return { ok: true, value: parsed.data };
}

const DLQ_PREFIX = "x-dlq-";
export const DLQ_HEADERS = {
  originalTopic: `${DLQ_PREFIX}original-topic`,
  originalPartition: `${DLQ_PREFIX}original-partition`,
  originalOffset: `${DLQ_PREFIX}original-offset`,
  reason: `${DLQ_PREFIX}reason`,
  error: `${DLQ_PREFIX}error`,
  attempts: `${DLQ_PREFIX}attempts`,
  group: `${DLQ_PREFIX}group`,
  failedAt: `${DLQ_PREFIX}failed-at`,
} as const;

const MAX_ERROR_LENGTH = 2_000;

/** The dead-letter copy of a message: same key and payload, the failure and its origin in headers. */
export function toDeadLetter(
  raw: RawMessage,
  failure: { reason: DeadLetterReason; error: string; attempts: number; groupId: string },
): { key: string | null; value: string | null; headers: MessageHeaders } {
  return {
    key: raw.key,
    value: raw.value,
    headers: {
      ...raw.headers,
      [DLQ_HEADERS.originalTopic]: raw.topic,
      [DLQ_HEADERS.originalPartition]: String(raw.partition),
      [DLQ_HEADERS.originalOffset]: raw.offset,
      [DLQ_HEADERS.reason]: failure.reason,
      // Errors can quote data from the environment; never let a registered secret reach the DLQ.
      [DLQ_HEADERS.error]: scrubSecrets(failure.error).slice(0, MAX_ERROR_LENGTH),
      [DLQ_HEADERS.attempts]: String(failure.attempts),
      [DLQ_HEADERS.group]: failure.groupId,
      [DLQ_HEADERS.failedAt]: new Date().toISOString(),
    },
  };
}

export function fromDeadLetter(raw: RawMessage): DeadLetter {
  const headers: MessageHeaders = {};
  for (const [name, value] of Object.entries(raw.headers))
    if (!name.startsWith(DLQ_PREFIX)) headers[name] = value;
  const reason = raw.headers[DLQ_HEADERS.reason] === "invalid" ? "invalid" : "failed";
  return {
    topic: raw.topic,
    partition: raw.partition,
    offset: raw.offset,
    key: raw.key,
    rawValue: raw.value ?? "",
    headers,
    originalTopic: raw.headers[DLQ_HEADERS.originalTopic] ?? "",
    originalPartition: Number(raw.headers[DLQ_HEADERS.originalPartition] ?? -1),
    originalOffset: raw.headers[DLQ_HEADERS.originalOffset] ?? "",
    reason,
    error: raw.headers[DLQ_HEADERS.error] ?? "",
    attempts: Number(raw.headers[DLQ_HEADERS.attempts] ?? 0),
  };
}
