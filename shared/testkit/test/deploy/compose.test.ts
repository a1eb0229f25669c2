import { beforeAll, describe, expect, it } from "vitest";
import {
  activeServices,
  type ComposeFile,
  interpolate,
  parseCompose,
  parseEnvFile,
  profilesFrom,
  serviceEnvironment,
  validateComposeSchema,
} from "../../src/deploy/compose.ts";
import { checkCompose, type EnvSchema } from "../../src/deploy/compose-checks.ts";
import { ComposeHarness } from "../../src/deploy/compose-harness.ts";
import { COMPOSE_JOBS, DEPLOYABLES } from "../../src/deploy/workspaces.ts";
import { loadEnvSchemas, pinnedKafkaVersion, REPO_ROOT, repoFile } from "./repo.ts";

const composeText = repoFile("docker-compose.yml");
const exampleVars = parseEnvFile(repoFile(".env.example"));
let envSchemas: Map<string, EnvSchema>;

beforeAll(async () => {
  envSchemas = await loadEnvSchemas();
});

function fresh(): ComposeFile {
  return parseCompose(composeText);
}

function check(
  doc: ComposeFile,
  vars: Record<string, string> = exampleVars,
  profiles?: readonly string[],
): string[] {
  return checkCompose({
    doc,
    vars,
    ...(profiles === undefined ? {} : { profiles }),
    deployables: DEPLOYABLES,
    jobs: COMPOSE_JOBS,
    envSchemas,
    repoRoot: REPO_ROOT,
    kafkaVersion: pinnedKafkaVersion(),
  });
}

describe("docker-compose.yml", () => {
  it("is valid against the Compose Specification schema", () => {
    expect(validateComposeSchema(fresh())).toEqual([]);
  });

  it("has every deployable with its command, port, healthcheck, dependencies and a valid environment", () => {
    expect(check(fresh())).toEqual([]);
  });

  it("has an env schema for every deployable (from its env.ts)", () => {
    expect([...envSchemas.keys()].sort()).toEqual(
      [...DEPLOYABLES, ...COMPOSE_JOBS].map((d) => d.service).sort(),
    );
  });

  it("commits no secret: every token comes from .env, and .env.example holds placeholders only", () => {
    expect(repoFile(".gitignore").split("\n")).toContain(".env");
    for (const [key, value] of Object.entries(exampleVars)) {
      if (/TOKEN|KEY|PASSWORD/.test(key) && value !== "") expect(value, key).toMatch(/replace/);
    }
    const doc = fresh();
    for (const [name, service] of Object.entries(doc.services)) {
      for (const [key, value] of Object.entries(service.environment ?? {})) {
        if (/TOKEN|_KEY$|PASSWORD/.test(key))
          expect(String(value), `${name}.${key}`).toMatch(/^\$\{[A-Z_]+(:[-?][^}]*)?\}$/);
      }
    }
  });
});

