import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseImage, renderKustomization, strategicMerge } from "./kustomize.ts";

describe("strategicMerge", () => {
  it("merges maps, merges named lists by name with new items first, replaces other lists", () => {
    const base = {
      spec: { args: ["a"], containers: [{ name: "app", image: "x", env: [{ name: "A", value: "1" }] }] },
    };
    const patch = {
      spec: {
        args: ["b"],
        containers: [
          {
            name: "app",
            env: [
              { name: "B", value: "2" },
              { name: "A", value: "9" },
            ],
          },
        ],
      },
    };
    expect(strategicMerge(base, patch)).toEqual({
      spec: {
        args: ["b"],
        containers: [
          {
            name: "app",
            image: "x",
            env: [
              { name: "B", value: "2" },
              { name: "A", value: "9" },
            ],
          },
        ],
      },
    });
  });

  it("deletes a key patched to null", () => {
    expect(strategicMerge({ a: 1, b: 2 }, { b: null })).toEqual({ a: 1 });
  });
});

describe("parseImage", () => {
  it("splits registry ports from tags", () => {
    expect(parseImage("registry:5000/team/app:1.2")).toEqual({ name: "registry:5000/team/app", tag: "1.2" });
    expect(parseImage("app@sha256:abc")).toEqual({ name: "app", digest: "sha256:abc" });
    expect(parseImage("app")).toEqual({ name: "app" });
  });
});

describe("renderKustomization", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function write(files: Record<string, string>): string {
    dir = mkdtempSync(join(tmpdir(), "kustomize-"));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  }

  const deployment =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec:\n  template:\n    spec:\n      containers: [{ name: web, image: team/web }]\n";

  it("applies namespace, labels, images and replicas", () => {
    const root = write({
      "kustomization.yaml":
        "resources: [d.yaml]\nnamespace: ns\nlabels: [{ pairs: { team: a }, includeTemplates: true }]\nimages: [{ name: team/web, newTag: '2' }]\nreplicas: [{ name: web, count: 3 }]\n",
      "d.yaml": deployment,
    });
    expect(renderKustomization(root)).toEqual([
      {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", namespace: "ns", labels: { team: "a" } },
        spec: {
          replicas: 3,
          template: {
            metadata: { labels: { team: "a" } },
            spec: { containers: [{ name: "web", image: "team/web:2" }] },
          },
        },
      },
    ]);
  });

  it("refuses what it does not implement instead of ignoring it", () => {
    const root = write({
      "kustomization.yaml": "resources: [d.yaml]\nnamePrefix: x-\n",
      "d.yaml": deployment,
    });
    expect(() => renderKustomization(root)).toThrow("field namePrefix is not supported by this renderer");
  });

  it("refuses an image or a patch that matches nothing", () => {
    const root = write({
      "kustomization.yaml": "resources: [d.yaml]\nimages: [{ name: team/api, newTag: '2' }]\n",
      "d.yaml": deployment,
    });
    expect(() => renderKustomization(root)).toThrow("images names team/api, which no container uses");
  });
});
