// What the Kubernetes schemas cannot see in a rendered overlay: each deployable's Deployment and Service
// agree on its port, probe /readyz and /healthz, set requests and limits, get an environment its env.ts
// accepts, and reach the Services and the Kafka cluster that exist; the singletons stay single; the
// autoscalers stay within what Kafka partitions allow.
import type { EnvSchema } from "./compose-checks.ts";
import type { K8sObject } from "./kubectl.ts";
import type { ComposeJob, Deployable } from "./workspaces.ts";

export interface K8sCheckInput {
  objects: K8sObject[];
  deployables: readonly Deployable[];
  envSchemas: ReadonlyMap<string, EnvSchema>;
  /** The secret template (not rendered: the real secret is created by hand). */
  secretTemplate: K8sObject;
  /** Partitions of the co-partitioned prices.ticks / alerts.changes topics. */
  coPartitions: number;
  kafkaVersion: string;
  /** Deployables that must run as exactly one replica with strategy Recreate. */
  singletons: readonly string[];
  /** Deployables that must have a HorizontalPodAutoscaler and a PodDisruptionBudget. */
  autoscaled: readonly string[];
  /** One-shot Jobs run from a deployable's image (e.g. the Discord command registration). */
  jobs: readonly ComposeJob[];
  /** The deployable whose image each job runs, by job name. */
  jobImages: ReadonlyMap<string, string>;
}

interface Container {
  name: string;
  image: string;
  command?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: {
      secretKeyRef?: { name: string; key: string };
      configMapKeyRef?: { name: string; key: string };
    };
  }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  readinessProbe?: { httpGet?: { path?: string; port?: string | number } };
  livenessProbe?: { httpGet?: { path?: string; port?: string | number } };
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
}

interface DeploymentSpec {
  replicas?: number;
  strategy?: { type?: string };
  selector: { matchLabels?: Record<string, string> };
  template: { metadata?: { labels?: Record<string, string> }; spec: { containers: Container[] } };
}

/** CPU in millicores or memory in bytes, from a Kubernetes quantity. */
export function parseQuantity(value: string | number): number {
  if (typeof value === "number") return value;
  const match = /^(\d+(?:\.\d+)?)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(value);
  if (!match) return Number.NaN;
  const units: Record<string, number> = {
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
  };
  return Number(match[1]) * (match[2] ? units[match[2]]! : 1);
}

