// The deployables and what their images need: the workspace closure over production dependencies, and the
// bare imports of those sources that no package.json declares (they would be missing from an image built
// with `npm ci --omit=dev -w <workspace>`).
import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { join } from "node:path";

export interface Deployable {
  /** Workspace folder, relative to the repository root. */
  workspace: string;
  /** Its service name in docker-compose.yml and its Deployment name in k8s/. */
  service: string;
  port: number;
  /** The zod schema its env.ts exports and main.ts parses. */
  envSchemaExport: string;
}

export const DEPLOYABLES: readonly Deployable[] = [
  { workspace: "services/alerts", service: "alerts", port: 8081, envSchemaExport: "AlertsEnvSchema" },
  { workspace: "services/pricing", service: "pricing", port: 8082, envSchemaExport: "PricingEnvSchema" },
  { workspace: "services/matcher", service: "matcher", port: 8083, envSchemaExport: "MatcherEnvSchema" },
  { workspace: "bots/telegram", service: "telegram-bot", port: 8084, envSchemaExport: "TelegramEnvSchema" },
  { workspace: "bots/discord", service: "discord-bot", port: 8085, envSchemaExport: "DiscordEnvSchema" },
];

/**
 * Chart drawing at run time: the workspace, and what an image holding it needs besides its sources. The images
 * are node:24 on Debian (glibc) for x64, so resvg's native renderer is its linux-x64-gnu package (an optional
 * dependency npm installs for the platform it runs on); without the bundled font the labels would have no face
 * (the slim image has no system fonts).
 */
export const CHART_RUNTIME = {
  workspace: "shared/charts",
  /** Deployables that draw charts: `/chart` and the chart in every notification. */
  deployables: ["bots/telegram", "bots/discord"],
  /** Files the image must hold, relative to its WORKDIR. */
  files: [
    "node_modules/echarts/package.json",
    "node_modules/@resvg/resvg-js/package.json",
    "node_modules/@resvg/resvg-js-linux-x64-gnu/resvgjs.linux-x64-gnu.node",
    "node_modules/dejavu-fonts-ttf/ttf/DejaVuSans.ttf",
  ],
} as const;

/** A one-shot process in docker-compose.yml: runs to completion before the services that depend on it. */
export interface ComposeJob {
  workspace: string;
  service: string;
  /** Entry point, relative to the repository root. */
  entry: string;
  envSchemaExport: string;
}

export const COMPOSE_JOBS: readonly ComposeJob[] = [
  {
    workspace: "bots/discord",
    service: "discord-register",
    entry: "bots/discord/src/register.ts",
    envSchemaExport: "RegisterEnvSchema",
  },
];

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
}

function readManifest(repoRoot: string, workspace: string): Manifest {
  return JSON.parse(readFileSync(join(repoRoot, workspace, "package.json"), "utf8")) as Manifest;
}

/** Workspace folders by package name (from the root package.json's workspace globs, one level deep). */
export function workspaceFolders(repoRoot: string): Map<string, string> {
  const root = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { workspaces: string[] };
  const folders = new Map<string, string>();
  for (const glob of root.workspaces) {
    const parent = glob.replace(/\/\*$/, "");
    for (const entry of readdirSync(join(repoRoot, parent), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const workspace = `${parent}/${entry.name}`;
      try {
        folders.set(readManifest(repoRoot, workspace).name, workspace);
      } catch {
        // A folder without package.json is not a workspace.
      }
    }
  }
  return folders;
}

/** The workspace and every workspace it depends on for production, transitively, in a stable order. */
export function productionClosure(repoRoot: string, workspace: string): string[] {
  const folders = workspaceFolders(repoRoot);
  const seen = new Set<string>();
  const visit = (folder: string) => {
    if (seen.has(folder)) return;
    seen.add(folder);
    for (const dep of Object.keys(readManifest(repoRoot, folder).dependencies ?? {})) {
      const depFolder = folders.get(dep);
      if (depFolder !== undefined) visit(depFolder);
    }
  };
  visit(workspace);
  return [workspace, ...[...seen].slice(1).sort()];
}

function sourceFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts") || entry.name.endsWith(".test.ts")) continue;
    files.push(join(entry.parentPath, entry.name));
  }
  return files;
}

function packageOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

export interface UndeclaredImport {
  workspace: string;
  file: string;
  dependency: string;
}

/**
 * Bare imports (static, `import type` excluded since type stripping erases it) in a workspace's src/ whose
 * package is neither a Node builtin nor a production dependency of that workspace.
 */
export function undeclaredImports(repoRoot: string, workspace: string): UndeclaredImport[] {
  const declared = new Set(Object.keys(readManifest(repoRoot, workspace).dependencies ?? {}));
  const builtins = new Set(builtinModules);
  const found: UndeclaredImport[] = [];
  for (const file of sourceFiles(join(repoRoot, workspace, "src"))) {
    const text = readFileSync(file, "utf8");
    const pattern =
      /^\s*(?:import|export)\s+(?!type\s)(?:[^"';]*?\sfrom\s+)?["']([^"'./][^"']*)["']|\bimport\(\s*["']([^"'./][^"']*)["']\s*\)/gm;
    for (const match of text.matchAll(pattern)) {
      const specifier = match[1] ?? match[2]!;
      if (specifier.startsWith("node:") || builtins.has(packageOf(specifier))) continue;
      const dependency = packageOf(specifier);
      if (!declared.has(dependency))
        found.push({ workspace, file: file.slice(repoRoot.length + 1), dependency });
    }
  }
  return found;
}
