// Runs docker-compose.yml without Docker: every service with a `command` starts as a local process from the
// repository root, with its own compose environment translated from the compose network to this machine.
// Compose hostnames become 127.0.0.1 on a free port per service, the kafka service becomes a real broker, a
// postgres URL becomes a fresh test database. Services start in depends_on order; a service counts as
// healthy when its own compose healthcheck command passes, a one-shot job when it exits 0. Anything in the
// file that does not resolve (a service name, a port, a variable) fails the start with a message saying so.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import {
  activeServices,
  type ComposeFile,
  type ComposeService,
  commandOf,
  dependsOnOf,
  profilesFrom,
  serviceEnvironment,
} from "./compose.ts";

export interface ComposeHarnessOptions {
  doc: ComposeFile;
  repoRoot: string;
  /** Values for `${VAR}` interpolation (the role .env plays for docker compose); COMPOSE_PROFILES included. */
  vars: Record<string, string>;
  /** The broker that stands in for the kafka service. */
  kafkaBrokers: string[];
  /** The database that stands in for the postgres service. */
  databaseUrl: string;
  /** The Node binary that runs `node` in commands and healthchecks (the project's Node 24). */
  nodeBinary: string;
  /** How long a service may take to become healthy. */
  startTimeoutMs?: number;
  /** Instances per service, as `docker compose up --scale matcher=2`; the second is named `matcher-2`. */
  scale?: Record<string, number>;
}

export class ComposeHarnessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ComposeHarnessError";
  }
}

interface Running {
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  output: string[];
}

/** How one process of a service ended, as the operating system reported it. */
export interface ProcessExit {
  pid: number | undefined;
  /** The exit code; null when a signal ended it. */
  code: number | null;
  /** The signal that ended it (`SIGKILL` for a crash); null when it exited by itself. */
  signal: NodeJS.Signals | null;
  /** When the exit was reported (epoch ms). */
  at: number;
}

const MAX_OUTPUT_LINES = 400;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function isKafka(service: ComposeService | undefined): boolean {
  return service?.image?.startsWith("apache/kafka:") ?? false;
}

function isPostgres(service: ComposeService | undefined): boolean {
  return service?.image?.startsWith("postgres:") ?? false;
}

export class ComposeHarness {
  readonly #options: ComposeHarnessOptions;
  readonly #running = new Map<string, Running>();
  readonly #exits = new Map<string, ProcessExit[]>();
  /** Local port of each service started here (its compose PORT is replaced by a free one). */
  readonly ports = new Map<string, number>();
  /** The translated environment each process got. */
  readonly environments = new Map<string, Record<string, string>>();

  constructor(options: ComposeHarnessOptions) {
    this.#options = options;
  }

  /**
   * Services the harness runs as processes: those built from this repository (the project's own images) that
   * the profiles in COMPOSE_PROFILES enable, as `docker compose up` would pick them.
   */
  processServices(): string[] {
    const { doc, vars } = this.#options;
    return activeServices(doc, profilesFrom(vars)).filter((name) => doc.services[name]!.build !== undefined);
  }