function matches(
  selector: Record<string, string> | undefined,
  labels: Record<string, string> | undefined,
): boolean {
  if (selector === undefined || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

export function checkK8s(input: K8sCheckInput): string[] {
  const { objects, deployables } = input;
  const problems: string[] = [];
  const find = (kind: string, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name);
  const all = (kind: string) => objects.filter((o) => o.kind === kind);

  const namespaces = all("Namespace").map((o) => o.metadata.name);
  if (namespaces.length !== 1) problems.push(`expected one Namespace, found ${namespaces.length}`);
  for (const o of objects) {
    if (o.kind !== "Namespace" && o.metadata.namespace !== namespaces[0]) {
      problems.push(
        `${o.kind}/${o.metadata.name}: namespace ${o.metadata.namespace ?? "unset"}, not ${namespaces[0]}`,
      );
    }
  }

  const secretKeys = new Set(
    Object.keys({ ...(input.secretTemplate.stringData ?? {}), ...(input.secretTemplate.data ?? {}) }),
  );
  const secretName = input.secretTemplate.metadata.name;
  const servicePorts = new Map<string, number[]>();
  for (const service of all("Service")) {
    const ports = (service.spec as { ports?: { port: number }[] }).ports ?? [];
    servicePorts.set(
      service.metadata.name,
      ports.map((p) => p.port),
    );
  }
  const kafkas = all("Kafka");
  for (const kafka of kafkas) {
    const spec = kafka.spec as { kafka: { version?: string; listeners: { port: number; tls: boolean }[] } };
    if (spec.kafka.version !== input.kafkaVersion) {
      problems.push(
        `Kafka/${kafka.metadata.name}: version ${spec.kafka.version}, not ${input.kafkaVersion} (the broker the tests use)`,
      );
    }
    // Strimzi names the bootstrap service <cluster>-kafka-bootstrap and serves every listener on it.
    servicePorts.set(
      `${kafka.metadata.name}-kafka-bootstrap`,
      spec.kafka.listeners.filter((l) => !l.tls).map((l) => l.port),
    );
    const pools = all("KafkaNodePool").filter(
      (p) => p.metadata.labels?.["strimzi.io/cluster"] === kafka.metadata.name,
    );
    if (pools.length === 0)
      problems.push(
        `Kafka/${kafka.metadata.name}: no KafkaNodePool labelled strimzi.io/cluster=${kafka.metadata.name}`,
      );
  }

  /** The container's environment (ConfigMaps via envFrom, the secret template's placeholders), checked against env.ts. */
  const environmentOf = (name: string, workspace: string, container: Container): Record<string, string> => {
    const env: Record<string, string> = {};
    for (const source of container.envFrom ?? []) {
      const ref = source.configMapRef?.name ?? source.secretRef?.name;
      const map = source.configMapRef ? find("ConfigMap", ref ?? "") : undefined;
      if (source.secretRef) problems.push(`${name}: envFrom a whole secret; take each key with secretKeyRef`);
      else if (map === undefined)
        problems.push(`${name}: envFrom names ConfigMap ${ref}, which is not rendered`);
      else Object.assign(env, (map as { data?: Record<string, string> }).data);
    }
    const schema = input.envSchemas.get(name);
    for (const entry of container.env ?? []) {
      if (schema !== undefined && !(entry.name in schema.shape)) {
        problems.push(`${name}: sets ${entry.name}, which ${workspace}/src/env.ts does not read`);
      }
      const secretRef = entry.valueFrom?.secretKeyRef;
      if (secretRef !== undefined) {
        if (secretRef.name !== secretName || !secretKeys.has(secretRef.key)) {
          problems.push(
            `${name}: ${entry.name} reads secret ${secretRef.name} key ${secretRef.key}, which the secret template lacks`,
          );
        }
        env[entry.name] = String(
          (input.secretTemplate.stringData as Record<string, string>)?.[secretRef.key] ?? "",
        );
      } else if (entry.value !== undefined) env[entry.name] = entry.value;
    }
    if (schema === undefined) problems.push(`${name}: no env schema to check its environment against`);
    else {
      const known = Object.fromEntries(Object.entries(env).filter(([k, v]) => k in schema.shape && v !== ""));
      const result = schema.safeParse(known);
      for (const issue of result.success ? [] : (result.error?.issues ?? [])) {
        problems.push(`${name}: env.ts refuses ${issue.path.join(".") || "(environment)"}: ${issue.message}`);
      }
    }
    return env;
  };

  for (const deployable of deployables) {
    const name = deployable.service;
    const deployment = find("Deployment", name);
    if (deployment === undefined) {
      problems.push(`${name}: no Deployment (the ${deployable.workspace} deployable)`);
      continue;
    }
    const spec = deployment.spec as DeploymentSpec;
    const podLabels = spec.template.metadata?.labels;
    if (!matches(spec.selector.matchLabels, podLabels))
      problems.push(`${name}: Deployment selector does not match its pod labels`);
    const container = spec.template.spec.containers[0];
    if (container === undefined || spec.template.spec.containers.length !== 1) {
      problems.push(`${name}: expected exactly one container`);
      continue;
    }
    const http = container.ports?.find((p) => p.containerPort === deployable.port);
    if (http === undefined) problems.push(`${name}: container does not declare port ${deployable.port}`);
    const probePort = (port: string | number | undefined) =>
      port === deployable.port || (port !== undefined && port === http?.name);
    if (
      container.readinessProbe?.httpGet?.path !== "/readyz" ||
      !probePort(container.readinessProbe.httpGet.port)
    ) {
      problems.push(`${name}: readiness probe must GET /readyz on port ${deployable.port}`);
    }
    if (
      container.livenessProbe?.httpGet?.path !== "/healthz" ||
      !probePort(container.livenessProbe.httpGet.port)
    ) {
      problems.push(`${name}: liveness probe must GET /healthz on port ${deployable.port}`);
    }
    for (const resource of ["cpu", "memory"]) {
      const request = container.resources?.requests?.[resource];
      const limit = container.resources?.limits?.[resource];
      if (request === undefined || limit === undefined)
        problems.push(`${name}: no ${resource} request and limit`);
      else if (parseQuantity(request) > parseQuantity(limit))
        problems.push(`${name}: ${resource} request ${request} exceeds limit ${limit}`);
    }

    const service = find("Service", name);
    const serviceSpec = service?.spec as
      | { selector?: Record<string, string>; ports?: { port: number; targetPort?: string | number }[] }
      | undefined;
    if (serviceSpec === undefined) problems.push(`${name}: no Service`);
    else {
      if (!matches(serviceSpec.selector, podLabels))
        problems.push(`${name}: Service selector does not match the pods`);
      const port = serviceSpec.ports?.find((p) => p.port === deployable.port);
      if (port === undefined || !probePort(port.targetPort ?? port.port)) {
        problems.push(`${name}: Service does not forward port ${deployable.port} to the container's`);
      }
    }

    const env = environmentOf(name, deployable.workspace, container);
    if (env.PORT !== String(deployable.port))
      problems.push(`${name}: PORT must be ${deployable.port}, not ${env.PORT ?? "unset"}`);
    for (const [key, value] of Object.entries(env)) {
      const url = /^https?:\/\/([^:/]+):(\d+)/.exec(value);
      const targets: [string, number][] = url
        ? [[url[1]!, Number(url[2])]]
        : key === "KAFKA_BROKERS"
          ? value.split(",").map((b) => [b.split(":")[0]!, Number(b.split(":")[1])])
          : [];
      for (const [host, port] of targets) {
        if (host.includes(".")) continue; // an address outside the namespace (an existing cluster)
        const ports = servicePorts.get(host);
        if (ports === undefined) problems.push(`${name}: ${key} points at ${host}, which is no Service here`);
        else if (!ports.includes(port))
          problems.push(`${name}: ${key} points at ${host}:${port}, but ${host} serves ${ports.join(", ")}`);
      }
    }

    const hpa = all("HorizontalPodAutoscaler").find(
      (h) => (h.spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name === name,
    );
    const pdb = all("PodDisruptionBudget").find((p) =>
      matches((p.spec as DeploymentSpec).selector?.matchLabels, podLabels),
    );
    if (input.singletons.includes(name)) {
      if (spec.replicas !== 1)
        problems.push(`${name}: must run exactly one replica, not ${spec.replicas ?? 1}`);
      if (spec.strategy?.type !== "Recreate")
        problems.push(`${name}: must use strategy Recreate (never two at once)`);
      if (hpa !== undefined) problems.push(`${name}: a singleton must not be autoscaled`);
    }
    if (input.autoscaled.includes(name)) {
      if (hpa === undefined) problems.push(`${name}: no HorizontalPodAutoscaler`);
      else {
        const { minReplicas = 1, maxReplicas } = hpa.spec as { minReplicas?: number; maxReplicas: number };
        const replicas = spec.replicas ?? 1;
        if (replicas < minReplicas || replicas > maxReplicas) {
          problems.push(
            `${name}: ${replicas} replicas lie outside its autoscaler's ${minReplicas}..${maxReplicas}`,
          );
        }
        if (name === "matcher" && maxReplicas > input.coPartitions) {
          problems.push(
            `matcher: maxReplicas ${maxReplicas} exceeds the ${input.coPartitions} partitions of prices.ticks/alerts.changes (extra replicas would idle)`,
          );
        }
      }
      if (pdb === undefined) problems.push(`${name}: no PodDisruptionBudget selecting its pods`);
    }
  }
  for (const job of input.jobs) {
    const object = find("Job", job.service);
    const container = (object?.spec as DeploymentSpec | undefined)?.template.spec.containers[0];
    if (container === undefined) {
      problems.push(`${job.service}: no Job`);
      continue;
    }
    if (JSON.stringify(container.command) !== JSON.stringify(["node", job.entry])) {
      problems.push(`${job.service}: command must be ["node", "${job.entry}"]`);
    }
    const owner = find("Deployment", input.jobImages.get(job.service) ?? "");
    const ownerImage = (owner?.spec as DeploymentSpec | undefined)?.template.spec.containers[0]?.image;
    if (container.image !== ownerImage) {
      problems.push(
        `${job.service}: runs image ${container.image}, not its deployable's ${ownerImage ?? "(none)"}`,
      );
    }
    environmentOf(job.service, job.workspace, container);
  }
  return problems;
}
