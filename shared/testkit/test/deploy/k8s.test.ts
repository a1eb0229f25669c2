import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { CO_PARTITIONED_PARTITIONS, TOPIC_CATALOG } from "../../../contracts/src/topic-catalog.ts";
import { deadLetterTopicOf } from "../../../contracts/src/topics.ts";
import type { EnvSchema } from "../../src/deploy/compose-checks.ts";
import { checkK8s } from "../../src/deploy/k8s-checks.ts";
import { describeObject, validateK8sObject } from "../../src/deploy/k8s-schemas.ts";
import { type K8sObject, kubectlAvailable, kustomize, readManifests } from "../../src/deploy/kubectl.ts";
import { COMPOSE_JOBS, DEPLOYABLES } from "../../src/deploy/workspaces.ts";
import { loadEnvSchemas, pinnedKafkaVersion, REPO_ROOT } from "./repo.ts";

const K8S = join(REPO_ROOT, "k8s");
const OVERLAYS = ["dev", "prod"] as const;
const SECRET_TEMPLATE = readManifests(join(K8S, "base/secret.template.yaml"))[0]!;
let envSchemas: Map<string, EnvSchema>;

beforeAll(async () => {
  envSchemas = await loadEnvSchemas();
});

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"))
    .map((f) => join(dir, f))
    .sort();
}

function check(objects: K8sObject[]): string[] {
  return checkK8s({
    objects,
    deployables: DEPLOYABLES,
    envSchemas,
    secretTemplate: SECRET_TEMPLATE,
    coPartitions: CO_PARTITIONED_PARTITIONS,
    kafkaVersion: pinnedKafkaVersion(),
    singletons: ["pricing", "telegram-bot", "discord-bot"],
    autoscaled: ["alerts", "matcher"],
    jobs: COMPOSE_JOBS,
    jobImages: new Map([["discord-register", "discord-bot"]]),
  });
}

// The overlays are rendered by kubectl's kustomize. Without kubectl the rendered checks are skipped on a
// developer's machine and fail under CI=true (.ci/run expects kubectl on the machine).
const RENDER = kubectlAvailable() || process.env.CI === "true";

describe("k8s manifests, file by file", () => {
  const manifests = yamlFiles(K8S).filter((f) => !f.endsWith("kustomization.yaml"));

  it("are all found", () => {
    expect(manifests.map((f) => relative(K8S, f))).toEqual(
      expect.arrayContaining(["base/alerts.yaml", "base/secret.template.yaml"]),
    );
  });

  it.each(manifests.map((f) => [relative(K8S, f), f]))(
    "%s is valid against the Kubernetes schemas",
    (_, file) => {
      const objects = readManifests(file);
      expect(objects.length).toBeGreaterThan(0);
      // Patches are partial objects; they are validated after rendering, below.
      if (file.includes("patch")) return;
      expect(objects.flatMap(validateK8sObject)).toEqual([]);
    },
  );

  it("the secret template holds placeholders only", () => {
    for (const [name, value] of Object.entries(SECRET_TEMPLATE.stringData as Record<string, string>)) {
      expect(value, name).toMatch(/replace/);
    }
    expect(readManifests(join(K8S, "base/kustomization.yaml"))[0]!.resources).not.toContain(
      "secret.template.yaml",
    );
  });
});

describe.runIf(RENDER).each(OVERLAYS)("k8s/overlays/%s rendered by kubectl kustomize", (overlay) => {
  const objects = () => kustomize(join(K8S, "overlays", overlay));

  it("is valid against the Kubernetes and Strimzi schemas", () => {
    const rendered = objects();
    expect(rendered.length).toBeGreaterThan(10);
    expect(rendered.flatMap(validateK8sObject)).toEqual([]);
  });

  it("wires every deployable: ports, probes, resources, environment, autoscalers, singletons", () => {
    expect(check(objects())).toEqual([]);
  });

  it("tags every image", () => {
    for (const deployment of objects().filter((o) => o.kind === "Deployment")) {
      const spec = deployment.spec as { template: { spec: { containers: { image: string }[] } } };
      for (const c of spec.template.spec.containers)
        expect(c.image, describeObject(deployment)).toMatch(/:[\w][\w.-]*$/);
    }
  });
});

