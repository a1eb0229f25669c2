import { ChatLoginError } from "@tickerbell/bot-core";
import { FinnhubRemoteError } from "@tickerbell/pricing";

/**
 * A start that failed for a reason a person can fix, said in one sentence that names what to change. main.ts
 * prints it as is, without a stack trace; anything else that fails a start is a bug and keeps its stack (in the log).
 */
export class StartFailure extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StartFailure";
  }
}

/**
 * A stop asked for (SIGINT or SIGTERM) while the start was still under way: thrown at the next step, once the
 * current one is done, so that what has started stops in order (a step cut off midway, as a migration, could
 * leave the embedded database half-written). Not a failure: the process exits 0.
 */
export class StartInterrupted extends Error {
  readonly signal: string;
  constructor(signal: string) {
    super(`stopped by ${signal} while starting`);
    this.signal = signal;
    this.name = "StartInterrupted";
  }
}

/** A failed listen on `port` (set by `variable`) as a StartFailure, when it is one a person can fix. */
export function listenFailure(error: unknown, port: number, variable: string): unknown {
  const code = (error as { code?: unknown }).code;
  if (code === "EADDRINUSE") {
    return new StartFailure(
      `port ${port} is already in use (${variable}): is Tickerbell already running? Stop it, or set ${variable} to a free port`,
      { cause: error },
    );
  }
  if (code === "EACCES") {
    return new StartFailure(`not allowed to listen on port ${port} (${variable}): choose a port above 1024`, {
      cause: error,
    });
  }
  return error;
}

/** A chat platform that would not let the bot in (ChatLoginError's sentence names the variable). */
export function chatFailure(error: unknown): unknown {
  return error instanceof ChatLoginError ? new StartFailure(error.message, { cause: error }) : error;
}

/**
 * The start's one Finnhub call failed: a refused key stops the start; anything else (a network hiccup, a 429)
 * does not, as the feed reconnects and falls back on its own.
 */
export function finnhubKeyCheck(error: unknown): void {
  if (error instanceof FinnhubRemoteError && (error.status === 401 || error.status === 403)) {
    throw new StartFailure(
      `Finnhub refused FINNHUB_API_KEY (${error.status}): copy the key from https://finnhub.io/dashboard, or leave it empty for the simulated feed`,
      { cause: error },
    );
  }
}

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ENOTFOUND: "no such host",
  EAI_AGAIN: "no such host (DNS lookup failed)",
  ETIMEDOUT: "timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
};

/** PostgreSQL (DATABASE_URL) that cannot be reached or will not let us in, as a StartFailure. */
export function databaseFailure(error: unknown, databaseUrl: string): unknown {
  const code = errorCode(error);
  if (!code) return error;
  const url = safeUrl(databaseUrl);
  const where = url ? url.host || "localhost" : "DATABASE_URL";
  const name = url ? decodeURIComponent(url.pathname.replace(/^\//, "")) : "";
  const reason = UNREACHABLE[code];
  if (reason) {
    return new StartFailure(
      `could not reach PostgreSQL at ${where} (DATABASE_URL): ${reason}; is it running?`,
      { cause: error },
    );
  }
  if (code === "3D000") {
    return new StartFailure(
      `PostgreSQL has no database "${name}" (DATABASE_URL): create it (createdb ${name}) or point DATABASE_URL at one that exists`,
      { cause: error },
    );
  }
  // 28P01: wrong password; 28000: no such role, or pg_hba.conf allows no login from here.
  if (code === "28P01" || code === "28000") {
    return new StartFailure(
      `PostgreSQL at ${where} refused the login in DATABASE_URL (${(error as Error).message}): check the user and password`,
      { cause: error },
    );
  }
  return error;
}

/** The first system or SQLSTATE code on the error or its causes (MikroORM wraps pg's errors). */
function errorCode(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 5; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (code in UNREACHABLE || /^[0-9A-Z]{5}$/.test(code))) return code;
    e = (e as { cause?: unknown }).cause ?? (e as { errors?: unknown[] }).errors?.[0];
  }
  return undefined;
}

function safeUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
