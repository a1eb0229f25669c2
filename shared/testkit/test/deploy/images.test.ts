// Each image laid out without Docker (its Dockerfile's COPY and npm steps, .dockerignore applied) and its CMD
// started there: every module the entry point imports must load from what the image holds. A bad PORT makes
// each service stop at its env check, which runs only after the whole static import graph has loaded.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dockerignore, dryRunDockerfile } from "../../src/deploy/image-dry-run.ts";
import { DEPLOYABLES } from "../../src/deploy/workspaces.ts";
import { REPO_ROOT, repoFile } from "./repo.ts";

const NODE = join(REPO_ROOT, "node_modules/.bin/node");
const out = mkdtempSync(join(tmpdir(), "image-dry-run-"));
// The alert service's build stage holds an install of the API reference's browser app (thousands of files):
// removing every laid-out image takes longer than a hook's default 10 s on a busy machine.
afterAll(() => rmSync(out, { recursive: true, force: true }), 120_000);

describe.each(DEPLOYABLES.map((d) => [d.workspace, d] as const))("the %s image", (_, deployable) => {
  it("holds production dependencies only, no tests, and everything its CMD loads", () => {
    const image = dryRunDockerfile(
      join(REPO_ROOT, deployable.workspace, "Dockerfile"),
      REPO_ROOT,
      join(out, deployable.service),
    );
    const app = join(image.root, image.workdir);
    const modules = readdirSync(join(app, "node_modules"));
    for (const dev of ["vitest", "typescript", "turbo", "@biomejs", "node", "fast-check"])
      expect(modules, dev).not.toContain(dev);
    expect(existsSync(join(app, "node_modules/@tickerbell/testkit"))).toBe(false);
    const files = readdirSync(join(app, deployable.workspace), { recursive: true, encoding: "utf8" });
    expect(files.filter((f) => f.endsWith(".test.ts"))).toEqual([]);
    expect(image.env.NODE_ENV).toBe("production");
    // The alert service's /docs serves Scalar's browser app, copied alone into the image (not its dependencies).
    if (deployable.workspace === "services/alerts") {
      expect(existsSync(join(app, "node_modules/@scalar/api-reference/dist/browser/standalone.js"))).toBe(
        true,
      );
      expect(modules).not.toContain("vue");
    }

    const [program, ...args] = image.cmd;
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
