// Builds what a Dockerfile's final stage would contain, without Docker: each stage is a folder, COPY copies
// from the build context (minus .dockerignore) or from an earlier stage's folder, RUN runs its npm, node and
// find commands in the stage's WORKDIR with the build arguments in their environment. Only the instructions
// our Dockerfile uses are understood; anything else is refused.
// The result answers "does the image hold everything its CMD loads?" on a machine without a Docker engine.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { parseDockerfile, resolveCmd, splitStages, substitute } from "./dockerfile.ts";

export interface DryRunImage {
  /** The final stage's filesystem root. */
  root: string;
  /** WORKDIR of the final stage, inside `root`. */
  workdir: string;
  env: Record<string, string>;
  cmd: string[];
  /** What the CMD runs: the program a `sh -c "exec ..."` CMD execs, with the image's environment expanded. */
  command: string[];
}

export class DryRunError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DryRunError";
  }
}

/** A .dockerignore as a predicate over context-relative paths (`**`, `*`, `?`, `!` negation). */
export function dockerignore(text: string): (path: string) => boolean {
  const rules = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const negate = line.startsWith("!");
      const pattern = (negate ? line.slice(1) : line).replace(/^\/+|\/+$/g, "");
      const parts = pattern.split("/");
      const source = parts
        .map((part, i) => {
          const last = i === parts.length - 1;
          if (part === "**") return last ? ".*" : "(?:[^/]+/)*";
          const segment = part
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replace(/\*/g, "[^/]*")
            .replace(/\?/g, "[^/]");
          return last ? segment : `${segment}/`;
        })
        .join("");
      return { negate, regex: new RegExp(`^${source}$`) };
    });
  return (path: string) => {
    // A path is excluded when it, or a folder above it, matches; the last matching rule wins.
    const prefixes = path.split("/").map((_, i, parts) => parts.slice(0, i + 1).join("/"));
    let excluded = false;
    for (const rule of rules) {
      if (prefixes.some((p) => rule.regex.test(p))) excluded = !rule.negate;
    }
    return excluded;
  };
}

function copyFiltered(
  from: string,
  to: string,
  contextRoot: string,
  ignored: (path: string) => boolean,
): void {
  const rel = relative(contextRoot, from);
  if (rel !== "" && ignored(rel)) return;
  if (statSync(from).isDirectory()) {
    mkdirSync(to, { recursive: true });
    for (const entry of readdirSync(from))
      copyFiltered(join(from, entry), join(to, entry), contextRoot, ignored);
  } else {
    mkdirSync(dirname(to), { recursive: true });
    cpSync(from, to);
  }
}

function words(args: string): string[] {
  const trimmed = args.trim();
  if (trimmed.startsWith("[")) return JSON.parse(trimmed) as string[];
  return trimmed.split(/\s+/);
}

/** The commands of a shell `a && b` list; an `&&` inside quotes (a `node -e` script) belongs to its command. */
function splitAndList(script: string): string[] {
  const commands: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < script.length; i++) {
    const c = script[i]!;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "&" && script[i + 1] === "&") {
      commands.push(script.slice(start, i));
      start = i + 2;
      i++;
    }
  }
  commands.push(script.slice(start));
  return commands;
}

/** Programs a RUN may start here: each runs inside the stage's folder, never on this machine's own paths. */
const RUNNABLE = /^(npm (ci|install|pack)|node -e|find|tar -xzf) /;

/**
 * Lays out every stage of `dockerfile` under `outDir` with the given `--build-arg`s and returns the final one.
 * `npm cache clean` is skipped (it would empty this machine's cache, not an image's).
 */
export function dryRunDockerfile(
  dockerfile: string,
  contextRoot: string,
  outDir: string,
  buildArgs: Record<string, string> = {},
): DryRunImage {
  const ignored = dockerignore(
    existsSync(join(contextRoot, ".dockerignore"))
      ? readFileSync(join(contextRoot, ".dockerignore"), "utf8")
      : "",
  );
  const stages = splitStages(parseDockerfile(readFileSync(dockerfile, "utf8")));
  const roots = new Map<string, string>();
  let image: DryRunImage | undefined;
  for (const [index, stage] of stages.entries()) {
    const root = join(outDir, `stage-${index}`);
    mkdirSync(root, { recursive: true });
    image = { root, workdir: "/", env: {}, cmd: [], command: [] };
    const inRoot = (path: string) => join(root, path.startsWith("/") ? path : join(image!.workdir, path));
    const argValues: Record<string, string> = {};
    for (const instruction of stage.instructions.slice(1)) {
      const { keyword } = instruction;
      // The build reads ARGs in every instruction but RUN, whose shell reads them from its environment.
      const raw = instruction.args;
      const expanded = substitute(raw, argValues);
      if (keyword === "ARG") {
        const [, name = "", fallback] = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(raw.trim()) ?? [];
        argValues[name] = buildArgs[name] ?? fallback ?? "";
        continue;
      }
      const text = keyword === "RUN" ? raw : expanded;
      if (keyword === "WORKDIR") {
        image.workdir = text.trim();
        mkdirSync(inRoot("."), { recursive: true });
      } else if (keyword === "ENV") {
        for (const match of text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S+)/g))
          image.env[match[1]!] = match[2]!;
      } else if (keyword === "CMD") {
        image.cmd = words(text);
      } else if (keyword === "COPY") {
        const from = /--from=(\S+)/.exec(text)?.[1];
        const parts = words(text.replace(/--\S+/g, ""));
        const dest = parts.pop()!;
        const base = from === undefined ? contextRoot : roots.get(from.toLowerCase());
        if (base === undefined) throw new DryRunError(`line ${instruction.line}: no stage ${from}`);
        for (const source of parts) {
          const path = join(base, source);
          if (!existsSync(path))
            throw new DryRunError(`line ${instruction.line}: COPY source ${source} does not exist`);
          const isDir = statSync(path).isDirectory();
          const target =
            dest.endsWith("/") && !isDir ? join(inRoot(dest), source.split("/").pop()!) : inRoot(dest);
          if (from === undefined) copyFiltered(path, target, contextRoot, ignored);
          else cpSync(path, target, { recursive: true, verbatimSymlinks: true });
        }
      } else if (keyword === "RUN") {
        const commands = splitAndList(text)
          .map((c) => c.trim())
          .filter((c) => !/^npm cache clean\b/.test(c));
        for (const command of commands) {
          if (!RUNNABLE.test(command))
            throw new DryRunError(
              `line ${instruction.line}: only npm, node -e, find and tar -xzf steps can be dry-run, not: ${command.slice(0, 80)}`,
            );
        }
        const script = commands
          .map((c) => c.replace(/^npm (ci|install|pack)\b/, "npm $1 --prefer-offline"))
          .join(" && ");
        const result = spawnSync("sh", ["-c", script], {
          cwd: inRoot("."),
          env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...argValues },
          encoding: "utf8",
        });
        if (result.status !== 0)
          throw new DryRunError(`line ${instruction.line}: RUN failed:\n${result.stderr}`);
      } else if (!["USER", "EXPOSE", "HEALTHCHECK", "ARG", "LABEL"].includes(keyword)) {
        throw new DryRunError(`line ${instruction.line}: ${keyword} is not understood by the dry run`);
      }
    }
    if (stage.name) roots.set(stage.name, root);
  }
  if (image === undefined) throw new DryRunError("no stages");
  const command = resolveCmd(JSON.stringify(image.cmd), image.env);
  if (command === undefined) throw new DryRunError(`CMD ${JSON.stringify(image.cmd)} is not understood`);
  return { ...image, command };
}
