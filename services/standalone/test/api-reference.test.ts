import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleOnlyEnv } from "./console-only-env.ts";

// The API reference as a user of the standalone meets it: `npm start` prints the alert service's reference page
// and a local API token; the page, opened in headless Chromium (Debian's package, driven by playwright-core),
// creates an alert through its own request UI with that token, and the alert is there afterwards. Every request
// the page makes outside the alert service is refused, as on a machine without internet: the page must not need
// one.
const MAIN = join(import.meta.dirname, "..", "src", "main.ts");
const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);

describe.runIf(haveChromium || process.env.CI === "true")("the API reference page of the standalone", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "tickerbell-apiref-"));
  let child: ChildProcess;
  let output = "";
  let browser: Browser;
  let alertsUrl: string;
  let token: string;
  /** Requests the page tried to make anywhere but the alert service. */
  const outside: string[] = [];

  beforeAll(async () => {
    // Under CI a missing browser is a failure (installed by .ci/run), never a skip.
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
    child = spawn(process.execPath, [MAIN], {
      env: consoleOnlyEnv(dataDir, { ALERTS_API_TOKEN: "" }),
      stdio: ["pipe", "pipe", "pipe"],
    });
    child.stdout?.on("data", (c) => {
      output += String(c);
    });
    child.stderr?.on("data", (c) => {
      output += String(c);
    });
    const deadline = Date.now() + 90_000;
    for (;;) {
      const url = /alerts (http:\/\/127\.0\.0\.1:\d+)\/docs/.exec(output)?.[1];
      const printed = /API token:\s+(\S+)/.exec(output)?.[1];
      if (url && printed) {
        alertsUrl = url;
        token = printed;
        break;
      }
      if (Date.now() > deadline) throw new Error(`no API reference URL and token in the banner:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function openReference(): Promise<Page> {
    const page = await browser.newPage();
    // As offline: whatever is not the alert service is refused (and recorded).
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith(`${alertsUrl}/`) || url.startsWith("data:") || url.startsWith("blob:"))
        return route.continue();
      outside.push(url);
      return route.abort("internetdisconnected");
    });
    await page.goto(`${alertsUrl}/docs`);
    return page;
  }

  it("prints a token in the banner that the API takes", async () => {
    expect(token).toMatch(/^[0-9a-f]{48}$/);
    const res = await fetch(`${alertsUrl}/v1/alerts`, {
      headers: { authorization: `Bearer ${token}`, "x-platform-user-id": "local" },
    });
    expect(res.status).toBe(200);
    // The first request of a standalone still starting (its price history opening an embedded database beside
    // it) can take seconds on a busy machine.
  }, 60_000);

  it("loads the reference from the service alone and creates an alert from its request UI", async () => {
    const page = await openReference();
    await page
      .getByRole("heading", { name: "Tickerbell alert service" })
      .first()
      .waitFor({ timeout: 60_000 });

    // The printed token goes into the page's authentication box, as a person pastes it.
    await page.getByPlaceholder("Token").first().fill(token);
    // To the create operation through the sidebar, then its request client.
    await page.getByRole("button", { name: "alerts" }).first().click();
    await page.getByText("Create an alert (price, percent or trailing)").first().click();
    await page
      .getByRole("button", { name: /Test Request\s*\(post \/v1\/alerts\)/ })
      .first()
      .click();
    const client = page.getByRole("dialog").first();
    // The client starts from the document's first example and the header's example user (local, the console's).
    await client.getByText('"new high"').first().waitFor();
    await client
      .getByRole("button", { name: /^Send\b/ })
      .first()
      .click();
    await client.getByText("201 Created").first().waitFor({ timeout: 30_000 });
    await page.close();

    // The alert exists for the console user the example header names.
    const res = await fetch(`${alertsUrl}/v1/alerts?symbol=AAPL`, {
      headers: { authorization: `Bearer ${token}`, "x-platform-user-id": "local" },
    });
    const body = (await res.json()) as { alerts: { symbol: string; note: string | null }[] };
    expect(body.alerts).toEqual([expect.objectContaining({ symbol: "AAPL", note: "new high" })]);
    expect(outside).toEqual([]);
  }, 120_000);
});
