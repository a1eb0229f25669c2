import { beforeAll, describe, expect, it } from "vitest";
import {
  type ComposeFile,
  interpolate,
  parseCompose,
  parseEnvFile,
  validateComposeSchema,
} from "../../src/deploy/compose.ts";
import { checkCompose, type EnvSchema } from "../../src/deploy/compose-checks.ts";
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

function check(doc: ComposeFile, vars: Record<string, string> = exampleVars): string[] {
  return checkCompose({
    doc,
    vars,
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
    const { TELEGRAM_TOKEN: _, ...vars } = exampleVars;
    expect(check(fresh(), vars)).toContain(
      "telegram-bot: environment does not interpolate with the example env file: TELEGRAM_TOKEN: set TELEGRAM_TOKEN in .env",
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
