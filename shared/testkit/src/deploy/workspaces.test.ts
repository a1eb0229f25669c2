import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { productionClosure, undeclaredImports } from "./workspaces.ts";

const root = mkdtempSync(join(tmpdir(), "workspaces-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function workspace(folder: string, manifest: object, source: string): void {
  mkdirSync(join(root, folder, "src"), { recursive: true });
  writeFileSync(join(root, folder, "package.json"), JSON.stringify(manifest));
  writeFileSync(join(root, folder, "src/main.ts"), source);
}

writeFileSync(join(root, "package.json"), JSON.stringify({ workspaces: ["apps/*", "libs/*"] }));
workspace(
  "apps/bot",
  { name: "@x/bot", dependencies: { "@x/lib": "*", ws: "1" }, devDependencies: { "@x/testing": "*" } },
  [
    'import { readFileSync } from "node:fs";',
    'import path from "path";',
    'import { WebSocket } from "ws";',
    'import type { Client } from "discord.js";',
    'import {\n  Telegraf,\n  type Context,\n} from "telegraf";',
    'const lazy = await import("@scope/pkg/sub");',
  ].join("\n"),
);
workspace("libs/lib", { name: "@x/lib", dependencies: {} }, 'export * from "./other.ts";');
workspace("libs/testing", { name: "@x/testing", dependencies: {} }, "");

describe("productionClosure", () => {
  it("follows production dependencies between workspaces only", () => {
    expect(productionClosure(root, "apps/bot")).toEqual(["apps/bot", "libs/lib"]);
  });
});

describe("undeclaredImports", () => {
  it("names runtime imports that are neither builtins nor dependencies; type-only imports are erased", () => {
    expect(undeclaredImports(root, "apps/bot").map((u) => u.dependency)).toEqual(["telegraf", "@scope/pkg"]);
    expect(undeclaredImports(root, "libs/lib")).toEqual([]);
  });
});