describe.runIf(RENDER)("the overlays differ where they should", () => {
  it("prod runs Kafka from Strimzi at the pinned version; dev uses an existing cluster's address", () => {
    const prod = kustomize(join(K8S, "overlays/prod"));
    const dev = kustomize(join(K8S, "overlays/dev"));
    expect(
      prod
        .filter((o) => o.kind === "Kafka")
        .map((o) => (o.spec as { kafka: { version: string } }).kafka.version),
    ).toEqual([pinnedKafkaVersion()]);
    expect(dev.some((o) => o.kind === "Kafka")).toBe(false);
    const brokers = (objects: K8sObject[]) =>
      (objects.find((o) => o.kind === "ConfigMap")!.data as Record<string, string>).KAFKA_BROKERS;
    expect(brokers(prod)).toBe("tickerbell-kafka-bootstrap:9092");
    expect(brokers(dev)).toMatch(/\.svc\.cluster\.local:9092$/);
  });

  it("prod declares every catalog topic and its dead-letter topic, replicated, with the catalog's partitions", () => {
    const topics = kustomize(join(K8S, "overlays/prod")).filter((o) => o.kind === "KafkaTopic");
    const declared = Object.fromEntries(
      topics.map((t) => [t.metadata.name, (t.spec as { partitions: number; replicas: number }).partitions]),
    );
    const expected: Record<string, number> = {};
    for (const [name, spec] of Object.entries(TOPIC_CATALOG)) {
      expected[name] = spec.partitions;
      expected[deadLetterTopicOf(name)] = 1;
    }
    expect(declared).toEqual(expected);
    for (const t of topics) expect((t.spec as { replicas: number }).replicas, t.metadata.name).toBe(3);
  });

  it("prod scales the alert service and the matcher further than dev", () => {
    const replicas = (overlay: string, name: string) =>
      (
        kustomize(join(K8S, "overlays", overlay)).find(
          (o) => o.kind === "Deployment" && o.metadata.name === name,
        )!.spec as {
          replicas: number;
        }
      ).replicas;
    expect(replicas("prod", "alerts")).toBeGreaterThan(replicas("dev", "alerts"));
    expect(replicas("prod", "matcher")).toBeGreaterThan(replicas("dev", "matcher"));
  });
});

describe.runIf(RENDER)("k8s/overlays/prod monitoring (Prometheus operator)", () => {
  const prod = () => kustomize(join(K8S, "overlays/prod"));

  it("a ServiceMonitor scrapes /metrics of every deployable's Service on its named port", () => {
    const objects = prod();
    const monitors = objects.filter((o) => o.kind === "ServiceMonitor");
    expect(monitors).toHaveLength(1);
    const spec = monitors[0]!.spec as {
      selector: { matchLabels: Record<string, string> };
      endpoints: { port: string; path: string }[];
    };
    expect(monitors[0]!.metadata.namespace).toBe("tickerbell");
    expect(spec.endpoints).toEqual([expect.objectContaining({ port: "http", path: "/metrics" })]);
    const selected = objects.filter(
      (o) =>
        o.kind === "Service" &&
        Object.entries(spec.selector.matchLabels).every(([k, v]) => o.metadata.labels?.[k] === v),
    );
    expect(selected.map((s) => s.metadata.name).sort()).toEqual(DEPLOYABLES.map((d) => d.service).sort());
    for (const service of selected) {
      const ports = (service.spec as { ports: { name?: string }[] }).ports.map((p) => p.name);
      expect(ports, service.metadata.name).toContain("http");
    }
  });

  it("a PrometheusRule carries exactly the rules docker-compose.yml's Prometheus loads", () => {
    const rule = prod().find((o) => o.kind === "PrometheusRule");
    const composeRules = parse(
      readFileSync(join(REPO_ROOT, "shared/monitoring/prometheus/rules.yml"), "utf8"),
    ) as {
      groups: unknown[];
    };
    expect(rule).toBeDefined();
    expect((rule?.spec as { groups: unknown[] } | undefined)?.groups).toEqual(composeRules.groups);
  });

  it("dev has neither (no Prometheus operator assumed)", () => {
    const dev = kustomize(join(K8S, "overlays/dev"));
    expect(dev.filter((o) => o.kind === "ServiceMonitor" || o.kind === "PrometheusRule")).toEqual([]);
  });
});