describe("docker-compose.yml profiles", () => {
  const CORE = ["kafka", "postgres", "alerts", "pricing", "matcher"];
  const started = (profiles: string[]) => activeServices(fresh(), profiles).sort();

  it.each([
    ["no profile: the core services only", [], CORE],
    ["telegram: the Telegram bot", ["telegram"], [...CORE, "telegram-bot"]],
    [
      "discord: the Discord bot and its command registration",
      ["discord"],
      [...CORE, "discord-register", "discord-bot"],
    ],
    [
      "telegram and discord: both bots",
      ["telegram", "discord"],
      [...CORE, "telegram-bot", "discord-register", "discord-bot"],
    ],
    ["monitoring: Prometheus and Grafana", ["monitoring"], [...CORE, "prometheus", "grafana"]],
  ])("%s", (_, profiles, services) => {
    expect(started(profiles)).toEqual([...services].sort());
  });

  it.each([
    ["telegram", ["alerts", "matcher", "pricing", "telegram-bot"]],
    ["discord", ["alerts", "discord-bot", "discord-register", "matcher", "pricing"]],
    [
      "telegram,discord,monitoring",
      ["alerts", "discord-bot", "discord-register", "matcher", "pricing", "telegram-bot"],
    ],
  ])(
    "the compose harness runs, for COMPOSE_PROFILES=%s, the project's services compose would start",
    (profiles, processes) => {
      const harness = new ComposeHarness({
        doc: fresh(),
        repoRoot: REPO_ROOT,
        vars: { ...exampleVars, COMPOSE_PROFILES: profiles },
        kafkaBrokers: [],
        databaseUrl: "postgres://unused",
        nodeBinary: process.execPath,
      });
      expect(harness.processServices().sort()).toEqual(processes);
    },
  );

  it("the example .env starts both bots", () => {
    expect(profilesFrom(exampleVars)).toEqual(["telegram", "discord"]);
  });

  it.each([
    ["telegram", "DISCORD"],
    ["discord", "TELEGRAM"],
  ])("%s only: the other platform's variables may be missing or left as placeholders", (profile, other) => {
    const missing = Object.fromEntries(Object.entries(exampleVars).filter(([key]) => !key.includes(other)));
    expect(check(fresh(), missing, [profile])).toEqual([]);
    expect(check(fresh(), exampleVars, [profile])).toEqual([]);
    // With every profile on, the same .env names what the absent platform lacks.
    expect(check(fresh(), missing).some((p) => p.includes(`${other}_TOKEN`))).toBe(true);
  });

  it("an always-on service may not depend on a service of a profile", () => {
    const doc = fresh();
    doc.services.matcher!.depends_on = {
      ...(doc.services.matcher!.depends_on as Record<string, { condition: string }>),
      "telegram-bot": { condition: "service_healthy" },
    };
    expect(() => activeServices(doc, ["discord"])).toThrow(
      'matcher depends on telegram-bot, which profiles ["discord"] do not enable',
    );
    expect(check(doc, exampleVars, ["discord"])).toContain(
      'matcher depends on telegram-bot, which profiles ["discord"] do not enable',
    );
  });

  it("keeps Kafka's data on a named volume", () => {
    const kafka = fresh().services.kafka!;
    const logDirs = serviceEnvironment(kafka, exampleVars).KAFKA_LOG_DIRS;
    expect(kafka.volumes).toContain(`kafka-data:${logDirs}`);
    expect(Object.keys(fresh().volumes as Record<string, unknown>)).toContain("kafka-data");
  });
});

