// Each image laid out without Docker (the Dockerfile's COPY, npm, node and find steps with the deployable's build
// arguments, .dockerignore applied) and its CMD started there: every module the entry point imports must load from what the image holds. A bad PORT makes
// each service stop at its env check, which runs only after the whole static import graph has loaded.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dockerignore, dryRunDockerfile } from "../../src/deploy/image-dry-run.ts";
import { DEPLOYABLES, productionClosure } from "../../src/deploy/workspaces.ts";
import { REPO_ROOT, repoFile } from "./repo.ts";

const NODE = join(REPO_ROOT, "node_modules/.bin/node");
const out = mkdtempSync(join(tmpdir(), "image-dry-run-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe.each(DEPLOYABLES.map((d) => [d.workspace, d] as const))("the %s image", (_, deployable) => {
  it("holds production dependencies only, no tests, and everything its CMD loads", () => {
    const image = dryRunDockerfile(join(REPO_ROOT, "Dockerfile"), REPO_ROOT, join(out, deployable.service), {
      WORKSPACE: deployable.workspace,
      PORT: String(deployable.port),
    });
    const app = join(image.root, image.workdir);
    const modules = readdirSync(join(app, "node_modules"));
    for (const dev of ["vitest", "typescript", "turbo", "@biomejs", "node", "fast-check"])
      expect(modules, dev).not.toContain(dev);
    expect(existsSync(join(app, "node_modules/@tickerbell/testkit"))).toBe(false);
    const files = readdirSync(join(app, deployable.workspace), { recursive: true, encoding: "utf8" });
    expect(files.filter((f) => f.endsWith(".test.ts"))).toEqual([]);
    expect(image.env.NODE_ENV).toBe("production");
    expect(image.env.PORT).toBe(String(deployable.port));
    // Exactly the workspaces it runs, each as its manifest and its sources.
    const closure = productionClosure(REPO_ROOT, deployable.workspace);
    const present = ["shared", "services", "bots"].flatMap((parent) =>
      readdirSync(join(app, parent)).map((name) => `${parent}/${name}`),
    );
    expect(present.sort()).toEqual([...closure].sort());
    for (const workspace of closure)
      expect(readdirSync(join(app, workspace)).sort(), workspace).toEqual(["package.json", "src"]);
    // The alert service's /docs serves Scalar's browser app: its one script, without the package's dependencies.
    if (deployable.workspace === "services/alerts") {
      expect(existsSync(join(app, "node_modules/@scalar/api-reference/dist/browser/standalone.js"))).toBe(
        true,
      );
      expect(readdirSync(join(app, "node_modules/@scalar/api-reference")).sort()).toEqual([
        "dist",
        "package.json",
      ]);
      expect(modules).not.toContain("vue");
      const inDockerfile = /@scalar\/api-reference@(\S+)/.exec(repoFile("Dockerfile"))?.[1];
      const manifest = JSON.parse(repoFile("services/alerts/package.json"));
      expect(inDockerfile).toBe(manifest.devDependencies["@scalar/api-reference"]);
    }

    const [program, ...args] = image.command;
    expect(image.command).toEqual(["node", `${deployable.workspace}/src/main.ts`]);
    expect(program).toBe("node");
    const run = spawnSync(NODE, args, {
      cwd: app,
      env: { PATH: process.env.PATH ?? "", ...image.env, PORT: "not-a-port" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.stderr).not.toMatch(/ERR_MODULE_NOT_FOUND|Cannot find (module|package)/);
    expect(run.stderr).toMatch(/invalid environment[\s\S]*PORT/);
    expect(run.status).toBe(1);
  }, 180_000);
});

describe("the Dockerfile without its build arguments", () => {
  it("fails the build, naming what is missing", () => {
    expect(() =>
      dryRunDockerfile(join(REPO_ROOT, "Dockerfile"), REPO_ROOT, join(out, "no-args"), { PORT: "8081" }),
    ).toThrow(/WORKSPACE must name a workspace/);
    expect(() =>
      dryRunDockerfile(join(REPO_ROOT, "Dockerfile"), REPO_ROOT, join(out, "no-port"), {
        WORKSPACE: "services/alerts",
      }),
    ).toThrow(/PORT must be given/);
  });
});

describe("dockerignore", () => {
  it("excludes matching paths and everything under matching folders; `!` re-includes", () => {
    const ignored = dockerignore(repoFile(".dockerignore"));
    expect(ignored("node_modules/zod/index.js")).toBe(true);
    expect(ignored("services/alerts/node_modules/x")).toBe(true);
    expect(ignored("services/alerts/src/env.test.ts")).toBe(true);
    expect(ignored("services/alerts/test/harness.ts")).toBe(true);
    expect(ignored(".env")).toBe(true);
    expect(ignored(".env.local")).toBe(true);
    expect(ignored(".env.example")).toBe(false);
    expect(ignored("services/alerts/src/env.ts")).toBe(false);
    expect(ignored("package-lock.json")).toBe(false);
  });
});
