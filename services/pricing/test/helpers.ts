import { Writable } from "node:stream";
import { createLogger, type Logger } from "@tickerbell/config";

export interface CapturedLog {
  log: Logger;
  /** Every line written so far, as raw text (what an operator would see). */
  text(): string;
  entries(): Array<Record<string, unknown>>;
  has(msg: string): boolean;
}

/** A real logger writing JSON lines to memory, so tests can assert on what operators would read. */
export function captureLog(service = "pricing"): CapturedLog {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const log = createLogger({ service, level: "debug", destination });
  const entries = () => lines.flatMap((l) => l.split("\n").filter(Boolean)).map((l) => JSON.parse(l));
  return {
    log,
    text: () => lines.join(""),
    entries,
    has: (msg) => entries().some((e) => e.msg === msg),
  };
}

export async function eventually(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
