// A small Dockerfile linter for the rules every Tickerbell image follows: multi-stage, pinned
// base images, production dependencies only, non-root, NODE_ENV=production, a HEALTHCHECK on /healthz, no
// secrets baked in. It reads the instructions only; it does not build anything.

export interface DockerInstruction {
  /** Upper-cased keyword: FROM, RUN, COPY, ... */
  keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  args: string;
  /** 1-based line of the keyword. */
  line: number;
}

export interface DockerStage {
  image: string;
  name: string | undefined;
  instructions: DockerInstruction[];
}

export interface DockerfileViolation {
  rule: string;
  line: number;
  message: string;
}

/** What one deployable's image must do beyond the common rules. */
export interface DockerfileExpectations {
  /** Workspace folder of the deployable, e.g. `services/alerts`. */
  workspace?: string;
  port?: number;
  /** Workspace folders whose `src/` the runtime stage must copy (the deployable and its workspace deps). */
  sources?: string[];
  /** The Node version the project runs on; node base images must carry exactly this version in their tag. */
  nodeVersion?: string;
  /**
   * The `--build-arg`s of the build: every `$NAME` of a declared ARG is read with its value, as the build would.
   * An ARG the file uses without a default that is not given here is a violation.
   */
  buildArgs?: Record<string, string>;
}

export function parseDockerfile(text: string): DockerInstruction[] {
  const instructions: DockerInstruction[] = [];
  const lines = text.split(/\r?\n/);
  let pending: { start: number; parts: string[] } | undefined;
  for (const [index, raw] of lines.entries()) {
    const trimmed = raw.trim();
    if (pending === undefined && (trimmed === "" || trimmed.startsWith("#"))) continue;
    // Comment lines inside a continued instruction are dropped, as Docker does.
    if (pending !== undefined && trimmed.startsWith("#")) continue;
    const continued = trimmed.endsWith("\\");
    const part = continued ? trimmed.slice(0, -1).trim() : trimmed;
    pending ??= { start: index + 1, parts: [] };
    pending.parts.push(part);
    if (continued) continue;
    const joined = pending.parts.filter((p) => p !== "").join(" ");
    const match = /^(\S+)\s*(.*)$/s.exec(joined);
    if (match) instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!, line: pending.start });
    pending = undefined;
  }
  return instructions;
}

export function splitStages(instructions: DockerInstruction[]): DockerStage[] {
  const stages: DockerStage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === "FROM") {
      const words = instruction.args.split(/\s+/).filter((w) => !w.startsWith("--"));
      const asIndex = words.findIndex((w) => w.toUpperCase() === "AS");
      stages.push({
        image: words[0] ?? "",
        name: asIndex >= 0 ? words[asIndex + 1]?.toLowerCase() : undefined,
        instructions: [instruction],
      });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|API_KEY|PRIVATE_KEY|CREDENTIALS?)$|^DATABASE_URL$/i;

