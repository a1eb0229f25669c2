// What the Compose schema cannot see: that every deployable is there with its own entry point, port and a
// valid environment for its env.ts, that every service it talks to exists, listens on that port and is
// waited for, and that every service has a healthcheck.
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  activeServices,
  type ComposeFile,
  type ComposeService,
  commandOf,
  dependsOnOf,
  InterpolationError,
  serviceEnvironment,
} from "./compose.ts";
import type { ComposeJob, Deployable } from "./workspaces.ts";

/** The part of a zod object schema these checks use (testkit does not depend on zod). */
export interface EnvSchema {
  shape: Record<string, unknown>;
  safeParse(input: unknown): {
    success: boolean;
    error?: { issues: { path: PropertyKey[]; message: string }[] };
  };
}

export interface ComposeCheckInput {
  doc: ComposeFile;
  /** Variables for `${VAR}` interpolation (the example env file). */
  vars: Record<string, string>;
  deployables: readonly Deployable[];
  /** One-shot processes (no healthcheck; waited for with service_completed_successfully). */
  jobs: readonly ComposeJob[];
  /** Each deployable's and job's env schema, by compose service name. */
  envSchemas: ReadonlyMap<string, EnvSchema>;
  repoRoot: string;
  /** The Kafka version the tests run on; the kafka service's image must carry it. */
  kafkaVersion: string;
  /**
   * The enabled profiles (COMPOSE_PROFILES); default every profile. Every deployable must be in the file, but
   * only the services these profiles start must work with `vars`.
   */
  profiles?: readonly string[];
}

const HEALTHY = new Set(["service_healthy", "service_completed_successfully"]);

/**
 * Links a service uses only from a background pass that retries on its own, where a depends_on would close a
 * cycle: the alert service's earnings scheduler asks pricing, and pricing waits for the alert service.
 */
const LATE_LINKS: ReadonlySet<string> = new Set(["alerts:PRICING_URL"]);

