import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commandOf, parseCompose } from "../../src/deploy/compose.ts";
import { lintDockerfile, parseDockerfile } from "../../src/deploy/dockerfile.ts";
import { DEPLOYABLES, productionClosure, undeclaredImports } from "../../src/deploy/workspaces.ts";
import { pinnedNodeVersion, REPO_ROOT, repoFile } from "./repo.ts";

const compose = parseCompose(repoFile("docker-compose.yml"));

describe.each(DEPLOYABLES.map((d) => [d.workspace, d] as const))("%s/Dockerfile", (_, deployable) => {
  const path = `${deployable.workspace}/Dockerfile`;

  it("follows the image rules and copies every workspace it runs", () => {
    const violations = lintDockerfile(repoFile(path), {
      workspace: deployable.workspace,
      port: deployable.port,
      sources: productionClosure(REPO_ROOT, deployable.workspace),
      nodeVersion: pinnedNodeVersion(),
    });
    expect(violations.map((v) => `${path}:${v.line} [${v.rule}] ${v.message}`)).toEqual([]);
  });

  it("is what docker-compose.yml builds, with the same command", () => {
    const service = compose.services[deployable.service];
    expect(service?.build).toEqual({ context: ".", dockerfile: path });
    const cmd = parseDockerfile(repoFile(path))
      .filter((i) => i.keyword === "CMD")
      .at(-1);
    expect(JSON.parse(cmd!.args)).toEqual(commandOf(service!));
  });

  it("declares every package its sources import as a production dependency (or the image lacks it)", () => {
    const missing = productionClosure(REPO_ROOT, deployable.workspace).flatMap((w) =>
      undeclaredImports(REPO_ROOT, w),
    );
    expect(
      missing.map(
        (m) => `${m.file} imports ${m.dependency}, not in ${m.workspace}/package.json dependencies`,
      ),
    ).toEqual([]);
  });
});

describe("the build context", () => {
  const ignored = repoFile(".dockerignore")
    .split("\n")
    .map((l) => l.trim());

  it("keeps secrets, installed modules and tests out, and lets the lockfile in", () => {
    expect(ignored).toEqual(
      expect.arrayContaining([".env", ".env.*", "**/node_modules", "**/*.test.ts", ".git"]),
    );
    expect(ignored.some((l) => /package(-lock)?\.json|^\*\*?\/?src|^\*$/.test(l))).toBe(false);
    expect(existsSync(join(REPO_ROOT, "package-lock.json"))).toBe(true);
  });

  it("productionClosure follows workspace dependencies transitively, not devDependencies", () => {
    expect(productionClosure(REPO_ROOT, "bots/telegram")).toEqual([
      "bots/telegram",
      "bots/core",
      "shared/bus",
      "shared/config",
      "shared/contracts",
      "shared/rules",
    ]);
    expect(productionClosure(REPO_ROOT, "services/alerts")).not.toContain("shared/testkit");
  });
});
