import { describe, expect, it } from "vitest";
import { type DockerfileExpectations, lintDockerfile, parseDockerfile } from "./dockerfile.ts";

const GOOD = `# syntax=docker/dockerfile:1
FROM node:24.21.0-trixie-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY services/alerts/package.json services/alerts/
COPY shared/config/package.json shared/config/
RUN npm ci --omit=dev -w services/alerts \\
    --ignore-scripts

FROM node:24.21.0-trixie-slim AS runtime
ENV NODE_ENV=production PORT=8081
WORKDIR /app
COPY --from=deps /app/ ./
COPY services/alerts/src/ services/alerts/src/
COPY shared/config/src/ shared/config/src/
USER node
EXPOSE 8081
HEALTHCHECK --interval=10s \\
  CMD ["node", "-e", "fetch('http://127.0.0.1:8081/healthz').then((r) => process.exit(r.ok ? 0 : 1))"]
CMD ["node", "services/alerts/src/main.ts"]
`;

const EXPECT: DockerfileExpectations = {
  workspace: "services/alerts",
  port: 8081,
  sources: ["services/alerts", "shared/config"],
  nodeVersion: "24.21.0",
};

function rulesOf(text: string): string[] {
  return lintDockerfile(text, EXPECT).map((v) => v.rule);
}

describe("parseDockerfile", () => {
  it("joins continuation lines and keeps the keyword's line", () => {
    const run = parseDockerfile(GOOD).find((i) => i.keyword === "RUN");
    expect(run).toEqual({
      keyword: "RUN",
      args: "npm ci --omit=dev -w services/alerts --ignore-scripts",
      line: 7,
    });
  });
});

