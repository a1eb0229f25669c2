import { createHash } from "node:crypto";

/** A fixed-window bucket: at most `limit` requests per `windowMs`, counted per route and major parameter. */
export interface BucketLimit {
  limit: number;
  windowMs: number;
}

export interface RateLimitVerdict {
  /** Headers every answer on a rate-limited route carries (X-RateLimit-*). */
  headers: Record<string, string>;
  /** Present when the request must be answered with 429. */
  rejection?: {
    retryAfterSeconds: number;
    global: boolean;
    scope: "user" | "global" | "shared";
    cause: RateLimitCause;
  };
}

export type RateLimitCause = "route" | "global" | "storm";

interface WindowState {
  remaining: number;
  resetAt: number;
}

/**
 * The routes whose real limits are well known. Everything else gets a generous bucket so headers are always present,
 * as they are on Discord.
 */
export const DEFAULT_ROUTE_LIMITS: Record<string, BucketLimit> = {
  "POST /channels/:channel_id/messages": { limit: 5, windowMs: 5000 },
};
const FALLBACK_LIMIT: BucketLimit = { limit: 50, windowMs: 1000 };

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

/** Discord's rate limiting as a bot sees it: a global per-second budget, per-route buckets, and injected storms. */
export class RateLimiter {
  readonly #routeLimits = new Map<string, BucketLimit>();
  readonly #buckets = new Map<string, WindowState>();
  #globalPerSecond: number;
  #global: WindowState = { remaining: 0, resetAt: 0 };
  #storm: { until: number; global: boolean } | null = null;

  constructor(globalPerSecond: number, routeLimits: Record<string, BucketLimit>) {
    this.#globalPerSecond = globalPerSecond;
    for (const [route, limit] of Object.entries(routeLimits)) this.#routeLimits.set(route, limit);
  }

  setRouteLimit(route: string, limit: BucketLimit | null): void {
    if (limit) this.#routeLimits.set(route, limit);
    else this.#routeLimits.delete(route);
    for (const key of this.#buckets.keys()) if (key.startsWith(`${route}|`)) this.#buckets.delete(key);
  }

  setGlobalLimit(perSecond: number): void {
    this.#globalPerSecond = perSecond;
    this.#global = { remaining: 0, resetAt: 0 };
  }

  storm(ms: number, global: boolean): void {
    this.#storm = { until: Date.now() + ms, global };
  }

  /**
   * Decides one request. `route` is the bucket route ("POST /channels/:channel_id/messages"), `major` the major
   * parameter's value, `countsGlobally` false for interaction callbacks (Discord exempts them from the global limit).
   */
  check(route: string, major: string, countsGlobally: boolean, now: number = Date.now()): RateLimitVerdict {
    const limit = this.#routeLimits.get(route) ?? FALLBACK_LIMIT;
    const bucketHash = createHash("sha1").update(route).digest("hex").slice(0, 16);
    const key = `${route}|${major}`;
    let bucket = this.#buckets.get(key);
    if (!bucket || now >= bucket.resetAt) {
      bucket = { remaining: limit.limit, resetAt: now + limit.windowMs };
      this.#buckets.set(key, bucket);
    }
    const headersFor = (remaining: number, resetAt: number): Record<string, string> => ({
      "X-RateLimit-Limit": String(limit.limit),
      "X-RateLimit-Remaining": String(remaining),
      "X-RateLimit-Reset": seconds(resetAt),
      "X-RateLimit-Reset-After": seconds(resetAt - now),
      "X-RateLimit-Bucket": bucketHash,
    });

    if (countsGlobally) {
      if (now >= this.#global.resetAt)
        this.#global = { remaining: this.#globalPerSecond, resetAt: now + 1000 };
      if (this.#global.remaining <= 0) {
        return {
          headers: { "X-RateLimit-Global": "true", "X-RateLimit-Scope": "global" },
          rejection: {
            retryAfterSeconds: (this.#global.resetAt - now) / 1000,
            global: true,
            scope: "global",
            cause: "global",
          },
        };
      }
    }

    if (this.#storm && now < this.#storm.until) {
      const retryAfterSeconds = (this.#storm.until - now) / 1000;
      if (this.#storm.global) {
        return {
          headers: { "X-RateLimit-Global": "true", "X-RateLimit-Scope": "global" },
          rejection: { retryAfterSeconds, global: true, scope: "global", cause: "storm" },
        };
      }
      return {
        headers: { ...headersFor(0, this.#storm.until), "X-RateLimit-Scope": "shared" },
        rejection: { retryAfterSeconds, global: false, scope: "shared", cause: "storm" },
      };
    }

    if (bucket.remaining <= 0) {
      return {
        headers: { ...headersFor(0, bucket.resetAt), "X-RateLimit-Scope": "user" },
        rejection: {
          retryAfterSeconds: (bucket.resetAt - now) / 1000,
          global: false,
          scope: "user",
          cause: "route",
        },
      };
    }

    if (countsGlobally) this.#global.remaining -= 1;
    bucket.remaining -= 1;
    return { headers: headersFor(bucket.remaining, bucket.resetAt) };
  }
}
