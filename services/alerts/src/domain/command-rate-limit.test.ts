import { describe, expect, it } from "vitest";
import { CommandRateLimiter, MAX_REQUESTS_PER_COMMAND } from "./command-rate-limit.ts";

function limiter(perMinute: number) {
  let now = 1_000_000;
  const l = new CommandRateLimiter({ perMinute, now: () => now });
  return { l, advance: (ms: number) => (now += ms) };
}

describe("CommandRateLimiter", () => {
  it("lets a rested user send a burst of perMinute commands, then refuses with the wait for one token", () => {
    const { l } = limiter(30);
    for (let i = 0; i < 30; i++) expect(l.take("u1").allowed).toBe(true);
    expect(l.take("u1")).toEqual({ allowed: false, retryAfterMs: 2000 });
  });

  it("refills continuously at perMinute per minute", () => {
    const { l, advance } = limiter(30);
    for (let i = 0; i < 30; i++) l.take("u1");
    advance(1999);
    expect(l.take("u1")).toEqual({ allowed: false, retryAfterMs: 1 });
    advance(1);
    expect(l.take("u1").allowed).toBe(true);
    expect(l.take("u1").allowed).toBe(false);
    advance(60_000);
    for (let i = 0; i < 30; i++) expect(l.take("u1").allowed).toBe(true);
    expect(l.take("u1").allowed).toBe(false);
  });

  it("keeps users apart", () => {
    const { l } = limiter(2);
    l.take("u1");
    l.take("u1");
    expect(l.take("u1").allowed).toBe(false);
    expect(l.take("u2").allowed).toBe(true);
  });

  it("refused attempts do not dig the hole deeper", () => {
    const { l, advance } = limiter(60);
    for (let i = 0; i < 60; i++) l.take("u1");
    for (let i = 0; i < 100; i++) l.take("u1");
    advance(1000);
    expect(l.take("u1").allowed).toBe(true);
  });

  it("forgets rested users once many are tracked", () => {
    const { l, advance } = limiter(10);
    for (let i = 0; i < 10_000; i++) l.take(`u${i}`);
    expect(l.size).toBe(10_000);
    advance(60_000);
    l.take("fresh");
    expect(l.size).toBe(1);
  });

  it("counts a command once, however many requests it takes", () => {
    const { l } = limiter(3);
    for (const command of ["cmd-0001", "cmd-0002", "cmd-0003"])
      for (let request = 0; request < 4; request++) expect(l.take("u1", command).allowed).toBe(true);
    expect(l.take("u1", "cmd-0004").allowed).toBe(false);
    expect(l.take("u1").allowed).toBe(false);
  });

  it("a command id covers a bounded number of requests, then the next one counts again", () => {
    const { l } = limiter(2);
    for (let i = 0; i < MAX_REQUESTS_PER_COMMAND; i++) expect(l.take("u1", "cmd-0001").allowed).toBe(true);
    expect(l.take("u1", "cmd-0001").allowed).toBe(true); // a second token
    expect(l.take("u1", "cmd-0002").allowed).toBe(false);
  });

  it("a command id is known for a minute and per user only", () => {
    const { l, advance } = limiter(1);
    expect(l.take("u1", "cmd-0001").allowed).toBe(true);
    expect(l.take("u2", "cmd-0001").allowed).toBe(true);
    advance(30_000);
    expect(l.take("u1", "cmd-0001").allowed).toBe(true);
    advance(30_000);
    // A minute on, the id is forgotten and the request takes the token the minute refilled.
    expect(l.take("u1", "cmd-0001").allowed).toBe(true);
    expect(l.take("u1", "cmd-0001").allowed).toBe(true);
    expect(l.take("u1", "cmd-0002").allowed).toBe(false);
  });

  it("a refused command is not remembered as having taken its token", () => {
    const { l } = limiter(1);
    expect(l.take("u1", "cmd-0001").allowed).toBe(true);
    expect(l.take("u1", "cmd-0002").allowed).toBe(false);
    expect(l.take("u1", "cmd-0002").allowed).toBe(false);
  });
});
