import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { commandOf, parseCompose } from "../../src/deploy/compose.ts";
import {
  lintDockerfile,
  parseDockerfile,
  resolveCmd,
  splitStages,
  stageEnv,
} from "../../src/deploy/dockerfile.ts";
import {
  CHART_RUNTIME,
  DEPLOYABLES,
  productionClosure,
  undeclaredImports,
} from "../../src/deploy/workspaces.ts";
import { pinnedNodeVersion, REPO_ROOT, repoFile } from "./repo.ts";

const compose = parseCompose(repoFile("docker-compose.yml"));

/** The build arguments docker-compose.yml builds a deployable's image with. */
function buildArgsOf(service: string): Record<string, string> {
  const build = compose.services[service]?.build as { args?: Record<string, string> } | undefined;
  return build?.args ?? {};
}

describe("one Dockerfile for every deployable", () => {
  it("is the only Dockerfile: no workspace carries its own", () => {
    for (const { workspace } of DEPLOYABLES)
      expect(existsSync(join(REPO_ROOT, workspace, "Dockerfile")), workspace).toBe(false);
  });
});

describe.each(DEPLOYABLES.map((d) => [d.workspace, d] as const))("Dockerfile for %s", (_, deployable) => {
  it("follows the image rules with the build arguments docker-compose.yml gives", () => {
    const violations = lintDockerfile(repoFile("Dockerfile"), {
      workspace: deployable.workspace,
      port: deployable.port,
      nodeVersion: pinnedNodeVersion(),
      buildArgs: buildArgsOf(deployable.service),
    });
    expect(violations.map((v) => `Dockerfile:${v.line} [${v.rule}] ${v.message}`)).toEqual([]);
  });

  it("is what docker-compose.yml builds, naming the workspace and its port, with the same command", () => {
    const service = compose.services[deployable.service];
    expect(service?.build).toEqual({
      context: ".",
      dockerfile: "Dockerfile",
      args: { WORKSPACE: deployable.workspace, PORT: String(deployable.port) },
    });
    const stages = splitStages(parseDockerfile(repoFile("Dockerfile")));
    const env = { ...stageEnv(stages.at(-1)!), WORKSPACE: deployable.workspace };
    const cmd = stages
      .at(-1)!
      .instructions.filter((i) => i.keyword === "CMD")
      .at(-1);
    expect(resolveCmd(cmd!.args, env)).toEqual(commandOf(service!));
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
      "shared/alerts-client",
      "shared/bus",
      "shared/charts",
      "shared/config",
      "shared/contracts",
      "shared/rules",
    ]);
    expect(productionClosure(REPO_ROOT, "services/alerts")).not.toContain("shared/testkit");
  });

  it.each(CHART_RUNTIME.deployables)(
    "%s's image carries the chart renderer (its production closure has shared/charts)",
    (workspace) => {
      expect(productionClosure(REPO_ROOT, workspace)).toContain(CHART_RUNTIME.workspace);
    },
  );
});
