// A kustomize renderer for exactly the features k8s/ uses: resources (files and directories), components,
// namespace, labels (with includeTemplates), images, replicas and strategic-merge patches from files. Any
// other kustomization field is refused, so a manifest never silently renders differently from `kubectl
// kustomize` (which the k8s tests also compare against when kubectl is on PATH).
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
};

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  namespace?: string;
  resources?: string[];
  components?: string[];
  labels?: { pairs: Record<string, string>; includeTemplates?: boolean; includeSelectors?: boolean }[];
  images?: { name: string; newName?: string; newTag?: string; digest?: string }[];
  replicas?: { name: string; count: number }[];
  patches?: { path?: string; patch?: string; target?: unknown }[];
}

const SUPPORTED = new Set([
  "apiVersion",
  "kind",
  "namespace",
  "resources",
  "components",
  "labels",
  "images",
  "replicas",
  "patches",
]);
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "PersistentVolume",
  "StorageClass",
  "PriorityClass",
  "IngressClass",
]);
const WORKLOADS = new Set(["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"]);

export class KustomizeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "KustomizeError";
  }
}

/** All YAML documents of a file that are objects (comment-only documents are dropped). */
export function readManifests(path: string): K8sObject[] {
  const docs = parseAllDocuments(readFileSync(path, "utf8"));
  const objects: K8sObject[] = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) throw new KustomizeError(`${path}: ${doc.errors[0]!.message}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) objects.push(value as K8sObject);
  }
  return objects;
}

function readKustomization(dir: string, expectedKind: "Kustomization" | "Component"): Kustomization {
  const path = join(dir, "kustomization.yaml");
  if (!existsSync(path)) throw new KustomizeError(`${dir}: no kustomization.yaml`);
  const [k] = readManifests(path) as unknown as Kustomization[];
  if (k === undefined) throw new KustomizeError(`${path}: empty`);
  for (const key of Object.keys(k)) {
    if (!SUPPORTED.has(key))
      throw new KustomizeError(`${path}: field ${key} is not supported by this renderer`);
  }
  if ((k.kind ?? "Kustomization") !== expectedKind)
    throw new KustomizeError(`${path}: expected kind ${expectedKind}`);
  return k;
}

/** Renders the kustomization in `dir`, as `kubectl kustomize dir` would for the supported features. */
export function renderKustomization(dir: string): K8sObject[] {
  return render(dir, "Kustomization", []);
}

function render(dir: string, kind: "Kustomization" | "Component", inherited: K8sObject[]): K8sObject[] {
  const k = readKustomization(dir, kind);
  let objects = [...inherited];
  for (const resource of k.resources ?? []) {
    const path = join(dir, resource);
    objects.push(...(statSync(path).isDirectory() ? render(path, "Kustomization", []) : readManifests(path)));
  }
  for (const component of k.components ?? []) objects = render(join(dir, component), "Component", objects);

  for (const patch of k.patches ?? []) {
    if (patch.path === undefined || patch.target !== undefined) {
      throw new KustomizeError(
        `${dir}: only patches with a path (targets taken from the patch) are supported`,
      );
    }
    for (const doc of readManifests(join(dir, patch.path))) {
      const target = objects.find((o) => o.kind === doc.kind && o.metadata.name === doc.metadata.name);
      if (target === undefined)
        throw new KustomizeError(`${dir}/${patch.path}: no ${doc.kind} ${doc.metadata.name} to patch`);
      objects[objects.indexOf(target)] = strategicMerge(target, doc) as K8sObject;
    }
  }
  if (k.namespace !== undefined) {
    for (const o of objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = k.namespace;
  }
  for (const label of k.labels ?? []) {
    if (label.includeSelectors) throw new KustomizeError(`${dir}: labels.includeSelectors is not supported`);
    for (const o of objects) {
      o.metadata.labels = { ...o.metadata.labels, ...label.pairs };
      const template = podTemplate(o);
      if (label.includeTemplates && template !== undefined) {
        template.metadata = {
          ...template.metadata,
          labels: { ...template.metadata?.labels, ...label.pairs },
        };
      }
    }
  }
  for (const replica of k.replicas ?? []) {
    const target = objects.find((o) => WORKLOADS.has(o.kind) && o.metadata.name === replica.name);
    if (target === undefined)
      throw new KustomizeError(`${dir}: replicas names ${replica.name}, which is not a workload`);
    (target.spec as { replicas?: number }).replicas = replica.count;
  }
  for (const image of k.images ?? []) {
    let used = false;
    for (const o of objects) {
      for (const container of containersOf(o)) {
        const ref = parseImage(container.image);
        if (ref.name !== image.name) continue;
        used = true;
        const name = image.newName ?? ref.name;
        const tag = image.newTag ?? ref.tag;
        const digest = image.digest ?? ref.digest;
        container.image = `${name}${tag !== undefined ? `:${tag}` : ""}${digest !== undefined ? `@${digest}` : ""}`;
      }
    }
    if (!used) throw new KustomizeError(`${dir}: images names ${image.name}, which no container uses`);
  }
  return objects;
}

type PodTemplate = {
  metadata?: { labels?: Record<string, string> };
  spec?: { containers?: { image: string }[]; initContainers?: { image: string }[] };
};

function podTemplate(o: K8sObject): PodTemplate | undefined {
  if (!WORKLOADS.has(o.kind)) return undefined;
  return (o.spec as { template?: PodTemplate } | undefined)?.template;
}

function containersOf(o: K8sObject): { image: string }[] {
  const spec = podTemplate(o)?.spec;
  return [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
}

export function parseImage(image: string): { name: string; tag?: string; digest?: string } {
  const at = image.indexOf("@");
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const rest = at >= 0 ? image.slice(0, at) : image;
  const slash = rest.lastIndexOf("/");
  const colon = rest.indexOf(":", slash + 1);
  const name = colon >= 0 ? rest.slice(0, colon) : rest;
  const tag = colon >= 0 ? rest.slice(colon + 1) : undefined;
  return { name, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/**
 * Strategic merge as kustomize applies it to the fields these manifests patch: maps merge recursively,
 * lists of objects that all carry a `name` (containers, env, ports, volumes) merge by name, with items new
 * to the list placed first (as kustomize orders them), other lists and scalars are replaced.
 */
export function strategicMerge(base: unknown, patch: unknown): unknown {
  if (Array.isArray(base) && Array.isArray(patch) && isNamedList(base) && isNamedList(patch)) {
    const merged = base.map((item) => {
      const update = patch.find((p) => p.name === item.name);
      return update === undefined ? item : strategicMerge(item, update);
    });
    const added = patch.filter((item) => !base.some((b) => b.name === item.name));
    return [...added, ...merged];
  }
  if (isMap(base) && isMap(patch)) {
    const merged: Record<string, unknown> = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      merged[key] = value === null ? undefined : key in base ? strategicMerge(base[key], value) : value;
      if (value === null) delete merged[key];
    }
    return merged;
  }
  return patch;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isNamedList(list: unknown[]): list is { name: string }[] {
  return list.length > 0 && list.every((item) => isMap(item) && typeof item.name === "string");
}