describe("lintDockerfile", () => {
  it("passes a Dockerfile that follows every rule", () => {
    expect(lintDockerfile(GOOD, EXPECT)).toEqual([]);
  });

  it("multi-stage: a single stage is refused", () => {
    const single = `FROM node:24.21.0-trixie-slim
ENV NODE_ENV=production PORT=8081
COPY services/alerts/src/ services/alerts/src/
COPY shared/config/src/ shared/config/src/
RUN npm ci --omit=dev -w services/alerts
USER node
EXPOSE 8081
HEALTHCHECK CMD ["node", "-e", "fetch('http://127.0.0.1:8081/healthz')"]
CMD ["node", "services/alerts/src/main.ts"]`;
    expect(rulesOf(single)).toEqual(["multi-stage"]);
  });

  it.each([
    ["node:24-slim", "floats"],
    ["node", "is not pinned"],
    ["node:latest", "is not pinned"],
    ["node:22.12.0-slim", "is not Node 24.21.0"],
    ["$BASE", "build argument"],
  ])("pinned-base: FROM %s is refused", (image, message) => {
    const violations = lintDockerfile(
      GOOD.replace("FROM node:24.21.0-trixie-slim AS runtime", `FROM ${image} AS runtime`),
      EXPECT,
    );
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ rule: "pinned-base", line: 10 });
    expect(violations[0]!.message).toContain(message);
  });

  it("pinned-base: a digest or an earlier stage counts as pinned", () => {
    const digest = GOOD.replace(
      "FROM node:24.21.0-trixie-slim AS runtime",
      `FROM node@sha256:${"a".repeat(64)} AS runtime`,
    );
    expect(rulesOf(digest)).toEqual([]);
    expect(rulesOf(GOOD.replace("FROM node:24.21.0-trixie-slim AS runtime", "FROM deps AS runtime"))).toEqual(
      [],
    );
  });

  it("non-root: no USER, or USER root, in the final stage is refused", () => {
    expect(rulesOf(GOOD.replace("USER node\n", ""))).toEqual(["non-root"]);
    expect(rulesOf(GOOD.replace("USER node", "USER root"))).toEqual(["non-root"]);
    expect(rulesOf(GOOD.replace("USER node", "USER 0:0"))).toEqual(["non-root"]);
  });

  it("non-root: a USER in the builder stage does not count for the final one", () => {
    const moved = GOOD.replace("USER node\n", "").replace(
      "WORKDIR /app\nCOPY package.json",
      "USER node\nWORKDIR /app\nCOPY package.json",
    );
    expect(rulesOf(moved)).toEqual(["non-root"]);
  });

  it("omit-dev: npm ci without --omit=dev, or no install at all, is refused", () => {
    expect(rulesOf(GOOD.replace(" --omit=dev", ""))).toEqual(["omit-dev"]);
    expect(rulesOf(GOOD.replace(/RUN npm ci[^\n]*\\\n[^\n]*\n/, ""))).toEqual(["omit-dev"]);
  });

  it("workspace: an install of every workspace is refused", () => {
    expect(rulesOf(GOOD.replace(" -w services/alerts", ""))).toEqual(["workspace"]);
    expect(rulesOf(GOOD.replace("-w services/alerts", "-w services/pricing"))).toEqual(["workspace"]);
  });

  it("workspace: an install aside (--prefix DIR, for files copied out of it) names no workspace, and still omits dev", () => {
    const aside = GOOD.replace(
      "    --ignore-scripts\n",
      "    --ignore-scripts\nRUN npm install --prefix assets --omit=dev --no-save @scalar/api-reference@1.76.0\n",
    );
    expect(rulesOf(aside)).toEqual([]);
    expect(rulesOf(aside.replace("--prefix assets --omit=dev", "--prefix assets"))).toEqual(["omit-dev"]);
    // --prefix . is the app's own node_modules again: the workspace rule applies.
    expect(rulesOf(aside.replace("--prefix assets", "--prefix ."))).toEqual(["workspace"]);
  });

  it("node-env: a final stage without NODE_ENV=production is refused", () => {
    expect(rulesOf(GOOD.replace("NODE_ENV=production ", ""))).toEqual(["node-env"]);
    expect(rulesOf(GOOD.replace("NODE_ENV=production", "NODE_ENV=development"))).toEqual(["node-env"]);
  });

  it("healthcheck: missing, not on /healthz, or with curl is refused", () => {
    expect(rulesOf(GOOD.replace(/HEALTHCHECK[^\n]*\\\n[^\n]*\n/, ""))).toEqual(["healthcheck"]);
    expect(rulesOf(GOOD.replace("/healthz", "/status"))).toEqual(["healthcheck"]);
    const curl = GOOD.replace(
      /HEALTHCHECK[^\n]*\\\n[^\n]*\n/,
      "HEALTHCHECK CMD curl -f http://127.0.0.1:8081/healthz\n",
    );
    expect(rulesOf(curl)).toEqual(["healthcheck"]);
  });

  it("no-secrets: a token in ENV or ARG, or a copied .env file, is refused", () => {
    const env = lintDockerfile(GOOD.replace("ENV NODE_ENV", "ENV DISCORD_TOKEN=abc NODE_ENV"), EXPECT);
    expect(env).toEqual([expect.objectContaining({ rule: "no-secrets", line: 11 })]);
    expect(env[0]!.message).toContain("DISCORD_TOKEN");
    expect(
      rulesOf(
        GOOD.replace(
          "WORKDIR /app\nCOPY package.json",
          "ARG FINNHUB_API_KEY\nWORKDIR /app\nCOPY package.json",
        ),
      ),
    ).toEqual(["no-secrets"]);
    expect(rulesOf(GOOD.replace("USER node", "COPY .env ./\nUSER node"))).toEqual(["no-secrets"]);
    expect(rulesOf(GOOD.replace("USER node", "COPY .env.example ./\nUSER node"))).toEqual([]);
  });

  it("runtime-copies: copying the whole context, or missing a workspace's src, is refused", () => {
    expect(rulesOf(GOOD.replace("USER node", "COPY . .\nUSER node"))).toEqual(["runtime-copies"]);
    const missing = lintDockerfile(GOOD.replace("COPY shared/config/src/ shared/config/src/\n", ""), EXPECT);
    expect(missing.map((v) => v.message)).toEqual([
      "the final stage does not copy shared/config/src/ (a workspace it runs)",
    ]);
  });

  it("manifests: a builder without the lockfile or a workspace's package.json is refused", () => {
    expect(rulesOf(GOOD.replace("COPY package.json package-lock.json ./", "COPY package.json ./"))).toEqual([
      "manifests",
    ]);
    const missing = lintDockerfile(
      GOOD.replace("COPY shared/config/package.json shared/config/\n", ""),
      EXPECT,
    );
    expect(missing.map((v) => v.message)).toEqual([
      "the builder does not copy shared/config/package.json (a workspace it runs)",
    ]);
  });

  it("expose: a wrong port is refused", () => {
    expect(rulesOf(GOOD.replace("EXPOSE 8081", "EXPOSE 8080"))).toEqual(["expose"]);
    expect(rulesOf(GOOD.replace("PORT=8081", "PORT=8080"))).toEqual(["expose"]);
  });

  it("cmd: a shell-form or different entry point is refused", () => {
    expect(
      rulesOf(
        GOOD.replace('CMD ["node", "services/alerts/src/main.ts"]', "CMD node services/alerts/src/main.ts"),
      ),
    ).toEqual(["cmd"]);
    expect(rulesOf(GOOD.replace('services/alerts/src/main.ts"]', 'services/alerts/src/index.ts"]'))).toEqual([
      "cmd",
    ]);
  });
});

