// Kubernetes manifests as data: the YAML documents of a file, and an overlay rendered by the real kustomize that
// kubectl carries (`kubectl kustomize DIR`), so what the tests check is exactly what `kubectl apply -k` applies.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

export type K8sObject = {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
};

export class ManifestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ManifestError";
  }
}

/** The objects of a multi-document YAML text (comment-only documents are dropped). */
export function parseManifests(text: string, source: string): K8sObject[] {
  const objects: K8sObject[] = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new ManifestError(`${source}: ${doc.errors[0]!.message}`);
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) objects.push(value as K8sObject);
  }
  return objects;
}

/** All YAML documents of a file that are objects. */
export function readManifests(path: string): K8sObject[] {
  return parseManifests(readFileSync(path, "utf8"), path);
}

/** Whether `kubectl` runs here. */
export function kubectlAvailable(): boolean {
  try {
    execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

const rendered = new Map<string, K8sObject[]>();

/**
 * `kubectl kustomize dir`, parsed; each caller gets its own copy to change. Throws with kustomize's own message
 * when the overlay does not build, and says so when kubectl is not installed.
 */
export function kustomize(dir: string): K8sObject[] {
  let objects = rendered.get(dir);
  if (objects === undefined) {
    let output: string;
    try {
      output = execFileSync("kubectl", ["kustomize", dir], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
    } catch (error) {
      const { code, stderr } = error as { code?: string; stderr?: string };
      if (code === "ENOENT")
        throw new ManifestError("kubectl is not installed: the overlays cannot be rendered");
      throw new ManifestError(`kubectl kustomize ${dir} failed:\n${stderr ?? String(error)}`);
    }
    objects = parseManifests(output, `kubectl kustomize ${dir}`);
    rendered.set(dir, objects);
  }
  return structuredClone(objects);
}
