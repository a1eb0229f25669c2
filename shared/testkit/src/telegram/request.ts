import type { IncomingMessage } from "node:http";
import { BotApiError, badRequest } from "./api-error.ts";

/** A file sent as a multipart part, as telegraf does for `{ source: Buffer | stream | path }` inputs. */
export interface UploadedFile {
  filename: string;
  contentType: string;
  data: Buffer;
}

export type Params = Record<string, unknown>;

const MAX_BODY_BYTES = 60 * 1024 * 1024;

/**
 * Reads a Bot API call's parameters from wherever the real server accepts them: the query string, a JSON body,
 * an urlencoded body or multipart/form-data (where every value arrives as a string and files as parts).
 */
export async function readParams(req: IncomingMessage, url: URL): Promise<Params> {
  const params: Params = Object.fromEntries(url.searchParams);
  const body = await readBody(req);
  if (body.length === 0) return params;
  const contentType = req.headers["content-type"] ?? "";
  if (contentType.startsWith("application/json")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString("utf8"));
    } catch {
      throw badRequest("can't parse JSON object");
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
      throw badRequest("JSON object expected");
    }
    return { ...params, ...(parsed as Params) };
  }
  if (contentType.startsWith("multipart/form-data")) {
    const form = await new Response(new Uint8Array(body), {
      headers: { "content-type": contentType },
    }).formData();
    for (const [key, value] of form) {
      params[key] =
        typeof value === "string"
          ? value
          : ({
              filename: value.name,
              contentType: value.type,
              data: Buffer.from(await value.arrayBuffer()),
            } satisfies UploadedFile);
    }
    return params;
  }
  if (contentType.startsWith("application/x-www-form-urlencoded")) {
    return { ...params, ...Object.fromEntries(new URLSearchParams(body.toString("utf8"))) };
  }
  return params;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) throw new BotApiError(413, "Request Entity Too Large");
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

export function isUploadedFile(value: unknown): value is UploadedFile {
  return typeof value === "object" && value !== null && Buffer.isBuffer((value as UploadedFile).data);
}

/** A string parameter; numbers and booleans are accepted as the real API accepts them. */
export function optionalString(params: Params, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw badRequest(`field "${name}" must be of type String`);
}

export function optionalInteger(params: Params, name: string): number | undefined {
  const value = params[name];
  if (value === undefined || value === null || value === "") return undefined;
  const number = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  if (!Number.isInteger(number)) throw badRequest(`field "${name}" must be of type Integer`);
  return number;
}

export function optionalBoolean(params: Params, name: string): boolean | undefined {
  const value = params[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === "boolean") return value;
  if (value === "true" || value === "1" || value === 1) return true;
  if (value === "false" || value === "0" || value === 0) return false;
  throw badRequest(`field "${name}" must be of type Boolean`);
}

/** A JSON-serialized parameter: an object in JSON bodies, a JSON string in multipart and urlencoded bodies. */
export function optionalJson(params: Params, name: string, errorDetail: string): unknown {
  const value = params[name];
  if (value === undefined || value === null || value === "") return undefined;
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    throw badRequest(errorDetail);
  }
}