export function checkCompose(input: ComposeCheckInput): string[] {
  const { doc, vars, deployables, jobs, envSchemas, repoRoot } = input;
  const problems: string[] = [];
  const services = doc.services ?? {};
  const names = new Set(Object.keys(services));

  let active: Set<string>;
  try {
    active = new Set(activeServices(doc, input.profiles ?? ["*"]));
  } catch (error) {
    problems.push((error as Error).message);
    active = new Set(Object.keys(services));
  }

  const environments = new Map<string, Record<string, string>>();
  for (const [name, service] of Object.entries(services)) {
    if (!active.has(name)) continue;
    try {
      environments.set(name, serviceEnvironment(service, vars));
    } catch (error) {
      if (!(error instanceof InterpolationError)) throw error;
      problems.push(`${name}: environment does not interpolate with the example env file: ${error.message}`);
      environments.set(name, {});
    }
  }

  const kafka = services.kafka;
  if (kafka === undefined) problems.push("kafka: no kafka service");
  else if (kafka.image !== `apache/kafka:${input.kafkaVersion}`) {
    problems.push(
      `kafka: image must be apache/kafka:${input.kafkaVersion} (the broker the tests use), not ${kafka.image}`,
    );
  }

  const jobNames = new Set(jobs.map((j) => j.service));
  for (const [name, service] of Object.entries(services)) {
    const test = service.healthcheck?.test;
    if (jobNames.has(name)) {
      if (service.restart !== "no") problems.push(`${name}: a one-shot job must have restart "no"`);
    } else if (test === undefined || (Array.isArray(test) && test[0] === "NONE")) {
      problems.push(`${name}: no healthcheck`);
    }
    for (const [target, condition] of Object.entries(dependsOnOf(service))) {
      if (!names.has(target)) problems.push(`${name}: depends_on names ${target}, which is not a service`);
      else if (jobNames.has(target)) {
        if (condition !== "service_completed_successfully") {
          problems.push(
            `${name}: depends_on ${target} must wait for condition service_completed_successfully`,
          );
        }
      } else if (condition === undefined || !HEALTHY.has(condition)) {
        problems.push(`${name}: depends_on ${target} must wait for condition service_healthy`);
      }
    }
  }

  const listening = (service: string): number[] => {
    const env = environments.get(service) ?? {};
    if (env.PORT !== undefined) return [Number(env.PORT)];
    const advertised = env.KAFKA_ADVERTISED_LISTENERS;
    if (advertised !== undefined) return [...advertised.matchAll(/:(\d+)/g)].map((m) => Number(m[1]));
    if (services[service]?.image?.startsWith("postgres:")) return [5432];
    return [];
  };

  /** Entry point, environment against env.ts, and every service it talks to: for services and jobs alike. */
  const checkProcess = (name: string, workspace: string, entry: string, service: ComposeService) => {
    const command = commandOf(service);
    if (JSON.stringify(command) !== JSON.stringify(["node", entry])) {
      problems.push(`${name}: command must be ["node", "${entry}"], not ${JSON.stringify(command)}`);
    } else if (!existsSync(join(repoRoot, entry))) {
      problems.push(`${name}: command runs ${entry}, which does not exist`);
    }
    const env = environments.get(name) ?? {};
    const schema = envSchemas.get(name);
    if (schema === undefined) problems.push(`${name}: no env schema to check its environment against`);
    else {
      for (const key of Object.keys(env)) {
        if (!(key in schema.shape))
          problems.push(`${name}: sets ${key}, which ${workspace}/src/env.ts does not read`);
      }
      // As parseEnv does: an empty value counts as unset.
      const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ""));
      const result = schema.safeParse(cleaned);
      for (const issue of result.success ? [] : (result.error?.issues ?? [])) {
        problems.push(`${name}: env.ts refuses ${issue.path.join(".") || "(environment)"}: ${issue.message}`);
      }
    }
    const waitsFor = dependsOnOf(service);
    for (const [key, value] of Object.entries(env)) {
      for (const [host, port] of endpoints(key, value)) {
        if (!names.has(host)) {
          if (!host.includes(".")) problems.push(`${name}: ${key} points at ${host}, which is not a service`);
          continue;
        }
        if (!listening(host).includes(port)) {
          const ports = listening(host).join(", ") || "no known port";
          problems.push(`${name}: ${key} points at ${host}:${port}, but ${host} listens on ${ports}`);
        }
        if (!(host in waitsFor) && !LATE_LINKS.has(`${name}:${key}`))
          problems.push(`${name}: talks to ${host} (${key}) but does not depend_on it`);
      }
    }
  };

  for (const job of jobs) {
    const service = services[job.service];
    if (service === undefined) problems.push(`${job.service}: missing (the ${job.entry} job)`);
    else if (active.has(job.service)) checkProcess(job.service, job.workspace, job.entry, service);
  }

  for (const deployable of deployables) {
    const name = deployable.service;
    const service = services[name];
    if (service === undefined) {
      problems.push(`${name}: missing (the ${deployable.workspace} deployable)`);
      continue;
    }
    if (!active.has(name)) continue;
    checkProcess(name, deployable.workspace, `${deployable.workspace}/src/main.ts`, service);
    const env = environments.get(name) ?? {};
    if (env.PORT !== String(deployable.port)) {
      problems.push(`${name}: PORT must be ${deployable.port}, not ${env.PORT ?? "unset"}`);
    }
    for (const mapping of service.ports ?? []) {
      const target =
        typeof mapping === "string" ? mapping.split(":").at(-1)?.split("/")[0] : String(mapping.target);
      if (target !== env.PORT)
        problems.push(`${name}: publishes container port ${target}, but PORT is ${env.PORT}`);
    }
    const health = JSON.stringify(service.healthcheck?.test ?? "");
    if (!health.includes("/readyz") && !health.includes("/healthz")) {
      problems.push(`${name}: healthcheck does not call /readyz or /healthz`);
    } else if (!health.includes("process.env.PORT") && !health.includes(`:${deployable.port}/`)) {
      problems.push(`${name}: healthcheck does not call the service's own port ${deployable.port}`);
    }
  }
  return problems;
}

/** host:port pairs named by a variable: URLs, and comma-separated host:port lists such as KAFKA_BROKERS. */
function endpoints(key: string, value: string): [string, number][] {
  const found: [string, number][] = [];
  const url = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?([^:/?#]+)(?::(\d+))?/i.exec(value);
  if (url) {
    const scheme = value.slice(0, value.indexOf(":")).toLowerCase();
    const defaults: Record<string, number> = {
      http: 80,
      https: 443,
      ws: 80,
      wss: 443,
      postgres: 5432,
      postgresql: 5432,
    };
    const port = url[2] !== undefined ? Number(url[2]) : defaults[scheme];
    if (port !== undefined) found.push([url[1]!, port]);
    return found;
  }
  if (key.endsWith("BROKERS")) {
    for (const broker of value.split(",")) {
      const match = /^\s*([^:\s]+):(\d+)\s*$/.exec(broker);
      if (match) found.push([match[1]!, Number(match[2])]);
    }
  }
  return found;
}
