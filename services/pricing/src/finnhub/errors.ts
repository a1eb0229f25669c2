/** Finnhub answered, and the answer was no (4xx/5xx). Never carries the URL's query: it holds the API key. */
export class FinnhubRemoteError extends Error {
  readonly path: string;
  readonly status: number;
  constructor(path: string, status: number, detail: string) {
    super(`finnhub ${path} answered ${status}: ${detail}`);
    this.name = "FinnhubRemoteError";
    this.path = path;
    this.status = status;
  }
}

/** 429: the key's call budget is spent. `retryAfterMs` is the server's Retry-After, when it sent one. */
export class FinnhubRateLimitedError extends FinnhubRemoteError {
  readonly retryAfterMs: number | undefined;
  constructor(path: string, retryAfterMs: number | undefined) {
    super(path, 429, "rate limited");
    this.name = "FinnhubRateLimitedError";
    this.retryAfterMs = retryAfterMs;
  }
}

/** The request never got an answer (connection refused, reset, timeout). */
export class FinnhubNetworkError extends Error {
  readonly path: string;
  constructor(path: string, cause: unknown) {
    super(`finnhub ${path} unreachable: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "FinnhubNetworkError";
    this.path = path;
  }
}

/** Our own budget says no call may go out now (the server was not asked). */
export class CallBudgetExhaustedError extends Error {
  readonly retryAtMs: number;
  constructor(retryAtMs: number) {
    super("finnhub REST call budget exhausted");
    this.name = "CallBudgetExhaustedError";
    this.retryAtMs = retryAtMs;
  }
}
