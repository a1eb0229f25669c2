/**
 * The one error vocabulary of Tickerbell's HTTP clients: a service either answered and said no (`ApiError`, with
 * what it said), or could not be asked (`ServiceUnavailableError`: unreachable, no answer in time, or an answer
 * that is not the service's contract). Callers read the first and retry the second.
 */

/** Where a call went: which service, and the route as the API names it (`/v1/alerts/{id}`: no ids, no query). */
export interface CallSite {
  /** For messages: "the alert service". */
  service: string;
  method: string;
  path: string;
}

/** The service answered and said no: a 4xx/5xx with its `{error: {code, message, details}}` body. */
export class ApiError extends Error {
  readonly service: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** The service's machine-readable refusal (`duplicate_alert`, `rate_limited`, `validation_failed`, …). */
  readonly code: string;
  readonly details: unknown;
  constructor(site: CallSite & { status: number; code: string; message: string; details?: unknown }) {
    super(site.message);
    this.name = "ApiError";
    this.service = site.service;
    this.method = site.method;
    this.path = site.path;
    this.status = site.status;
    this.code = site.code;
    this.details = site.details;
  }
}

/** Why a service could not be asked. */
export type UnavailableReason =
  /** The connection failed (refused, reset, DNS). */
  | "unreachable"
  /** No answer within the client's timeout. */
  | "timeout"
  /** It answered, but not with its contract (not JSON, not the schema, an error without the error body). */
  | "off_contract";

/** The service could not be reached, did not answer in time, or answered with something that is not its contract. */
export class ServiceUnavailableError extends Error {
  readonly service: string;
  readonly method: string;
  readonly path: string;
  readonly reason: UnavailableReason;
  /** The status it answered with, when it answered off contract. */
  readonly status: number | undefined;
  constructor(
    site: CallSite & { reason: UnavailableReason; message: string; status?: number; cause?: unknown },
  ) {
    super(`${site.service} is unavailable: ${site.method} ${site.path}: ${site.message}`, {
      cause: site.cause,
    });
    this.name = "ServiceUnavailableError";
    this.service = site.service;
    this.method = site.method;
    this.path = site.path;
    this.reason = site.reason;
    this.status = site.status;
  }
}