/** GOOD with the workspace and port taken from build arguments, as the repository's one Dockerfile does. */
const PARAMETERIZED = `FROM node:24.21.0-trixie-slim AS deps
ARG WORKSPACE
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev -w "$WORKSPACE" --ignore-scripts

FROM node:24.21.0-trixie-slim AS runtime
ARG WORKSPACE
ARG PORT
ENV NODE_ENV=production WORKSPACE=\${WORKSPACE} PORT=\${PORT}
WORKDIR /app
COPY --from=deps /app/ ./
USER node
EXPOSE \${PORT}
HEALTHCHECK CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/healthz')"]
CMD ["sh", "-c", "exec node \\"$WORKSPACE/src/main.ts\\""]
`;

describe("lintDockerfile with build arguments", () => {
  const args = { WORKSPACE: "services/alerts", PORT: "8081" };
  const lint = (text: string, buildArgs: Record<string, string> = args) =>
    lintDockerfile(text, { workspace: "services/alerts", port: 8081, nodeVersion: "24.21.0", buildArgs }).map(
      (v) => `${v.rule}:${v.line}`,
    );

  it("reads every ARG with the build's value: install, port and the command the shell execs", () => {
    expect(lint(PARAMETERIZED)).toEqual([]);
  });

  it("another workspace or port given is refused like a written one", () => {
    expect(lint(PARAMETERIZED, { WORKSPACE: "services/pricing", PORT: "8082" })).toEqual([
      "workspace:5",
      "expose:7",
      "expose:7",
      "cmd:16",
    ]);
  });

  it("an ARG the build does not give, without a default, is refused", () => {
    expect(lint(PARAMETERIZED, { WORKSPACE: "services/alerts" })).toEqual([
      "expose:7",
      "expose:7",
      "build-arg:9",
    ]);
    expect(
      lint(PARAMETERIZED.replace("ARG PORT", "ARG PORT=8081"), { WORKSPACE: "services/alerts" }),
    ).toEqual([]);
  });

  it("a shell command that does not exec (node would not get the stop signal) is refused", () => {
    expect(lint(PARAMETERIZED.replace('"exec node', '"node'))).toEqual(["cmd:16"]);
  });
});