export function lintDockerfile(text: string, expect: DockerfileExpectations = {}): DockerfileViolation[] {
  const violations: DockerfileViolation[] = [];
  const report = (rule: string, line: number, message: string) => violations.push({ rule, line, message });
  const stages = withBuildArgs(splitStages(parseDockerfile(text)), expect.buildArgs, report);
  const instructions = stages.flatMap((s) => s.instructions);
  const final = stages.at(-1);
  if (final === undefined) {
    report("multi-stage", 1, "no FROM instruction");
    return violations;
  }
  const finalLine = final.instructions[0]!.line;
  const inFinal = (keyword: string) => final.instructions.filter((i) => i.keyword === keyword);

  if (stages.length < 2) {
    report(
      "multi-stage",
      finalLine,
      "one stage only: install dependencies in a builder stage, copy the result",
    );
  }

  const stageNames = new Set<string>();
  for (const stage of stages) {
    const line = stage.instructions[0]!.line;
    if (!stageNames.has(stage.image.toLowerCase())) checkPinned(stage.image, line, expect, report);
    if (stage.name) stageNames.add(stage.name);
  }

  const user = inFinal("USER").at(-1);
  if (user === undefined) {
    report("non-root", finalLine, "the final stage sets no USER, so the container runs as root");
  } else if (/^(root|0)(:|$)/.test(user.args.trim())) {
    report("non-root", user.line, `the final stage runs as ${user.args.trim()}; use an unprivileged user`);
  }

  const installs = instructions.filter((i) => i.keyword === "RUN" && /\bnpm\s+(ci|install|i)\b/.test(i.args));
  if (installs.length === 0) {
    report(
      "omit-dev",
      finalLine,
      "no `npm ci --omit=dev` step: the image must install production dependencies",
    );
  }
  for (const run of installs) {
    if (!/--omit[= ]dev\b/.test(run.args)) {
      report(
        "omit-dev",
        run.line,
        "npm installs without --omit=dev: devDependencies would ship in the image",
      );
    }
    // An install aside (`--prefix DIR`) fills another node_modules, which the image takes files from (the alert
    // service's browser app), not the app's: it has no workspace to name.
    const aside = /(?:^|\s)--prefix(?:=|\s+)(?!\.\/?(?:\s|$))\S+/.test(run.args);
    if (expect.workspace !== undefined && !aside && !workspaceFlags(run.args).includes(expect.workspace)) {
      report(
        "workspace",
        run.line,
        `npm installs without \`-w ${expect.workspace}\`: it would install every workspace`,
      );
    }
  }

  if (!inFinal("ENV").some((i) => /(^|\s)NODE_ENV=production(\s|$)/.test(i.args))) {
    report("node-env", finalLine, "the final stage does not set NODE_ENV=production");
  }

  const healthcheck = inFinal("HEALTHCHECK").at(-1);
  if (healthcheck === undefined) {
    report("healthcheck", finalLine, "the final stage has no HEALTHCHECK");
  } else if (!healthcheck.args.includes("/healthz")) {
    report("healthcheck", healthcheck.line, "the HEALTHCHECK does not call /healthz");
  } else if (/\b(curl|wget)\b/.test(healthcheck.args)) {
    report(
      "healthcheck",
      healthcheck.line,
      "the HEALTHCHECK uses curl/wget, which slim images lack; use node's fetch",
    );
  }

  for (const instruction of instructions) {
    if (instruction.keyword !== "ENV" && instruction.keyword !== "ARG") continue;
    for (const name of declaredNames(instruction)) {
      if (SECRET_NAME.test(name)) {
        report(
          "no-secrets",
          instruction.line,
          `${instruction.keyword} ${name} bakes a secret into the image`,
        );
      }
    }
  }
  for (const copy of instructions.filter((i) => i.keyword === "COPY" || i.keyword === "ADD")) {
    if (/(^|[\s/])\.env(\s|$|\.)(?!example)/.test(copy.args)) {
      report("no-secrets", copy.line, `${copy.keyword} copies an env file into the image`);
    }
  }

  const contextCopies = inFinal("COPY").filter((i) => !/--from=/.test(i.args));
  for (const copy of contextCopies) {
    const sources = copySources(copy.args);
    if (sources.some((s) => s === "." || s === "./")) {
      report(
        "runtime-copies",
        copy.line,
        "the final stage copies the whole build context; copy only what runs",
      );
    }
  }
  // The builder installs from the lockfile and the manifests of exactly the workspaces the image runs.
  const builderCopies = stages
    .slice(0, -1)
    .flatMap((stage) => stage.instructions)
    .filter((i) => i.keyword === "COPY" && !/--from=/.test(i.args))
    .flatMap((i) => copySources(i.args));
  const hasBuilder = stages.length > 1;
  if (hasBuilder && installs.length > 0 && !builderCopies.includes("package-lock.json")) {
    report(
      "manifests",
      installs[0]!.line,
      "the builder does not copy package-lock.json, so npm ci cannot install from it",
    );
  }
  for (const source of hasBuilder ? (expect.sources ?? []) : []) {
    if (!builderCopies.includes(`${source}/package.json`)) {
      report(
        "manifests",
        installs[0]?.line ?? finalLine,
        `the builder does not copy ${source}/package.json (a workspace it runs)`,
      );
    }
  }
  for (const source of expect.sources ?? []) {
    const wanted = `${source}/src`;
    const copied = contextCopies.some((c) =>
      copySources(c.args).some((s) => s.replace(/\/$/, "") === wanted),
    );
    if (!copied)
      report("runtime-copies", finalLine, `the final stage does not copy ${wanted}/ (a workspace it runs)`);
  }

  if (expect.port !== undefined) {
    const exposed = inFinal("EXPOSE").flatMap((i) => i.args.split(/\s+/).map((p) => p.split("/")[0]));
    if (!exposed.includes(String(expect.port))) {
      report("expose", finalLine, `the final stage does not EXPOSE ${expect.port}`);
    }
    const portEnv = inFinal("ENV").some((i) => new RegExp(`(^|\\s)PORT=${expect.port}(\\s|$)`).test(i.args));
    if (!portEnv) report("expose", finalLine, `the final stage does not set ENV PORT=${expect.port}`);
  }

  const cmd = inFinal("CMD").at(-1);
  if (expect.workspace !== undefined) {
    const wanted = ["node", `${expect.workspace}/src/main.ts`];
    const runs = cmd === undefined ? undefined : resolveCmd(cmd.args, stageEnv(final));
    if (JSON.stringify(runs) !== JSON.stringify(wanted)) {
      report(
        "cmd",
        cmd?.line ?? finalLine,
        `the final stage must run ${JSON.stringify(wanted)} (as CMD, or \`sh -c "exec ..."\`)`,
      );
    }
  }
  return violations.sort((a, b) => a.line - b.line);
}

const ARG_REFERENCE = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;

