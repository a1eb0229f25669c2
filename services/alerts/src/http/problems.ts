import type { z } from "zod";

/** An HTTP-level refusal (authentication, transport); domain refusals are DomainError. */
export class HttpProblem extends Error {
  readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429;
  readonly code: string;
  readonly details: unknown;

  constructor(status: HttpProblem["status"], code: string, message: string, details?: unknown) {
    super(message);
    this.name = "HttpProblem";
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

const TARGET_NAMES: Record<string, string> = {
  json: "request body",
  query: "query string",
  param: "path",
  header: "headers",
};

/** A 400 naming every problem zod found, with the issues as machine-readable details. */
export function validationProblem(error: z.ZodError, target: string): HttpProblem {
  const issues = error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    code: issue.code,
    // zod's "expected string, received undefined" says less than "is required".
    message:
      issue.code === "invalid_type" && /received undefined/.test(issue.message)
        ? "is required"
        : issue.message,
    ...("keys" in issue ? { keys: issue.keys } : {}),
  }));
  const summary = issues
    .slice(0, 5)
    .map((i) => {
      const what = i.keys ? `unknown field(s) ${(i.keys as string[]).join(", ")}` : i.message;
      return i.path ? `${i.path}: ${what}` : what;
    })
    .join("; ");
  return new HttpProblem(400, "validation_failed", `invalid ${TARGET_NAMES[target] ?? target}: ${summary}`, {
    target,
    issues,
  });
}
