// Each image laid out without Docker (the Dockerfile's COPY, npm, node and find steps with the deployable's build
// arguments, .dockerignore applied) and its CMD started there: every module the entry point imports must load from what the image holds. A bad PORT makes
// each service stop at its env check, which runs only after the whole static import graph has loaded.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { dockerignore, dryRunDockerfile } from "../../src/deploy/image-dry-run.ts";
import { CHART_RUNTIME, DEPLOYABLES, productionClosure } from "../../src/deploy/workspaces.ts";
import { createTestDatabase } from "../../src/postgres.ts";
import { REPO_ROOT, repoFile } from "./repo.ts";

const NODE = join(REPO_ROOT, "node_modules/.bin/node");
/** Run in the pricing image's WORKDIR: opens DATABASE_URL as the service does, writes a minute bar, reads it. */
const STORE_A_BAR = `
import { openPricingDb, SqlBarStore } from "./services/pricing/src/index.ts";
const store = new SqlBarStore(await openPricingDb({ kind: "postgres", url: process.env.DATABASE_URL }));
const t = 1779999960000; // a minute's start
await store.write([
  { symbol: "IMG", resolution: "1m", t, o: 10, h: 11, l: 9, c: 10.5, v: 3, n: 2, openTs: t + 1000, closeTs: t + 2000 },
]);
console.log(JSON.stringify(await store.read("IMG", "1m", t - 60000, t + 60000)));
await store.close();
`;
/** Run in an image's WORKDIR: draws a day's chart with shared/charts as the image holds it; prints its size. */
const DRAW_A_CHART = `
import { realpathSync } from "node:fs";
import { buildChartSpec, bundledFontFile, ChartRenderer } from "./shared/charts/src/index.ts";
const open = Date.UTC(2026, 11, 3, 14, 30);
const bars = Array.from({ length: 120 }, (_, i) => {
  const c = 100 + Math.sin(i / 10);
  return { t: open + i * 60000, o: c, h: c + 0.1, l: c - 0.1, c, v: 1000, n: 3 };
});
const at = open + 119 * 60000;
const spec = buildChartSpec({
  symbol: "IMG",
  window: "1d",
  bars: { symbol: "IMG", resolution: "1m", from: open, to: at + 60000, bars, previousClose: 99 },
  now: at,
  timeZone: "America/New_York",
  levels: [],
  alert: {
    level: { price: 100.5, label: "above 100.50" },
    reference: { kind: "previousClose", price: 99 },
    trigger: { at, price: 100.6 },
  },
});
const png = await new ChartRenderer().render(spec);
console.log(JSON.stringify({
  font: realpathSync(bundledFontFile()),
  png: { signature: png.subarray(0, 8).toString("hex"), width: png.readUInt32BE(16), height: png.readUInt32BE(20) },
}));
`;
const out = mkdtempSync(join(tmpdir(), "image-dry-run-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe.each(DEPLOYABLES.map((d) => [d.workspace, d] as const))("the %s image", (_, deployable) => {
  it("holds production dependencies only, no tests, and everything its CMD loads", async () => {
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

    // Charts: the renderer's packages, its native binary for the image's platform and its font, and a chart
    // drawn inside the image with them (a missing font would not fail the draw, only blank its labels).
    if ((CHART_RUNTIME.deployables as readonly string[]).includes(deployable.workspace)) {
      for (const file of CHART_RUNTIME.files) expect(existsSync(join(app, file)), file).toBe(true);
      const drawn = spawnSync(NODE, ["--input-type=module", "-e", DRAW_A_CHART], {
        cwd: app,
        env: { PATH: process.env.PATH ?? "", ...image.env },
        encoding: "utf8",
        timeout: 120_000,
      });
      expect(drawn.stderr).toBe("");
      expect(JSON.parse(drawn.stdout)).toEqual({
        font: realpathSync(join(app, "node_modules/dejavu-fonts-ttf/ttf/DejaVuSans.ttf")),
        png: { signature: "89504e470d0a1a0a", width: 800, height: 450 },
      });
    }

    // Price history: the pricing image opens PostgreSQL with what it holds (its migrations applied on the way)
    // and writes and reads a bar, as the running service does once DATABASE_URL is set.
    if (deployable.workspace === "services/pricing") {
      const database = await createTestDatabase("tb_image_pricing");
      try {
        const stored = spawnSync(NODE, ["--input-type=module", "-e", STORE_A_BAR], {
          cwd: app,
          env: { PATH: process.env.PATH ?? "", ...image.env, DATABASE_URL: database.url },
          encoding: "utf8",
          timeout: 120_000,
        });
        expect(stored.stderr).toBe("");
        expect(JSON.parse(stored.stdout)).toEqual([
          { t: 1_779_999_960_000, o: 10, h: 11, l: 9, c: 10.5, v: 3, n: 2 },
        ]);
      } finally {
        await database.drop();
      }
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
