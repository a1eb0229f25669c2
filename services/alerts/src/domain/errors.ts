/** What went wrong, in terms the HTTP layer maps to a status; the code is the stable, machine-readable part. */
export type DomainErrorKind =
  | "invalid"
  | "not_found"
  | "conflict"
  | "forbidden"
  | "rate_limited"
  | "unavailable";

export class DomainError extends Error {
  readonly kind: DomainErrorKind;
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(kind: DomainErrorKind, code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "DomainError";
    this.kind = kind;
    this.code = code;
    this.details = details;
  }
}

export const alertNotFound = (id: string) =>
  new DomainError("not_found", "alert_not_found", `no alert ${id} for this user`);