/** `$NAME` and `${NAME}` replaced where `values` has NAME; anything else is left as written. */
export function substitute(text: string, values: Record<string, string>): string {
  return text.replace(ARG_REFERENCE, (whole, braced?: string, bare?: string) => {
    const name = (braced ?? bare)!;
    return Object.hasOwn(values, name) ? values[name]! : whole;
  });
}

/**
 * Each stage with its declared ARGs read (from the build arguments, else the ARG's default, else empty, as the
 * build does), in the instructions after the ARG. An ARG the file uses that has neither is reported.
 */
function withBuildArgs(
  stages: DockerStage[],
  buildArgs: Record<string, string> | undefined,
  report: (rule: string, line: number, message: string) => void,
): DockerStage[] {
  return stages.map((stage) => {
    const values: Record<string, string> = {};
    const instructions = stage.instructions.map((instruction) => {
      const substituted = { ...instruction, args: substitute(instruction.args, values) };
      if (instruction.keyword === "ARG") {
        const [, name = "", fallback] =
          /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(instruction.args.trim()) ?? [];
        const given = buildArgs?.[name];
        if (buildArgs !== undefined && given === undefined && fallback === undefined) {
          report("build-arg", instruction.line, `ARG ${name} has no default and the build does not give it`);
        }
        values[name] = given ?? fallback ?? "";
      }
      return substituted;
    });
    return { ...stage, instructions };
  });
}

/** The ENV values a stage sets (as the container sees them). */
export function stageEnv(stage: DockerStage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.instructions.filter((i) => i.keyword === "ENV")) {
    for (const match of i.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|\S*)/g))
      env[match[1]!] = match[2]!.replace(/^"|"$/g, "");
  }
  return env;
}

/**
 * What a CMD runs: its exec form, or for `["sh", "-c", "exec prog args"]` the program the shell execs, with the
 * container's environment expanded in its words (so `exec node "$WORKSPACE/src/main.ts"` reads as node on that
 * file). Undefined for anything else.
 */
export function resolveCmd(args: string, env: Record<string, string>): string[] | undefined {
  const form = execForm(args);
  if (form === undefined) return undefined;
  const [program, flag, script] = form;
  if (
    (program === "sh" || program === "/bin/sh") &&
    flag === "-c" &&
    script !== undefined &&
    form.length === 3
  ) {
    const match = /^exec\s+(.+)$/.exec(script.trim());
    if (!match) return undefined;
    return [...match[1]!.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => substitute(m[1] ?? m[2]!, env));
  }
  return form;
}

function checkPinned(
  image: string,
  line: number,
  expect: DockerfileExpectations,
  report: (rule: string, line: number, message: string) => void,
): void {
  if (image.includes("$")) {
    report("pinned-base", line, `base image ${image} comes from a build argument; write the pinned tag`);
    return;
  }
  if (image.includes("@sha256:")) return;
  const slash = image.lastIndexOf("/");
  const colon = image.indexOf(":", slash + 1);
  const tag = colon >= 0 ? image.slice(colon + 1) : "";
  const name = colon >= 0 ? image.slice(0, colon) : image;
  if (tag === "" || tag === "latest") {
    report("pinned-base", line, `base image ${image} is not pinned to a version tag`);
    return;
  }
  if (!/^\d+\.\d+\.\d+/.test(tag)) {
    report(
      "pinned-base",
      line,
      `base image ${image} floats (tag ${tag}); pin the full version, e.g. 24.21.0-slim`,
    );
    return;
  }
  if (
    expect.nodeVersion !== undefined &&
    /(^|\/)node$/.test(name) &&
    !tag.startsWith(`${expect.nodeVersion}-`)
  ) {
    if (tag !== expect.nodeVersion) {
      report(
        "pinned-base",
        line,
        `base image ${image} is not Node ${expect.nodeVersion}, the version the project runs on`,
      );
    }
  }
}

function workspaceFlags(args: string): string[] {
  const flags: string[] = [];
  const pattern = /(?:^|\s)(?:-w|--workspace)(?:=|\s+)(\S+)/g;
  for (const match of args.matchAll(pattern)) flags.push(match[1]!.replace(/^["']|["']$/g, ""));
  return flags;
}

function declaredNames(instruction: DockerInstruction): string[] {
  const args = instruction.args.trim();
  // `ENV NAME value` (legacy single form) or `ENV A=1 B=2`; ARG NAME[=default].
  if (instruction.keyword === "ENV" && !/^[^\s=]+=/.test(args)) return [args.split(/\s+/)[0] ?? ""];
  return [...args.matchAll(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)(?==|\s|$)/g)].map((m) => m[1]!);
}

function copySources(args: string): string[] {
  const json = execForm(args);
  const words = json ?? args.split(/\s+/).filter((w) => w !== "" && !w.startsWith("--"));
  return words.slice(0, -1);
}

function execForm(args: string): string[] | undefined {
  const trimmed = args.trim();
  if (!trimmed.startsWith("[")) return undefined;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return Array.isArray(parsed) && parsed.every((p) => typeof p === "string") ? parsed : undefined;
  } catch {
    return undefined;
  }
}
