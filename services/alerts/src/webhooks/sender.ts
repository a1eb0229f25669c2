// POSTs one signed webhook delivery: to the address the guard vetted (never a second DNS answer), following
// redirects by hand so every hop is vetted again, with a timeout. Failures say whether a retry could help.
import { createHmac } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { type AddressGuard, AddressRefused, type ResolvedAddress, ResolveFailed } from "./address-guard.ts";

export const SIGNATURE_HEADER = "x-tickerbell-signature";
export const TIMESTAMP_HEADER = "x-tickerbell-timestamp";
const MAX_REDIRECTS = 3;

/** `v1=<hex>`: HMAC-SHA256 with the webhook's secret over `<timestamp>.<body>`. */
export function signatureOf(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** A delivery that failed: `retryable` ones (network, timeout, 408, 429, 5xx) are tried again with backoff. */
export class WebhookDeliveryError extends Error {
  readonly retryable: boolean;
  /** `http_<status>`, `address_refused`, `dns_failed`, `timeout`, `network`, `too_many_redirects`, … */
  readonly code: string;
  readonly status: number | null;
  readonly retryAfterMs: number | undefined;
  constructor(
    message: string,
    options: { retryable: boolean; code: string; status?: number; retryAfterMs?: number; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = "WebhookDeliveryError";
    this.retryable = options.retryable;
    this.code = options.code;
    this.status = options.status ?? null;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export interface WebhookRequest {
  url: string;
  secret: string;
  body: string;
  /** For the `X-Tickerbell-Event` and `X-Tickerbell-Delivery` headers. */
  event: string;
  deliveryId: string;
}

export interface WebhookSenderOptions {
  guard: AddressGuard;
  /** Per request (each hop), default 10 s. */
  timeoutMs?: number;
  now?: () => number;
}

/** The webhook notifier: one delivery per call; resolves with the receiver's 2xx status or throws WebhookDeliveryError. */
export class WebhookSender {
  readonly #guard: AddressGuard;
  readonly #timeoutMs: number;
  readonly #now: () => number;

  constructor(options: WebhookSenderOptions) {
    this.#guard = options.guard;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** Checks a URL as a delivery would (for `/webhook add`): throws WebhookDeliveryError when refused. */
  async check(url: string): Promise<void> {
    await this.#vet(new URL(url));
  }

  /** `timeoutMs` overrides the per-hop timeout (a test delivery answers a waiting chat command). */
  async send(request: WebhookRequest, timeoutMs = this.#timeoutMs): Promise<number> {
    const timestamp = Math.floor(this.#now() / 1000);
    const headers = {
      "content-type": "application/json",
      "user-agent": "Tickerbell-Webhooks/1",
      "x-tickerbell-event": request.event,
      "x-tickerbell-delivery": request.deliveryId,
      "x-tickerbell-version": "1",
      [TIMESTAMP_HEADER]: String(timestamp),
      [SIGNATURE_HEADER]: signatureOf(request.secret, timestamp, request.body),
    };
    let url = new URL(request.url);
    for (let hop = 0; ; hop++) {
      const address = await this.#vet(url);
      const answer = await this.#post(url, address, headers, request.body, timeoutMs);
      if (answer.status >= 200 && answer.status < 300) return answer.status;
      if (answer.status >= 300 && answer.status < 400 && answer.location !== undefined) {
        if (hop >= MAX_REDIRECTS)
          throw new WebhookDeliveryError(`more than ${MAX_REDIRECTS} redirects`, {
            retryable: false,
            code: "too_many_redirects",
            status: answer.status,
          });
        let next: URL;
        try {
          next = new URL(answer.location, url);
        } catch {
          throw new WebhookDeliveryError("the redirect's Location is not a URL", {
            retryable: false,
            code: "bad_redirect",
            status: answer.status,
          });
        }
        if (next.protocol !== "https:" && next.protocol !== "http:")
          throw new WebhookDeliveryError(`redirected to a ${next.protocol} URL`, {
            retryable: false,
            code: "bad_redirect",
            status: answer.status,
          });
        url = next;
        continue;
      }
      const retryable = answer.status === 408 || answer.status === 429 || answer.status >= 500;
      throw new WebhookDeliveryError(`the receiver answered ${answer.status}`, {
        retryable,
        code: `http_${answer.status}`,
        status: answer.status,
        ...(answer.retryAfterMs === undefined ? {} : { retryAfterMs: answer.retryAfterMs }),
      });
    }
  }

  async #vet(url: URL): Promise<ResolvedAddress> {
    try {
      return await this.#guard.vet(url);
    } catch (error) {
      if (error instanceof AddressRefused)
        throw new WebhookDeliveryError(error.message, { retryable: false, code: error.code, cause: error });
      if (error instanceof ResolveFailed)
        throw new WebhookDeliveryError(error.message, { retryable: true, code: error.code, cause: error });
      throw error;
    }
  }

  #post(
    url: URL,
    address: ResolvedAddress,
    headers: Record<string, string>,
    body: string,
    timeoutMs: number,
  ): Promise<{ status: number; location: string | undefined; retryAfterMs: number | undefined }> {
    // The vetted address, whatever the resolver would say now; TLS still checks the certificate for the name.
    const pinned: LookupFunction = (_hostname, options, callback) => {
      if (options.all) callback(null, [{ address: address.address, family: address.family }]);
      else callback(null, address.address, address.family);
    };
    const client = url.protocol === "https:" ? https : http;
    return new Promise((resolve, reject) => {
      // The whole exchange, not just each idle gap: a receiver trickling bytes must not hold a delivery open.
      const deadline = setTimeout(() => {
        req.destroy(
          new WebhookDeliveryError(`no answer within ${timeoutMs} ms`, { retryable: true, code: "timeout" }),
        );
      }, timeoutMs);
      const req = client.request(
        url,
        {
          method: "POST",
          headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
          lookup: pinned,
          agent: false,
        },
        (res) => {
          clearTimeout(deadline);
          // The status and headers are the answer; the receiver's body is not ours to read.
          resolve({
            status: res.statusCode ?? 0,
            location: res.headers.location,
            retryAfterMs: retryAfterMs(res.headers["retry-after"]),
          });
          res.destroy();
        },
      );
      req.on("error", (err) => {
        clearTimeout(deadline);
        reject(err instanceof WebhookDeliveryError ? err : networkError(err));
      });
      req.end(body);
    });
  }
}

function networkError(error: Error): WebhookDeliveryError {
  const code = (error as { code?: string }).code;
  return new WebhookDeliveryError(`could not reach the receiver${code ? ` (${code})` : ""}`, {
    retryable: true,
    code: "network",
    cause: error,
  });
}

function retryAfterMs(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds, 3600) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.min(date - Date.now(), 3_600_000));
}