describe("docker-compose.yml checks catch a broken copy", () => {
  it("a misspelled service name in depends_on", () => {
    const doc = fresh();
    doc.services.matcher!.depends_on = {
      kafka: { condition: "service_healthy" },
      alert: { condition: "service_healthy" },
    };
    expect(check(doc)).toContain("matcher: depends_on names alert, which is not a service");
  });

  it("a renamed deployable", () => {
    const doc = fresh();
    doc.services.telegram = doc.services["telegram-bot"]!;
    delete doc.services["telegram-bot"];
    expect(check(doc)).toContain("telegram-bot: missing (the bots/telegram deployable)");
  });

  it("a URL to a host that is not a service", () => {
    const doc = fresh();
    (doc.services.pricing!.environment as Record<string, string>).ALERTS_URL = "http://alert:8081";
    expect(check(doc)).toContain("pricing: ALERTS_URL points at alert, which is not a service");
  });

  it("a URL to the wrong port", () => {
    const doc = fresh();
    (doc.services["discord-bot"]!.environment as Record<string, string>).PRICING_URL = "http://pricing:8081";
    expect(check(doc)).toContain(
      "discord-bot: PRICING_URL points at pricing:8081, but pricing listens on 8082",
    );
  });

  it("a wrong Kafka port", () => {
    const doc = fresh();
    (doc.services.matcher!.environment as Record<string, string>).KAFKA_BROKERS = "kafka:9093";
    expect(check(doc)).toContain("matcher: KAFKA_BROKERS points at kafka:9093, but kafka listens on 9092");
  });

  it("a wrong PORT, and a published port that no longer matches it", () => {
    const doc = fresh();
    (doc.services.alerts!.environment as Record<string, string>).PORT = "8080";
    const problems = check(doc);
    expect(problems).toContain("alerts: PORT must be 8081, not 8080");
    expect(problems).toContain("alerts: publishes container port 8081, but PORT is 8080");
    expect(problems).toContain("pricing: ALERTS_URL points at alerts:8081, but alerts listens on 8080");
  });

  it("a misspelled variable name", () => {
    const doc = fresh();
    const env = doc.services["telegram-bot"]!.environment as Record<string, string>;
    env.ALERTS_TOKEN = env.ALERTS_API_TOKEN!;
    delete env.ALERTS_API_TOKEN;
    const problems = check(doc);
    expect(problems).toContain(
      "telegram-bot: sets ALERTS_TOKEN, which bots/telegram/src/env.ts does not read",
    );
    expect(problems).toContain(
      "telegram-bot: env.ts refuses ALERTS_API_TOKEN: Invalid input: expected string, received undefined",
    );
  });

  it("a value env.ts refuses", () => {
    const doc = fresh();
    (doc.services.alerts!.environment as Record<string, string>).DATABASE_URL = "mysql://db/tickerbell";
    expect(check(doc)).toContain(
      "alerts: env.ts refuses DATABASE_URL: must be a postgres:// or postgresql:// URL",
    );
  });

  it("a variable missing from the example env file", () => {
    const { API_TOKEN_INTERNAL: _, ...vars } = exampleVars;
    expect(check(fresh(), vars)).toContain(
      "matcher: environment does not interpolate with the example env file: API_TOKEN_INTERNAL: set API_TOKEN_INTERNAL in .env",
    );
    // A bot's own token is not required by the file (its profile may be off), but by the bot when it runs.
    const { TELEGRAM_TOKEN: __, ...noTelegram } = exampleVars;
    expect(check(fresh(), noTelegram)).toContain(
      "telegram-bot: env.ts refuses TELEGRAM_TOKEN: Invalid input: expected string, received undefined",
    );
  });

  it("a service without a healthcheck, or depends_on that does not wait for health", () => {
    const doc = fresh();
    delete doc.services.postgres!.healthcheck;
    doc.services.alerts!.depends_on = {
      postgres: { condition: "service_started" },
      kafka: { condition: "service_healthy" },
    };
    const problems = check(doc);
    expect(problems).toContain("postgres: no healthcheck");
    expect(problems).toContain("alerts: depends_on postgres must wait for condition service_healthy");
  });

  it("a dependency the service talks to but does not wait for", () => {
    const doc = fresh();
    doc.services.matcher!.depends_on = { kafka: { condition: "service_healthy" } };
    expect(check(doc)).toContain("matcher: talks to alerts (ALERTS_URL) but does not depend_on it");
  });

  it("the command registration job: waited for as a healthy service, restarted, or given a wrong variable", () => {
    const doc = fresh();
    doc.services["discord-bot"]!.depends_on = {
      ...(doc.services["discord-bot"]!.depends_on as Record<string, { condition: string }>),
      "discord-register": { condition: "service_healthy" },
    };
    doc.services["discord-register"]!.restart = "unless-stopped";
    (doc.services["discord-register"]!.environment as Record<string, string>).DISCORD_API_URL =
      "http://x.example";
    const problems = check(doc);
    expect(problems).toContain(
      "discord-bot: depends_on discord-register must wait for condition service_completed_successfully",
    );
    expect(problems).toContain('discord-register: a one-shot job must have restart "no"');
    expect(problems).toContain(
      "discord-register: sets DISCORD_API_URL, which bots/discord/src/env.ts does not read",
    );
  });

  it("a command that is not the deployable's entry point", () => {
    const doc = fresh();
    doc.services.pricing!.command = ["node", "services/pricing/src/index.ts"];
    expect(check(doc)).toContain(
      'pricing: command must be ["node", "services/pricing/src/main.ts"], not ["node","services/pricing/src/index.ts"]',
    );
  });

  it("a Kafka image other than the tested broker", () => {
    const doc = fresh();
    doc.services.kafka!.image = "apache/kafka:latest";
    expect(check(doc)).toContain(
      `kafka: image must be apache/kafka:${pinnedKafkaVersion()} (the broker the tests use), not apache/kafka:latest`,
    );
  });

  it("the schema refuses a misspelled key and a wrong depends_on condition", () => {
    const doc = fresh() as unknown as { services: Record<string, Record<string, unknown>> };
    doc.services.alerts!.enviroment = {};
    doc.services.pricing!.depends_on = { kafka: { condition: "healthy" } };
    const problems = validateComposeSchema(doc);
    expect(problems).toContainEqual({
      path: "/services/alerts",
      message: "must NOT have additional properties (enviroment)",
    });
    expect(problems.some((p) => p.path === "/services/pricing/depends_on/kafka/condition")).toBe(true);
  });
});

describe("interpolate", () => {
  // Compose syntax in plain strings on purpose: the `${` here is for interpolate(), not JavaScript.
  it("follows Compose's rules for defaults, required variables and $$", () => {
    const vars = { A: "a", EMPTY: "" };
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose interpolation syntax
    expect(interpolate("${A}-$A-${B:-b}-${EMPTY:-e}-${EMPTY-e}-$$A", vars)).toBe("a-a-b-e--$A");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose interpolation syntax
    expect(() => interpolate("${B:?set B}", vars)).toThrow("B: set B");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose interpolation syntax
    expect(() => interpolate("${EMPTY:?set it}", vars)).toThrow("EMPTY: set it");
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Compose interpolation syntax
    expect(interpolate("${EMPTY?set it}", vars)).toBe("");
  });
});
