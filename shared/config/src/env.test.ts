import { describe, expect, it } from "vitest";
import { z } from "zod";
import { EnvError, envBool, envInt, envPort, envSecret, isPlaceholder, parseEnv } from "./env.ts";
import { scrubSecrets } from "./logger.ts";

const schema = z.object({
  PORT: envInt(8080),
  DATABASE_URL: z.url(),
  API_TOKEN: envSecret(),
  VERBOSE: envBool(false),
});

describe("parseEnv", () => {
  it("applies defaults and coerces types", () => {
    const env = parseEnv("svc", schema, { DATABASE_URL: "postgres://x@h/db", API_TOKEN: "longenough" });
    expect(env).toEqual({
      PORT: 8080,
      DATABASE_URL: "postgres://x@h/db",
      API_TOKEN: "longenough",
      VERBOSE: false,
    });
  });

  it("names every missing and invalid variable in one error, without echoing values", () => {
    let caught: unknown;
    try {
      parseEnv("svc", schema, { PORT: "eighty", API_TOKEN: "short-s", VERBOSE: "maybe" });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(EnvError);
    const err = caught as EnvError;
    expect(err.problems).toHaveLength(4);
    expect(err.message).toContain("DATABASE_URL is required");
    expect(err.message).toMatch(/PORT: /);
    expect(err.message).toMatch(/API_TOKEN: must be at least 8 characters/);
    expect(err.message).toMatch(/VERBOSE: /);
    expect(err.message).not.toContain("short-s");
  });

  it("treats empty strings as unset", () => {
    expect(() => parseEnv("svc", schema, { DATABASE_URL: "", API_TOKEN: "longenough" })).toThrow(
      /DATABASE_URL is required/,
    );
  });

  it("refuses a secret still holding the .env.example placeholder, and says how to make one", () => {
    expect(() =>
      parseEnv("svc", schema, {
        DATABASE_URL: "postgres://x@h/db",
        API_TOKEN: "replace-with-random-internal-token",
      }),
    ).toThrow(
      /API_TOKEN: still holds the placeholder of \.env\.example: set a long random value \(openssl rand -hex 24\)/,
    );
  });
});

describe("parseEnv's secrets", () => {
  it("registers the named variables' values with the scrubber, and only those", () => {
    const token = "token-registered-by-parseEnv";
    const url = "postgres://not-a-secret@h/db";
    parseEnv("svc", schema, { DATABASE_URL: url, API_TOKEN: token }, { secrets: ["API_TOKEN"] });
    expect(scrubSecrets(`calling with ${token}`)).toBe("calling with [REDACTED]");
    expect(scrubSecrets(url)).toBe(url);
  });

  it("registers nothing when the environment is refused", () => {
    const token = "token-of-a-refused-environment";
    expect(() => parseEnv("svc", schema, { API_TOKEN: token }, { secrets: ["API_TOKEN"] })).toThrow(EnvError);
    expect(scrubSecrets(token)).toBe(token);
  });
});

describe("envPort", () => {
  const ports = z.object({ PORT: envPort(8080) });
  it("defaults, and refuses a port outside 1-65535 by name", () => {
    expect(parseEnv("svc", ports, {})).toEqual({ PORT: 8080 });
    expect(parseEnv("svc", ports, { PORT: "65535" })).toEqual({ PORT: 65535 });
    expect(() => parseEnv("svc", ports, { PORT: "0" })).toThrow(/PORT/);
    expect(() => parseEnv("svc", ports, { PORT: "70000" })).toThrow(/PORT/);
  });
});

describe("isPlaceholder", () => {
  it("knows .env.example's placeholders, whatever their case or prefix", () => {
    expect(isPlaceholder("replace-with-random-discord-bot-token")).toBe(true);
    expect(isPlaceholder("123456:Replace-With-telegram-bot-token")).toBe(true);
    expect(isPlaceholder("3f9a1c0e7b2d4a6f8e1c3b5d7a9f0e2c")).toBe(false);
    expect(isPlaceholder(undefined)).toBe(false);
  });
});
