import { MAX_IMPORT_BYTES } from "@tickerbell/contracts";

/** A file a user sent with `/import`, read only when asked and never past a cap. */
export interface IncomingFile {
  name: string;
  /** The size the platform declares (Telegram's file_size, Discord's attachment size); null if unknown. */
  size: number | null;
  /** The file's bytes; rejects with FileTooLargeError as soon as more than maxBytes arrive. */
  read(maxBytes: number): Promise<Uint8Array>;
}

/** A file sent back with a reply (`/export`). */
export interface ReplyFile {
  name: string;
  contentType: string;
  data: Uint8Array;
}

export class FileTooLargeError extends Error {
  /** The size when known (declared, or read so far). */
  readonly bytes: number | null;
  constructor(bytes: number | null, maxBytes: number) {
    super(`file larger than ${maxBytes} bytes`);
    this.name = "FileTooLargeError";
    this.bytes = bytes;
  }
}

/** The file could not be fetched from the platform (status or network); the user may send it again. */
export class FileUnavailableError extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = "FileUnavailableError";
  }
}

/**
 * Downloads `url`, refusing by Content-Length before reading and stopping the stream once more than `maxBytes`
 * arrived (a declared length may be missing or lie).
 */
export async function downloadCapped(
  url: string,
  maxBytes: number = MAX_IMPORT_BYTES,
  fetchImpl: typeof fetch = fetch,
): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetchImpl(url, { signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    throw new FileUnavailableError("the download failed", error);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new FileUnavailableError(`the download was answered ${response.status}`);
  }
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw new FileTooLargeError(declared, maxBytes);
  }
  return readCapped(response.body, maxBytes);
}

/** Reads a stream into one buffer, cancelling it once more than maxBytes arrived. */
export async function readCapped(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        throw new FileTooLargeError(size, maxBytes);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof FileTooLargeError) throw error;
    throw new FileUnavailableError("the download broke off", error);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
