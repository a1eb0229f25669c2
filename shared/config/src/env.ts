import { z } from "zod";
import { registerSecret } from "./logger.ts";

export class EnvError extends Error {
  readonly problems: string[];
  constructor(service: string, problems: string[]) {
    super(`${service}: invalid environment\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
    this.problems = problems;
  }
}

/**
 * Parses the environment once, at start. Names every missing or invalid variable in one error, and never
 * echoes a value (a value may be a secret).
 */
export function parseEnv<S extends z.ZodObject>(
  service: string,
  schema: S,
  source: NodeJS.ProcessEnv = process.env,
  options: {
    /** Variables whose values no log line may show: registered with the loggers' scrubber once parsed. */
    secrets?: readonly (keyof z.output<S> & string)[];
  } = {},
): z.output<S> {
  // Empty strings count as unset: `FOO=` in an env file means "not configured".
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(source)) {
    if (value !== undefined && value !== "") cleaned[key] = value;
  }
  const result = schema.safeParse(cleaned);
  if (result.success) {
    for (const name of options.secrets ?? []) registerSecret(result.data[name] as string | undefined);
    return result.data;
  }
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join(".") || "(environment)";
    const missing = issue.code === "invalid_type" && cleaned[String(issue.path[0])] === undefined;
    return missing ? `${name} is required` : `${name}: ${issue.message}`;
  });
  throw new EnvError(service, problems);
}

/** Reusable field types for env schemas. */
export const envInt = (fallback: number) => z.coerce.number().int().default(fallback);
export const envBool = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no"])
    .default(fallback ? "true" : "false")
    .transform((v) => v === "true" || v === "1" || v === "yes");
export const envUrl = () => z.url();
/** A TCP port to listen on. */
export const envPort = (fallback: number) => envInt(fallback).pipe(z.number().min(1).max(65535));
/**
 * A value still reading like .env.example's placeholders ("replace-with-…"): an env file copied from the
 * example and only partly filled in. Where a variable turns something optional on, callers treat it as unset;
 * a secret that must be set refuses it, since every copy of the example knows it.
 */
export function isPlaceholder(value: string | undefined): boolean {
  return value !== undefined && /replace-with/i.test(value);
}

export const envSecret = () =>
  z
    .string()
    .min(8, "must be at least 8 characters")
    .refine(
      (value) => !isPlaceholder(value),
      "still holds the placeholder of .env.example: set a long random value (openssl rand -hex 24)",
    );
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error", "fatal", "silent"] as const;
export const envLogLevel = () => z.enum(LOG_LEVELS).default("info");
/** KAFKA_BROKERS: comma-separated bootstrap brokers, at least one. */
export const envBrokers = () =>
  envList().pipe(z.array(z.string()).min(1, "must name at least one broker (host:port)"));
export const envList = () =>
  z.string().transform((v) =>
    v
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s.length > 0),
  );

/**
 * For a process entry point: loads the environment, or prints the EnvError (every bad variable, no values)
 * and exits 1. Anything else thrown is a bug and propagates.
 */
export function loadEnvOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof EnvError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
