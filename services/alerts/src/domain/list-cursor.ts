import { IdSchema } from "@tickerbell/contracts";
import { z } from "zod";
import { DomainError } from "./errors.ts";

/** Where a page of `GET /v1/alerts` ended: the (createdAt, id) of its last alert, the list's sort key. */
export interface ListPosition {
  /** Epoch milliseconds (the service writes created_at from a JS Date, so milliseconds are exact). */
  createdAt: number;
  id: string;
}

/** Year 9999: keeps a forged cursor inside PostgreSQL's timestamp range (it would answer 500 otherwise). */
const LATEST_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const MAX_CURSOR_LENGTH = 200;

const PositionSchema = z
  .object({
    t: z.number().int().min(0).max(LATEST_MS),
    i: IdSchema,
  })
  .strict();

/** Opaque to clients (base64url of a small JSON object), so its layout can change without an API change. */
export function encodeListCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify({ t: position.createdAt, i: position.id })).toString("base64url");
}

/** The position a cursor names; a 400 `invalid_cursor` for anything this service did not hand out. */
export function decodeListCursor(cursor: string): ListPosition {
  const position =
    cursor.length <= MAX_CURSOR_LENGTH && /^[A-Za-z0-9_-]+$/.test(cursor)
      ? PositionSchema.safeParse(parseJson(Buffer.from(cursor, "base64url").toString("utf8")))
      : null;
  if (!position?.success) {
    throw new DomainError(
      "invalid",
      "invalid_cursor",
      "cursor is not one this service handed out: pass a page's nextCursor unchanged, or leave it out to start from the first page",
    );
  }
  return { createdAt: position.data.t, id: position.data.i.toLowerCase() };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
