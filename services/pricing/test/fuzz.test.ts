import { InMemoryBus } from "@tickerbell/bus";
import { createMetricsRegistry } from "@tickerbell/config";
import { TOPIC_CATALOG } from "@tickerbell/contracts";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NoDemandSnapshot } from "../src/adapters/alerts-demand-client.ts";
import { type RunningPricing, startPricing } from "../src/pricing.ts";
import { pricingConfig } from "./fixtures.ts";
import { type CapturedLog, captureLog } from "./helpers.ts";

/**
 * Property-based fuzzing of the pricing service's HTTP API in simulated mode: path parameters, query strings,
 * methods, headers and bodies never produce a 5xx, and every refusal is a 4xx with the error body.
 */

const RUNS = 10_000;
const FUZZ_TIMEOUT = 180_000;

let pricing: RunningPricing;
let bus: InMemoryBus<typeof TOPIC_CATALOG>;
let logs: CapturedLog;
beforeAll(async () => {
  bus = new InMemoryBus({ catalog: TOPIC_CATALOG });
  logs = captureLog();
  pricing = await startPricing({
    config: pricingConfig({}),
    bus,
    demandSource: new NoDemandSnapshot(),
    log: logs.log,
    metrics: createMetricsRegistry("pricing-fuzz-test"),
    tuning: { groupId: "pricing-fuzz-test" },
  });
});
afterAll(async () => {
  await pricing?.stop();
  await bus?.close();
});

interface Answer {
  status: number;
  text: string;
}

async function send(
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string } = {},
) {
  const res = await pricing.http.request(path, {
    method,
    ...(init.headers ? { headers: init.headers } : {}),
    ...(init.body !== undefined && method !== "GET" && method !== "HEAD" ? { body: init.body } : {}),
  });
  return { status: res.status, text: await res.text() };
}

function expectProperAnswer(res: Answer, request: string, method = "GET"): void {
  const where = `${request} -> ${res.status} ${res.text.slice(0, 300)}`;
  if (res.status >= 500) throw new Error(`server error: ${where}`);
  if (res.status < 400 || method === "HEAD") return;
  let body: { error?: { code?: unknown; message?: unknown } } | null = null;
  try {
    body = JSON.parse(res.text);
  } catch {
    throw new Error(`refusal that is not JSON: ${where}`);
  }
  const error = body?.error;
  const shaped =
    body !== null &&
    Object.keys(body).join() === "error" &&
    typeof error?.code === "string" &&
    /^[a-z_]+$/.test(error.code) &&
    typeof error.message === "string" &&
    error.message.trim().length > 0 &&
    Object.keys(error).every((k) => ["code", "message", "details"].includes(k));
  if (!shaped) throw new Error(`refusal without the error body: ${where}`);
}

const segment = fc.oneof(
  fc.string({ unit: "binary", maxLength: 60 }).map(encodeURIComponent),
  fc.constantFrom(
    "%",
    "%zz",
    "%E0%A4%A",
    "%00",
    "..",
    "%2e%2e",
    "%2F",
    "AAPL",
    "%24aapl",
    "BRK.B",
    "aapl",
    "ZZZZZZ",
  ),
  fc.stringMatching(/^[A-Za-z0-9.$%\-_~]{0,20}$/),
);

describe("the pricing HTTP API under fuzzing (simulated market)", () => {
  it(`answers arbitrary quote symbols with a quote or a proper 4xx (${RUNS} cases)`, {
    timeout: FUZZ_TIMEOUT,
  }, async () => {
    let quoted = 0;
    await fc.assert(
      fc.asyncProperty(segment, async (symbol) => {
        const path = `/v1/quote/${symbol}`;
        let res: Answer;
        try {
          res = await send("GET", path);
        } catch (error) {
          if (error instanceof TypeError) return; // not even a URL: the client's problem
          throw error;
        }
        expectProperAnswer(res, `GET ${path}`);
        if (res.status === 200) quoted++;
      }),
      { numRuns: RUNS },
    );
    // The generator reaches real symbols too, so the success path is fuzzed as well.
    expect(quoted).toBeGreaterThan(0);
  });

  it(`answers arbitrary search query strings with results or a proper 4xx (${RUNS} cases)`, {
    timeout: FUZZ_TIMEOUT,
  }, async () => {
    const key = fc.oneof(
      fc.constantFrom("q", "q[]", "Q", "__proto__", "constructor", "limit"),
      fc.string({ maxLength: 6 }),
    );
    const value = fc.oneof(
      fc.string({ unit: "binary", maxLength: 60 }),
      fc.constantFrom("", " ", "AAPL", "apple", "x".repeat(41)),
    );
    const query = fc.oneof(
      fc
        .array(fc.tuple(key, value), { maxLength: 4 })
        .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&")),
      fc.stringMatching(/^[A-Za-z0-9=&%.\-_[\]+]{0,40}$/),
    );
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const path = `/v1/search?${q}`;
        expectProperAnswer(await send("GET", path), `GET ${path}`);
      }),
      { numRuns: RUNS },
    );
  });

  it(`answers any method, path, header and body with a proper answer (${RUNS} cases)`, {
    timeout: FUZZ_TIMEOUT,
  }, async () => {
    const path = fc.oneof(
      fc.constantFrom(
        "/v1/quote/AAPL",
        "/v1/search?q=app",
        "/v1/market-status",
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
      ),
      segment.map((s) => `/v1/${s}`),
      segment.map((s) => `/v1/quote/${s}/${s}`),
    );
    const method = fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD");
    const headerValue = fc.string({
      unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)),
      maxLength: 60,
    });
    const headers = fc.dictionary(
      fc.constantFrom(
        "content-type",
        "accept",
        "authorization",
        "x-forwarded-for",
        "if-none-match",
        "range",
        "cookie",
      ),
      headerValue,
      { maxKeys: 4 },
    );
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? "null"),
      fc.string({ unit: "binary", maxLength: 100 }),
    );
    await fc.assert(
      fc.asyncProperty(method, path, headers, body, async (m, p, h, b) => {
        let res: Answer;
        try {
          res = await send(m, p, { headers: h, body: b });
        } catch (error) {
          if (error instanceof TypeError) return;
          throw error;
        }
        expectProperAnswer(res, `${m} ${p} ${JSON.stringify(h)}`, m);
      }),
      { numRuns: RUNS },
    );
  });

  it("logged no request failure during the fuzzing", () => {
    expect(logs.entries().filter((e) => e.msg === "request failed")).toEqual([]);
  });
});