describe.runIf(RENDER)("k8s checks catch a broken copy", () => {
  const prod = () => kustomize(join(K8S, "overlays/prod"));
  const deployment = (objects: K8sObject[], name: string) =>
    objects.find((o) => o.kind === "Deployment" && o.metadata.name === name)!.spec as {
      replicas: number;
      strategy: { type: string };
      template: { spec: { containers: Record<string, unknown>[] } };
    };
  const container = (objects: K8sObject[], name: string) =>
    deployment(objects, name).template.spec.containers[0]!;

  it("a readiness probe on the wrong path", () => {
    const objects = prod();
    (container(objects, "matcher").readinessProbe as { httpGet: { path: string } }).httpGet.path = "/healthz";
    expect(check(objects)).toContain("matcher: readiness probe must GET /readyz on port 8083");
  });

  it("a second pricing replica, or a rolling update of it", () => {
    const objects = prod();
    deployment(objects, "pricing").replicas = 2;
    deployment(objects, "pricing").strategy = { type: "RollingUpdate" };
    expect(check(objects)).toEqual(
      expect.arrayContaining([
        "pricing: must run exactly one replica, not 2",
        "pricing: must use strategy Recreate (never two at once)",
      ]),
    );
  });

  it("a matcher autoscaler beyond the partition count", () => {
    const objects = prod();
    const hpa = objects.find((o) => o.kind === "HorizontalPodAutoscaler" && o.metadata.name === "matcher")!;
    (hpa.spec as { maxReplicas: number }).maxReplicas = CO_PARTITIONED_PARTITIONS + 1;
    expect(
      check(objects).some((p) =>
        p.startsWith(`matcher: maxReplicas ${CO_PARTITIONED_PARTITIONS + 1} exceeds`),
      ),
    ).toBe(true);
  });

  it("a wrong Service port, a misspelled variable, an unknown secret key", () => {
    const objects = prod();
    const service = objects.find((o) => o.kind === "Service" && o.metadata.name === "pricing")!;
    (service.spec as { ports: { port: number }[] }).ports[0]!.port = 8080;
    const env = container(objects, "telegram-bot").env as {
      name: string;
      valueFrom?: { secretKeyRef: { key: string } };
    }[];
    env.find((e) => e.name === "ALERTS_API_TOKEN")!.valueFrom!.secretKeyRef.key = "API_TOKEN_TELEGRAMM";
    env.push({ name: "ALERT_URL" });
    const problems = check(objects);
    expect(problems).toEqual(
      expect.arrayContaining([
        "pricing: Service does not forward port 8082 to the container's",
        "telegram-bot: PRICING_URL points at pricing:8082, but pricing serves 8080",
        "telegram-bot: ALERTS_API_TOKEN reads secret tickerbell-secrets key API_TOKEN_TELEGRAMM, which the secret template lacks",
        "telegram-bot: sets ALERT_URL, which bots/telegram/src/env.ts does not read",
      ]),
    );
  });

  it("a registration Job with another image or a variable its env.ts does not read", () => {
    const objects = prod();
    const job = objects.find((o) => o.kind === "Job" && o.metadata.name === "discord-register")!;
    const jobContainer = (job.spec as { template: { spec: { containers: Record<string, unknown>[] } } })
      .template.spec.containers[0]!;
    jobContainer.image = "registry.example.com/tickerbell/discord-bot:0.0.9";
    (jobContainer.env as { name: string; value?: string }[]).push({ name: "DISCORD_TOKN", value: "x" });
    const problems = check(objects);
    expect(problems).toContain(
      "discord-register: runs image registry.example.com/tickerbell/discord-bot:0.0.9, not its deployable's registry.example.com/tickerbell/discord-bot:0.1.0",
    );
    expect(problems).toContain(
      "discord-register: sets DISCORD_TOKN, which bots/discord/src/env.ts does not read",
    );
  });

  it("a missing limit, and a Deployment removed", () => {
    const objects = prod().filter((o) => !(o.kind === "Deployment" && o.metadata.name === "discord-bot"));
    delete (container(objects, "alerts").resources as { limits?: unknown }).limits;
    const problems = check(objects);
    expect(problems).toContain("alerts: no cpu request and limit");
    expect(problems).toContain("discord-bot: no Deployment (the bots/discord deployable)");
  });

  it("the schemas refuse a wrong type and an unknown kind", () => {
    const objects = prod();
    (container(objects, "alerts").ports as { containerPort: unknown }[])[0]!.containerPort = "8081";
    const problems = objects.flatMap(validateK8sObject);
    expect(
      problems.some((p) => p.startsWith("Deployment/alerts:") && p.includes("containerPort must be integer")),
    ).toBe(true);
    expect(
      validateK8sObject({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } }),
    ).toEqual(["Widget/w: no schema for example.com/v1 Widget"]);
  });
});
