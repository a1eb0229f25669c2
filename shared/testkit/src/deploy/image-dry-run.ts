// Builds what a Dockerfile's final stage would contain, without Docker: each stage is a folder, COPY copies
// from the build context (minus .dockerignore) or from an earlier stage's folder, RUN runs its npm commands in
// the stage's WORKDIR. Only the instructions our Dockerfiles use are understood; anything else is refused.
// The result answers "does the image hold everything its CMD loads?" on a machine without a Docker engine.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { parseDockerfile, splitStages } from "./dockerfile.ts";

export interface DryRunImage {
  /** The final stage's filesystem root. */
  root: string;
  /** WORKDIR of the final stage, inside `root`. */
  workdir: string;
  env: Record<string, string>;
  cmd: string[];
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

/**
 * Lays out every stage of `dockerfile` under `outDir` and returns the final one. `npm cache clean` is
 * skipped (it would empty this machine's cache, not an image's).
 */
export function dryRunDockerfile(dockerfile: string, contextRoot: string, outDir: string): DryRunImage {
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
    image = { root, workdir: "/", env: {}, cmd: [] };
    const inRoot = (path: string) => join(root, path.startsWith("/") ? path : join(image!.workdir, path));
    for (const instruction of stage.instructions.slice(1)) {
      const { keyword, args } = instruction;
      if (keyword === "WORKDIR") {
        image.workdir = args.trim();
        mkdirSync(inRoot("."), { recursive: true });
      } else if (keyword === "ENV") {
        for (const match of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S+)/g))
          image.env[match[1]!] = match[2]!;
      } else if (keyword === "CMD") {
        image.cmd = words(args);
      } else if (keyword === "COPY") {
        const from = /--from=(\S+)/.exec(args)?.[1];
        const parts = words(args.replace(/--\S+/g, ""));
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
        for (const command of args.split("&&").map((c) => c.trim())) {
          if (/^npm cache clean\b/.test(command)) continue;
          if (!/^npm (ci|install)\b/.test(command))
            throw new DryRunError(`line ${instruction.line}: only npm steps can be dry-run, not: ${command}`);
          const result = spawnSync("sh", ["-c", `${command} --prefer-offline`], {
            cwd: inRoot("."),
            encoding: "utf8",
          });
          if (result.status !== 0)
            throw new DryRunError(`line ${instruction.line}: ${command} failed:\n${result.stderr}`);
        }
      } else if (!["USER", "EXPOSE", "HEALTHCHECK", "ARG", "LABEL"].includes(keyword)) {
        throw new DryRunError(`line ${instruction.line}: ${keyword} is not understood by the dry run`);
      }
    }
    if (stage.name) roots.set(stage.name, root);
  }
  if (image === undefined) throw new DryRunError("no stages");
  return image;
}