  /** Starts every process service in depends_on order and resolves once each is healthy (or a job is done). */
  async start(): Promise<void> {
    const { doc } = this.#options;
    const instances = this.#startOrder().flatMap((name) =>
      Array.from({ length: this.#options.scale?.[name] ?? 1 }, (_, i) => ({
        name,
        instance: i === 0 ? name : `${name}-${i + 1}`,
      })),
    );
    for (const { name, instance } of instances) {
      if (serviceEnvironment(doc.services[name]!, this.#options.vars).PORT !== undefined) {
        this.ports.set(instance, await freePort());
      }
    }
    // Every address is translated before anything starts: a broken file fails at once.
    for (const { name, instance } of instances) {
      const env = this.#translate(name, serviceEnvironment(doc.services[name]!, this.#options.vars));
      if (env.PORT !== undefined) env.PORT = String(this.ports.get(instance));
      this.environments.set(instance, env);
    }
    for (const { name, instance } of instances) {
      const service = doc.services[name]!;
      const env = this.environments.get(instance)!;
      const running = this.#spawn(instance, service, env);
      if (service.restart === "no") {
        const code = await running.exited;
        if (code !== 0)
          throw new ComposeHarnessError(`${instance} exited with ${code}:\n${this.logs(instance)}`);
      } else {
        await this.#waitHealthy(instance, service, env, running);
      }
    }
  }

  /** Every process of a service that ended so far, oldest first: what the OS says happened to it. */
  exits(name: string): readonly ProcessExit[] {
    return this.#exits.get(name) ?? [];
  }

  /** What a process printed (the last few hundred lines). */
  logs(name: string): string {
    return this.#running.get(name)?.output.join("\n") ?? "";
  }

  /** SIGTERM to every running process, dependents first; resolves with each exit code (null: killed). */
  async stop(graceMs = 25_000): Promise<Map<string, number | null>> {
    const codes = new Map<string, number | null>();
    for (const name of [...this.#running.keys()].reverse()) {
      const running = this.#running.get(name)!;
      if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill("SIGTERM");
      const timer = setTimeout(() => running.child.kill("SIGKILL"), graceMs);
      codes.set(name, await running.exited);
      clearTimeout(timer);
    }
    return codes;
  }

  /** Sends `signal` to one running process (SIGKILL: a crash) and resolves with its exit once it is gone. */
  async kill(name: string, signal: NodeJS.Signals = "SIGKILL"): Promise<number | null> {
    const running = this.#running.get(name);
    if (running === undefined) throw new ComposeHarnessError(`${name} was never started`);
    if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill(signal);
    return running.exited;
  }

  /**
   * Starts one stopped (or killed) service again with the environment it had, as compose's restart policy
   * would; resolves once its healthcheck passes. Its earlier output stays in front of the new one in logs().
   */
  async restart(name: string): Promise<void> {
    const previous = this.#running.get(name);
    const env = this.environments.get(name);
    const { services } = this.#options.doc;
    const service = services[name] ?? services[name.replace(/-\d+$/, "")];
    if (previous === undefined || env === undefined || service === undefined)
      throw new ComposeHarnessError(`${name} was never started`);
    if (previous.child.exitCode === null && previous.child.signalCode === null)
      throw new ComposeHarnessError(`${name} is still running`);
    const running = this.#spawn(name, service, env);
    running.output.unshift(...previous.output, `--- ${name} restarted ---`);
    await this.#waitHealthy(name, service, env, running);
  }

  #startOrder(): string[] {
    const { services } = this.#options.doc;
    const wanted = new Set(this.processServices());
    const order: string[] = [];
    const visiting = new Set<string>();
    const visit = (name: string) => {
      if (order.includes(name) || !wanted.has(name)) return;
      if (visiting.has(name)) throw new ComposeHarnessError(`depends_on cycle through ${name}`);
      visiting.add(name);
      for (const dep of Object.keys(dependsOnOf(services[name]!))) {
        if (services[dep] === undefined)
          throw new ComposeHarnessError(`${name}: depends_on names ${dep}, which is not a service`);
        visit(dep);
      }
      visiting.delete(name);
      order.push(name);
    };
    for (const name of wanted) visit(name);
    return order;
  }

  /** The compose environment as this machine needs it; refuses any address that names no real service port. */
  #translate(name: string, env: Record<string, string>): Record<string, string> {
    const { services } = this.#options.doc;
    const out: Record<string, string> = {};
    const localFor = (key: string, host: string, port: number): string => {
      const target = services[host];
      if (target === undefined)
        throw new ComposeHarnessError(`${name}: ${key} points at ${host}, which is not a service`);
      const targetPort = serviceEnvironment(target, this.#options.vars).PORT;
      const local = this.ports.get(host);
      if (local === undefined || targetPort !== String(port)) {
        throw new ComposeHarnessError(
          `${name}: ${key} points at ${host}:${port}, but ${host} listens on ${targetPort ?? "no PORT"}`,
        );
      }
      return `127.0.0.1:${local}`;
    };
    for (const [key, value] of Object.entries(env)) {
      if (key === "PORT") {
        out[key] = String(this.ports.get(name));
        continue;
      }
      const url = /^([a-z][a-z0-9+.-]*):\/\/(?:[^@/]*@)?([^:/?#]+)(?::(\d+))?/i.exec(value);
      if (url) {
        const host = url[2]!;
        if (host.includes(".") || host === "localhost") out[key] = value;
        else if (isPostgres(services[host])) out[key] = this.#options.databaseUrl;
        else {
          const port = url[3] ? Number(url[3]) : url[1] === "https" ? 443 : 80;
          out[key] = value.replace(url[0], `${url[1]}://${localFor(key, host, port)}`);
        }
        continue;
      }
      if (key.endsWith("BROKERS")) {
        for (const broker of value.split(",")) {
          const [host = "", port = ""] = broker.trim().split(":");
          const target = services[host];
          if (!isKafka(target))
            throw new ComposeHarnessError(`${name}: ${key} names ${host}, which is not the kafka service`);
          const advertised = serviceEnvironment(target!, this.#options.vars).KAFKA_ADVERTISED_LISTENERS ?? "";
          if (!advertised.includes(`//${host}:${port}`)) {
            throw new ComposeHarnessError(
              `${name}: ${key} names ${host}:${port}, which kafka does not advertise (${advertised})`,
            );
          }
        }
        out[key] = this.#options.kafkaBrokers.join(",");
        continue;
      }
      out[key] = value;
    }
    return out;
  }

  #spawn(name: string, service: ComposeService, env: Record<string, string>): Running {
    const [program, ...args] = commandOf(service);
    if (program !== "node")
      throw new ComposeHarnessError(`${name}: command must start with node, not ${program}`);
    // Only the service's compose environment (plus PATH/HOME for Node itself), as in its container.
    const child = spawn(this.#options.nodeBinary, args, {
      cwd: this.#options.repoRoot,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "production", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const output: string[] = [];
    const collect = (chunk: Buffer) => {
      for (const line of String(chunk).split("\n")) if (line !== "") output.push(line);
      if (output.length > MAX_OUTPUT_LINES) output.splice(0, output.length - MAX_OUTPUT_LINES);
    };
    child.stdout?.on("data", collect);
    child.stderr?.on("data", collect);
    const exited = new Promise<number | null>((resolve) =>
      child.once("exit", (code, signal) => {
        const exits = this.#exits.get(name) ?? [];
        exits.push({ pid: child.pid, code, signal, at: Date.now() });
        this.#exits.set(name, exits);
        resolve(code);
      }),
    );
    const running = { name, child, exited, output };
    this.#running.set(name, running);
    return running;
  }

  async #waitHealthy(
    name: string,
    service: ComposeService,
    env: Record<string, string>,
    running: Running,
  ): Promise<void> {
    const test = service.healthcheck?.test;
    if (!Array.isArray(test) || test[0] !== "CMD" || test[1] !== "node") {
      throw new ComposeHarnessError(
        `${name}: the harness runs healthchecks of the form ["CMD", "node", ...]`,
      );
    }
    const deadline = Date.now() + (this.#options.startTimeoutMs ?? 90_000);
    let exitCode: number | null | undefined;
    void running.exited.then((code) => {
      exitCode = code;
    });
    while (Date.now() < deadline) {
      if (exitCode !== undefined)
        throw new ComposeHarnessError(
          `${name} exited with ${exitCode} before it was healthy:\n${this.logs(name)}`,
        );
      if ((await this.#runOnce(test.slice(2), env)) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    throw new ComposeHarnessError(`${name} was not healthy in time:\n${this.logs(name)}`);
  }

  #runOnce(args: string[], env: Record<string, string>): Promise<number | null> {
    return new Promise((resolve) => {
      const check = spawn(this.#options.nodeBinary, args, {
        env: { PATH: process.env.PATH ?? "", ...env },
        stdio: "ignore",
      });
      check.once("exit", (code) => resolve(code));
      check.once("error", () => resolve(null));
    });
  }
}
